"""Stock invariants: each stock level agrees with its ledger, its holds and its allocations."""

from __future__ import annotations

from django.db.models import F, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from comptoir.core.invariants import CheckResult, Violation, invariant
from comptoir.inventory.models import Allocation, Reservation, StockLevel, StockMovement


def _total(model, column: str, filter_field: str = "stock_level"):
    rows = (
        model.objects.filter(**{filter_field: OuterRef("pk")})
        .order_by()
        .values(filter_field)
        .annotate(total=Sum(column))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


@invariant("stock")
def check_stock() -> CheckResult:
    """For every stock level: ledger sums equal the counters, holds and allocations equal reserved and
    allocated, and nothing is promised beyond on hand plus the backorder allowance."""
    result = CheckResult()
    levels = StockLevel.objects.annotate(
        ledger_on_hand=_total(StockMovement, "on_hand_delta"),
        ledger_allocated=_total(StockMovement, "allocated_delta"),
        ledger_reserved=_total(StockMovement, "reserved_delta"),
        held=_total(Reservation, "quantity"),
        promised=_total(Allocation, "quantity"),
        free=F("on_hand") + F("backorder_limit") - F("allocated") - F("reserved"),
    ).order_by("pk")
    for level in levels.iterator(chunk_size=2000):
        result.examined += 1
        subject = f"stock level {level.pk} (variant {level.variant_id} at location {level.location_id})"
        checks = [
            (
                level.ledger_on_hand == level.on_hand,
                f"ledger says {level.ledger_on_hand} on hand, row says {level.on_hand}",
            ),
            (
                level.ledger_allocated == level.allocated,
                f"ledger says {level.ledger_allocated} allocated, row says {level.allocated}",
            ),
            (
                level.ledger_reserved == level.reserved,
                f"ledger says {level.ledger_reserved} reserved, row says {level.reserved}",
            ),
            (level.held == level.reserved, f"{level.held} units held by checkouts, row says {level.reserved} reserved"),
            (
                level.promised == level.allocated,
                f"{level.promised} units allocated to orders, row says {level.allocated}",
            ),
            (level.free >= 0, f"oversold by {-level.free}"),
        ]
        result.violations.extend(Violation("stock", subject, message) for ok, message in checks if not ok)
    return result
