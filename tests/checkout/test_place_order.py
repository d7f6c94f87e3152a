from decimal import Decimal

import pytest

from comptoir.checkout import services
from comptoir.checkout.errors import CheckoutIncompleteError, PriceChangedError
from comptoir.checkout.models import Checkout
from comptoir.inventory.models import Allocation, Reservation, StockLevel
from comptoir.orders.models import Order, OrderStatus
from comptoir.orders.services import pay_order
from comptoir.pricing.models import VariantPrice
from tests.checkout.factories import cart_with, ready_checkout


@pytest.mark.django_db
def test_placing_an_order_freezes_prices_and_turns_the_hold_into_an_allocation(channel):
    checkout, variant = ready_checkout(channel, price="20.00", quantity=2)
    services.hold_stock(checkout_id=checkout.pk)

    order = services.place_order(checkout_id=checkout.pk)

    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert (order.subtotal, order.shipping_price, order.total) == (Decimal("40.00"), Decimal("4.90"), Decimal("44.90"))
    line = order.lines.get()
    assert (line.quantity, line.unit_price, line.sku) == (2, Decimal("20.00"), variant.sku)
    assert order.shipping_address["city"] == "PARIS" or order.shipping_address["city"].lower() == "paris"
    assert not Reservation.objects.filter(holder=checkout.holder).exists()
    assert Allocation.objects.get(order_ref=order.number).quantity == 2
    assert Checkout.objects.get(pk=checkout.pk).completed_at is not None


@pytest.mark.django_db
def test_placing_twice_returns_the_same_order(channel):
    checkout, _ = ready_checkout(channel)

    first = services.place_order(checkout_id=checkout.pk)
    second = services.place_order(checkout_id=checkout.pk)

    assert first.pk == second.pk
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_a_checkout_without_email_or_delivery_names_each_missing_step(channel):
    cart, _ = cart_with(channel)

    with pytest.raises(CheckoutIncompleteError) as error:
        services.place_order(checkout_id=cart.pk)

    fields = {e["field"] for e in error.value.errors}
    assert {"email", "delivery", "payment_method"} <= fields
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_a_price_changed_since_the_cart_is_announced_then_charged_at_the_new_price(channel):
    checkout, variant = ready_checkout(channel, price="20.00")
    VariantPrice.objects.filter(variant=variant).update(amount=Decimal("25.00"))

    with pytest.raises(PriceChangedError) as error:
        services.place_order(checkout_id=checkout.pk)
    order = services.place_order(checkout_id=checkout.pk)

    assert error.value.data["changes"][0]["new"] == "25.00"
    assert order.lines.get().unit_price == Decimal("25.00")


@pytest.mark.django_db
def test_paying_with_the_test_card_marks_the_order_paid(channel):
    checkout, _ = ready_checkout(channel)
    order = services.place_order(checkout_id=checkout.pk)

    payment = pay_order(order_id=order.pk, method_code="test:card", data={"card_number": "4242 4242 4242 4242"})

    order.refresh_from_db()
    assert payment.status == "captured"
    assert order.status == OrderStatus.PAID


@pytest.mark.django_db
def test_a_declined_card_leaves_the_order_awaiting_payment_and_the_stock_allocated(channel):
    checkout, variant = ready_checkout(channel)
    order = services.place_order(checkout_id=checkout.pk)

    payment = pay_order(order_id=order.pk, method_code="test:card", data={"card_number": "4000000000000002"})

    order.refresh_from_db()
    assert payment.status == "failed" and "declined" in payment.error
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert StockLevel.objects.get(variant=variant).allocated == 1
