"""The instalment offers a cart may be paid with, before the order is placed (shown by the API to apps).

The merchant's rules and the schedules are the payments domain's (`instalment_offers`, the function the
storefront's pay page calls for a placed order, through `orders.instalments.offers_for_order`); this module
only reads the cart's side of them: its amount due, the buyer's country and the kinds of its products.
"""

from __future__ import annotations

from comptoir.checkout.queries import CheckoutSummary
from comptoir.payments.instalments.offers import OfferView, basket_kinds, buyer_country, instalment_offers


def offers_for_cart(summary: CheckoutSummary) -> list[OfferView]:
    """The instalment offers the cart, as `summarize` priced it now, may be paid with, each with its schedule
    starting today. The amount split is the cart's amount due (after gift cards), so it changes with the
    delivery chosen; the order's own offers are checked again when it is paid. One query; none for an empty
    cart or one with nothing to pay."""
    checkout, amount = summary.checkout, summary.totals.amount_due
    if not summary.lines or amount.amount <= 0:
        return []
    return instalment_offers(
        channel_id=checkout.channel_id,
        amount=amount,
        country=buyer_country(
            checkout.billing_address, checkout.shipping_address, default=checkout.channel.default_country
        ),
        product_kinds=basket_kinds(line.kind for line in summary.lines),
    )
