"""Reading tax settings and the rates that apply to an address: one query each on a cold cache, none after.

Both are kept in the Django cache (shared by every app server when it is Redis) under a version key;
`forget_tax_config()` — called on commit by every write to settings, zones or rates — starts a new version,
so no server goes on charging a rate that changed. Entries also expire after an hour.
"""

from __future__ import annotations

import re
import uuid
from datetime import date

from django.core.cache import cache
from django.db.models import Q, Value
from django.db.models.functions import Concat

from comptoir.taxes.engine import TaxRules, ZoneRates
from comptoir.taxes.models import TaxRate, TaxSettings

VERSION_KEY = "taxes:version"
TTL = 3600
# Postcodes are compared as upper-case strings of digits and letters: a range's last prefix padded with Z
# covers every postcode that starts with it ("35" to "35ZZZ..." holds 35000 and 35999).
_PAD = "Z" * 20
_NOT_POSTCODE = re.compile(r"[^0-9A-Z]")
_NONE = "none"


def normalize_postcode(country: str, postcode: str) -> str:
    """Upper case, digits and letters only; a US ZIP+4 keeps its five-digit ZIP."""
    code = _NOT_POSTCODE.sub("", (postcode or "").upper())
    return code[:5] if country.upper() == "US" else code


def forget_tax_config() -> None:
    """Drop every cached tax setting and rate (after any change to them)."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def _version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY) or "0"
    return version


def tax_rules(*, channel_id: int, prices_include_tax: bool) -> TaxRules | None:
    """The channel's tax settings, or None when it charges no tax (no settings)."""
    key = f"taxes:{_version()}:settings:{channel_id}"
    row = cache.get(key)
    if row is None:
        found = (
            TaxSettings.objects.filter(channel_id=channel_id)
            .values_list("origin_country", "eu_destination_taxation", "shipping_tax", "rounding")
            .first()
        )
        row = found or _NONE
        cache.set(key, row, TTL)
    if row == _NONE:
        return None
    origin, destination_taxation, shipping_tax, rounding = row
    return TaxRules(
        origin_country=str(origin).upper(),
        prices_include_tax=prices_include_tax,
        eu_destination_taxation=destination_taxation,
        shipping_tax=shipping_tax,
        rounding=rounding,
    )


def zone_rates(
    *, country: str, region: str, postcode: str, origin_country: str, on: date
) -> tuple[ZoneRates | None, ZoneRates | None]:
    """(rates of the most specific zone matching the address, rates of the origin country's country-wide zone)
    valid on `on`. One query for both."""
    country, region, origin_country = country.upper(), (region or "").strip().upper(), origin_country.upper()
    postcode = normalize_postcode(country, postcode)
    key = f"taxes:{_version()}:rates:{country}:{region}:{postcode}:{origin_country}:{on.isoformat()}"
    cached = cache.get(key)
    if cached is None:
        cached = _load(country, region, postcode, origin_country, on)
        cache.set(key, cached, TTL)
    return cached


def _load(
    country: str, region: str, postcode: str, origin_country: str, on: date
) -> tuple[ZoneRates | None, ZoneRates | None]:
    whole_area = Q(zone__postcode_from="") & (Q(zone__region="") | Q(zone__region__iexact=region))
    destination = Q(zone__country=country) & whole_area
    if postcode:
        destination |= (
            Q(zone__country=country)
            & ~Q(zone__postcode_from="")
            & Q(zone__postcode_from__lte=postcode)
            & Q(postcode_upper__gte=postcode)
        )
    origin = Q(zone__country=origin_country, zone__region="", zone__postcode_from="")
    rows = (
        TaxRate.objects.annotate(postcode_upper=Concat("zone__postcode_to", Value(_PAD)))
        .filter(destination | origin, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .values_list(
            "zone_id", "zone__name", "zone__country", "zone__region", "zone__postcode_from", "tax_class", "rate"
        )
    )
    zones: dict[int, tuple[tuple[int, int, int], str, str, dict[str, object]]] = {}
    for zone_id, name, zone_country, zone_region, postcode_from, tax_class, rate in rows:
        specificity = (2 if postcode_from else 1 if zone_region else 0, len(postcode_from), -zone_id)
        entry = zones.setdefault(zone_id, (specificity, name, str(zone_country), {}))
        entry[3][tax_class] = rate

    def best(candidates: list[tuple[tuple[int, int, int], str, str, dict]]) -> ZoneRates | None:
        if not candidates:
            return None
        _specificity, name, zone_country, by_class = max(candidates, key=lambda entry: entry[0])
        return ZoneRates(country=zone_country.upper(), zone=name, by_class=dict(by_class))

    at_destination = [entry for entry in zones.values() if entry[2].upper() == country]
    at_origin = [entry for entry in zones.values() if entry[2].upper() == origin_country and entry[0][0] == 0]
    return best(at_destination), best(at_origin)
