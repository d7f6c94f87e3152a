"""Helpers for the buying API tests: writes with an Idempotency-Key, and a cart made ready through the API."""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.checkout.factories import ADDRESS_FR, shipping_method
from tests.factories import sellable_product

TEST_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"


def write(client, method: str, url: str, body: Any = None, *, key: str | None = "auto", **headers):
    """A write as an app sends it: JSON body, a fresh Idempotency-Key unless one is given (None: no header)."""
    if key == "auto":
        key = str(uuid.uuid4())
    if key is not None:
        headers["Idempotency-Key"] = key
    data = json.dumps(body) if body is not None else ""
    return getattr(client, method.lower())(url, data, content_type="application/json", headers=headers)


def open_cart(client, **params) -> dict:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = write(client, "POST", "/api/v1/carts" + (f"?{query}" if query else ""))
    assert response.status_code == 201, response.content
    return response.json()


def cart_url(cart: dict | str, tail: str = "") -> str:
    token = cart["token"] if isinstance(cart, dict) else cart
    return f"/api/v1/carts/{token}{tail}"


def ready_cart(client, channel, *, price: str = "20.00", stock: int = 10, quantity: int = 1) -> tuple[dict, Any]:
    """A cart filled and completed through the API only: an item, e-mail, address, delivery, test card.

    Returns the cart's JSON and the variant bought.
    """
    product = sellable_product(channel=channel, price=price, stock=stock)
    variant = product.variants.get()
    method = shipping_method(channel)
    cart = open_cart(client)
    steps = [
        ("POST", "/lines", {"variant_id": variant.pk, "quantity": quantity}),
        ("PUT", "/email", {"email": "camille@example.fr"}),
        ("PUT", "/addresses", {"shipping": ADDRESS_FR, "billing_same_as_shipping": True}),
        ("PUT", "/delivery", {"option_id": f"method:{method.pk}"}),
        ("PUT", "/payment-method", {"method": "test:card"}),
    ]
    for method_name, tail, body in steps:
        response = write(client, method_name, cart_url(cart, tail), body)
        assert response.status_code in (200, 201), (tail, response.content)
    return response.json(), variant


def place(client, cart: dict, *, key: str | None = "auto", body: Any = None):
    return write(client, "POST", cart_url(cart, "/order"), body, key=key)


def pay(client, order: dict, *, card: str = TEST_CARD, key: str | None = "auto"):
    return write(client, "POST", f"/api/v1/orders/by-token/{order['token']}/payments", {"card_number": card}, key=key)


def pay_in_instalments(client, order: dict, offer_id: Any, *, card: str = TEST_CARD, key: str | None = "auto", **body):
    """Pay the order's first instalment with the offer `offer_id` (and anything else in the body)."""
    body = {"card_number": card, "instalment_offer_id": offer_id, **body}
    return write(client, "POST", f"/api/v1/orders/by-token/{order['token']}/payments", body, key=key)
