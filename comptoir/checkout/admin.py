"""Carts in the back office: the open carts (not yet an order), read-only, and which of them look abandoned.

A cart's value is its lines at today's price in its channel; its last activity is the later of its own last
change and its newest line. "Abandoned" carts (lines in them, no activity for an hour, no order) are the
ones a reminder e-mail could later be sent for. Carts are written by the checkout only.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.db.models import Count, DecimalField, F, IntegerField, Max, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import RelatedDropdownFilter
from unfold.decorators import display

from comptoir.checkout.models import Checkout, CheckoutLine
from comptoir.core.money import Money

ABANDONED_AFTER = timedelta(hours=1)
AMOUNT = DecimalField(max_digits=20, decimal_places=4)


def annotate_carts(queryset):
    """Lines count, value at today's prices and last activity, as subqueries (no GROUP BY on the page query)."""
    lines = CheckoutLine.objects.filter(checkout_id=OuterRef("pk")).order_by().values("checkout_id")
    count = lines.annotate(n=Count("pk")).values("n")
    # The join to the channel's price (unique per variant and channel) is the one the sum reads: a line
    # without a price in the cart's channel counts for nothing.
    value = (
        CheckoutLine.objects.filter(checkout_id=OuterRef("pk"), variant__prices__channel_id=OuterRef("channel_id"))
        .order_by()
        .values("checkout_id")
        .annotate(v=Sum(F("quantity") * F("variant__prices__amount"), output_field=AMOUNT))
        .values("v")
    )
    newest = lines.annotate(at=Max("created_at")).values("at")
    return queryset.annotate(
        line_count=Coalesce(Subquery(count, output_field=IntegerField()), Value(0)),
        value=Coalesce(Subquery(value, output_field=AMOUNT), Value(0), output_field=AMOUNT),
        last_activity=Greatest("updated_at", Coalesce(Subquery(newest), "updated_at")),
    )


class ActivityFilter(admin.SimpleListFilter):
    title = _("activity")
    parameter_name = "activity"

    def lookups(self, request, model_admin):
        return [
            ("abandoned", _("Abandoned (no activity for over an hour)")),
            ("active", _("Active in the last hour")),
        ]

    def queryset(self, request, queryset):
        since = timezone.now() - ABANDONED_AFTER
        match self.value():
            case "abandoned":
                return queryset.filter(last_activity__lt=since, line_count__gt=0)
            case "active":
                return queryset.filter(last_activity__gte=since)
        return queryset


class CartLineInline(TabularInline):
    model = CheckoutLine
    fields = ["sku", "product", "quantity", "seen_unit_price", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_title = False

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("variant__product")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @display(description=_("SKU"))
    def sku(self, obj: CheckoutLine) -> str:
        return obj.variant.sku

    @display(description=_("Product"))
    def product(self, obj: CheckoutLine) -> str:
        return obj.variant.product.name


@admin.register(Checkout)
class CartAdmin(ModelAdmin):
    list_display = ["cart", "email", "customer", "channel", "line_count_col", "value_col", "last_activity_col"]
    list_select_related = ["channel", "user"]
    list_filter = [ActivityFilter, ("channel", RelatedDropdownFilter)]
    list_filter_submit = True
    search_fields = ["email", "user__email", "user__username", "lines__variant__sku"]
    search_help_text = _("E-mail, customer or SKU")
    fields = [
        "token",
        "channel",
        "user",
        "email",
        "currency",
        "language",
        "delivery_kind",
        "pickup_store",
        "voucher_code",
        "payment_method",
        "reserved_until",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields
    inlines = [CartLineInline]

    def get_queryset(self, request: HttpRequest):
        # Open carts only: a completed cart is an order, shown on the orders screen.
        return annotate_carts(super().get_queryset(request).filter(completed_at__isnull=True)).order_by(
            "-last_activity", "-pk"
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @display(description=_("Cart"))
    def cart(self, obj: Checkout) -> str:
        return str(obj.token)[:8]

    @display(description=_("Customer"), ordering="user__username")
    def customer(self, obj: Checkout) -> str:
        return obj.user.get_username() if obj.user else _("Guest")

    @display(description=_("Lines"), ordering="line_count")
    def line_count_col(self, obj: Checkout) -> int:
        return obj.line_count

    @display(description=_("Value"), ordering="value")
    def value_col(self, obj: Checkout) -> str:
        return Money(obj.value, obj.currency).quantize().format(to_locale(get_language() or "en"))

    @display(description=_("Last activity"), ordering="last_activity")
    def last_activity_col(self, obj: Checkout):
        return obj.last_activity
