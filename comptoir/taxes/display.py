"""Reading a tax breakdown back from what an order or an invoice keeps, for pages, the API and documents."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from comptoir.core.money import Money
from comptoir.taxes.calculators import TaxRateTotal, TaxTreatment


def breakdown_from_json(rows: Any, currency: str) -> list[TaxRateTotal]:
    """The rows of `Order.tax_breakdown` (older orders kept only rate, base and amount); unreadable rows are
    left out."""
    result = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict):
            continue
        try:
            rate, base, amount = (Decimal(str(row.get(key, "0"))) for key in ("rate", "base", "amount"))
        except InvalidOperation:
            continue
        result.append(
            TaxRateTotal(
                rate=rate,
                base=Money(base, currency),
                amount=Money(amount, currency),
                treatment=str(row.get("treatment") or TaxTreatment.TAXED),
                reason=str(row.get("reason") or ""),
                country=str(row.get("country") or ""),
                reference=str(row.get("reference") or ""),
            )
        )
    return result


def shown_rows(rows: Iterable[TaxRateTotal]) -> list[TaxRateTotal]:
    """The rows worth a line on a page: some tax, or a mention (exempt, reverse charge, not taxed)."""
    return [row for row in rows if row.amount or row.label]
