"""The one function that computes what a basket or an order costs.

Cart, checkout, order, order edits, emails, invoices and the API all show amounts computed here (orders store
the result, frozen, when they are placed). Every amount is rounded to the currency's minor unit once, here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from comptoir.core.models import Channel
from comptoir.core.money import Money, sum_money
from comptoir.pricing.discounts import AppliedDiscount, DiscountResult
from comptoir.taxes.calculators import TaxableLine, TaxCalculator, TaxRateTotal, get_tax_calculator


@dataclass(frozen=True, slots=True)
class PricedLine:
    """A line to price: the unit price is the current one (basket) or the frozen one (order)."""

    line_id: str
    variant_id: int
    quantity: int
    unit_price: Money
    product_kind: str = "physical"
    tax_class: str = "standard"

    @property
    def undiscounted(self) -> Money:
        return (self.unit_price * self.quantity).quantize()


@dataclass(frozen=True, slots=True)
class LineTotal:
    line_id: str
    variant_id: int
    quantity: int
    unit_price: Money
    undiscounted: Money
    discount: Money
    total: Money
    """After discounts, as the channel shows prices (with tax when prices include tax)."""
    tax_rate: Decimal
    tax: Money


@dataclass(frozen=True, slots=True)
class Totals:
    currency: str
    prices_include_tax: bool
    lines: list[LineTotal]
    subtotal: Money
    """Lines before discounts."""
    discount: Money
    shipping: Money
    """After a free-shipping discount."""
    shipping_tax: Money
    tax: Money
    """Included in the total when prices include tax, added to it otherwise."""
    total: Money
    gift_cards: Money
    """Paid by gift cards, at most the total."""
    amount_due: Money
    discounts: list[AppliedDiscount] = field(default_factory=list)
    tax_breakdown: list[TaxRateTotal] = field(default_factory=list)
    free_shipping: bool = False

    def line(self, line_id: str) -> LineTotal:
        return next(line for line in self.lines if line.line_id == line_id)


def compute_totals(
    *,
    channel: Channel,
    lines: Sequence[PricedLine],
    shipping_price: Money | None = None,
    discounts: DiscountResult | None = None,
    address: Mapping[str, str] | None = None,
    gift_card_balances: Sequence[Money] = (),
    customer_tax_id: str = "",
    tax_exemption: str = "",
    tax_calculator: TaxCalculator | None = None,
) -> Totals:
    """Subtotal, discounts, shipping, taxes, total, what gift cards cover and what is left to pay.

    Pure: no query of its own (the tax calculator may read its rates). Discounts come from
    `pricing.discounts.evaluate_discounts`, the shipping price from the chosen delivery option (None: not
    chosen yet, counted as zero). Gift card balances are used in the order given, up to the total.
    """
    currency = channel.currency
    zero = Money.zero(currency)
    line_discounts = discounts.line_discounts if discounts else {}
    free_shipping = bool(discounts and discounts.free_shipping)
    shipping = zero if free_shipping or shipping_price is None else shipping_price.quantize()

    priced = []
    for line in lines:
        undiscounted = line.undiscounted
        discount = min(line_discounts.get(line.line_id, zero).quantize(), undiscounted)
        priced.append((line, undiscounted, discount, undiscounted - discount))

    calculator = tax_calculator or get_tax_calculator()
    taxes = calculator.calculate(
        channel=channel,
        address=address,
        lines=[
            TaxableLine(line_id=line.line_id, product_kind=line.product_kind, amount=net, tax_class=line.tax_class)
            for line, _undiscounted, _discount, net in priced
        ],
        shipping=shipping,
        customer_tax_id=customer_tax_id,
        exemption=tax_exemption,
    )
    line_totals = [
        LineTotal(
            line_id=line.line_id,
            variant_id=line.variant_id,
            quantity=line.quantity,
            unit_price=line.unit_price,
            undiscounted=undiscounted,
            discount=discount,
            total=net,
            tax_rate=taxes.lines[line.line_id].rate,
            tax=taxes.lines[line.line_id].amount.quantize(),
        )
        for line, undiscounted, discount, net in priced
    ]
    subtotal = sum_money([lt.undiscounted for lt in line_totals], currency)
    discount = sum_money([lt.discount for lt in line_totals], currency)
    shipping_tax = taxes.shipping.amount.quantize()
    tax = sum_money([lt.tax for lt in line_totals], currency) + shipping_tax
    total = subtotal - discount + shipping
    if not channel.prices_include_tax:
        total += tax

    remaining, gift_cards = total, zero
    for balance in gift_card_balances:
        used = min(balance.quantize(), remaining)
        gift_cards, remaining = gift_cards + used, remaining - used

    return Totals(
        currency=currency,
        prices_include_tax=channel.prices_include_tax,
        lines=line_totals,
        subtotal=subtotal,
        discount=discount,
        shipping=shipping,
        shipping_tax=shipping_tax,
        tax=tax,
        total=total,
        gift_cards=gift_cards,
        amount_due=total - gift_cards,
        discounts=list(discounts.applied) if discounts else [],
        tax_breakdown=list(taxes.breakdown),
        free_shipping=free_shipping,
    )
