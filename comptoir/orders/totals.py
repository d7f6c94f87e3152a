"""An order's totals through the one totals function (comptoir.pricing.totals), from its frozen lines."""

from __future__ import annotations

from collections.abc import Sequence

from comptoir.core.money import Money
from comptoir.orders.models import Order, OrderLine
from comptoir.pricing.discounts import DiscountResult
from comptoir.pricing.totals import PricedLine, Totals, compute_totals


def order_totals(order: Order, lines: Sequence[OrderLine]) -> Totals:
    """Recompute from the frozen unit prices, the discounts each line kept and the shipping price."""
    currency = order.currency
    discounts = DiscountResult(
        applied=[],
        line_discounts={str(line.pk): Money(line.discount, currency) for line in lines},
        free_shipping=False,
        voucher_error=None,
    )
    return compute_totals(
        channel=order.channel,
        lines=[
            PricedLine(
                line_id=str(line.pk),
                variant_id=line.variant_id or 0,
                quantity=line.quantity,
                unit_price=Money(line.unit_price, currency),
                product_kind=line.product_kind or "physical",
                tax_class=line.tax_class or "standard",
            )
            for line in lines
        ],
        shipping_price=Money(order.shipping_price, currency),
        discounts=discounts,
        address=order.shipping_address or order.billing_address,
        gift_card_balances=[Money(order.gift_card_total, currency)],
        # The buyer's tax status as decided when the order was placed: a business buyer's VAT number (frozen
        # in the billing address) and the exemption certificate the sale was made under.
        customer_tax_id=str((order.billing_address or {}).get("vat_number") or ""),
        tax_exemption=order.tax_exemption,
    )


def save_totals(order: Order, totals: Totals) -> None:
    """Write recomputed totals onto a locked order and its lines."""
    by_id = {str(line.pk): line for line in order.lines.all()}
    for lt in totals.lines:
        line = by_id[lt.line_id]
        line.discount, line.total = lt.discount.amount, lt.total.amount
        line.tax_rate, line.tax_amount = lt.tax_rate, lt.tax.amount
    OrderLine.objects.bulk_update(list(by_id.values()), ["discount", "total", "tax_rate", "tax_amount"])
    order.subtotal = totals.subtotal.amount
    order.discount_total = totals.discount.amount
    order.shipping_price = totals.shipping.amount
    order.tax_total = totals.tax.amount
    order.total = totals.total.amount
    order.gift_card_total = min(order.gift_card_total, totals.total.amount)
    order.tax_breakdown = [t.as_json() for t in totals.tax_breakdown]
    order.save()
