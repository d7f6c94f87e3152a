"""The tax rules, case by case: destination x product class x consumer or business x prices with or without
tax, shipping and rounding modes. Every expected amount is worked out by hand in the comment beside it.

The seller is in France (origin FR) unless the case says otherwise. Rates (tests/taxes/factories.py):
France 20 % / intermediate 10 % / reduced 5.5 % / super-reduced 2.1 %; Germany 19 % / reduced 7 % (no
super-reduced: the standard rate applies); New York ZIP 10001 8.875 %; Switzerland: no zone.
With prices including tax: tax = gross * rate / (1 + rate), base = gross - tax. Without: tax = net * rate.
Rounding: half up to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from comptoir.core.money import Money
from comptoir.pricing.totals import PricedLine, compute_totals
from tests.taxes.factories import standard_zones, tax_settings

DE_VAT = "DE136695976"
FR_VAT = "FR40303265045"

PARIS = {"country_code": "FR", "postal_code": "75002", "city": "Paris"}
BERLIN = {"country_code": "DE", "postal_code": "10115", "city": "Berlin"}
GENEVA = {"country_code": "CH", "postal_code": "1201", "city": "Genève"}
MANHATTAN = {"country_code": "US", "country_area": "NY", "postal_code": "10001", "city": "New York"}
MANHATTAN_ZIP4 = {**MANHATTAN, "postal_code": "10001-2345"}
BEVERLY_HILLS = {"country_code": "US", "country_area": "CA", "postal_code": "90210", "city": "Beverly Hills"}


@dataclass(frozen=True)
class Case:
    id: str
    address: dict
    incl: bool
    lines: list[tuple[str, str, str]]
    """(tax class, product kind, amount as entered)"""
    line_taxes: list[str]
    breakdown: list[tuple[str, str, str, str]]
    """(rate, base, tax, treatment)"""
    shipping: str | None = None
    shipping_tax: str = "0"
    vat: str = ""
    exemption: str = ""
    oss: bool = False
    shipping_mode: str = "main_rate"
    rounding: str = "line"
    usd: bool = False
    extra: dict = field(default_factory=dict)


S, P = "standard", "physical"

CASES = [
    # --- France, consumers -----------------------------------------------------------------------------
    # 12.00 * 0.20 / 1.20 = 2.00; base 12.00 - 2.00 = 10.00
    Case("fr-standard-incl", PARIS, True, [(S, P, "12.00")], ["2.00"], [("0.20", "10.00", "2.00", "taxed")]),
    # 10.00 * 0.20 = 2.00 added; base 10.00
    Case("fr-standard-excl", PARIS, False, [(S, P, "10.00")], ["2.00"], [("0.20", "10.00", "2.00", "taxed")]),
    # 10.55 * 0.055 / 1.055 = 0.55; base 10.00
    Case("fr-reduced-incl", PARIS, True, [("reduced", P, "10.55")], ["0.55"], [("0.055", "10.00", "0.55", "taxed")]),
    # 10.00 * 0.055 = 0.55
    Case("fr-reduced-excl", PARIS, False, [("reduced", P, "10.00")], ["0.55"], [("0.055", "10.00", "0.55", "taxed")]),
    # 10.21 * 0.021 / 1.021 = 0.21; base 10.00
    Case(
        "fr-super-reduced-incl", PARIS, True, [("super_reduced", P, "10.21")], ["0.21"],
        [("0.021", "10.00", "0.21", "taxed")],
    ),
    # 15.00 * 0.10 = 1.50
    Case(
        "fr-intermediate-excl", PARIS, False, [("intermediate", P, "15.00")], ["1.50"],
        [("0.10", "15.00", "1.50", "taxed")],
    ),
    # zero-rated: taxable at 0 %, no tax; base 9.99
    Case("fr-zero-class", PARIS, True, [("zero", P, "9.99")], ["0.00"], [("0", "9.99", "0.00", "taxed")]),
    # exempt class: no tax, marked exempt; base 50.00
    Case("fr-exempt-class", PARIS, False, [("exempt", P, "50.00")], ["0.00"], [("0", "50.00", "0.00", "exempt")]),
    # 9.99 * 0.20 / 1.20 = 1.665 -> 1.67 (half up); base 9.99 - 1.67 = 8.32
    Case("fr-rounding-half-up", PARIS, True, [(S, P, "9.99")], ["1.67"], [("0.20", "8.32", "1.67", "taxed")]),
    # --- Germany, consumers: goods at the French rate below the OSS threshold, at the German one above ------
    # below: 12.00 * 0.20 / 1.20 = 2.00 (French VAT)
    Case("de-goods-below-oss", BERLIN, True, [(S, P, "12.00")], ["2.00"], [("0.20", "10.00", "2.00", "taxed")]),
    # above: 11.90 * 0.19 / 1.19 = 1.90; base 10.00
    Case(
        "de-goods-above-oss-incl", BERLIN, True, [(S, P, "11.90")], ["1.90"], [("0.19", "10.00", "1.90", "taxed")],
        oss=True,
    ),
    # above, prices without tax: 10.00 * 0.19 = 1.90
    Case(
        "de-goods-above-oss-excl", BERLIN, False, [(S, P, "10.00")], ["1.90"], [("0.19", "10.00", "1.90", "taxed")],
        oss=True,
    ),
    # gross price kept: 12.00 at 19 % -> 12.00 * 0.19 / 1.19 = 1.915966 -> 1.92; base 10.08
    Case(
        "de-gross-price-kept", BERLIN, True, [(S, P, "12.00")], ["1.92"], [("0.19", "10.08", "1.92", "taxed")],
        oss=True,
    ),
    # book above: 10.70 * 0.07 / 1.07 = 0.70; base 10.00
    Case(
        "de-reduced-above-oss", BERLIN, True, [("reduced", P, "10.70")], ["0.70"],
        [("0.07", "10.00", "0.70", "taxed")], oss=True,
    ),
    # book below: French reduced rate, 10.55 * 0.055 / 1.055 = 0.55
    Case(
        "de-reduced-below-oss", BERLIN, True, [("reduced", P, "10.55")], ["0.55"],
        [("0.055", "10.00", "0.55", "taxed")],
    ),
    # Germany has no super-reduced rate: its standard rate, 11.90 * 0.19 / 1.19 = 1.90
    Case(
        "de-super-reduced-falls-back", BERLIN, True, [("super_reduced", P, "11.90")], ["1.90"],
        [("0.19", "10.00", "1.90", "taxed")], oss=True,
    ),
    # a digital good is taxed where the buyer is even below the threshold: 11.90 * 0.19 / 1.19 = 1.90
    Case(
        "de-digital-below-oss", BERLIN, True, [(S, "digital", "11.90")], ["1.90"],
        [("0.19", "10.00", "1.90", "taxed")],
    ),
    # electronically supplied services class: German standard rate, 10.00 * 0.19 = 1.90
    Case(
        "de-electronic-services-excl", BERLIN, False, [("electronic_services", "service", "10.00")], ["1.90"],
        [("0.19", "10.00", "1.90", "taxed")],
    ),
    # --- business buyers ------------------------------------------------------------------------------
    # German company, goods to Germany: reverse charge, no tax; base 12.00 (the gross price is kept)
    Case(
        "de-business-goods-reverse-charge", BERLIN, True, [(S, P, "12.00")], ["0.00"],
        [("0", "12.00", "0.00", "reverse_charge")], vat=DE_VAT,
    ),
    # German company, digital good: reverse charge (services); 10.00 excl -> no tax
    Case(
        "de-business-digital-reverse-charge", BERLIN, False, [(S, "digital", "10.00")], ["0.00"],
        [("0", "10.00", "0.00", "reverse_charge")], vat=DE_VAT,
    ),
    # French company in France: domestic B2B is charged, 12.00 * 0.20 / 1.20 = 2.00
    Case(
        "fr-business-domestic-charged", PARIS, True, [(S, P, "12.00")], ["2.00"],
        [("0.20", "10.00", "2.00", "taxed")], vat=FR_VAT,
    ),
    # German company, goods delivered in France: they stay in France, French VAT 2.00
    Case(
        "de-company-goods-delivered-in-france", PARIS, True, [(S, P, "12.00")], ["2.00"],
        [("0.20", "10.00", "2.00", "taxed")], vat=DE_VAT,
    ),
    # German company, digital good, French address: supplied where the company is, reverse charge
    Case(
        "de-company-digital-french-address", PARIS, True, [(S, "digital", "12.00")], ["0.00"],
        [("0", "12.00", "0.00", "reverse_charge")], vat=DE_VAT,
    ),
    # an invalid VAT number is a consumer: 11.90 * 0.19 / 1.19 = 1.90
    Case(
        "invalid-vat-number-is-taxed", BERLIN, True, [(S, P, "11.90")], ["1.90"],
        [("0.19", "10.00", "1.90", "taxed")], vat="DE123", oss=True,
    ),
    # an exemption certificate: no tax, marked exempt with its reference
    Case(
        "exemption-certificate", PARIS, True, [(S, P, "12.00")], ["0.00"], [("0", "12.00", "0.00", "exempt")],
        exemption="CERT-42",
    ),
    # --- outside the zones ------------------------------------------------------------------------------
    # Switzerland, prices with tax: export, no tax; the buyer pays the displayed 12.00
    Case("ch-export-incl", GENEVA, True, [(S, P, "12.00")], ["0.00"], [("0", "12.00", "0.00", "not_taxed")]),
    # Switzerland, prices without tax: 10.00 and no tax added
    Case("ch-export-excl", GENEVA, False, [(S, P, "10.00")], ["0.00"], [("0", "10.00", "0.00", "not_taxed")]),
    # a digital good to Switzerland: no Swiss zone configured, no tax
    Case("ch-digital", GENEVA, True, [(S, "digital", "5.00")], ["0.00"], [("0", "5.00", "0.00", "not_taxed")]),
    # a gift card is taxed when spent, not sold: 50.00 untaxed
    Case(
        "gift-card-not-taxed", PARIS, True, [(S, "gift_card", "50.00")], ["0.00"],
        [("0", "50.00", "0.00", "not_taxed")],
    ),
    # --- United States (a US seller, prices without tax) --------------------------------------------------
    # ZIP 10001: 100.00 * 0.08875 = 8.875 -> 8.88
    Case(
        "us-ny-zip", MANHATTAN, False, [(S, P, "100.00")], ["8.88"], [("0.08875", "100.00", "8.88", "taxed")],
        usd=True,
    ),
    # ZIP+4 10001-2345 is ZIP 10001: 8.88
    Case(
        "us-zip-plus-four", MANHATTAN_ZIP4, False, [(S, P, "100.00")], ["8.88"],
        [("0.08875", "100.00", "8.88", "taxed")], usd=True,
    ),
    # ZIP 90210 has no rate imported: no tax
    Case(
        "us-zip-without-rate", BEVERLY_HILLS, False, [(S, P, "100.00")], ["0.00"],
        [("0", "100.00", "0.00", "not_taxed")], usd=True,
    ),
    # --- shipping ---------------------------------------------------------------------------------------
    # book 30.00 (5.5 %) + standard 12.00 (20 %), shipping 6.00 at the main rate (the book's, the larger share):
    # book 30 * 0.055 / 1.055 = 1.5640 -> 1.56; standard 2.00; shipping 6 * 0.055 / 1.055 = 0.3128 -> 0.31
    # 5.5 %: base (30 - 1.56) + (6 - 0.31) = 28.44 + 5.69 = 34.13, tax 1.56 + 0.31 = 1.87; 20 %: 10.00, 2.00
    Case(
        "shipping-main-rate-incl", PARIS, True, [("reduced", P, "30.00"), (S, P, "12.00")], ["1.56", "2.00"],
        [("0.055", "34.13", "1.87", "taxed"), ("0.20", "10.00", "2.00", "taxed")], shipping="6.00",
        shipping_tax="0.31",
    ),
    # the same pro rata: 6.00 split 30:12 -> 600 cents * 30/42 = 428.57, * 12/42 = 171.43: floors 428 + 171,
    # the cent left to the larger remainder (.57): 4.29 and 1.71.
    # 4.29 * 0.055 / 1.055 = 0.2236 -> 0.22 (base 4.07); 1.71 * 0.20 / 1.20 = 0.285 -> 0.29 (base 1.42)
    # 5.5 %: base 28.44 + 4.07 = 32.51, tax 1.56 + 0.22 = 1.78; 20 %: base 10.00 + 1.42 = 11.42, tax 2.29
    Case(
        "shipping-pro-rata-incl", PARIS, True, [("reduced", P, "30.00"), (S, P, "12.00")], ["1.56", "2.00"],
        [("0.055", "32.51", "1.78", "taxed"), ("0.20", "11.42", "2.29", "taxed")], shipping="6.00",
        shipping_tax="0.51", shipping_mode="pro_rata",
    ),
    # prices without tax: standard 10.00, book 20.00, shipping 5.00 at the book's rate (larger share):
    # 2.00, 1.10, shipping 5 * 0.055 = 0.275 -> 0.28; 5.5 %: base 25.00 tax 1.38; 20 %: 10.00, 2.00
    Case(
        "shipping-main-rate-excl", PARIS, False, [(S, P, "10.00"), ("reduced", P, "20.00")], ["2.00", "1.10"],
        [("0.055", "25.00", "1.38", "taxed"), ("0.20", "10.00", "2.00", "taxed")], shipping="5.00",
        shipping_tax="0.28",
    ),
    # a tie on the shares (10.00 each): shipping takes the higher rate, 20 %: 5.00 * 0.20 = 1.00
    Case(
        "shipping-tie-takes-higher-rate", PARIS, False, [("reduced", P, "10.00"), (S, P, "10.00")],
        ["0.55", "2.00"], [("0.055", "10.00", "0.55", "taxed"), ("0.20", "15.00", "3.00", "taxed")],
        shipping="5.00", shipping_tax="1.00",
    ),
    # reverse charge: the shipping follows the goods, no tax
    Case(
        "shipping-reverse-charged", BERLIN, False, [(S, P, "10.00")], ["0.00"],
        [("0", "15.00", "0.00", "reverse_charge")], shipping="5.00", shipping_tax="0.00", vat=DE_VAT,
    ),
    # --- rounding ---------------------------------------------------------------------------------------
    # per line: three lines of 9.99 incl, each 9.99 * 0.20 / 1.20 = 1.665 -> 1.67: tax 5.01, base 29.97 - 5.01
    Case(
        "rounding-per-line", PARIS, True, [(S, P, "9.99")] * 3, ["1.67", "1.67", "1.67"],
        [("0.20", "24.96", "5.01", "taxed")],
    ),
    # per total: 3 * 1.665 = 4.995 -> 5.00; each line 1.66 (rounded down) + the two cents left to the first
    # two (equal remainders, earliest first): 1.67, 1.67, 1.66; base 29.97 - 5.00 = 24.97
    Case(
        "rounding-per-total-incl", PARIS, True, [(S, P, "9.99")] * 3, ["1.67", "1.67", "1.66"],
        [("0.20", "24.97", "5.00", "taxed")], rounding="total",
    ),
    # per total, prices without tax: three lines of 0.03 at 20 %: 0.006 each; per line 0.01 each (0.03); per
    # total 0.018 -> 0.02, shared 0.01, 0.01, 0.00
    Case(
        "rounding-per-total-excl", PARIS, False, [(S, P, "0.03")] * 3, ["0.01", "0.01", "0.00"],
        [("0.20", "0.09", "0.02", "taxed")], rounding="total",
    ),
    # per total, thirds of a cent: 0.02, 0.17, 0.02 incl at 20 %: exact 0.00333.., 0.02833.., 0.00333..; the
    # total 0.21 * 0.20 / 1.20 = 0.035 -> 0.04 (not the 0.034999.. the inexact thirds add up to). Floors 0.00,
    # 0.02, 0.00; two cents left: to the largest remainder (0.00833: the second line) then the earliest of the
    # equal ones (the first): 0.01, 0.03, 0.00; base 0.21 - 0.04 = 0.17
    Case(
        "rounding-per-total-thirds", PARIS, True, [(S, P, "0.02"), (S, P, "0.17"), (S, P, "0.02")],
        ["0.01", "0.03", "0.00"], [("0.20", "0.17", "0.04", "taxed")], rounding="total",
    ),
    # per line, same lines: 0.01 each, 0.03
    Case(
        "rounding-per-line-excl", PARIS, False, [(S, P, "0.03")] * 3, ["0.01", "0.01", "0.01"],
        [("0.20", "0.09", "0.03", "taxed")],
    ),
]  # fmt: skip


def test_the_table_has_at_least_thirty_cases_with_distinct_names():
    assert len(CASES) >= 30
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_taxes_follow_the_rules(case: Case, channel, usd_channel):
    standard_zones()
    shop = usd_channel if case.usd else channel
    shop.prices_include_tax = case.incl
    tax_settings(
        shop, origin="US" if case.usd else "FR", eu_destination_taxation=case.oss, shipping_tax=case.shipping_mode,
        rounding=case.rounding,
    )  # fmt: skip
    currency = shop.currency

    totals = compute_totals(
        channel=shop,
        lines=[
            PricedLine(
                line_id=str(i),
                variant_id=i,
                quantity=1,
                unit_price=Money(Decimal(amount), currency),
                product_kind=kind,
                tax_class=cls,
            )
            for i, (cls, kind, amount) in enumerate(case.lines)
        ],
        shipping_price=Money(Decimal(case.shipping), currency) if case.shipping else None,
        address=case.address,
        customer_tax_id=case.vat,
        tax_exemption=case.exemption,
    )

    assert [str(line.tax.amount) for line in totals.lines] == case.line_taxes
    assert totals.shipping_tax.amount == Decimal(case.shipping_tax)
    assert [
        (str(t.rate.normalize()), str(t.base.amount), str(t.amount.amount), t.treatment) for t in totals.tax_breakdown
    ] == [(str(Decimal(rate).normalize()), base, tax, treatment) for rate, base, tax, treatment in case.breakdown]
    # What the buyer pays is the bases plus the taxes of the breakdown.
    assert totals.total == sum((t.base + t.amount for t in totals.tax_breakdown), Money.zero(currency))
