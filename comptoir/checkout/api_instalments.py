"""The instalment offers of a cart, for an app to show "or 3 x €33.33" before the order is placed.

The cart is reached as every cart endpoint reaches it (comptoir.checkout.api: its token, and a customer's
cart only in that customer's session). The order is paid in instalments with
`POST /orders/by-token/{token}/payments` and an `instalment_offer_id`; the order's own offers are at
`GET /orders/by-token/{token}/instalment-offers`.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from comptoir.checkout.api import CART, CartToken, _checkout
from comptoir.checkout.instalments import offers_for_cart
from comptoir.checkout.queries import summarize
from comptoir.payments.instalments.api_shapes import InstalmentOffersOut, offers_out

router = Router(tags=["checkout"])


@router.get(f"{CART}/instalment-offers", response=InstalmentOffersOut, summary="Instalment offers for a cart")
def cart_instalment_offers(request: HttpRequest, token: CartToken):
    """The instalment offers the shop's rules (amount, the buyer's country, the kinds of products) allow for
    the cart as it is priced now, each with its whole schedule from today (the first instalment is paid with
    the order). The amount split is the cart's amount due: it changes with the delivery, vouchers and gift
    cards chosen, and the offers are checked again when the order is paid. Empty when none applies. The
    cart's reads (as GET /carts/{token}) plus one query."""
    summary = summarize(_checkout(request, token))
    return offers_out(summary.totals.amount_due, offers_for_cart(summary))
