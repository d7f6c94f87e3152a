"""Stock reads: how many units can be sold, and how to say it to a buyer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import F, Sum
from django.utils.translation import gettext_lazy as _

from comptoir.inventory.models import StockLevel

LOW_STOCK_THRESHOLD = 5


@dataclass(frozen=True, slots=True)
class StockStatus:
    """What a buyer is told: `code` is in_stock, low_stock or out_of_stock; `quantity` is None when not counted."""

    code: str
    quantity: int | None

    @property
    def purchasable(self) -> bool:
        return self.code != "out_of_stock"

    @property
    def label(self) -> str:
        if self.code == "out_of_stock":
            return str(_("Out of stock"))
        if self.code == "low_stock":
            return str(_("Only %(count)d left") % {"count": self.quantity})
        return str(_("In stock"))


def stock_status(available: int | None, *, tracks_stock: bool) -> StockStatus:
    if not tracks_stock:
        return StockStatus("in_stock", None)
    available = max(available or 0, 0)
    if available == 0:
        return StockStatus("out_of_stock", 0)
    if available <= LOW_STOCK_THRESHOLD:
        return StockStatus("low_stock", available)
    return StockStatus("in_stock", available)


def available_by_variant(variant_ids: Sequence[int]) -> dict[int, int]:
    """Units available to sell now per variant, summed over active locations: one query."""
    rows = (
        StockLevel.objects.filter(variant_id__in=list(variant_ids), location__is_active=True)
        .values("variant_id")
        .annotate(available=Sum(F("on_hand") + F("backorder_limit") - F("allocated") - F("reserved")))
    )
    return {row["variant_id"]: row["available"] or 0 for row in rows}
