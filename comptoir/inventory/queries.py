"""Stock reads: how many units can be sold, where, and how to say it to a buyer.

"Free" units are on hand plus the backorder allowance, less what is held and allocated; "on the shelf"
units are the free units that physically exist. Only locations that serve the request's channel count.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.core.cache import cache
from django.db.models import F, Q, Sum
from django.db.models.functions import Greatest
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from comptoir.inventory.models import Location, OversellMode, StockLevel

LOW_STOCK_THRESHOLD = 5
LOCATIONS_CACHE_KEY = "inventory:channel-locations:v1"
PICKUP_STORES_CACHE_KEY = "inventory:pickup-stores:v1"


@dataclass(frozen=True, slots=True)
class StockStatus:
    """What a buyer is told. `code`: in_stock, low_stock, backorder, preorder or out_of_stock;
    `quantity`: free units on the shelf, None when stock is not counted; `expected_on`: restock date."""

    code: str
    quantity: int | None
    expected_on: date | None = None

    @property
    def purchasable(self) -> bool:
        return self.code != "out_of_stock"

    @property
    def schema_availability(self) -> str:
        """The schema.org ItemAvailability for this status."""
        return {
            "in_stock": "https://schema.org/InStock",
            "low_stock": "https://schema.org/LimitedAvailability",
            "backorder": "https://schema.org/BackOrder",
            "preorder": "https://schema.org/PreOrder",
        }.get(self.code, "https://schema.org/OutOfStock")

    @property
    def label(self) -> str:
        when = date_format(self.expected_on, "DATE_FORMAT") if self.expected_on else ""
        if self.code == "out_of_stock":
            return str(_("Out of stock"))
        if self.code == "low_stock":
            return str(_("Only %(count)d left") % {"count": self.quantity})
        if self.code == "preorder":
            return str(_("Pre-order, ships %(date)s") % {"date": when}) if when else str(_("Pre-order"))
        if self.code == "backorder":
            return str(_("Backorder, ships by %(date)s") % {"date": when}) if when else str(_("Backorder"))
        return str(_("In stock"))


# Best first: several variants (or a partial choice of options) are described by the best of their statuses.
STATUS_RANK = {"in_stock": 0, "low_stock": 1, "backorder": 2, "preorder": 3, "out_of_stock": 4}


def best_status(statuses: Iterable[StockStatus]) -> StockStatus:
    """The most encouraging true statement about several variants; out of stock when there are none."""
    return min(
        statuses, key=lambda s: STATUS_RANK.get(s.code, len(STATUS_RANK)), default=StockStatus("out_of_stock", 0)
    )


def stock_status(
    available: int | None,
    *,
    tracks_stock: bool,
    on_shelf: int | None = None,
    oversell: str = OversellMode.NONE,
    expected_on: date | None = None,
    low_stock_threshold: int = LOW_STOCK_THRESHOLD,
) -> StockStatus:
    """The status of `available` free units, `on_shelf` of which physically exist (default: all of them)."""
    if not tracks_stock:
        return StockStatus("in_stock", None)
    available = max(available or 0, 0)
    on_shelf = available if on_shelf is None else max(min(on_shelf, available), 0)
    if on_shelf > 0:
        code = "low_stock" if on_shelf <= low_stock_threshold else "in_stock"
        return StockStatus(code, on_shelf)
    if available > 0:
        code = "preorder" if oversell == OversellMode.PREORDER else "backorder"
        return StockStatus(code, 0, expected_on)
    return StockStatus("out_of_stock", 0, expected_on)


def location_ids_for_channel(channel_id: int | None) -> list[int]:
    """Active locations whose stock a channel sells (a location with no channels serves them all). Cached."""
    table = _location_table()
    return sorted(set(table["all"]) | set(table["by_channel"].get(channel_id, [])))


def location_ids_shipping_to(channel_id: int | None, country: str) -> list[int]:
    """The channel's locations that ship orders to `country` (ISO code). Cached with the location table."""
    table = _location_table()
    country = country.upper()
    return [
        pk
        for pk in location_ids_for_channel(channel_id)
        if table["ships"][pk][0] and (not table["ships"][pk][1] or country in table["ships"][pk][1])
    ]


def _location_table() -> dict:
    table = cache.get(LOCATIONS_CACHE_KEY)
    if table is None:
        table = {"all": [], "by_channel": {}, "ships": {}}
        rows = Location.objects.filter(is_active=True).values_list("pk", "channels", "ships_orders", "ships_to")
        for location_id, channel, ships_orders, ships_to in rows:
            if channel is None:
                table["all"].append(location_id)
            else:
                table["by_channel"].setdefault(channel, []).append(location_id)
            countries = {str(c).upper() for c in ships_to} if isinstance(ships_to, list) else set()
            table["ships"][location_id] = (ships_orders, frozenset(countries))
        cache.set(LOCATIONS_CACHE_KEY, table, 300)
    return table


def forget_locations() -> None:
    """Drop the cached location tables (after a location, its channels or its store details change)."""
    cache.delete_many([LOCATIONS_CACHE_KEY, PICKUP_STORES_CACHE_KEY])


FREE = F("on_hand") + F("backorder_limit") - F("allocated") - F("reserved")
ON_SHELF = Greatest(F("on_hand") - F("allocated") - F("reserved"), 0)


@dataclass(frozen=True, slots=True)
class VariantStock:
    free: int
    on_shelf: int


def stock_by_variant(
    variant_ids: Sequence[int], *, location_ids: Sequence[int] | None = None
) -> dict[int, VariantStock]:
    """Free and on-shelf units per variant, summed over `location_ids` (default: every active location)."""
    rows = StockLevel.objects.filter(variant_id__in=list(variant_ids), location__is_active=True)
    if location_ids is not None:
        rows = rows.filter(location_id__in=list(location_ids))
    rows = rows.values("variant_id").annotate(free=Sum(FREE), on_shelf=Sum(ON_SHELF))
    return {r["variant_id"]: VariantStock(r["free"] or 0, r["on_shelf"] or 0) for r in rows}


def available_by_variant(variant_ids: Sequence[int], *, location_ids: Sequence[int] | None = None) -> dict[int, int]:
    """Units available to sell now per variant: one query."""
    return {k: v.free for k, v in stock_by_variant(variant_ids, location_ids=location_ids).items()}


@dataclass(frozen=True, slots=True)
class StoreStock:
    location_id: int
    slug: str
    name: str
    city: str
    quantity: int


def pickup_availability(variant_id: int, *, channel_id: int | None = None) -> list[StoreStock]:
    """Stores offering click & collect with this variant on the shelf now, most stocked first: one query."""
    rows = StockLevel.objects.filter(
        Q(location__channels__isnull=True) | Q(location__channels=channel_id),
        variant_id=variant_id,
        location__is_active=True,
        location__pickup_enabled=True,
    ).annotate(shelf=ON_SHELF)
    seen, stores = set(), []
    fields = ("location_id", "location__slug", "location__name", "location__city", "shelf")
    for row in rows.values(*fields).order_by("-shelf", "location_id"):
        if row["location_id"] in seen:
            continue  # one row per channel link
        seen.add(row["location_id"])
        stores.append(StoreStock(*(row[f] for f in fields)))
    return stores


@dataclass(frozen=True, slots=True)
class PickupStore:
    """A click & collect store as a buyer sees it. `opening_hours` is the merchant's JSON, unchecked."""

    id: int
    slug: str
    name: str
    address: str
    postcode: str
    city: str
    opening_hours: dict
    channel_ids: tuple[int, ...]  # empty: serves every channel


def list_pickup_stores(channel_id: int | None) -> list[PickupStore]:
    """Active click & collect stores serving a channel, by city then name. Cached with the location tables
    (`forget_locations()`): one query on a cold cache, none after."""
    stores = cache.get(PICKUP_STORES_CACHE_KEY)
    if stores is None:
        fields = ("pk", "slug", "name", "address", "postcode", "city", "opening_hours")
        rows = Location.objects.filter(is_active=True, pickup_enabled=True).values_list(*fields, "channels")
        found: dict[int, tuple] = {}
        channels: dict[int, list[int]] = {}
        for *store, channel in rows:  # one row per channel served (or one with None)
            found.setdefault(store[0], tuple(store))
            if channel is not None:
                channels.setdefault(store[0], []).append(channel)
        stores = [
            PickupStore(
                id=pk,
                slug=slug,
                name=name,
                address=address,
                postcode=postcode,
                city=city,
                opening_hours=hours if isinstance(hours, dict) else {},
                channel_ids=tuple(sorted(channels.get(pk, ()))),
            )
            for pk, slug, name, address, postcode, city, hours in found.values()
        ]
        stores.sort(key=lambda s: (s.city.casefold(), s.name.casefold(), s.id))
        cache.set(PICKUP_STORES_CACHE_KEY, stores, 300)
    return [s for s in stores if not s.channel_ids or channel_id in s.channel_ids]
