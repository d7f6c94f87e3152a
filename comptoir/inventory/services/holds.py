"""Checkout holds and order allocations: reserve, release, expire, allocate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from comptoir.core.events import record_event
from comptoir.inventory import locks
from comptoir.inventory.models import (
    Allocation,
    Location,
    MovementReason,
    Reservation,
)
from comptoir.inventory.services._ledger import _check_quantities, _Ledger, _plan

DEFAULT_HOLD = timedelta(minutes=15)


def _location_priorities(location_ids: Sequence[int] | None, ranking: Sequence[int] | None = None) -> dict[int, int]:
    """Location id -> rank (lower goes first): the routing's `ranking` order when given, else each
    location's own priority."""
    if ranking is not None:
        active = set(Location.objects.filter(pk__in=list(ranking), is_active=True).values_list("pk", flat=True))
        return {pk: i for i, pk in enumerate(ranking) if pk in active}
    rows = Location.objects.filter(is_active=True)
    if location_ids is not None:
        rows = rows.filter(pk__in=list(location_ids))
    return dict(rows.values_list("pk", "priority"))


def reserve_stock(
    *,
    holder: str,
    quantities: Mapping[int, int],
    location_ids: Sequence[int] | None = None,
    ranking: Sequence[int] | None = None,
    hold_for: timedelta = DEFAULT_HOLD,
    now=None,
) -> list[Reservation]:
    """Hold `quantities` (variant id -> units) for a checkout, from the highest-priority locations first.

    All or nothing: raises InsufficientStockError naming every short line, and then writes nothing.
    Replaces this holder's earlier holds (a changed cart re-reserves). `ranking` (location ids, best
    first, e.g. a fulfilment plan's) overrides the locations' priorities and limits the search to them.
    Emits `inventory.stock_reserved`.
    """
    quantities = _check_quantities(quantities)
    now = now or timezone.now()
    with transaction.atomic():
        held_level_ids = list(Reservation.objects.filter(holder=holder).values_list("stock_level_id", flat=True))
        priorities = _location_priorities(location_ids, ranking)
        levels = locks.stock_levels_for_variants(
            variant_ids=list(quantities), location_ids=list(priorities), extra_level_ids=held_level_ids
        )
        previous = locks.reservations_of(holder=holder)
        if missing := [r.stock_level_id for r in previous if r.stock_level_id not in levels]:
            levels.update(locks.stock_levels(level_ids=missing))  # a concurrent call for the same holder
        credit = {r.stock_level_id: r.quantity for r in previous}
        usable = [lv for lv in levels.values() if lv.location_id in priorities and lv.variant_id in quantities]
        plan = _plan(levels=usable, quantities=quantities, credit=credit, priority=priorities)

        ledger = _Ledger(reference=holder)
        for level_id in sorted(set(plan) | set(credit)):
            delta = plan.get(level_id, 0) - credit.get(level_id, 0)
            reason = MovementReason.RESERVE if delta > 0 else MovementReason.RELEASE
            ledger.add(levels[level_id], reason, reserved=delta)
        Reservation.objects.filter(pk__in=[r.pk for r in previous]).delete()
        ledger.write()
        reservations = Reservation.objects.bulk_create(
            [
                Reservation(holder=holder, stock_level=levels[level_id], quantity=qty, expires_at=now + hold_for)
                for level_id, qty in sorted(plan.items())
            ]
        )
        record_event("inventory.stock_reserved", holder=holder, quantities={str(k): v for k, v in quantities.items()})
    return reservations


def release_reservation(*, holder: str, reason: str = MovementReason.RELEASE) -> int:
    """Give back every unit held by `holder`. Returns the units released (0 if it held nothing)."""
    with transaction.atomic():
        level_ids = list(Reservation.objects.filter(holder=holder).values_list("stock_level_id", flat=True))
        if not level_ids:
            return 0
        levels = locks.stock_levels(level_ids=level_ids)
        held = locks.reservations_of(holder=holder)
        if missing := [r.stock_level_id for r in held if r.stock_level_id not in levels]:
            levels.update(locks.stock_levels(level_ids=missing))
        ledger = _Ledger(reference=holder)
        for reservation in held:
            ledger.add(levels[reservation.stock_level_id], reason, reserved=-reservation.quantity)
        Reservation.objects.filter(pk__in=[r.pk for r in held]).delete()
        ledger.write()
        released = sum(r.quantity for r in held)
        if released:
            record_event("inventory.reservation_released", holder=holder, units=released, reason=reason)
    return released


def expire_reservations(*, now=None, batch: int = 200) -> int:
    """Release holds whose time is up. Safe to run on several workers at once: each hold is released once.

    Returns the number of reservations this call released.
    """
    now = now or timezone.now()
    released = 0
    candidates = list(
        Reservation.objects.filter(expires_at__lte=now).order_by("pk").values_list("pk", "stock_level_id")[:batch]
    )
    for reservation_id, level_id in candidates:
        with transaction.atomic():
            levels = locks.stock_levels(level_ids=[level_id])
            # Re-read under the lock: another worker, or the buyer placing the order, may have got there first.
            reservation = Reservation.objects.select_for_update().filter(pk=reservation_id, expires_at__lte=now).first()
            if reservation is None:
                continue
            ledger = _Ledger(reference=reservation.holder)
            ledger.add(levels[level_id], MovementReason.EXPIRE, reserved=-reservation.quantity)
            reservation.delete()
            ledger.write()
            record_event("inventory.reservation_expired", holder=reservation.holder, units=reservation.quantity)
            released += 1
    return released


def allocate_order(
    *,
    order_ref: str,
    quantities: Mapping[int, int],
    holder: str = "",
    line_refs: Mapping[int, str] | None = None,
    location_ids: Sequence[int] | None = None,
    ranking: Sequence[int] | None = None,
) -> list[Allocation]:
    """Promise stock to a placed order: the checkout's holds first, then any free units by location priority.

    All or nothing: raises InsufficientStockError (nothing written) when a line cannot be covered, e.g. the
    hold expired and the last units went to someone else. Consumes the holder's reservations.
    """
    quantities = _check_quantities(quantities)
    line_refs = line_refs or {}
    with transaction.atomic():
        held_level_ids = (
            list(Reservation.objects.filter(holder=holder).values_list("stock_level_id", flat=True)) if holder else []
        )
        priorities = _location_priorities(location_ids, ranking)
        levels = locks.stock_levels_for_variants(
            variant_ids=list(quantities), location_ids=list(priorities), extra_level_ids=held_level_ids
        )
        held = locks.reservations_of(holder=holder) if holder else []
        if missing := [r.stock_level_id for r in held if r.stock_level_id not in levels]:
            levels.update(locks.stock_levels(level_ids=missing))
        credit = {r.stock_level_id: r.quantity for r in held}
        # Held units come first, wherever they are: the buyer was promised those.
        priority = {**priorities, **{levels[pk].location_id: -1 for pk in credit}}
        usable = [lv for lv in levels.values() if lv.variant_id in quantities and (lv.location_id in priority)]
        plan = _plan(levels=usable, quantities=quantities, credit=credit, priority=priority)

        ledger = _Ledger(reference=order_ref)
        for level_id in sorted(set(plan) | set(credit)):
            level, taken, held_here = levels[level_id], plan.get(level_id, 0), credit.get(level_id, 0)
            from_hold = min(taken, held_here)
            if taken:
                ledger.add(level, MovementReason.ALLOCATE, allocated=taken, reserved=-from_hold)
            if held_here > from_hold:  # held more than the order took here: give the rest back
                ledger.add(level, MovementReason.RELEASE, reserved=-(held_here - from_hold))
        Reservation.objects.filter(pk__in=[r.pk for r in held]).delete()
        ledger.write()
        allocations = Allocation.objects.bulk_create(
            [
                Allocation(
                    order_ref=order_ref,
                    line_ref=line_refs.get(levels[level_id].variant_id, ""),
                    stock_level=levels[level_id],
                    quantity=qty,
                )
                for level_id, qty in sorted(plan.items())
            ]
        )
        record_event("inventory.order_allocated", order_ref=order_ref)
    return allocations
