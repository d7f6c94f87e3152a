"""The queries of a whole checkout through the buying API, step by step (issue 8: the hot paths).

The flow is bench/checkout.py's: open a cart, add two items, e-mail, addresses, delivery options, delivery,
payment method, hold, place the order, pay. A first checkout warms the caches (channel, locations, tax
rates), as a running shop has them; the second one is counted. A step that starts reading more is a
regression to look at (or, when it is worth it, a number to raise here honestly)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comptoir.inventory.queries import forget_locations
from tests.api.buying import TEST_CARD, cart_url, write
from tests.checkout.factories import ADDRESS_FR, shipping_method
from tests.factories import sellable_product

pytestmark = pytest.mark.django_db

# Queries per step of one checkout, caches warm. (Lowered by the checkout CPU work: the cart's lines read the
# sellable variants' prices in one query; the hold and the order find the stock rows to lock in one query and take
# the routing's split setting from the cached channel; place_order checks for an earlier order in one query.)
STEP_QUERIES = {
    "open cart": 7,
    "add first item": 21,
    "add second item": 21,
    "email": 16,
    "addresses": 16,
    "delivery options": 9,
    "delivery": 18,
    "payment method": 19,
    "hold": 25,
    "place order": 41,
    "pay": 37,
}


def _checkout(client, channel, variants, method, statements: dict | None = None) -> dict[str, int]:
    """One checkout through the API; returns the queries per step (their SQL, shortened, in `statements`)."""
    counts: dict[str, int] = {}
    statements = {} if statements is None else statements

    def step(name: str, method_name: str, url: str, body=None, ok=(200, 201)):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url) if method_name == "GET" else write(client, method_name, url, body)
        assert response.status_code in ok, (name, response.content)
        counts[name] = len(queries)
        statements[name] = [q["sql"][:160] for q in queries.captured_queries]
        return response.json()

    cart = step("open cart", "POST", "/api/v1/carts")
    step("add first item", "POST", cart_url(cart, "/lines"), {"variant_id": variants[0].pk, "quantity": 1})
    step("add second item", "POST", cart_url(cart, "/lines"), {"variant_id": variants[1].pk, "quantity": 2})
    step("email", "PUT", cart_url(cart, "/email"), {"email": "camille@example.fr"})
    step("addresses", "PUT", cart_url(cart, "/addresses"), {"shipping": ADDRESS_FR, "billing_same_as_shipping": True})
    options = step("delivery options", "GET", cart_url(cart, "/delivery-options"))
    assert options[0]["id"] == f"method:{method.pk}"
    step("delivery", "PUT", cart_url(cart, "/delivery"), {"option_id": options[0]["id"]})
    step("payment method", "PUT", cart_url(cart, "/payment-method"), {"method": "test:card"})
    step("hold", "POST", cart_url(cart, "/hold"))
    order = step("place order", "POST", cart_url(cart, "/order"))
    paid = step("pay", "POST", f"/api/v1/orders/by-token/{order['token']}/payments", {"card_number": TEST_CARD})
    assert paid["status"] == "captured"
    return counts


def test_a_checkout_through_the_api_takes_a_pinned_number_of_queries_per_step(client, channel):
    variants = [sellable_product(channel=channel, price=price, stock=50).variants.get() for price in ("20.00", "7.50")]
    forget_locations()
    method = shipping_method(channel)
    _checkout(client, channel, variants, method)  # warms the caches

    statements: dict[str, list[str]] = {}
    counts = _checkout(client, channel, variants, method, statements)

    changed = {name: statements[name] for name in counts if counts[name] != STEP_QUERIES[name]}
    assert counts == STEP_QUERIES, changed
    assert sum(counts.values()) == sum(STEP_QUERIES.values())
