"""Every row lock the inventory domain takes.

Lock order (see comptoir/core/locks.py for the order across domains): stock levels are locked in
primary-key order, all the levels a transaction will touch in one query, before any of them is written.
Two transactions over overlapping variants then queue behind each other instead of deadlocking, whatever
order their carts list the variants in. The queries have no joins: MariaDB has no FOR UPDATE OF, and a
join would lock the joined rows too.

On SQLite `select_for_update()` is a no-op; there the IMMEDIATE transaction mode serialises writers.
"""

from __future__ import annotations

from collections.abc import Sequence

from comptoir.inventory.models import Reservation, StockLevel


def stock_levels(*, level_ids: Sequence[int]) -> dict[int, StockLevel]:
    """Lock these stock levels (by primary key, in ascending order) and return them by id."""
    rows = StockLevel.objects.select_for_update().filter(pk__in=sorted(set(level_ids))).order_by("pk")
    return {row.pk: row for row in rows}


def stock_levels_for_variants(
    *, variant_ids: Sequence[int], location_ids: Sequence[int] | None = None, extra_level_ids: Sequence[int] = ()
) -> dict[int, StockLevel]:
    """Lock every stock level of these variants (optionally at these locations) plus `extra_level_ids`."""
    rows = StockLevel.objects.filter(variant_id__in=list(variant_ids))
    if location_ids is not None:
        rows = rows.filter(location_id__in=list(location_ids))
    ids = list(rows.values_list("pk", flat=True))  # unlocked: which rows to lock, then locked in one query
    return stock_levels(level_ids=[*ids, *extra_level_ids])


def reservations_of(*, holder: str) -> list[Reservation]:
    """Lock a holder's reservations. Call after locking their stock levels."""
    return list(Reservation.objects.select_for_update().filter(holder=holder).order_by("pk"))
