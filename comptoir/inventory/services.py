"""Stock writes: every change to on hand, allocated and reserved units, each with its ledger line.

Contract shared by every service here: all or nothing (a shortage raises and writes nothing); stock levels
are locked through `inventory.locks` in primary-key order before any write; each counter change is one
`StockMovement` row; the database CHECK constraints are the backstop, never the first line of defence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from comptoir.core.events import record_event
from comptoir.inventory import locks
from comptoir.inventory.errors import (
    InsufficientStockError,
    InvalidQuantityError,
    Shortage,
    StockCommittedError,
    StockLevelNotFoundError,
)
from comptoir.inventory.models import (
    Allocation,
    Location,
    MovementReason,
    Reservation,
    StockLevel,
    StockMovement,
)

DEFAULT_HOLD = timedelta(minutes=15)


def _check_quantities(quantities: Mapping[int, int]) -> dict[int, int]:
    if not quantities or any(not isinstance(q, int) or isinstance(q, bool) or q <= 0 for q in quantities.values()):
        raise InvalidQuantityError(data={"quantities": {str(k): v for k, v in dict(quantities).items()}})
    return dict(quantities)


@dataclass(slots=True)
class _Change:
    """Pending deltas on one locked stock level, written once per level at the end of a service."""

    level: StockLevel
    on_hand: int = 0
    allocated: int = 0
    reserved: int = 0


class _Ledger:
    """Collects the changes of one service call, then writes each level once and its ledger lines."""

    def __init__(self, *, reference: str = "", actor: str = "", note: str = ""):
        self.reference, self.actor, self.note = reference, actor, note
        self.lines: list[tuple[StockLevel, str, int, int, int]] = []

    def add(self, level: StockLevel, reason: str, *, on_hand: int = 0, allocated: int = 0, reserved: int = 0):
        if on_hand or allocated or reserved:
            self.lines.append((level, reason, on_hand, allocated, reserved))

    def write(self) -> list[StockMovement]:
        movements = []
        for level, reason, on_hand, allocated, reserved in self.lines:
            # F() keeps the update relative even if a caller forgot a lock; the CHECK constraints still hold.
            StockLevel.objects.filter(pk=level.pk).update(
                on_hand=F("on_hand") + on_hand, allocated=F("allocated") + allocated, reserved=F("reserved") + reserved
            )
            level.on_hand += on_hand
            level.allocated += allocated
            level.reserved += reserved
            movements.append(
                StockMovement(
                    stock_level=level,
                    reason=reason,
                    on_hand_delta=on_hand,
                    allocated_delta=allocated,
                    reserved_delta=reserved,
                    on_hand_after=level.on_hand,
                    allocated_after=level.allocated,
                    reserved_after=level.reserved,
                    reference=self.reference[:64],
                    actor=self.actor[:150],
                    note=self.note[:255],
                )
            )
        return StockMovement.objects.bulk_create(movements)


def _plan(
    *,
    levels: Sequence[StockLevel],
    quantities: Mapping[int, int],
    credit: Mapping[int, int],
    priority: Mapping[int, int],
) -> dict[int, int]:
    """Split each variant's quantity over its levels by location priority: level id -> units.

    `credit` gives back, per level, units this caller already holds there (they are released first).
    Raises InsufficientStockError naming every short variant.
    """
    by_variant: dict[int, list[StockLevel]] = {}
    for level in levels:
        by_variant.setdefault(level.variant_id, []).append(level)
    plan: dict[int, int] = {}
    shortages = []
    for variant_id, wanted in sorted(quantities.items()):
        candidates = sorted(
            by_variant.get(variant_id, []), key=lambda lv: (priority.get(lv.location_id, 1 << 30), lv.pk)
        )
        free = {lv.pk: max(lv.available + credit.get(lv.pk, 0), 0) for lv in candidates}
        if sum(free.values()) < wanted:
            shortages.append(Shortage(variant_id=variant_id, requested=wanted, available=sum(free.values())))
            continue
        remaining = wanted
        for level in candidates:
            take = min(free[level.pk], remaining)
            if take:
                plan[level.pk] = plan.get(level.pk, 0) + take
                remaining -= take
            if not remaining:
                break
    if shortages:
        raise InsufficientStockError(shortages=shortages)
    return plan


def _location_priorities(location_ids: Sequence[int] | None) -> dict[int, int]:
    rows = Location.objects.filter(is_active=True)
    if location_ids is not None:
        rows = rows.filter(pk__in=list(location_ids))
    return dict(rows.values_list("pk", "priority"))


def reserve_stock(
    *,
    holder: str,
    quantities: Mapping[int, int],
    location_ids: Sequence[int] | None = None,
    hold_for: timedelta = DEFAULT_HOLD,
    now=None,
) -> list[Reservation]:
    """Hold `quantities` (variant id -> units) for a checkout, from the highest-priority locations first.

    All or nothing: raises InsufficientStockError naming every short line, and then writes nothing.
    Replaces this holder's earlier holds (a changed cart re-reserves). Emits `inventory.stock_reserved`.
    """
    quantities = _check_quantities(quantities)
    now = now or timezone.now()
    with transaction.atomic():
        held_level_ids = list(Reservation.objects.filter(holder=holder).values_list("stock_level_id", flat=True))
        priorities = _location_priorities(location_ids)
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
        priorities = _location_priorities(location_ids)
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


def ship_order(*, order_ref: str, quantities: Mapping[int, int] | None = None, actor: str = "") -> int:
    """Units leave the building: allocated and on hand both go down. `quantities` (variant id -> units)
    ships part of the order; None ships everything allocated. Returns the units shipped.

    Raises InvalidQuantityError when asked to ship more of a variant than is allocated to the order.
    """
    with transaction.atomic():
        level_ids = list(Allocation.objects.filter(order_ref=order_ref).values_list("stock_level_id", flat=True))
        levels = locks.stock_levels(level_ids=level_ids)
        allocations = list(Allocation.objects.select_for_update().filter(order_ref=order_ref).order_by("pk"))
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
        ledger = _Ledger(reference=order_ref, actor=actor)
        shipped = 0
        for allocation in allocations:
            level = levels[allocation.stock_level_id]
            units = allocation.quantity
            if wanted is not None:
                units = min(units, wanted.get(level.variant_id, 0))
                wanted[level.variant_id] = wanted.get(level.variant_id, 0) - units
            if not units:
                continue
            ledger.add(level, MovementReason.SHIP, on_hand=-units, allocated=-units)
            shipped += units
            if units == allocation.quantity:
                allocation.delete()
            else:
                Allocation.objects.filter(pk=allocation.pk).update(quantity=F("quantity") - units)
        ledger.write()
        if shipped:
            record_event("inventory.order_shipped", order_ref=order_ref, units=shipped)
    return shipped


def _level_for_update(*, location_id: int, variant_id: int, create: bool = False) -> StockLevel:
    level_id = (
        StockLevel.objects.filter(location_id=location_id, variant_id=variant_id).values_list("pk", flat=True).first()
    )
    if level_id is None:
        if not create:
            raise StockLevelNotFoundError(data={"location_id": location_id, "variant_id": variant_id})
        # get_or_create: two receipts of a new SKU at once must not create two rows (the unique constraint).
        level_id = StockLevel.objects.get_or_create(location_id=location_id, variant_id=variant_id)[0].pk
    return locks.stock_levels(level_ids=[level_id])[level_id]


def receive_stock(
    *, location_id: int, variant_id: int, quantity: int, reference: str = "", actor: str = "", note: str = ""
) -> StockLevel:
    """Goods arrived at a location: on hand goes up (the stock level is created if needed)."""
    _check_quantities({variant_id: quantity})
    with transaction.atomic():
        level = _level_for_update(location_id=location_id, variant_id=variant_id, create=True)
        ledger = _Ledger(reference=reference, actor=actor, note=note)
        ledger.add(level, MovementReason.RECEIPT, on_hand=quantity)
        ledger.write()
        record_event("inventory.stock_changed", variant_ids=[variant_id])
    return level


def count_stock(
    *, location_id: int, variant_id: int, counted: int, actor: str = "", note: str = "", reference: str = ""
) -> StockLevel:
    """Set on hand to what was counted on the shelf. Refuses a count below what is already promised."""
    if not isinstance(counted, int) or isinstance(counted, bool) or counted < 0:
        raise InvalidQuantityError(detail="A stock count is a whole number, zero or more.")
    with transaction.atomic():
        level = _level_for_update(location_id=location_id, variant_id=variant_id, create=True)
        committed = level.allocated + level.reserved - level.backorder_limit
        if counted < committed:
            raise StockCommittedError(
                detail=f"{level.allocated + level.reserved} units are promised to orders and checkouts; "
                f"a count of {counted} is below that.",
                data={"counted": counted, "committed": committed},
            )
        ledger = _Ledger(reference=reference, actor=actor, note=note)
        ledger.add(level, MovementReason.COUNT, on_hand=counted - level.on_hand)
        ledger.write()
        record_event("inventory.stock_changed", variant_ids=[variant_id])
    return level


def remove_stock(
    *,
    location_id: int,
    variant_id: int,
    quantity: int,
    reason: str = MovementReason.WRITE_OFF,
    actor: str = "",
    note: str = "",
    reference: str = "",
) -> StockLevel:
    """Take damaged, lost or written-off units out of on hand; refuses to dip into promised units."""
    _check_quantities({variant_id: quantity})
    with transaction.atomic():
        level = _level_for_update(location_id=location_id, variant_id=variant_id)
        if quantity > level.available - level.backorder_limit:
            raise StockCommittedError(
                detail=f"Only {max(level.available - level.backorder_limit, 0)} units are free to remove.",
                data={"requested": quantity},
            )
        ledger = _Ledger(reference=reference, actor=actor, note=note)
        ledger.add(level, reason, on_hand=-quantity)
        ledger.write()
        record_event("inventory.stock_changed", variant_ids=[variant_id])
    return level


def restock_return(
    *, location_id: int, variant_id: int, quantity: int, reference: str = "", actor: str = ""
) -> StockLevel:
    """Returned goods in sellable condition go back on the shelf."""
    _check_quantities({variant_id: quantity})
    with transaction.atomic():
        level = _level_for_update(location_id=location_id, variant_id=variant_id, create=True)
        ledger = _Ledger(reference=reference, actor=actor)
        ledger.add(level, MovementReason.RETURN, on_hand=quantity)
        ledger.write()
        record_event("inventory.stock_changed", variant_ids=[variant_id])
    return level


def set_backorder_limit(*, location_id: int, variant_id: int, limit: int, actor: str = "") -> StockLevel:
    """Allow selling up to `limit` units beyond what is on hand at this location (0 switches it off).

    Refuses to lower the allowance below the backorders already taken.
    """
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
        raise InvalidQuantityError(detail="A backorder allowance is a whole number, zero or more.")
    with transaction.atomic():
        level = _level_for_update(location_id=location_id, variant_id=variant_id, create=True)
        oversold = level.allocated + level.reserved - level.on_hand
        if limit < oversold:
            raise StockCommittedError(
                detail=f"{oversold} units are already sold on backorder.", data={"backordered": oversold}
            )
        StockLevel.objects.filter(pk=level.pk).update(backorder_limit=limit)
        level.backorder_limit = limit
        record_event("inventory.stock_changed", variant_ids=[variant_id])
    return level
