"""Properties of the tax arithmetic, for any basket: line taxes add up to the breakdown, the breakdown to the
totals, in every rounding and shipping mode, with prices with and without tax."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st

from comptoir.core.models import Channel
from comptoir.core.money import Money
from comptoir.pricing.totals import PricedLine, compute_totals
from comptoir.taxes.engine import Place, TaxRules, ZoneRates, compute_taxes

FRANCE = ZoneRates(
    "FR",
    "France",
    {
        "standard": Decimal("0.2"),
        "intermediate": Decimal("0.1"),
        "reduced": Decimal("0.055"),
        "super_reduced": Decimal("0.021"),
    },
)
GERMANY = ZoneRates("DE", "Germany", {"standard": Decimal("0.19"), "reduced": Decimal("0.07")})
NEW_YORK = ZoneRates("US", "US-NY 10001", {"standard": Decimal("0.08875")})
PLACES = {
    "FR": Place("FR", FRANCE, FRANCE),
    "DE": Place("DE", GERMANY, FRANCE),
    "CH": Place("CH", None, FRANCE),
    "US": Place("US", NEW_YORK, FRANCE),
}
CLASSES = ["standard", "intermediate", "reduced", "super_reduced", "zero", "exempt", "electronic_services"]


class FixedPlaceCalculator:
    """The rates calculator's arithmetic with its rules and rates given, not read."""

    def __init__(self, rules: TaxRules, place: Place, vat_country: str) -> None:
        self.rules, self.place, self.vat_country = rules, place, vat_country

    def calculate(self, *, channel, address, lines, shipping, customer_tax_id="", exemption=""):
        return compute_taxes(
            rules=self.rules, place=self.place, currency=channel.currency, lines=lines, shipping=shipping,
            buyer_vat_country=self.vat_country, buyer_vat_number=customer_tax_id, exemption=exemption,
        )  # fmt: skip


cents = st.integers(min_value=0, max_value=99_999).map(lambda c: Decimal(c).scaleb(-2))
line = st.tuples(
    st.sampled_from(CLASSES), st.sampled_from(["physical", "physical", "digital", "gift_card"]), cents,
    st.integers(min_value=1, max_value=7), st.integers(min_value=0, max_value=100),
)  # fmt: skip


@given(
    lines=st.lists(line, max_size=8),
    shipping=st.one_of(st.none(), cents),
    incl=st.booleans(),
    rounding=st.sampled_from(["line", "total"]),
    shipping_mode=st.sampled_from(["main_rate", "pro_rata"]),
    destination=st.sampled_from(sorted(PLACES)),
    oss=st.booleans(),
    business=st.booleans(),
    exemption=st.sampled_from(["", "", "", "CERT-1"]),
)
@example(  # the lines' inexact thirds of a cent once summed to just under the half cent the total reaches
    lines=[("standard", "physical", Decimal("0.01"), 2, 0), ("standard", "physical", Decimal("0.17"), 1, 0),
           ("standard", "physical", Decimal("0.01"), 2, 0)],
    shipping=None, incl=True, rounding="total", shipping_mode="main_rate", destination="DE", oss=False,
    business=False, exemption="",
)  # fmt: skip
def test_line_taxes_add_up_to_the_breakdown_and_the_breakdown_to_the_total(
    lines, shipping, incl, rounding, shipping_mode, destination, oss, business, exemption
):
    channel = Channel(currency="EUR", prices_include_tax=incl, default_country="FR")
    rules = TaxRules(
        origin_country="FR", prices_include_tax=incl, eu_destination_taxation=oss, shipping_tax=shipping_mode,
        rounding=rounding,
    )  # fmt: skip
    calculator = FixedPlaceCalculator(rules, PLACES[destination], "DE" if business else "")
    priced = [
        PricedLine(
            line_id=str(i), variant_id=i, quantity=quantity, unit_price=Money(unit, "EUR"), product_kind=kind,
            tax_class=cls,
        )
        for i, (cls, kind, unit, quantity, _discount) in enumerate(lines)
    ]  # fmt: skip
    discounts = None
    if lines:
        from comptoir.pricing.discounts import DiscountResult

        discounts = DiscountResult(
            applied=[],
            line_discounts={
                str(i): (Money(unit, "EUR") * (quantity * Decimal(pct) / 100)).quantize()
                for i, (_c, _k, unit, quantity, pct) in enumerate(lines)
            },
            free_shipping=False,
            voucher_error=None,
        )

    totals = compute_totals(
        channel=channel,
        lines=priced,
        shipping_price=Money(shipping, "EUR") if shipping is not None else None,
        discounts=discounts,
        customer_tax_id="DE136695976" if business else "",
        tax_exemption=exemption,
        tax_calculator=calculator,
    )

    zero = Money.zero("EUR")
    breakdown_tax = sum((row.amount for row in totals.tax_breakdown), zero)
    line_tax = sum((lt.tax for lt in totals.lines), zero)
    assert line_tax + totals.shipping_tax == breakdown_tax == totals.tax
    assert sum((row.base + row.amount for row in totals.tax_breakdown), zero) == totals.total
    for lt in totals.lines:
        exact = lt.total.amount * lt.tax_rate / (1 + lt.tax_rate) if incl else lt.total.amount * lt.tax_rate
        # Per line: the exact tax rounded; per total: within a cent of it.
        assert abs(lt.tax.amount - exact) <= (Decimal("0.005") if rounding == "line" else Decimal("0.01"))
        assert lt.tax.amount == lt.tax.amount.quantize(Decimal("0.01"))
    for row in totals.tax_breakdown:
        if rounding == "total":
            # The rounding is done once per rate: the row's tax is its exact total rounded.
            gross = row.base + row.amount if incl else row.base
            exact = gross.amount * row.rate / (1 + row.rate) if incl else gross.amount * row.rate
            assert row.amount == Money(exact, "EUR").quantize()
