"""Carts in the back office: the open carts with their lines, value and last activity, and the abandoned ones."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from comptoir.checkout.models import Checkout, CheckoutLine
from tests.backoffice.inventory_support import body, count_queries, staff
from tests.backoffice.order_factories import priced_variant
from tests.factories import VariantFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/checkout/checkout/"


def cart(channel, *lines, email: str = "", idle: timedelta | None = None, completed: bool = False) -> Checkout:
    """A cart with `lines` (variant, quantity); `idle` ages the cart and its lines by that much."""
    checkout = Checkout.objects.create(
        channel=channel, currency=channel.currency, email=email, completed_at=timezone.now() if completed else None
    )
    for variant, quantity in lines:
        CheckoutLine.objects.create(checkout=checkout, variant=variant, quantity=quantity)
    if idle:
        then = timezone.now() - idle
        Checkout.objects.filter(pk=checkout.pk).update(updated_at=then)
        CheckoutLine.objects.filter(checkout=checkout).update(created_at=then)
    return checkout


def row_of(page: str, checkout: Checkout) -> bool:
    return f"/admin/checkout/checkout/{checkout.pk}/change/" in page


def test_the_list_shows_each_open_cart_with_its_lines_and_value_at_todays_prices(admin_client, channel):
    shirt, mug = priced_variant(channel, price="20.00"), priced_variant(channel, price="7.50")
    open_cart = cart(channel, (shirt, 2), (mug, 1), email="ada@example.com")

    page = body(admin_client.get(LIST))

    assert row_of(page, open_cart) and "ada@example.com" in page
    assert "€47.50" in page
    assert '<td class="field-line_count_col' in page


def test_a_line_without_a_price_in_the_carts_channel_counts_for_nothing(admin_client, channel):
    unpriced = VariantFactory()
    shirt = priced_variant(channel, price="20.00")
    cart(channel, (shirt, 1), (unpriced, 3))

    page = body(admin_client.get(LIST))

    assert "€20.00" in page


def test_carts_that_became_orders_are_not_listed(admin_client, channel):
    shirt = priced_variant(channel)
    done = cart(channel, (shirt, 1), completed=True)

    assert not row_of(body(admin_client.get(LIST)), done)


def test_the_abandoned_filter_keeps_carts_with_lines_idle_for_over_an_hour(admin_client, channel):
    shirt = priced_variant(channel)
    abandoned = cart(channel, (shirt, 1), idle=timedelta(hours=3))
    active = cart(channel, (shirt, 1), idle=timedelta(minutes=10))
    empty = cart(channel, idle=timedelta(hours=3))

    page = body(admin_client.get(LIST, {"activity": "abandoned"}))

    assert row_of(page, abandoned)
    assert not row_of(page, active) and not row_of(page, empty)


def test_a_line_added_recently_makes_an_old_cart_active(admin_client, channel):
    shirt, mug = priced_variant(channel), priced_variant(channel)
    checkout = cart(channel, (shirt, 1), idle=timedelta(hours=5))
    CheckoutLine.objects.create(checkout=checkout, variant=mug, quantity=1)

    abandoned = body(admin_client.get(LIST, {"activity": "abandoned"}))
    active = body(admin_client.get(LIST, {"activity": "active"}))

    assert not row_of(abandoned, checkout) and row_of(active, checkout)


def test_the_list_takes_the_same_queries_for_one_cart_and_for_many(admin_client, channel):
    shirt = priced_variant(channel)
    cart(channel, (shirt, 1))
    admin_client.get(LIST)
    one = count_queries(admin_client, LIST)

    for i in range(12):
        cart(channel, (shirt, i + 1), (priced_variant(channel), 1), email=f"b{i}@example.com")
    many = count_queries(admin_client, LIST)

    assert one == many


def test_a_cart_page_shows_its_lines_read_only(admin_client, channel):
    shirt = priced_variant(channel, sku="SHIRT-M")
    checkout = cart(channel, (shirt, 2))

    page = body(admin_client.get(f"{LIST}{checkout.pk}/change/"))

    assert "SHIRT-M" in page and 'name="lines-0-quantity"' not in page


def test_carts_cannot_be_changed_here(admin_client, channel):
    shirt = priced_variant(channel)
    checkout = cart(channel, (shirt, 2))

    response = admin_client.post(f"{LIST}{checkout.pk}/change/", {"email": "x@example.com"})

    assert response.status_code == 403
    assert Checkout.objects.get(pk=checkout.pk).email == ""
    assert Decimal(CheckoutLine.objects.get().quantity) == 2


def test_staff_without_cart_rights_cannot_see_carts(client, channel):
    staff(client)

    assert client.get(LIST).status_code == 403
