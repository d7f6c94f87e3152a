"""Stock on the shelf: receipts, counts, write-offs, returns and backorder allowances."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.db import transaction

from comptoir.core.errors import InvalidInputError
from comptoir.core.events import record_event
from comptoir.inventory import locks
from comptoir.inventory.errors import (
    InvalidQuantityError,
    StockCommittedError,
    StockLevelNotFoundError,
)
from comptoir.inventory.models import (
    Location,
    MovementReason,
    OversellMode,
    StockLevel,
    StockPolicy,
)
from comptoir.inventory.queries import LOW_STOCK_THRESHOLD
from comptoir.inventory.services._ledger import _check_quantities, _Ledger


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


def apply_stock_counts(
    *, counts: Mapping[tuple[int, int], int], actor: str = "", note: str = "", reference: str = ""
) -> int:
    """Set on hand to the counted units for many (location id, variant id) pairs at once: a stock take,
    an import, the opening stock of a new shop. Missing stock levels are created.

    All or nothing: a count below what is promised at that level raises StockCommittedError naming every
    such pair, and nothing is written. Returns how many levels changed.
    """
    if any(not isinstance(c, int) or isinstance(c, bool) or c < 0 for c in counts.values()):
        raise InvalidQuantityError(detail="Stock counts are whole numbers, zero or more.")
    with transaction.atomic():
        existing = {
            (loc, var): pk
            for pk, loc, var in StockLevel.objects.filter(
                location_id__in={loc for loc, _ in counts}, variant_id__in={var for _, var in counts}
            ).values_list("pk", "location_id", "variant_id")
        }
        new_pairs = sorted(set(counts) - set(existing))
        # ignore_conflicts: a level created meanwhile by a receipt is simply found below.
        StockLevel.objects.bulk_create(
            [StockLevel(location_id=loc, variant_id=var) for loc, var in new_pairs], ignore_conflicts=True
        )
        if new_pairs:
            existing = {
                (loc, var): pk
                for pk, loc, var in StockLevel.objects.filter(
                    location_id__in={loc for loc, _ in counts}, variant_id__in={var for _, var in counts}
                ).values_list("pk", "location_id", "variant_id")
            }
        levels = locks.stock_levels(level_ids=[existing[pair] for pair in counts])
        below = [
            {"location_id": loc, "variant_id": var, "counted": counted, "promised": lv.allocated + lv.reserved}
            for (loc, var), counted in sorted(counts.items())
            if counted < (lv := levels[existing[(loc, var)]]).allocated + lv.reserved - lv.backorder_limit
        ]
        if below:
            raise StockCommittedError(
                detail=f"{len(below)} count(s) are below the units already promised.", data={"below": below}
            )
        ledger = _Ledger(reference=reference, actor=actor, note=note)
        for pair, counted in sorted(counts.items()):
            level = levels[existing[pair]]
            ledger.add(level, MovementReason.COUNT, on_hand=counted - level.on_hand)
        changed = len(ledger.lines)
        ledger.write()
        if changed:
            record_event("inventory.stock_changed", variant_ids=sorted({var for _, var in counts}))
    return changed


def receive_goods(
    *, location_id: int, quantities: Mapping[int, int], reference: str = "", actor: str = "", note: str = ""
) -> list[StockLevel]:
    """A delivery of several SKUs arrived at a location: on hand goes up for each (variant id -> units).

    All or nothing, one ledger line per variant, all sharing `reference` (the delivery note or purchase
    order). Stock levels are created where needed, then locked together in primary-key order.
    """
    quantities = _check_quantities(quantities)
    variants = StockLevel._meta.get_field("variant").related_model  # catalog.Variant, without importing catalog
    known = set(variants.objects.filter(pk__in=list(quantities)).values_list("pk", flat=True))
    if unknown := sorted(set(quantities) - known):
        raise InvalidInputError(detail="Unknown product variant(s).", data={"variant_ids": unknown})
    if not Location.objects.filter(pk=location_id).exists():
        raise InvalidInputError(detail="Unknown location.", data={"location_id": location_id})
    with transaction.atomic():
        for variant_id in sorted(quantities):  # a unique constraint guards creation; the locks come after
            StockLevel.objects.get_or_create(location_id=location_id, variant_id=variant_id)
        level_ids = list(
            StockLevel.objects.filter(location_id=location_id, variant_id__in=list(quantities)).values_list(
                "pk", flat=True
            )
        )
        levels = {level.variant_id: level for level in locks.stock_levels(level_ids=level_ids).values()}
        ledger = _Ledger(reference=reference, actor=actor, note=note)
        for variant_id, quantity in sorted(quantities.items()):
            ledger.add(levels[variant_id], MovementReason.RECEIPT, on_hand=quantity)
        ledger.write()
        record_event("inventory.stock_changed", variant_ids=sorted(quantities))
    return [levels[variant_id] for variant_id in sorted(quantities)]


def set_stock_policy(
    *,
    variant_id: int,
    oversell: str = OversellMode.NONE,
    expected_on: date | None = None,
    low_stock_threshold: int = LOW_STOCK_THRESHOLD,
) -> StockPolicy:
    """Say how a variant sells once its shelf is empty (stop, backorder, pre-order with an expected date)
    and from how many free units it counts as low.

    The units that may be sold beyond the shelf are set per location with `set_backorder_limit`; this only
    says how the buyer is told. Raises InvalidInputError for an unknown mode or a negative threshold.
    """
    if oversell not in OversellMode.values:
        raise InvalidInputError(detail=f"Unknown selling mode {oversell!r}.", data={"oversell": oversell})
    if not isinstance(low_stock_threshold, int) or isinstance(low_stock_threshold, bool) or low_stock_threshold < 0:
        raise InvalidQuantityError(detail="A low-stock threshold is a whole number, zero or more.")
    if expected_on is not None and not isinstance(expected_on, date):
        raise InvalidInputError(detail="The expected date must be a date.")
    with transaction.atomic():
        policy, _created = StockPolicy.objects.update_or_create(
            variant_id=variant_id,
            defaults={"oversell": oversell, "expected_on": expected_on, "low_stock_threshold": low_stock_threshold},
        )
        # What the buyer is told (backorder, pre-order date, "only N left") changes with the policy.
        record_event("inventory.stock_changed", variant_ids=[variant_id])
    return policy
