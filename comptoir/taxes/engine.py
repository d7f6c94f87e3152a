"""The tax arithmetic, pure: which rate each line takes, how shipping follows the goods, how amounts round.

No database here: `comptoir.taxes.calculator` loads the channel's rules and the rates that apply, then calls
`compute_taxes`. The invariants, for every input:
- each line's tax and the shipping's tax are rounded to the currency's minor unit;
- the breakdown's taxes add up to the lines' taxes plus the shipping's tax;
- the breakdown's bases plus its taxes add up to what the buyer pays (lines and shipping).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from comptoir.core.money import Money, minor_unit_exponent
from comptoir.taxes.calculators import LineTax, TaxableLine, TaxRateTotal, TaxResult, TaxTreatment
from comptoir.taxes.classes import TaxClass

EU_MEMBER_STATES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
SHIPPING = "shipping"


@dataclass(frozen=True, slots=True)
class ZoneRates:
    """The rates of the zone that applies to an address, on one day: tax class -> fraction."""

    country: str
    zone: str
    by_class: Mapping[str, Decimal] = field(default_factory=dict)

    def rate_for(self, tax_class: str) -> Decimal | None:
        """The class's rate; a class the zone has no rate for takes its standard rate (None: not even that)."""
        if tax_class in (TaxClass.ZERO, TaxClass.EXEMPT):
            return Decimal(0)
        rate = self.by_class.get(tax_class)
        return rate if rate is not None else self.by_class.get(TaxClass.STANDARD)


@dataclass(frozen=True, slots=True)
class TaxRules:
    """A channel's tax settings, as the arithmetic needs them."""

    origin_country: str
    prices_include_tax: bool
    eu_destination_taxation: bool = False
    shipping_tax: str = "main_rate"
    """"main_rate" or "pro_rata"."""
    rounding: str = "line"
    """"line" or "total"."""


@dataclass(frozen=True, slots=True)
class Place:
    """Where the goods go and the rates that may apply there."""

    country: str
    destination: ZoneRates | None
    """The most specific zone matching the buyer's address; None: no zone is configured there."""
    origin: ZoneRates | None
    """The seller's country-wide zone (goods below the OSS threshold are taxed there)."""


@dataclass(frozen=True, slots=True)
class _Key:
    treatment: str
    reason: str
    rate: Decimal
    country: str
    reference: str


def compute_taxes(
    *,
    rules: TaxRules,
    place: Place,
    currency: str,
    lines: Sequence[TaxableLine],
    shipping: Money,
    buyer_vat_country: str = "",
    buyer_vat_number: str = "",
    exemption: str = "",
) -> TaxResult:
    """Every line's and the shipping's tax, and the breakdown per rate and treatment.

    `buyer_vat_country` is the issuing state of `buyer_vat_number`, already validated ('' for a consumer). Amounts
    are taken as the channel enters prices: with tax included, the tax is `amount * rate / (1 + rate)` and the
    amount paid does not change with the rate (the displayed price is kept); without, `amount * rate` is added.
    """
    buyer = (buyer_vat_country, buyer_vat_number)
    keys = {line.line_id: _decide(line, rules, place, buyer, exemption) for line in lines}
    items: list[tuple[str, _Key, Money]] = [(line.line_id, keys[line.line_id], line.amount) for line in lines]
    items += [
        (SHIPPING, key, part) for key, part in _shipping_parts(rules, place, lines, keys, shipping, buyer, exemption)
    ]
    taxes = _round(items, rules, currency)

    zero = Money.zero(currency)
    by_owner: dict[str, Money] = {}
    groups: dict[_Key, tuple[Money, Money]] = {}
    for (owner, key, amount), tax in zip(items, taxes, strict=True):
        by_owner[owner] = by_owner.get(owner, zero) + tax
        base = amount - tax if rules.prices_include_tax else amount
        old_base, old_tax = groups.get(key, (zero, zero))
        groups[key] = (old_base + base, old_tax + tax)

    shipping_keys = [key for owner, key, _amount in items if owner == SHIPPING]
    shipping_tax = by_owner.get(SHIPPING, zero)
    breakdown = [
        TaxRateTotal(
            rate=key.rate,
            base=base,
            amount=tax,
            treatment=key.treatment,
            reason=key.reason,
            country=key.country,
            reference=key.reference,
        )
        for key, (base, tax) in sorted(
            groups.items(), key=lambda kv: (kv[0].treatment != TaxTreatment.TAXED, kv[0].rate, kv[0].country)
        )
    ]
    return TaxResult(
        lines={line.line_id: LineTax(keys[line.line_id].rate, by_owner[line.line_id]) for line in lines},
        shipping=LineTax(_shipping_rate(shipping_keys, shipping, shipping_tax, rules), shipping_tax),
        breakdown=breakdown,
    )


def _decide(line: TaxableLine, rules: TaxRules, place: Place, buyer: tuple[str, str], exemption: str) -> _Key:
    """The treatment and rate of one line (the legal reasoning of the whole module is here)."""
    zero = Decimal(0)
    buyer_vat_country, buyer_vat_number = buyer
    if line.product_kind == "gift_card":
        # A multi-purpose voucher: VAT is due when it pays for goods, not when it is sold.
        return _Key(TaxTreatment.NOT_TAXED, "voucher", zero, "", "")
    if exemption:
        return _Key(TaxTreatment.EXEMPT, "certificate", zero, place.country, exemption)
    origin, destination = rules.origin_country, place.country
    electronic = line.tax_class == TaxClass.ELECTRONIC_SERVICES or line.product_kind == "digital"
    intra_eu = origin in EU_MEMBER_STATES and destination in EU_MEMBER_STATES and destination != origin
    business_elsewhere = (
        origin in EU_MEMBER_STATES and buyer_vat_country in EU_MEMBER_STATES and buyer_vat_country != origin
    )
    if business_elsewhere and electronic:
        # B2B services: supplied where the buyer is established, who accounts for the VAT (art. 44, 196).
        return _Key(TaxTreatment.REVERSE_CHARGE, "services", zero, buyer_vat_country, buyer_vat_number)
    if business_elsewhere and intra_eu:
        # Goods dispatched to a business in another member state: exempt here, taxed by the buyer (art. 138).
        return _Key(TaxTreatment.REVERSE_CHARGE, "goods", zero, destination, buyer_vat_number)
    # Distance sales of goods below the OSS threshold are taxed where they leave; services and digital goods,
    # and everything once the seller is above the threshold or opted in, where the buyer is.
    zone = place.origin if intra_eu and not electronic and not rules.eu_destination_taxation else place.destination
    if zone is None or (rate := zone.rate_for(line.tax_class)) is None:
        exported = origin in EU_MEMBER_STATES and destination not in EU_MEMBER_STATES
        return _Key(TaxTreatment.NOT_TAXED, "export" if exported else "no_zone", zero, destination, "")
    if line.tax_class == TaxClass.EXEMPT:
        return _Key(TaxTreatment.EXEMPT, "class", zero, zone.country, "")
    return _Key(TaxTreatment.TAXED, "", rate, zone.country, "")


def _shipping_parts(
    rules: TaxRules,
    place: Place,
    lines: Sequence[TaxableLine],
    keys: Mapping[str, _Key],
    shipping: Money,
    buyer: tuple[str, str],
    exemption: str,
) -> list[tuple[_Key, Money]]:
    """Shipping follows the goods: all of it at the main rate (the key with the largest share of the goods,
    the higher rate on a tie), or split across the goods' keys in proportion to their amounts."""
    if not shipping:
        return []
    if not lines:
        standalone = TaxableLine(line_id=SHIPPING, product_kind="physical", amount=shipping)
        return [(_decide(standalone, rules, place, buyer, exemption), shipping)]
    shares: dict[_Key, Money] = {}
    for line in lines:
        key = keys[line.line_id]
        shares[key] = shares.get(key, Money.zero(shipping.currency)) + line.amount
    ordered = list(shares)
    total = sum((shares[key].amount for key in ordered), Decimal(0))
    if rules.shipping_tax == "pro_rata" and len(ordered) > 1 and total > 0:
        parts = shipping.allocate([shares[key].amount for key in ordered])
        return [(key, part) for key, part in zip(ordered, parts, strict=True)]
    main = max(ordered, key=lambda key: (shares[key].amount, key.rate, -ordered.index(key)))
    return [(main, shipping)]


def _exact(amount: Money, rate: Decimal, prices_include_tax: bool) -> Decimal:
    if prices_include_tax:
        return amount.amount * rate / (1 + rate)
    return amount.amount * rate


def _round(items: list[tuple[str, _Key, Money]], rules: TaxRules, currency: str) -> list[Money]:
    """Each item's tax rounded to the minor unit. Per line: each rounded on its own. Per total: each key's
    total is rounded once, then shared across its items by the largest remainder (each item gets its exact
    tax rounded down, the cents left go to the largest fractions, earliest first on ties)."""
    exact = [_exact(amount, key.rate, rules.prices_include_tax) for _owner, key, amount in items]
    unit = minor_unit_exponent(currency)
    if rules.rounding != "total":
        return [Money(value, currency).quantize() for value in exact]
    rounded = [Decimal(0)] * len(items)
    by_key: dict[_Key, list[int]] = {}
    for index, (_owner, key, _amount) in enumerate(items):
        by_key.setdefault(key, []).append(index)
    for key, indexes in by_key.items():
        # The total's tax from the total amount: summing the lines' inexact thirds (0.00333...) could land
        # just under a half cent that the total reaches exactly.
        amount = Money(sum((items[i][2].amount for i in indexes), Decimal(0)), currency)
        total = Money(_exact(amount, key.rate, rules.prices_include_tax), currency).quantize().amount
        floors = {i: exact[i].quantize(unit, rounding=ROUND_FLOOR) for i in indexes}
        left = int((total - sum(floors.values(), Decimal(0))) / unit)
        for i in sorted(indexes, key=lambda i: (-(exact[i] - floors[i]), i))[:left]:
            floors[i] += unit
        for i in indexes:
            rounded[i] = floors[i]
    return [Money(value, currency) for value in rounded]


def _shipping_rate(keys: list[_Key], shipping: Money, tax: Money, rules: TaxRules) -> Decimal:
    """The shipping's rate: its key's; split pro rata across rates, the effective rate of the whole."""
    rates = {key.rate for key in keys}
    if len(rates) <= 1:
        return next(iter(rates), Decimal(0))
    base = shipping.amount - tax.amount if rules.prices_include_tax else shipping.amount
    return (tax.amount / base).quantize(Decimal("0.000001")) if base else Decimal(0)
