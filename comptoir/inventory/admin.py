"""Stock in the back office: locations, stock levels (with adjust, receive, count import and the low-stock
report), the stock ledger, and transfers.

Stock levels and the ledger are never edited as rows: every change of on hand, allocated or reserved units
goes through the inventory services (receipts, counts, write-offs, transfers), which lock the row and write
a ledger line. The screens that change stock (comptoir.backoffice.inventory_views) call those services.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import RangeDateFilter, RelatedDropdownFilter
from unfold.decorators import action, display
from unfold.utils import parse_date_str
from unfold.widgets import UnfoldAdminCheckboxSelectMultipleWidget, UnfoldAdminTextInputWidget

from comptoir.backoffice import inventory_views as views
from comptoir.backoffice.inventory_transfers import StockTransferAdmin
from comptoir.catalog.models import Product
from comptoir.catalog.services import products_changed
from comptoir.inventory.models import Location, LocationKind, StockLevel, StockMovement, StockTransfer
from comptoir.inventory.queries import FREE, LOW_STOCK_THRESHOLD, forget_locations

PARTNER_FIELDS = ["partner_email", "partner_webhook_url", "partner_webhook_secret", "partner_file_drop"]
PARTNER_KINDS = {LocationKind.SUPPLIER, LocationKind.THIRD_PARTY}


def _stocked_products(location_ids: list[int]) -> list[int]:
    levels = StockLevel.objects.filter(location_id__in=location_ids).order_by()
    return list(levels.values_list("variant__product_id", flat=True).distinct())


class LocationForm(forms.ModelForm):
    ships_to = forms.CharField(
        label=_("Ships to countries"),
        required=False,
        widget=UnfoldAdminTextInputWidget,
        help_text=_("Country codes separated by commas, e.g. “FR, BE, LU”; empty means everywhere."),
    )

    class Meta:
        model = Location
        fields = [
            "name",
            "slug",
            "kind",
            "priority",
            "is_active",
            "channels",
            "ships_to",
            "ships_orders",
            "pickup_enabled",
            "address",
            "postcode",
            "city",
            "country",
            "latitude",
            "longitude",
            "opening_hours",
            *PARTNER_FIELDS,
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial["ships_to"] = ", ".join(self.instance.ships_to or [])

    def clean_ships_to(self) -> list[str]:
        codes = [code.strip().upper() for code in self.cleaned_data.get("ships_to", "").replace(";", ",").split(",")]
        codes = [code for code in codes if code]
        if unknown := [code for code in codes if code not in countries]:
            raise forms.ValidationError(_("Unknown country code(s): %(codes)s.") % {"codes": ", ".join(unknown)})
        return sorted(set(codes), key=codes.index)

    def clean_country(self) -> str:
        code = (self.cleaned_data.get("country") or "").strip().upper()
        if code and code not in countries:
            raise forms.ValidationError(_("Unknown country code %(code)s.") % {"code": code})
        return code

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind and kind not in PARTNER_KINDS:
            # Hidden for these kinds (conditional_fields) and never used for them: left-overs from a former
            # kind are dropped rather than refused in fields the merchant cannot see.
            cleaned.update({name: "" for name in PARTNER_FIELDS})
            return cleaned
        if kind in PARTNER_KINDS and not (
            cleaned.get("partner_email") or cleaned.get("partner_webhook_url") or cleaned.get("partner_file_drop")
        ):
            # Without any of them a request could never reach the partner and would wait forever.
            self.add_error(
                "partner_email", _("A supplier or 3PL needs an e-mail, a webhook URL or a CSV drop folder for orders.")
            )
        if cleaned.get("partner_webhook_secret") and not cleaned.get("partner_webhook_url"):
            self.add_error("partner_webhook_url", _("A signing secret needs a webhook URL."))
        return cleaned


@admin.register(Location)
class LocationAdmin(ModelAdmin):
    form = LocationForm
    list_display = ["name", "slug", "kind", "priority", "sells_in", "ships_to_list", "pickup_enabled", "ships_orders"]
    list_display += ["is_active"]
    list_filter = ["kind", "is_active", "pickup_enabled"]
    search_fields = ["name", "slug", "city"]
    prepopulated_fields = {"slug": ["name"]}
    # Partner settings mean something for suppliers and 3PLs only: the form shows them for those kinds.
    conditional_fields = {name: "kind == 'supplier' || kind == '3pl'" for name in PARTNER_FIELDS}
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "priority", "is_active"]}),
        (
            _("Selling and shipping"),
            {
                "fields": ["channels", "ships_to", "ships_orders", "pickup_enabled"],
                "description": _(
                    "Which sales channels sell this location's stock, where it ships, and whether buyers may "
                    "collect orders here (click & collect). A shop that also ships online orders keeps "
                    "“ships orders” on (ship-from-store)."
                ),
            },
        ),
        (
            _("Address and opening hours"),
            {"fields": ["address", ("postcode", "city"), "country", ("latitude", "longitude"), "opening_hours"]},
        ),
        (
            _("Partner: supplier (dropship) or 3PL"),
            {
                "fields": PARTNER_FIELDS,
                "description": _(
                    "Only for supplier and third-party logistics locations: how they receive the orders they ship "
                    "for you: at least one of e-mail, webhook or CSV drop folder. Shown only for those kinds."
                ),
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("channels")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "channels":
            kwargs["widget"] = UnfoldAdminCheckboxSelectMultipleWidget
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @display(description=_("Sales channels"))
    def sells_in(self, obj: Location) -> str:
        return ", ".join(channel.slug for channel in obj.channels.all()) or _("All")

    @display(description=_("Ships to"))
    def ships_to_list(self, obj: Location) -> str:
        return ", ".join(obj.ships_to or []) or _("Everywhere")

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Which locations sell in which channel is cached (queries.location_ids_for_channel): forget it once the
        # location and its channels are committed, and tell the catalogue its products' availability changed.
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
        return [("out", _("Out of stock")), ("low", _("Low (at or below the threshold)")), ("in", _("In stock"))]

    def queryset(self, request, queryset):
        match self.value():
            case "out":
                return queryset.filter(free__lte=0)
            case "low":
                return queryset.filter(free__gt=0, free__lte=F("threshold"))
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


def _level(object_id: str) -> StockLevel:
    if not str(object_id).isdigit():
        raise Http404
    return get_object_or_404(StockLevel.objects.only("pk", "variant_id", "location_id"), pk=object_id)


@admin.register(StockLevel)
class StockLevelAdmin(views.StockPermissions, ReadOnlyAdmin):
    """Read-only rows; the buttons lead to the screens that change stock through the services."""

    list_display = ["sku", "product", "location", "on_hand", "allocated", "reserved", "backorder_limit", "available"]
    list_select_related = ["variant__product", "location"]
    list_filter = [StockFilter, ("location", RelatedDropdownFilter)]
    list_filter_submit = True
    search_fields = ["variant__sku", "variant__gtin", "variant__product__name"]
    search_help_text = _("SKU, barcode or product name")
    actions_list = ["receive_goods", "import_counts", "low_stock_report"]
    actions_row = ["adjust", "history"]
    actions_detail = ["adjust", "history"]

    def get_queryset(self, request: HttpRequest):
        threshold = Coalesce(F("variant__stock_policy__low_stock_threshold"), Value(LOW_STOCK_THRESHOLD))
        return super().get_queryset(request).annotate(free=FREE, threshold=threshold)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "adjust/<int:variant_id>/",
                wrap(self.adjust_variant),
                name="inventory_stocklevel_adjust_variant",
            ),
            path("import-counts/template.csv", wrap(views.count_sheet_view), name="inventory_stocklevel_count_sheet"),
            *super().get_urls(),
        ]

    def adjust_variant(self, request: HttpRequest, variant_id: int) -> HttpResponse:
        """One variant at one location (`?location=`): where every "Adjust" link leads."""
        return views.adjust_view(self, request, variant_id=variant_id)

    @display(description=_("SKU"), ordering="variant__sku")
    def sku(self, obj: StockLevel) -> str:
        return obj.variant.sku

    @display(description=_("Product"), ordering="variant__product__name")
    def product(self, obj: StockLevel) -> str:
        return obj.variant.product.name

    @display(description=_("Available"), ordering="free")
    def available(self, obj: StockLevel) -> int:
        return obj.free

    @action(description=_("Receive goods"), url_path="receive", icon="inventory", permissions=["change_stock"])
    def receive_goods(self, request: HttpRequest) -> HttpResponse:
        return views.receive_view(self, request)

    @action(
        description=_("Import a stock count"), url_path="import-counts", icon="upload", permissions=["change_stock"]
    )
    def import_counts(self, request: HttpRequest) -> HttpResponse:
        return views.import_counts_view(self, request)

    @action(description=_("Low-stock report"), url_path="low-stock", icon="warning", permissions=["view"])
    def low_stock_report(self, request: HttpRequest) -> HttpResponse:
        return views.low_stock_view(self, request)

    @action(description=_("Adjust"), url_path="adjust", icon="tune", permissions=["change_stock"])
    def adjust(self, request: HttpRequest, object_id: str) -> HttpResponse:
        level = _level(object_id)
        return HttpResponseRedirect(views.adjust_url(variant_id=level.variant_id, location_id=level.location_id))

    @action(description=_("History"), url_path="history", icon="history", permissions=["view_history"])
    def history(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return HttpResponseRedirect(views.history_url(level=_level(object_id).pk))


class ShownWhenActiveFilter(admin.SimpleListFilter):
    """A filter reached from a link (a stock level's or a product's "history"): it lists only the chosen
    value, so the merchant sees what the ledger is narrowed to and can clear it. One query when active."""

    field = ""

    def label(self, value: int) -> str | None:
        raise NotImplementedError

    def lookups(self, request, model_admin):
        value = self.value() or ""
        if not value.isdigit() or (label := self.label(int(value))) is None:
            return []
        return [(value, label)]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(**{self.field: int(value)}) if value.isdigit() else queryset.none()


class LevelFilter(ShownWhenActiveFilter):
    title = _("stock level")
    parameter_name = "level"
    field = "stock_level_id"

    def label(self, value: int) -> str | None:
        row = StockLevel.objects.filter(pk=value).values_list("variant__sku", "location__name").first()
        return f"{row[0]} @ {row[1]}" if row else None


class ProductFilter(ShownWhenActiveFilter):
    title = _("product")
    parameter_name = "product"
    field = "stock_level__variant__product_id"

    def label(self, value: int) -> str | None:
        return Product.objects.filter(pk=value).values_list("name", flat=True).first()


class DayRangeFilter(RangeDateFilter):
    """Whole days in the shop's time zone: "to 31 December" includes the movements of the 31st (unfold's own
    filter compares the timestamps with midnight, as naive dates). Bounds are computed here rather than
    with `__date`, which MariaDB can only evaluate with its time-zone tables loaded."""

    def queryset(self, request, queryset):
        filters = {}
        for suffix, lookup, shift in (("_from", "gte", 0), ("_to", "lt", 1)):
            raw = self.used_parameters.get(f"{self.parameter_name}{suffix}")
            if isinstance(raw, str) and raw:
                day = parse_date_str(raw)
                if day is None:
                    return queryset.none()  # a date that cannot be read matches nothing, rather than everything
                midnight = datetime.combine(day + timedelta(days=shift), time.min)
                filters[f"{self.field_path}__{lookup}"] = timezone.make_aware(midnight)
        return queryset.filter(**filters)


class ReferenceFilter(admin.SimpleListFilter):
    """Exactly one reference (a delivery, a transfer, an order): the search box would also find its prefixes."""

    title = _("reference")
    parameter_name = "reference"

    def lookups(self, request, model_admin):
        return [(self.value(), self.value())] if self.value() else []

    def queryset(self, request, queryset):
        return queryset.filter(reference=self.value()) if self.value() else queryset


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    """The stock ledger: one line per change, written by the inventory services; never edited."""

    list_display = ["created_at", "sku", "product", "location", "reason", "on_hand_delta", "on_hand_after"]
    list_display += ["allocated_delta", "reserved_delta", "reference", "actor", "note"]
    list_select_related = ["stock_level__variant__product", "stock_level__location"]
    list_filter = [
        "reason",
        ("stock_level__location", RelatedDropdownFilter),
        ("created_at", DayRangeFilter),
        LevelFilter,
        ProductFilter,
        ReferenceFilter,
    ]
    list_filter_submit = True
    search_fields = ["stock_level__variant__sku", "reference", "actor", "note"]
    search_help_text = _("SKU, reference, staff member or note")
    # No date_hierarchy: its drill-down converts time zones in SQL, which MariaDB only does with its time-zone
    # tables loaded (and otherwise fails the page). DayRangeFilter computes the bounds in Python instead.

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).order_by("-created_at", "-pk")

    @display(description=_("SKU"), ordering="stock_level__variant__sku")
    def sku(self, obj: StockMovement) -> str:
        return obj.stock_level.variant.sku

    @display(description=_("Product"), ordering="stock_level__variant__product__name")
    def product(self, obj: StockMovement) -> str:
        return obj.stock_level.variant.product.name

    @display(description=_("Location"), ordering="stock_level__location__name")
    def location(self, obj: StockMovement) -> str:
        return obj.stock_level.location.name


admin.site.register(StockTransfer, StockTransferAdmin)
