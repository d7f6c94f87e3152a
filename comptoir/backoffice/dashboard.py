"""The back office's home page: what needs the merchant's attention today.

Four queries whatever the size of the catalogue: product counts, the low-stock count, the low-stock
list and the latest changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from comptoir.catalog.kinds import KIND_RULES
from comptoir.catalog.models import Product, ProductMedia, ProductStatus, Variant
from comptoir.inventory.models import StockLevel
from comptoir.inventory.queries import FREE, LOW_STOCK_THRESHOLD
from comptoir.pricing.models import VariantPrice

LIST_LENGTH = 8


@dataclass(frozen=True, slots=True)
class LowStockRow:
    product_id: int
    product_name: str
    sku: str
    variant_name: str
    available: int


@dataclass(frozen=True, slots=True)
class RecentChange:
    product_id: int
    name: str
    status: str
    status_label: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Dashboard:
    published: int
    draft: int
    archived: int
    without_price: int
    without_image: int
    low_stock_count: int
    low_stock: list[LowStockRow]
    recent: list[RecentChange]


def low_stock_variants() -> QuerySet[Variant]:
    """Variants (of products not archived, of kinds that count stock) whose free units over active locations
    are at or below their threshold: a QuerySet annotated with `available` and `threshold`, for the
    dashboard and the low-stock report. A variant with no stock row at all is low.
    """
    free = (
        StockLevel.objects.filter(variant=OuterRef("pk"), location__is_active=True)
        .order_by()
        .values("variant")
        .annotate(total=Sum(FREE))
        .values("total")
    )
    counted_kinds = [kind for kind, rules in KIND_RULES.items() if rules.tracks_stock]
    return (
        Variant.objects.filter(product__kind__in=counted_kinds)
        .exclude(product__status=ProductStatus.ARCHIVED)
        .annotate(
            available=Coalesce(Subquery(free, output_field=IntegerField()), Value(0)),
            # A variant's own stock policy may set its threshold; the shop-wide one otherwise.
            threshold=Coalesce(F("stock_policy__low_stock_threshold"), Value(LOW_STOCK_THRESHOLD)),
        )
        .filter(available__lte=F("threshold"))
    )


def load_dashboard() -> Dashboard:
    """Counts and short lists for the admin home page; products archived are left out of the to-do counts.

    A variant is low on stock when the units it can still sell, over active locations, are at or below
    its stock policy's threshold (the shop-wide LOW_STOCK_THRESHOLD without one); kinds that do not
    count stock are never low.
    """
    live = ~Q(status=ProductStatus.ARCHIVED)
    counts = Product.objects.annotate(
        has_price=Exists(VariantPrice.objects.filter(variant__product=OuterRef("pk"))),
        has_image=Exists(ProductMedia.objects.filter(product=OuterRef("pk"))),
    ).aggregate(
        published=Count("pk", filter=Q(status=ProductStatus.PUBLISHED)),
        draft=Count("pk", filter=Q(status=ProductStatus.DRAFT)),
        archived=Count("pk", filter=Q(status=ProductStatus.ARCHIVED)),
        without_price=Count("pk", filter=live & Q(has_price=False)),
        without_image=Count("pk", filter=live & Q(has_image=False)),
    )
    low = low_stock_variants()
    low_rows = low.select_related("product").order_by("available", "sku")[:LIST_LENGTH]
    recent = Product.objects.order_by("-updated_at", "-pk").only("pk", "name", "status", "updated_at")
    return Dashboard(
        **counts,
        low_stock_count=low.count(),
        low_stock=[LowStockRow(v.product_id, v.product.name, v.sku, v.name, v.available) for v in low_rows],
        recent=[
            RecentChange(p.pk, p.name, p.status, p.get_status_display(), p.updated_at) for p in recent[:LIST_LENGTH]
        ],
    )


def dashboard_callback(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    """unfold's DASHBOARD_CALLBACK: adds `dashboard` for staff who may see the catalogue."""
    if request.user.has_perm("catalog.view_product"):
        context["dashboard"] = load_dashboard()
    return context
