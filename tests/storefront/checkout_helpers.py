"""Helpers for the cart, checkout and pay page tests: a buyer's browser (the cart cookie), the checkout form as
a browser posts it, and HTML reading."""

from __future__ import annotations

from bs4 import BeautifulSoup

from comptoir.checkout.cookies import CART_COOKIE
from tests.checkout.factories import ADDRESS_FR

HX = {"HX-Request": "true"}


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def text(element) -> str:
    """An element's words, whitespace collapsed."""
    return " ".join(element.get_text().split()) if element is not None else ""


def page_text(response) -> str:
    return text(soup(response).select_one("main") or soup(response))


def use_cart(client, cart) -> None:
    """The browser carries this cart's cookie, as after adding to it."""
    client.cookies[CART_COOKIE] = str(cart.token)


def address_fields(prefix: str = "shipping", address: dict | None = None, **changes) -> dict[str, str]:
    """An address as the checkout form posts it (`shipping-full_name`, ...)."""
    data = {**(address or ADDRESS_FR), **changes}
    return {f"{prefix}-{name}": value for name, value in data.items()}


def checkout_form(*, method_id: int | None = None, action: str = "place", **extra) -> dict[str, str]:
    """The whole checkout page as a buyer without JavaScript submits it: e-mail, address, delivery, payment."""
    data = {
        "email": "camille@example.fr",
        **address_fields(),
        "billing_same": "1",
        "payment_method": "test:card",
        "action": action,
    }
    if method_id is not None:
        data["delivery_option"] = f"method:{method_id}"
    data.update(extra)
    return data


def oob_ids(response) -> list[str]:
    """The ids of the elements an htmx answer swaps out of band."""
    return [element["id"] for element in soup(response).select("[hx-swap-oob]")]
