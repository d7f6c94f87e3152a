"""Delivery options: which methods deliver to an address, at what price, and when the parcel arrives.

A method is offered when its zone serves the channel (or every channel) in the channel's currency, the
address is in the zone (country; region and postcode rules when set), the basket fits one of its price
tiers, and, for a local delivery, the address is in its postcodes or radius. Pickup-point methods give one
option per active point in the destination country, nearest first.

Reads only, in a fixed number of queries: the methods with their zones and origins (1), their rate tiers (1),
and, when a pickup-point method is offered, its nearest points (1) — however many methods and points exist.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db.models import Case, ExpressionWrapper, F, FloatField, IntegerField, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from comptoir.core.addresses import PostalAddress
from comptoir.core.errors import InvalidInputError
from comptoir.core.models import Channel
from comptoir.core.money import CurrencyMismatchError, Money
from comptoir.fulfillment.errors import DeliveryUnavailableError
from comptoir.fulfillment.models import MethodKind, PickupPoint, RateType, ShippingMethod, ShippingRate
from comptoir.fulfillment.routing import distance_km

MAX_PICKUP_POINTS = 10
_OPTION_ID = re.compile(r"method:(\d{1,18})|pickup:(\d{1,18}):(\d{1,18})")


@dataclass(frozen=True, slots=True)
class PickupPointBrief:
    id: int
    code: str
    name: str
    street_address_1: str
    street_address_2: str
    postcode: str
    city: str
    country: str
    latitude: Decimal | None
    longitude: Decimal | None
    opening_hours: str
    distance_km: float | None
    """From the buyer's coordinates, rounded to 100 m; None when either end has no coordinates."""


@dataclass(frozen=True, slots=True)
class DeliveryOption:
    id: str
    """Stable while the method (and point) exist: "method:<pk>" or "pickup:<method pk>:<point pk>"."""
    kind: str
    method_id: int
    name: str
    carrier: str
    price: Money
    min_days: int
    max_days: int
    estimate: tuple[date, date]
    pickup_point: PickupPointBrief | None
    tracking_url_template: str


# --- postcode rules ---------------------------------------------------------------------------------------------


def postcode_key(postcode: str) -> str:
    """A postcode for comparison: upper case, without spaces or dashes ("sw1a 2aa" -> "SW1A2AA")."""
    return re.sub(r"[\s\-]", "", postcode or "").upper()


@dataclass(frozen=True, slots=True)
class PostcodeRule:
    """One postcode rule of a zone or a local delivery.

    "75011" is that postcode; "75*" every postcode starting with 75; "75000-75999" (or "75000..75999") a range.
    A range compares the postcode's first characters, as many as its bounds have: numerically when all are
    digits, else alphabetically ("H1A-H9Z" holds every Canadian postcode from H1A to H9Z). Use ".." for
    postcodes that contain a dash themselves ("00-950..00-999").
    """

    kind: str  # "exact", "prefix" or "range"
    low: str
    high: str = ""

    def matches(self, key: str) -> bool:
        if self.kind == "exact":
            return key == self.low
        if self.kind == "prefix":
            return key.startswith(self.low)
        head = key[: len(self.low)]
        if len(head) < len(self.low):
            return False
        if head.isdigit() and self.low.isdigit() and self.high.isdigit():
            return int(self.low) <= int(head) <= int(self.high)
        return self.low <= head <= self.high


@functools.lru_cache(maxsize=4096)
def parse_postcode_rule(text: str) -> PostcodeRule:
    """Read one rule; raises ValueError (with a message for the merchant) when it cannot be read."""
    rule = (text or "").strip().upper()
    if ".." in rule:
        low, _sep, high = rule.partition("..")
    elif rule.count("-") == 1 and len(postcode_key(rule.split("-")[0])) == len(postcode_key(rule.split("-")[1])):
        low, _sep, high = rule.partition("-")
    elif rule.endswith("*"):
        prefix = postcode_key(rule[:-1])
        if not prefix or not prefix.isalnum():
            raise ValueError(_("“%(rule)s”: write a prefix followed by *, e.g. 75*.") % {"rule": text})
        return PostcodeRule("prefix", prefix)
    else:
        key = postcode_key(rule)
        if not key or not key.isalnum():
            raise ValueError(_("“%(rule)s” is not a postcode.") % {"rule": text})
        return PostcodeRule("exact", key)
    low, high = postcode_key(low), postcode_key(high)
    if not (low.isalnum() and high.isalnum()) or len(low) != len(high):
        raise ValueError(
            _("“%(rule)s”: a range needs two bounds of the same length, e.g. 75000-75999.") % {"rule": text}
        )
    numeric = low.isdigit() and high.isdigit()
    if (int(low) > int(high)) if numeric else (low > high):
        raise ValueError(_("“%(rule)s”: the range starts after it ends.") % {"rule": text})
    return PostcodeRule("range", low, high)


def postcode_matches(rules: Sequence[str], postcode: str) -> bool:
    """Whether `postcode` matches any of `rules` (rules that cannot be read match nothing)."""
    key = postcode_key(postcode)
    if not key:
        return False
    for text in rules:
        try:
            if parse_postcode_rule(text).matches(key):
                return True
        except ValueError:
            continue
    return False


# --- zones, prices, dates ---------------------------------------------------------------------------------------


def zone_matches(zone, address: PostalAddress) -> bool:
    """Country in the zone; region among the zone's regions for that country, if it names any; postcodes."""
    country = address.country_code.upper()
    if country not in {code.upper() for code in zone.countries or []}:
        return False
    regions = [region.casefold() for region in zone.regions or [] if region.upper().startswith(f"{country}/")]
    if regions and f"{country}/{address.country_area}".casefold() not in regions:
        return False
    return not zone.postcode_rules or postcode_matches(zone.postcode_rules, address.postal_code)


def _tier_price(tiers: Sequence[ShippingRate], rate_type: str, weight_grams: int, value: Decimal) -> Decimal | None:
    # Tiers are sorted by their minimum; where two meet, the first (lower) one holds the boundary.
    for tier in tiers:
        if rate_type == RateType.BY_WEIGHT:
            low, high, measure = tier.min_weight_grams, tier.max_weight_grams, weight_grams
        else:
            low, high, measure = tier.min_order_value, tier.max_order_value, value
        if low <= measure and (high is None or measure <= high):
            return tier.price
    return None


def method_price(method: ShippingMethod, *, weight_grams: int, subtotal: Money) -> Money | None:
    """What the method costs for this basket, or None when no tier covers it. Uses `method.tiers` (prefetched)."""
    if method.rate_type == RateType.FLAT:
        amount = method.price
    else:
        amount = _tier_price(method.tiers, method.rate_type, weight_grams, subtotal.quantize().amount)
        if amount is None:
            return None
    if method.free_above is not None and subtotal.amount >= method.free_above:
        amount = Decimal(0)
    return Money(amount, method.currency).quantize()


def _local_reach(method: ShippingMethod, address: PostalAddress, latitude, longitude) -> bool:
    if method.kind != MethodKind.LOCAL_DELIVERY:
        return True
    if not method.local_postcodes and method.radius_km is None:
        return True  # the zone alone says where it goes
    if method.local_postcodes and postcode_matches(method.local_postcodes, address.postal_code):
        return True
    origin = method.origin
    if method.radius_km is None or latitude is None or origin is None or origin.latitude is None:
        return False
    return distance_km(origin.latitude, origin.longitude, latitude, longitude) <= float(method.radius_km)


def add_business_days(start: date, days: int) -> date:
    """`days` business days (Monday to Friday) after `start`."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def delivery_estimate(*, now: datetime, min_days: int, max_days: int, cutoff_hour: int | None) -> tuple[date, date]:
    """Earliest and latest delivery dates for an order placed at `now`.

    The parcel leaves on the day of the order if it is a business day and before the cut-off hour (shop time),
    else on the next business day; it arrives `min_days` to `max_days` business days later. Public holidays
    are not known and count as business days.
    """
    local = timezone.localtime(now) if timezone.is_aware(now) else now
    dispatch = local.date()
    if dispatch.weekday() >= 5 or (cutoff_hour is not None and local.hour >= cutoff_hour):
        dispatch = add_business_days(dispatch, 1)
    return add_business_days(dispatch, min_days), add_business_days(dispatch, max_days)


def _days_label(min_days: int, max_days: int) -> str:
    if max_days == 0:
        return _("same day")
    if min_days == max_days:
        return ngettext("%(count)d day", "%(count)d days", max_days) % {"count": max_days}
    return ngettext("%(min)d to %(max)d day", "%(min)d to %(max)d days", max_days) % {"min": min_days, "max": max_days}


# --- the options ------------------------------------------------------------------------------------------------


def _coordinate(value, limit: int) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or not -limit <= number <= limit:
        raise InvalidInputError(detail=_("Latitude must be between -90 and 90, longitude between -180 and 180."))
    return number


def _check_basket(
    channel: Channel, weight_grams: int, subtotal: Money, latitude, longitude
) -> tuple[Decimal | None, Decimal | None]:
    """Refuse a basket that cannot be priced; returns the position as Decimals (or Nones)."""
    if isinstance(weight_grams, bool) or not isinstance(weight_grams, int) or weight_grams < 0:
        raise InvalidInputError(detail=_("The parcel weight must be a whole number of grams, zero or more."))
    if subtotal.currency != channel.currency:
        raise CurrencyMismatchError(
            detail=_("The order total is in %(given)s but this channel sells in %(currency)s.")
            % {"given": subtotal.currency, "currency": channel.currency}
        )
    if (latitude is None) != (longitude is None):
        raise InvalidInputError(detail=_("Send both latitude and longitude, or neither."))
    if latitude is None:
        return None, None
    return _coordinate(latitude, 90), _coordinate(longitude, 180)


def _offered_methods(
    channel: Channel, address: PostalAddress, weight_grams: int, subtotal: Money, latitude, longitude
) -> list[tuple[ShippingMethod, Money]]:
    """The methods that deliver this basket to this address, with their price. Two queries."""
    methods = list(
        ShippingMethod.objects.filter(is_active=True, zone__is_active=True, currency=channel.currency)
        .filter(Q(zone__channel=channel) | Q(zone__channel__isnull=True))
        .select_related("zone", "origin")
        .order_by("zone__position", "zone_id", "position", "pk")
    )
    # The rates as a prefetch into `tiers` would read them, without the prefetch machinery's cost.
    tiers: dict[int, list[ShippingRate]] = {method.pk: [] for method in methods}
    if methods:
        rates = ShippingRate.objects.filter(method_id__in=list(tiers)).order_by(
            "min_weight_grams", "min_order_value", "pk"
        )
        for rate in rates:
            tiers[rate.method_id].append(rate)
    for method in methods:
        method.tiers = tiers[method.pk]
    offered = []
    for method in methods:
        if not zone_matches(method.zone, address) or not _local_reach(method, address, latitude, longitude):
            continue
        price = method_price(method, weight_grams=weight_grams, subtotal=subtotal)
        if price is not None:
            offered.append((method, price))
    return offered


def _brief(point: PickupPoint, latitude, longitude) -> PickupPointBrief:
    distance = None
    if latitude is not None and point.latitude is not None and point.longitude is not None:
        distance = round(distance_km(latitude, longitude, point.latitude, point.longitude), 1)
    return PickupPointBrief(
        id=point.pk,
        code=point.code,
        name=point.name,
        street_address_1=point.street_address_1,
        street_address_2=point.street_address_2,
        postcode=point.postcode,
        city=point.city,
        country=point.country,
        latitude=point.latitude,
        longitude=point.longitude,
        opening_hours=point.opening_hours,
        distance_km=distance,
    )


def _nearest_points(method_ids: list[int], address: PostalAddress, latitude, longitude) -> dict[int, list]:
    """Up to MAX_PICKUP_POINTS active points per method in the destination country, nearest first. One query.

    With coordinates, points are ranked in SQL by a flat-earth distance (good enough to pick the nearest ten
    in a country), then ordered by the true distance; points without coordinates come last. Without
    coordinates, points sharing more of the buyer's postcode come first.
    """
    points = PickupPoint.objects.filter(method_id__in=method_ids, is_active=True, country=address.country_code)
    if latitude is not None:
        # Degrees of longitude shrink with latitude: scale them so both axes count the same distance.
        scale = Decimal(str(math.cos(math.radians(float(latitude)))))
        north = F("latitude") - Value(Decimal(latitude))
        east = (F("longitude") - Value(Decimal(longitude))) * Value(scale)
        closeness = ExpressionWrapper(north * north + east * east, output_field=FloatField())
        order = [closeness.asc(nulls_last=True), F("name").asc(), F("pk").asc()]
    else:
        postcode = address.postal_code.upper()
        shared = Case(
            *(When(postcode__startswith=postcode[:n], then=Value(n)) for n in range(min(len(postcode), 6), 0, -1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        order = [shared.desc(), F("name").asc(), F("pk").asc()]
    ranked = points.annotate(rank=Window(RowNumber(), partition_by=[F("method_id")], order_by=order))
    by_method: dict[int, list] = {}
    for point in ranked.filter(rank__lte=MAX_PICKUP_POINTS).order_by("method_id", "rank"):
        by_method.setdefault(point.method_id, []).append(_brief(point, latitude, longitude))
    for briefs in by_method.values():
        briefs.sort(key=lambda brief: (brief.distance_km is None, brief.distance_km or 0))  # stable: rank on ties
    return by_method


def _option(method: ShippingMethod, price: Money, now: datetime, point: PickupPointBrief | None) -> DeliveryOption:
    return DeliveryOption(
        id=f"pickup:{method.pk}:{point.id}" if point else f"method:{method.pk}",
        kind=method.kind,
        method_id=method.pk,
        name=f"{method.name} — {_days_label(method.min_days, method.max_days)}",
        carrier=method.carrier,
        price=price,
        min_days=method.min_days,
        max_days=method.max_days,
        estimate=delivery_estimate(
            now=now, min_days=method.min_days, max_days=method.max_days, cutoff_hour=method.cutoff_hour
        ),
        pickup_point=point,
        tracking_url_template=method.tracking_url_template,
    )


def list_delivery_options(
    *,
    channel: Channel,
    address: PostalAddress,
    weight_grams: int,
    subtotal: Money,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    now: datetime | None = None,
) -> list[DeliveryOption]:
    """Every way to deliver this basket to `address`, cheapest first, then fastest.

    `subtotal` is the goods total after discounts, in the channel currency (it decides `free_above` and
    order-value tiers); `weight_grams` the parcel weight. `latitude`/`longitude` (both or neither) are the
    buyer's position when known: they rank pickup points and enable local deliveries by radius. A pickup-point
    method gives one option per point (at most ten, nearest first). Raises InvalidInputError for a negative
    weight or half a position, CurrencyMismatchError for a subtotal in another currency. Three queries at most.
    """
    latitude, longitude = _check_basket(channel, weight_grams, subtotal, latitude, longitude)
    now = now or timezone.now()
    offered = _offered_methods(channel, address, weight_grams, subtotal, latitude, longitude)
    pickup_ids = [method.pk for method, _price in offered if method.kind == MethodKind.PICKUP_POINT]
    points = _nearest_points(pickup_ids, address, latitude, longitude) if pickup_ids else {}
    options = []
    for method, price in offered:
        if method.kind == MethodKind.PICKUP_POINT:
            options.extend(_option(method, price, now, point) for point in points.get(method.pk, []))
        else:
            options.append(_option(method, price, now, None))
    # Stable sort: options of one pickup method keep their nearest-first order.
    return sorted(options, key=lambda option: (option.price.amount, option.max_days, option.min_days))


def get_delivery_option(
    *,
    channel: Channel,
    option_id: str,
    address: PostalAddress,
    weight_grams: int,
    subtotal: Money,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    now: datetime | None = None,
) -> DeliveryOption:
    """The option `option_id`, priced again for this address and basket.

    Raises DeliveryUnavailableError (422) when it is not offered any more: unknown id, method switched off,
    address or basket outside its zone or tiers, pickup point closed or in another country. A pickup point
    need not be among the ten nearest (a carrier's map may offer others). At most three queries.
    """
    latitude, longitude = _check_basket(channel, weight_grams, subtotal, latitude, longitude)
    match = _OPTION_ID.fullmatch(option_id) if isinstance(option_id, str) else None
    if match is None:
        raise DeliveryUnavailableError(option_id=str(option_id)[:100])
    method_id = int(match.group(1) or match.group(2))
    offered = {
        method.pk: (method, price)
        for method, price in _offered_methods(channel, address, weight_grams, subtotal, latitude, longitude)
    }
    if method_id not in offered:
        raise DeliveryUnavailableError(option_id=option_id)
    method, price = offered[method_id]
    is_pickup = match.group(2) is not None
    if is_pickup != (method.kind == MethodKind.PICKUP_POINT):
        raise DeliveryUnavailableError(option_id=option_id)
    point = None
    if is_pickup:
        found = PickupPoint.objects.filter(
            pk=int(match.group(3)), method_id=method_id, is_active=True, country=address.country_code
        ).first()
        if found is None:
            raise DeliveryUnavailableError(option_id=option_id)
        point = _brief(found, latitude, longitude)
    return _option(method, price, now or timezone.now(), point)
