"""Stock promised to orders leaves: cancellation and shipment."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.db.models import F

from comptoir.core.events import record_event
from comptoir.inventory import locks
from comptoir.inventory.errors import InvalidQuantityError, NotOnShelfError, Shortage
from comptoir.inventory.models import (
    Allocation,
    MovementReason,
)
from comptoir.inventory.services._ledger import _check_quantities, _Ledger


def deallocate_order(*, order_ref: str, reason: str = MovementReason.DEALLOCATE) -> int:
    """Give back the stock promised to an order (cancelled). Returns the units released; 0 if none."""
    with transaction.atomic():
        level_ids = list(Allocation.objects.filter(order_ref=order_ref).values_list("stock_level_id", flat=True))
        if not level_ids:
            return 0
        levels = locks.stock_levels(level_ids=level_ids)
        allocations = list(Allocation.objects.select_for_update().filter(order_ref=order_ref).order_by("pk"))
        ledger = _Ledger(reference=order_ref)
        for allocation in allocations:
            ledger.add(levels[allocation.stock_level_id], reason, allocated=-allocation.quantity)
        Allocation.objects.filter(pk__in=[a.pk for a in allocations]).delete()
        ledger.write()
        units = sum(a.quantity for a in allocations)
        if units:
            record_event("inventory.order_deallocated", order_ref=order_ref, units=units)
    return units


def ship_order(
    *, order_ref: str, quantities: Mapping[int, int] | None = None, location_id: int | None = None, actor: str = ""
) -> int:
    """Units leave the building: allocated and on hand both go down. `quantities` (variant id -> units)
    ships part of the order; None ships everything allocated. `location_id` limits it to what that location
    ships (a partner's confirmation). Returns the units shipped.

    Raises InvalidQuantityError when asked to ship more of a variant than is allocated to the order, and
    NotOnShelfError (nothing shipped) when backordered units have not arrived yet.
    """
    with transaction.atomic():
        scope = Allocation.objects.filter(order_ref=order_ref)
        if location_id is not None:
            scope = scope.filter(stock_level__location_id=location_id)
        level_ids = list(scope.values_list("stock_level_id", flat=True))
        levels = locks.stock_levels(level_ids=level_ids)
        allocations = list(
            Allocation.objects.select_for_update()
            .filter(order_ref=order_ref, stock_level_id__in=level_ids)
            .order_by("pk")
        )
        wanted = dict(quantities) if quantities is not None else None
        if wanted is not None:
            _check_quantities(wanted)
            allocated: dict[int, int] = {}
            for allocation in allocations:
                variant_id = levels[allocation.stock_level_id].variant_id
                allocated[variant_id] = allocated.get(variant_id, 0) + allocation.quantity
            if over := {v: q for v, q in wanted.items() if q > allocated.get(v, 0)}:
                raise InvalidQuantityError(
                    detail="Cannot ship more than is allocated to the order.",
                    data={"over": {str(k): v for k, v in over.items()}},
                )
        plan: list[tuple[Allocation, int]] = []
        for allocation in allocations:
            level = levels[allocation.stock_level_id]
            units = allocation.quantity
            if wanted is not None:
                units = min(units, wanted.get(level.variant_id, 0))
                wanted[level.variant_id] = wanted.get(level.variant_id, 0) - units
            if units:
                plan.append((allocation, units))
        # Units sold on backorder are allocated before they exist: they ship once received, not before.
        leaving: dict[int, int] = {}
        for allocation, units in plan:
            leaving[allocation.stock_level_id] = leaving.get(allocation.stock_level_id, 0) + units
        if short := [
            Shortage(variant_id=levels[pk].variant_id, requested=units, available=max(levels[pk].on_hand, 0))
            for pk, units in sorted(leaving.items())
            if units > levels[pk].on_hand
        ]:
            raise NotOnShelfError(shortages=short)
        ledger = _Ledger(reference=order_ref, actor=actor)
        shipped = 0
        for allocation, units in plan:
            ledger.add(levels[allocation.stock_level_id], MovementReason.SHIP, on_hand=-units, allocated=-units)
            shipped += units
            if units == allocation.quantity:
                allocation.delete()
            else:
                Allocation.objects.filter(pk=allocation.pk).update(quantity=F("quantity") - units)
        ledger.write()
        if shipped:
            record_event("inventory.order_shipped", order_ref=order_ref, units=shipped)
    return shipped
