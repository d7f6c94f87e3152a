"""The tax breakdown on the buyer's cart page and in the cart API, at the same query cost as without taxes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comptoir.checkout import services
from comptoir.inventory.queries import forget_locations
from tests.factories import sellable_product
from tests.storefront.checkout_helpers import page_text, use_cart
from tests.taxes.factories import standard_zones, tax_settings

pytestmark = pytest.mark.django_db


def _cart(channel, *prices_and_classes: tuple[str, str]):
    cart = services.open_cart(channel=channel)
    for price, tax_class in prices_and_classes:
        variant = sellable_product(channel=channel, price=price, tax_class=tax_class).variants.get()
        forget_locations()
        services.add_to_cart(checkout_id=cart.pk, variant_id=variant.pk, quantity=1)
    return cart


def _queries(client, url: str) -> int:
    client.get(url)  # warm the cached channel, locations, category tree and tax rates
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_cart_page_shows_the_tax_included_at_each_rate(client, channel):
    standard_zones()
    tax_settings(channel, origin="FR")
    use_cart(client, _cart(channel, ("24.00", "standard"), ("10.55", "reduced")))

    text = page_text(client.get("/en/cart/"))

    # 24.00 * 0.20 / 1.20 = 4.00; 10.55 * 0.055 / 1.055 = 0.55
    assert "Including tax at 20%€4.00" in text
    assert "Including tax at 5.5%€0.55" in text


def test_the_cart_api_gives_the_breakdown(client, channel):
    standard_zones()
    tax_settings(channel, origin="FR")
    cart = _cart(channel, ("24.00", "standard"))

    totals = client.get(f"/api/v1/carts/{cart.token}").json()["totals"]

    assert totals["tax_breakdown"] == [
        {
            "rate": "0.2", "base": {"amount": "20.00", "currency": "EUR", "formatted": "€20.00"},
            "amount": {"amount": "4.00", "currency": "EUR", "formatted": "€4.00"}, "treatment": "taxed",
            "reason": "", "country": "FR", "reference": "", "label": "",
        }
    ]  # fmt: skip


def test_taxes_add_no_query_to_a_warm_cart_page(client, channel):
    plain = _cart(channel, ("24.00", "standard"))
    use_cart(client, plain)
    without_taxes = _queries(client, "/en/cart/")
    standard_zones()
    tax_settings(channel, origin="FR")
    taxed = _cart(channel, ("24.00", "standard"), ("10.55", "reduced"))
    use_cart(client, taxed)

    assert _queries(client, "/en/cart/") == without_taxes
