"""The tax protocol the totals call, and the calculators the shop knows (chosen by `settings.TAX_CALCULATOR`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django.conf import settings

from comptoir.core.models import Channel
from comptoir.core.money import Money


@dataclass(frozen=True, slots=True)
class TaxableLine:
    line_id: str
    product_kind: str
    amount: Money
    """The line's price after discounts, as the channel enters prices (with tax when prices include tax)."""
    tax_class: str = "standard"


@dataclass(frozen=True, slots=True)
class LineTax:
    rate: Decimal
    """A fraction: 0.20 for 20 %."""
    amount: Money


class TaxTreatment:
    """Why a breakdown row carries the tax it does (`TaxRateTotal.treatment`), with `reason` refining it."""

    TAXED = "taxed"
    """Taxed at `rate` (0 for a zero-rated class) in `country`."""
    EXEMPT = "exempt"
    """No tax: reason "class" (the product's class is exempt) or "certificate" (`reference` names it)."""
    REVERSE_CHARGE = "reverse_charge"
    """No tax: a business buyer in another EU state accounts for it; reason "goods" or "services"; `reference`
    is the buyer's VAT number."""
    NOT_TAXED = "not_taxed"
    """No tax: reason "export" (from the EU to outside it), "no_zone" (no tax zone configured for the
    destination) or "voucher" (a gift card is taxed when it is spent, not when it is sold)."""


REVERSE_CHARGE_SERVICES = "Autoliquidation / Reverse charge, art. 196 Directive 2006/112/EC"
REVERSE_CHARGE_GOODS = (
    "Exempt intra-Community supply, art. 138 Directive 2006/112/EC / Autoliquidation (reverse charge)"
)


@dataclass(frozen=True, slots=True)
class TaxRateTotal:
    rate: Decimal
    base: Money
    """The taxable amount without tax."""
    amount: Money
    treatment: str = TaxTreatment.TAXED
    reason: str = ""
    country: str = ""
    """ISO code of the country whose tax this is (the buyer's, or the seller's below the OSS threshold)."""
    reference: str = ""
    """The exemption certificate's reference, or the reverse-charged buyer's VAT number."""

    @property
    def percent(self) -> str:
        """The rate as a percentage: '20', '5.5', '8.875'."""
        return f"{(self.rate * 100).normalize():f}"

    @property
    def label(self) -> str:
        """What the row says beside its rate on a cart, an order or an invoice ('' for plain taxed rows)."""
        return tax_row_label(self.treatment, self.reason, self.reference)

    def as_json(self) -> dict[str, str]:
        """The row as orders keep it (`Order.tax_breakdown`)."""
        return {
            "rate": str(self.rate),
            "base": str(self.base.amount),
            "amount": str(self.amount.amount),
            "treatment": self.treatment,
            "reason": self.reason,
            "country": self.country,
            "reference": self.reference,
            "label": self.label,
        }


def tax_row_label(treatment: str, reason: str = "", reference: str = "") -> str:
    """The wording of a breakdown row, in the active language; legal mentions stay bilingual on purpose."""
    from django.utils.translation import gettext as _

    if treatment == TaxTreatment.REVERSE_CHARGE:
        mention = REVERSE_CHARGE_GOODS if reason == "goods" else REVERSE_CHARGE_SERVICES
        return f"{mention} ({reference})" if reference else mention
    if treatment == TaxTreatment.EXEMPT:
        if reference:
            return _("Exempt from tax: exemption certificate %(reference)s") % {"reference": reference}
        return _("Exempt from tax")
    if treatment == TaxTreatment.NOT_TAXED:
        if reason == "export":
            return _("No VAT: export outside the EU (art. 146 Directive 2006/112/EC)")
        if reason == "voucher":
            return _("No tax on gift cards: tax is charged on what they buy")
        return _("No tax charged for this destination")
    return ""


@dataclass(frozen=True, slots=True)
class TaxResult:
    lines: dict[str, LineTax]
    shipping: LineTax
    breakdown: list[TaxRateTotal] = field(default_factory=list)


class TaxCalculator(Protocol):
    def calculate(
        self,
        *,
        channel: Channel,
        address: Mapping[str, str] | None,
        lines: Sequence[TaxableLine],
        shipping: Money,
        customer_tax_id: str = "",
        exemption: str = "",
    ) -> TaxResult:
        """Taxes for the lines and the shipping, delivered to `address` (None: not known yet, the channel's
        country). `customer_tax_id` is a VAT number already checked by `taxes.vat_numbers.validate_vat_number`
        (empty for a consumer); `exemption` is the reference of an approved, unexpired exemption certificate
        that covers the destination (found by the caller; empty when none applies)."""
        ...


class NoTax:
    """The zero-tax default: every line and the shipping carry no tax (a shop not registered for VAT)."""

    def calculate(
        self,
        *,
        channel: Channel,
        address: Mapping[str, str] | None,
        lines: Sequence[TaxableLine],
        shipping: Money,
        customer_tax_id: str = "",
        exemption: str = "",
    ) -> TaxResult:
        zero = Money.zero(channel.currency)
        return TaxResult(
            lines={line.line_id: LineTax(Decimal(0), zero) for line in lines},
            shipping=LineTax(Decimal(0), zero),
            breakdown=[],
        )


CALCULATORS: dict[str, TaxCalculator] = {"none": NoTax()}


def get_tax_calculator() -> TaxCalculator:
    return CALCULATORS[getattr(settings, "TAX_CALCULATOR", "none")]
