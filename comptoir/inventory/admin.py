"""Stock in the back office.

Stock levels and the stock ledger are read-only here: every change of on hand, allocated or reserved
units must go through the inventory services (receipts, counts, write-offs, transfers), which lock the
row and write a ledger line. Editing a counter in a form would bypass both, so the admin does not offer it.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from comptoir.catalog.services import products_changed
from comptoir.inventory.models import Location, StockLevel, StockMovement
from comptoir.inventory.queries import FREE, LOW_STOCK_THRESHOLD, forget_locations


def _stocked_products(location_ids: list[int]) -> list[int]:
    levels = StockLevel.objects.filter(location_id__in=location_ids).order_by()
    return list(levels.values_list("variant__product_id", flat=True).distinct())


@admin.register(Location)
class LocationAdmin(ModelAdmin):
    list_display = ["name", "slug", "kind", "priority", "pickup_enabled", "ships_orders", "is_active"]
    list_filter = ["kind", "is_active", "pickup_enabled"]
    search_fields = ["name", "slug", "city"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["channels"]

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Which locations sell in which channel is cached, and products' availability depends on it.
        transaction.on_commit(forget_locations)
        products_changed(_stocked_products([form.instance.pk]))

    def delete_model(self, request: HttpRequest, obj: Location) -> None:
        super().delete_model(request, obj)
        transaction.on_commit(forget_locations)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        super().delete_queryset(request, queryset)
        transaction.on_commit(forget_locations)


class StockFilter(admin.SimpleListFilter):
    title = _("availability")
    parameter_name = "availability"

    def lookups(self, request, model_admin):
        return [
            ("out", _("Out of stock")),
            ("low", _("Low (%(count)d or fewer)") % {"count": LOW_STOCK_THRESHOLD}),
            ("in", _("In stock")),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "out":
                return queryset.filter(free__lte=0)
            case "low":
                return queryset.filter(free__gt=0, free__lte=LOW_STOCK_THRESHOLD)
            case "in":
                return queryset.filter(free__gt=0)
        return queryset


class ReadOnlyAdmin(ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    """Read-only: change stock through receipts, counts and transfers (inventory services), never here."""

    list_display = ["sku", "product", "location", "on_hand", "allocated", "reserved", "backorder_limit", "available"]
    list_select_related = ["variant__product", "location"]
    list_filter = [StockFilter, "location"]
    search_fields = ["variant__sku", "variant__gtin", "variant__product__name"]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(free=FREE)

    @display(description=_("SKU"), ordering="variant__sku")
    def sku(self, obj: StockLevel) -> str:
        return obj.variant.sku

    @display(description=_("Product"), ordering="variant__product__name")
    def product(self, obj: StockLevel) -> str:
        return obj.variant.product.name

    @display(description=_("Available"), ordering="free")
    def available(self, obj: StockLevel) -> int:
        return obj.free


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    """The stock ledger: one line per change, written by the inventory services."""

    list_display = ["created_at", "sku", "location", "reason", "on_hand_delta", "allocated_delta", "reserved_delta"]
    list_select_related = ["stock_level__variant", "stock_level__location"]
    list_filter = ["reason", "stock_level__location"]
    search_fields = ["stock_level__variant__sku", "reference", "actor"]
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).order_by("-created_at", "-pk")

    @display(description=_("SKU"), ordering="stock_level__variant__sku")
    def sku(self, obj: StockMovement) -> str:
        return obj.stock_level.variant.sku

    @display(description=_("Location"), ordering="stock_level__location__name")
    def location(self, obj: StockMovement) -> str:
        return obj.stock_level.location.name
