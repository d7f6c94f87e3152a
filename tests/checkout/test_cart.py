from decimal import Decimal

import pytest

from comptoir.catalog.models import ProductStatus
from comptoir.checkout import services
from comptoir.checkout.errors import CheckoutCompletedError, ProductUnavailableError, QuantityLimitError
from comptoir.checkout.models import Checkout
from comptoir.checkout.queries import cart_lines, summarize
from comptoir.inventory.errors import InsufficientStockError
from comptoir.inventory.queries import forget_locations
from tests.checkout.factories import cart_with, ready_checkout
from tests.factories import sellable_product


@pytest.mark.django_db
def test_adding_a_variant_twice_adds_to_its_line(channel):
    cart, variant = cart_with(channel, quantity=1)

    services.add_to_cart(checkout_id=cart.pk, variant_id=variant.pk, quantity=2)

    (line,) = cart_lines(cart)
    assert line.quantity == 3


@pytest.mark.django_db
def test_more_units_than_in_stock_are_refused_with_what_is_left(channel):
    cart, variant = cart_with(channel, stock=3, quantity=1)

    with pytest.raises(InsufficientStockError) as error:
        services.add_to_cart(checkout_id=cart.pk, variant_id=variant.pk, quantity=5)

    assert error.value.shortages[0].available == 3
    assert cart_lines(cart)[0].quantity == 1


@pytest.mark.django_db
def test_a_draft_product_cannot_be_added(channel):
    product = sellable_product(channel=channel)
    product.status = ProductStatus.DRAFT
    product.save()
    cart = services.open_cart(channel=channel)

    with pytest.raises(ProductUnavailableError):
        services.add_to_cart(checkout_id=cart.pk, variant_id=product.variants.first().pk, quantity=1)


@pytest.mark.django_db
def test_minimum_and_maximum_quantities_are_enforced(channel):
    product = sellable_product(channel=channel, min_quantity=2, max_quantity=4)
    variant = product.variants.first()
    cart = services.open_cart(channel=channel)

    with pytest.raises(QuantityLimitError) as too_few:
        services.add_to_cart(checkout_id=cart.pk, variant_id=variant.pk, quantity=1)
    with pytest.raises(QuantityLimitError) as too_many:
        services.add_to_cart(checkout_id=cart.pk, variant_id=variant.pk, quantity=5)

    assert too_few.value.data["min"] == 2 and too_many.value.data["max"] == 4


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", [0, -1, 1000, "2", True])
def test_nonsense_quantities_are_refused(channel, quantity):
    cart, variant = cart_with(channel)

    with pytest.raises(QuantityLimitError):
        services.add_to_cart(checkout_id=cart.pk, variant_id=variant.pk, quantity=quantity)


@pytest.mark.django_db
def test_setting_a_line_to_zero_removes_it(channel):
    cart, _ = cart_with(channel)
    line_id = cart_lines(cart)[0].id

    services.set_cart_line_quantity(checkout_id=cart.pk, line_id=line_id, quantity=0)

    assert cart_lines(cart) == []


@pytest.mark.django_db
def test_the_totals_follow_todays_prices_and_the_delivery_chosen(channel):
    checkout, _ = ready_checkout(channel, price="12.50", quantity=3)

    totals = summarize(checkout).totals

    assert (totals.subtotal.amount, totals.shipping.amount, totals.total.amount) == (
        Decimal("37.50"),
        Decimal("4.90"),
        Decimal("42.40"),
    )


@pytest.mark.django_db
def test_signing_in_merges_the_anonymous_cart_into_the_customers_cart(channel, django_user_model):
    user = django_user_model.objects.create_user("buyer@example.fr", "buyer@example.fr", "pw-123456789")
    own, shared = cart_with(channel, user=user, quantity=1)
    anonymous = services.open_cart(channel=channel)
    services.add_to_cart(checkout_id=anonymous.pk, variant_id=shared.pk, quantity=2)
    other = sellable_product(channel=channel).variants.first()
    forget_locations()
    services.add_to_cart(checkout_id=anonymous.pk, variant_id=other.pk, quantity=1)

    merged = services.merge_carts(user_id=user.pk, channel=channel, anonymous_token=str(anonymous.token))

    assert merged.pk == own.pk
    assert {line.variant_id: line.quantity for line in cart_lines(merged)} == {shared.pk: 3, other.pk: 1}
    assert not Checkout.objects.filter(pk=anonymous.pk).exists()


@pytest.mark.django_db
def test_an_anonymous_cart_becomes_the_customers_when_they_had_none(channel, django_user_model):
    user = django_user_model.objects.create_user("new@example.fr", "new@example.fr", "pw-123456789")
    anonymous, _ = cart_with(channel)

    merged = services.merge_carts(user_id=user.pk, channel=channel, anonymous_token=str(anonymous.token))

    assert merged.pk == anonymous.pk and Checkout.objects.get(pk=anonymous.pk).user_id == user.pk


@pytest.mark.django_db
def test_a_cart_that_became_an_order_cannot_change(channel):
    checkout, variant = ready_checkout(channel)
    services.place_order(checkout_id=checkout.pk)

    with pytest.raises(CheckoutCompletedError):
        services.add_to_cart(checkout_id=checkout.pk, variant_id=variant.pk, quantity=1)


@pytest.mark.django_db
def test_holding_stock_reserves_the_cart_and_says_when_a_hold_lapsed(channel):
    from datetime import timedelta

    from django.utils import timezone

    from comptoir.inventory.models import Reservation

    checkout, _variant = ready_checkout(channel, quantity=2)
    first = services.hold_stock(checkout_id=checkout.pk)
    later = services.hold_stock(checkout_id=checkout.pk, now=timezone.now() + timedelta(hours=1))

    assert first.reserved_until is not None and not first.lapsed
    assert later.lapsed
    assert Reservation.objects.get(holder=checkout.holder).quantity == 2


@pytest.mark.django_db
def test_a_buyer_holding_the_last_units_is_not_told_they_sold_out(channel):
    cart, _variant = cart_with(channel, stock=3, quantity=3)
    services.hold_stock(checkout_id=cart.pk)
    line_id = cart_lines(cart)[0].id
    cart.refresh_from_db()

    services.set_cart_line_quantity(checkout_id=cart.pk, line_id=line_id, quantity=2)

    (line,) = cart_lines(Checkout.objects.get(pk=cart.pk))
    assert line.quantity == 2 and line.available == 3 and line.problem == ""


@pytest.mark.django_db
def test_a_variant_told_apart_by_its_options_is_named_by_them(channel):
    from tests.factories import AttributeValueFactory

    cart, variant = cart_with(channel)
    variant.name = ""
    variant.save()
    variant.option_values.add(AttributeValueFactory(name="M"), AttributeValueFactory(name="Red"))

    (line,) = cart_lines(cart)

    assert sorted(line.variant_name.split(" / ")) == ["M", "Red"]
    assert line.label == f"{line.product_name} — {line.variant_name}"
