"""Tax zones, rates and channel settings for tests: a few real rates, written as the admin or an import would."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from comptoir.taxes.models import TaxRate, TaxSettings, TaxZone
from comptoir.taxes.zones import forget_tax_config

SINCE = date(2020, 1, 1)

FRANCE = {"standard": "0.20", "intermediate": "0.10", "reduced": "0.055", "super_reduced": "0.021"}
GERMANY = {"standard": "0.19", "reduced": "0.07"}
NEW_YORK_10001 = {"standard": "0.08875"}


def zone_with_rates(
    name: str, country: str, rates: dict[str, str], *, region: str = "", postcodes: tuple[str, str] = ("", "")
) -> TaxZone:
    zone = TaxZone.objects.create(
        name=name, country=country, region=region, postcode_from=postcodes[0], postcode_to=postcodes[1]
    )
    TaxRate.objects.bulk_create(
        [TaxRate(zone=zone, tax_class=cls, rate=Decimal(rate), valid_from=SINCE) for cls, rate in rates.items()]
    )
    forget_tax_config()
    return zone


def standard_zones() -> None:
    """France and Germany (country-wide) and one New York City ZIP code."""
    zone_with_rates("France", "FR", FRANCE)
    zone_with_rates("Germany", "DE", GERMANY)
    zone_with_rates("US-NY 10001", "US", NEW_YORK_10001, region="NY", postcodes=("10001", "10001"))


def tax_settings(channel, *, origin: str = "FR", **fields) -> TaxSettings:
    settings = TaxSettings.objects.update_or_create(channel=channel, defaults={"origin_country": origin, **fields})[0]
    forget_tax_config()
    return settings
