"""Taxes as the API shows them: a product's tax class (catalogue) and the tax breakdown (carts and orders)."""

from __future__ import annotations

from ninja import Field, Schema

from comptoir.api.schemas import MoneyOut, money_out
from comptoir.taxes.calculators import TaxRateTotal
from comptoir.taxes.classes import TaxClass

_CODES = ", ".join(TaxClass.values)


class TaxClassOut(Schema):
    code: str = Field(description=f"The class code: one of {_CODES}.", examples=["reduced"])
    label: str = Field(
        description="The class's name in the language asked for (Accept-Language).",
        examples=["Reduced rate (e.g. 5.5 % on books and food in France)"],
    )


def tax_class_out(code: str) -> TaxClassOut:
    # A code outside the choices (a row written around the services) still reads, labelled by its code.
    label = TaxClass(code).label if code in TaxClass.values else code
    return TaxClassOut(code=code, label=str(label))


class TaxRowOut(Schema):
    rate: str = Field(description="A fraction: 0.2 for 20 %.", examples=["0.2"])
    base: MoneyOut = Field(description="The amount taxed at this rate, without tax.")
    amount: MoneyOut = Field(description="The tax.")
    treatment: str = Field(description="taxed, exempt, reverse_charge or not_taxed.")
    reason: str = Field(description="For exempt: class or certificate; reverse_charge: goods or services; "
                        "not_taxed: export, no_zone or voucher.")  # fmt: skip
    country: str = Field(description="ISO code of the country whose tax this is.")
    reference: str = Field(description="Exemption certificate reference, or the reverse-charged buyer's VAT number.")
    label: str = Field(description="The mention shown beside the rate (empty for plainly taxed rows).")


def tax_rows_out(rows: list[TaxRateTotal]) -> list[TaxRowOut]:
    return [
        TaxRowOut(
            rate=str(row.rate.normalize()), base=money_out(row.base), amount=money_out(row.amount),
            treatment=row.treatment, reason=row.reason, country=row.country, reference=row.reference,
            label=row.label,
        )
        for row in rows
    ]  # fmt: skip
