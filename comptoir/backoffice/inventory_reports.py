"""Stock reads of the back office: the stock tab of a product, one variant's stock for the adjust page,
and the low-stock report. Each is a fixed number of queries whatever the number of rows.

"Free" units are what can still be sold (on hand plus the backorder allowance, less what is held and
allocated: `inventory.queries.FREE`); the low-stock report compares them with each variant's threshold
(`StockPolicy.low_stock_threshold`, else the shop-wide `LOW_STOCK_THRESHOLD`), as the dashboard does.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from django.db.models import F, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from comptoir.backoffice.dashboard import low_stock_variants
from comptoir.catalog.kinds import KIND_RULES
from comptoir.catalog.models import ProductStatus, Variant
from comptoir.inventory.models import Location, OversellMode, StockLevel
from comptoir.inventory.queries import FREE, LOW_STOCK_THRESHOLD


@dataclass(frozen=True, slots=True)
class LevelRow:
    """One variant at one location, as the back office shows it."""

    level_id: int | None
    location_id: int
    location_name: str
    location_active: bool
    on_hand: int = 0
    allocated: int = 0
    reserved: int = 0
    backorder_limit: int = 0

    @property
    def available(self) -> int:
        return self.on_hand + self.backorder_limit - self.allocated - self.reserved


@dataclass(frozen=True, slots=True)
class VariantStock:
    """A variant with its stock at every location that has a row for it, and how it sells when sold out."""

    variant_id: int
    sku: str
    name: str
    oversell: str
    oversell_label: str
    expected_on: date | None
    low_stock_threshold: int
    levels: list[LevelRow] = field(default_factory=list)

    @property
    def available(self) -> int:
        """Free units over active locations (what the shop can still sell)."""
        return sum(level.available for level in self.levels if level.location_active)

    @property
    def on_hand(self) -> int:
        return sum(level.on_hand for level in self.levels)


def _level_row(level: StockLevel) -> LevelRow:
    return LevelRow(
        level_id=level.pk,
        location_id=level.location_id,
        location_name=level.location.name,
        location_active=level.location.is_active,
        on_hand=level.on_hand,
        allocated=level.allocated,
        reserved=level.reserved,
        backorder_limit=level.backorder_limit,
    )


def _variant_stock(variant: Variant, levels: list[LevelRow]) -> VariantStock:
    policy = getattr(variant, "stock_policy", None)  # the reverse one-to-one's "missing" is an AttributeError
    oversell = policy.oversell if policy else OversellMode.NONE
    return VariantStock(
        variant_id=variant.pk,
        sku=variant.sku,
        name=variant.name,
        oversell=oversell,
        oversell_label=str(OversellMode(oversell).label),
        expected_on=policy.expected_on if policy else None,
        low_stock_threshold=policy.low_stock_threshold if policy else LOW_STOCK_THRESHOLD,
        levels=levels,
    )


def product_stock(*, product_id: int) -> list[VariantStock]:
    """Every variant of a product, in the product's order, with its stock rows by location priority: two
    queries. A variant that was never stocked anywhere has no rows."""
    variants = list(
        Variant.objects.filter(product_id=product_id).select_related("stock_policy").order_by("position", "pk")
    )
    levels = (
        StockLevel.objects.filter(variant__product_id=product_id)
        .select_related("location")
        .order_by("location__priority", "location_id")
    )
    by_variant: dict[int, list[LevelRow]] = {}
    for level in levels:
        by_variant.setdefault(level.variant_id, []).append(_level_row(level))
    return [_variant_stock(variant, by_variant.get(variant.pk, [])) for variant in variants]


@dataclass(frozen=True, slots=True)
class VariantAtLocations:
    """One variant (with its product) and its stock everywhere, for the adjust page."""

    product_id: int
    product_name: str
    stock: VariantStock


def variant_stock(*, variant_id: int) -> VariantAtLocations | None:
    """A variant, its policy and its stock rows at every location: two queries. None when it does not exist."""
    variant = Variant.objects.select_related("product", "stock_policy").filter(pk=variant_id).first()
    if variant is None:
        return None
    levels = (
        StockLevel.objects.filter(variant_id=variant_id)
        .select_related("location")
        .order_by("location__priority", "location_id")
    )
    return VariantAtLocations(
        product_id=variant.product_id,
        product_name=variant.product.name,
        stock=_variant_stock(variant, [_level_row(level) for level in levels]),
    )


# --- the low-stock report ----------------------------------------------------------------------------


def _counted_kinds() -> list[str]:
    return [kind for kind, rules in KIND_RULES.items() if rules.tracks_stock]


def low_stock_levels(*, location_id: int | None = None) -> QuerySet[StockLevel]:
    """Stock rows at active locations whose free units are at or below their variant's threshold, lowest
    first; each annotated with `free`, `threshold` and `variant_free` (the variant's free units over every
    active location). Products archived and kinds that do not count stock are left out.

    A QuerySet, for the caller to paginate: one query per page (variant, product and location joined).
    """
    variant_free = (
        StockLevel.objects.filter(variant=OuterRef("variant"), location__is_active=True)
        .order_by()
        .values("variant")
        .annotate(total=Sum(FREE))
        .values("total")
    )
    levels = (
        StockLevel.objects.filter(location__is_active=True, variant__product__kind__in=_counted_kinds())
        .exclude(variant__product__status=ProductStatus.ARCHIVED)
        .annotate(
            free=FREE,
            threshold=Coalesce(F("variant__stock_policy__low_stock_threshold"), Value(LOW_STOCK_THRESHOLD)),
            variant_free=Coalesce(Subquery(variant_free, output_field=IntegerField()), Value(0)),
        )
        .filter(free__lte=F("threshold"))
        .select_related("variant__product", "location")
        .order_by("free", "variant__sku", "location__priority", "location_id")
    )
    if location_id is not None:
        levels = levels.filter(location_id=location_id)
    return levels


def low_stock_totals() -> QuerySet[Variant]:
    """Variants whose free units over all active locations are at or below their threshold (the dashboard's
    count), lowest first, annotated with `available` and `threshold`. A QuerySet, for the caller to paginate."""
    return low_stock_variants().select_related("product").order_by("available", "sku")


def active_locations() -> list[Location]:
    return list(Location.objects.filter(is_active=True).order_by("priority", "pk"))


LEVEL_COLUMNS = [
    "sku",
    "product",
    "variant",
    "location",
    "on_hand",
    "allocated",
    "reserved",
    "backorder_allowance",
    "free",
    "threshold",
    "free_all_locations",
]
TOTAL_COLUMNS = ["sku", "product", "variant", "free_all_locations", "threshold"]


def _csv(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        yield buffer.getvalue()


def low_stock_levels_csv(levels: QuerySet[StockLevel]) -> Iterator[str]:
    """The report's rows as CSV lines, read in chunks (one query per 2,000 rows)."""
    return _csv(
        LEVEL_COLUMNS,
        (
            [
                level.variant.sku,
                level.variant.product.name,
                level.variant.name,
                level.location.slug,
                level.on_hand,
                level.allocated,
                level.reserved,
                level.backorder_limit,
                level.free,
                level.threshold,
                level.variant_free,
            ]
            for level in levels.iterator(chunk_size=2000)
        ),
    )


def low_stock_totals_csv(variants: QuerySet[Variant]) -> Iterator[str]:
    return _csv(
        TOTAL_COLUMNS,
        (
            [variant.sku, variant.product.name, variant.name, variant.available, variant.threshold]
            for variant in variants.iterator(chunk_size=2000)
        ),
    )


def count_sheet_csv(*, location_id: int | None = None) -> Iterator[str]:
    """A stock-count sheet to fill in and import: every stock row at active locations with its current on
    hand in `counted` (importing it unchanged changes nothing). One query, read in chunks."""
    rows = (
        StockLevel.objects.filter(location__is_active=True)
        .order_by("location__priority", "location_id", "variant__sku")
        .values_list("variant__sku", "location__slug", "on_hand")
    )
    if location_id is not None:
        rows = rows.filter(location_id=location_id)
    return _csv(["sku", "location", "counted"], ([sku, slug, on_hand] for sku, slug, on_hand in rows.iterator(2000)))
