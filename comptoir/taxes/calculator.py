"""The rates calculator (`TAX_CALCULATOR = "rates"`): tax zones and rates per class, EU VAT rules with OSS,
reverse charge and exemptions, US sales tax by ZIP code.

It reads the channel's settings and the rates for the address through `comptoir.taxes.zones` (cached: no
query on a warm cache, two on a cold one, whatever the number of lines) and leaves the arithmetic to
`comptoir.taxes.engine`. A channel without tax settings is charged no tax at all, exactly as `NoTax`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.utils import timezone

from comptoir.core.models import Channel
from comptoir.core.money import Money
from comptoir.taxes.calculators import NoTax, TaxableLine, TaxResult
from comptoir.taxes.engine import Place, compute_taxes
from comptoir.taxes.vat_numbers import InvalidVatNumberError, validate_vat_number
from comptoir.taxes.zones import tax_rules, zone_rates


class RatesCalculator:
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
        rules = tax_rules(channel_id=channel.pk, prices_include_tax=channel.prices_include_tax)
        if rules is None:
            return NoTax().calculate(
                channel=channel, address=address, lines=lines, shipping=shipping,
                customer_tax_id=customer_tax_id, exemption=exemption,
            )  # fmt: skip
        address = address or {}
        country = str(address.get("country_code") or address.get("country") or channel.default_country).upper()
        destination, origin = zone_rates(
            country=country,
            region=str(address.get("country_area") or ""),
            postcode=str(address.get("postal_code") or ""),
            origin_country=rules.origin_country,
            on=timezone.localdate(),
        )
        vat_country, vat_number = "", ""
        if customer_tax_id:
            # Checked again here: a number that does not validate is a consumer's purchase, taxed as such.
            try:
                vat = validate_vat_number(customer_tax_id)
                vat_country, vat_number = vat.country, vat.number
            except InvalidVatNumberError:
                pass
        return compute_taxes(
            rules=rules,
            place=Place(country=country, destination=destination, origin=origin),
            currency=channel.currency,
            lines=lines,
            shipping=shipping,
            buyer_vat_country=vat_country,
            buyer_vat_number=vat_number,
            exemption=exemption,
        )
