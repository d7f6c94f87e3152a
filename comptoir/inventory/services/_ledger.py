"""The ledger writer and the allocation planner shared by the stock services."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db.models import F

from comptoir.core.cache_versions import stock_levels_changed
from comptoir.inventory.errors import (
    InsufficientStockError,
    InvalidQuantityError,
    Shortage,
)
from comptoir.inventory.models import (
    StockLevel,
    StockMovement,
)


def _check_quantities(quantities: Mapping[int, int]) -> dict[int, int]:
    if not quantities or any(not isinstance(q, int) or isinstance(q, bool) or q <= 0 for q in quantities.values()):
        raise InvalidQuantityError(data={"quantities": {str(k): v for k, v in dict(quantities).items()}})
    return dict(quantities)


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
        # Cached pages show a stock status: tell the cache which levels moved (it bumps only near the
        # low-stock threshold, after commit, with no query here inside the locked section).
        stock_levels_changed(
            [
                (level.variant_id, _shelf(level, -on_hand, -allocated, -reserved), _shelf(level, 0, 0, 0))
                for level, _reason, on_hand, allocated, reserved in self.lines
            ]
        )
        return StockMovement.objects.bulk_create(movements)


def _shelf(level: StockLevel, on_hand: int, allocated: int, reserved: int) -> int:
    """Units on the shelf of `level`, shifted by the given deltas (negative deltas: before the change)."""
    return max((level.on_hand + on_hand) - (level.allocated + allocated) - (level.reserved + reserved), 0)


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
