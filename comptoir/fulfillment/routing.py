"""Where an order ships from: choosing locations for delivery, or the store for click & collect.

Delivery candidates are the active locations that ship orders, serve the channel and ship to the
destination country: warehouses, shops (ship-from-store), suppliers (dropship) and 3PL warehouses. They
are ranked by distance to the buyer when both ends have coordinates, else by how much of the postcode
they share with the buyer (same district first), then by the merchant's priority.

One shipment is always preferred. When no single location has everything, the order is split across
locations (the merchant can forbid it: the plan then names the location to gather the goods at).
A plan is advice read outside any lock; `inventory.services.allocate_order` re-checks it under the lock.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from comptoir.core.errors import InvalidInputError
from comptoir.core.models import Channel
from comptoir.inventory.errors import InsufficientStockError, InvalidQuantityError, Shortage
from comptoir.inventory.models import Location, LocationKind, StockLevel
from comptoir.inventory.queries import FREE, ON_SHELF


@dataclass(frozen=True, slots=True)
class Destination:
    country: str
    postcode: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PlannedShipment:
    location_id: int
    location_kind: str
    quantities: dict[int, int]

    @property
    def is_dropship(self) -> bool:
        return self.location_kind == LocationKind.SUPPLIER

    @property
    def is_third_party(self) -> bool:
        return self.location_kind == LocationKind.THIRD_PARTY


@dataclass(frozen=True, slots=True)
class FulfilmentPlan:
    shipments: list[PlannedShipment]
    consolidate_at: int | None = None
    """Set when splitting is not allowed but no location has everything: gather the goods here first."""
    ranking: list[int] = field(default_factory=list)
    """Candidate location ids, best first: pass it to allocate_order as the preference."""

    @property
    def location_ids(self) -> list[int]:
        return [s.location_id for s in self.shipments]


def distance_km(a_lat: Decimal, a_lon: Decimal, b_lat: Decimal, b_lon: Decimal) -> float:
    """Great-circle distance (haversine), good to a few metres at the scale of a country."""
    lat1, lon1, lat2, lon2 = (math.radians(float(x)) for x in (a_lat, a_lon, b_lat, b_lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def _shared_prefix(a: str, b: str) -> int:
    a, b = a.replace(" ", "").upper(), b.replace(" ", "").upper()
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _rank(location: Location, destination: Destination) -> tuple:
    if None not in (location.latitude, location.longitude, destination.latitude, destination.longitude):
        closeness = distance_km(location.latitude, location.longitude, destination.latitude, destination.longitude)
    else:
        same_country = location.country.upper() == destination.country.upper() if location.country else False
        closeness = 1e6 - 1e3 * same_country - _shared_prefix(location.postcode, destination.postcode)
    return (closeness, location.priority, location.pk)


def _check(quantities: Mapping[int, int]) -> dict[int, int]:
    if not quantities or any(not isinstance(q, int) or isinstance(q, bool) or q <= 0 for q in quantities.values()):
        raise InvalidQuantityError(data={"quantities": {str(k): v for k, v in dict(quantities).items()}})
    return dict(quantities)


def _free_units(location_ids: Sequence[int], variant_ids: Sequence[int], *, on_shelf_only: bool) -> dict:
    rows = StockLevel.objects.filter(location_id__in=list(location_ids), variant_id__in=list(variant_ids)).annotate(
        units=ON_SHELF if on_shelf_only else FREE
    )
    return {(r.location_id, r.variant_id): max(r.units, 0) for r in rows.only("location_id", "variant_id")}


def plan_delivery(
    *, channel_id: int, destination: Destination, quantities: Mapping[int, int], allow_split: bool | None = None
) -> FulfilmentPlan:
    """Choose where each line ships from. Raises InsufficientStockError when the candidates together are
    short, naming every short line. `allow_split` defaults to the channel's setting. Two queries."""
    quantities = _check(quantities)
    if allow_split is None:
        allow_split = Channel.objects.filter(pk=channel_id).values_list("allow_split_shipments", flat=True).first()
        allow_split = True if allow_split is None else allow_split
    if not destination.country:
        raise InvalidInputError(detail="A delivery needs a destination country.")
    candidates = [
        location
        for location in Location.objects.filter(Q(channels__isnull=True) | Q(channels=channel_id), is_active=True)
        .filter(ships_orders=True)
        .distinct()
        if not location.ships_to or destination.country.upper() in {c.upper() for c in location.ships_to}
    ]
    candidates.sort(key=lambda location: _rank(location, destination))
    ranking = [location.pk for location in candidates]
    kinds = {location.pk: location.kind for location in candidates}
    free = _free_units(ranking, list(quantities), on_shelf_only=False)

    for location_id in ranking:  # one parcel from the best location that has everything
        if all(free.get((location_id, v), 0) >= q for v, q in quantities.items()):
            return FulfilmentPlan([PlannedShipment(location_id, kinds[location_id], quantities)], None, ranking)

    remaining, shipments = dict(quantities), []
    for location_id in ranking:
        take = {v: min(free.get((location_id, v), 0), q) for v, q in remaining.items() if q}
        take = {v: q for v, q in take.items() if q}
        if take:
            shipments.append(PlannedShipment(location_id, kinds[location_id], take))
            remaining = {v: q - take.get(v, 0) for v, q in remaining.items()}
    if short := {v: q for v, q in remaining.items() if q}:
        raise InsufficientStockError(
            shortages=[
                Shortage(variant_id=v, requested=quantities[v], available=quantities[v] - q)
                for v, q in sorted(short.items())
            ]
        )
    consolidate_at = None if allow_split else shipments[0].location_id
    return FulfilmentPlan(shipments, consolidate_at, ranking)


def plan_collection(*, store_id: int, quantities: Mapping[int, int]) -> FulfilmentPlan:
    """Click & collect: everything from the chosen store's shelf, or InsufficientStockError naming what the
    store lacks (the buyer can pick another store or have it delivered). Two queries."""
    quantities = _check(quantities)
    store = Location.objects.filter(pk=store_id, is_active=True, pickup_enabled=True).first()
    if store is None:
        raise InvalidInputError(detail="This store does not offer click & collect.", data={"store_id": store_id})
    free = _free_units([store.pk], list(quantities), on_shelf_only=True)
    shortages = [
        Shortage(variant_id=v, requested=q, available=free.get((store.pk, v), 0))
        for v, q in sorted(quantities.items())
        if free.get((store.pk, v), 0) < q
    ]
    if shortages:
        raise InsufficientStockError(shortages=shortages)
    return FulfilmentPlan([PlannedShipment(store.pk, store.kind, quantities)], None, [store.pk])
