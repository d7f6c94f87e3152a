"""A stand-in tax calculator for the B2B tests, until the rates calculator (issue 7, taxcore) is merged: 20 %
on every line and the shipping, none at all for a buyer with a VAT number or an exemption certificate. It
records what it was asked, so tests can see the checkout passed the VAT number and the exemption on."""

from __future__ import annotations

from decimal import Decimal

import pytest

from comptoir.core.money import Money
from comptoir.taxes import calculators
from comptoir.taxes.calculators import LineTax, TaxRateTotal, TaxResult

RATE = Decimal("0.20")


class FlatTax:
    def __init__(self) -> None:
        self.calls: list[dict] = []

    def calculate(self, *, channel, address, lines, shipping, customer_tax_id="", exemption=""):
        self.calls.append({"customer_tax_id": customer_tax_id, "exemption": exemption, "address": address})
        rate = Decimal(0) if customer_tax_id or exemption else RATE

        def tax_of(amount: Money) -> Money:
            exact = amount.amount * rate / (1 + rate) if channel.prices_include_tax else amount.amount * rate
            return Money(exact, amount.currency).quantize()

        taxed = {line.line_id: LineTax(rate, tax_of(line.amount)) for line in lines}
        shipping_tax = LineTax(rate, tax_of(shipping))
        amounts = [*(line.amount for line in lines), shipping]
        taxes = [*(t.amount for t in taxed.values()), shipping_tax.amount]
        base = sum((a.amount for a in amounts), Decimal(0))
        tax = sum((t.amount for t in taxes), Decimal(0))
        if channel.prices_include_tax:
            base -= tax
        breakdown = [TaxRateTotal(rate, Money(base, channel.currency), Money(tax, channel.currency))] if lines else []
        return TaxResult(lines=taxed, shipping=shipping_tax, breakdown=breakdown)


@pytest.fixture
def flat_tax(settings, monkeypatch) -> FlatTax:
    calculator = FlatTax()
    monkeypatch.setitem(calculators.CALCULATORS, "test-flat", calculator)
    settings.TAX_CALCULATOR = "test-flat"
    return calculator
