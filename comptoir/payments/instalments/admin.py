"""Instalments in the back office: the offers each channel makes, and the plans, filtered by active, late
and in default. Plans are read-only (they move through the instalment services); offers are the merchant's."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_countries import countries as all_countries
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display
from unfold.widgets import UnfoldAdminCheckboxSelectMultipleWidget, UnfoldAdminSelectMultipleWidget

from comptoir.catalog.kinds import ProductKind
from comptoir.payments.admin import _money
from comptoir.payments.instalment_models import Instalment, InstalmentOffer, InstalmentPlan, PlanStatus
from comptoir.payments.instalments.queries import is_late_q

PLAN_LABELS = {
    PlanStatus.ACTIVE: "info",
    PlanStatus.COMPLETED: "success",
    PlanStatus.DEFAULTED: "danger",
    PlanStatus.CANCELLED: "warning",
}


class InstalmentOfferForm(forms.ModelForm):
    # Declared here: the admin's theme would otherwise render the multiple-country field as a single select.
    countries = forms.MultipleChoiceField(
        label=_("Buyer countries"),
        choices=lambda: list(all_countries),
        required=False,
        widget=UnfoldAdminSelectMultipleWidget,
        help_text=_("Empty: every country the channel sells to."),
    )
    excluded_kinds = forms.MultipleChoiceField(
        label=_("Excluded product kinds"),
        choices=ProductKind.choices,
        required=False,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
        help_text=_("A basket with any of these kinds of product cannot be paid in instalments."),
    )

    class Meta:
        model = InstalmentOffer
        fields = [
            "channel",
            "name",
            "count",
            "interval",
            "min_amount",
            "max_amount",
            "countries",
            "excluded_kinds",
            "enabled",
            "position",
        ]


@admin.register(InstalmentOffer)
class InstalmentOfferAdmin(ModelAdmin):
    form = InstalmentOfferForm
    list_display = ["__str__", "channel", "count", "interval", "min_amount", "max_amount", "enabled"]
    list_filter = ["channel", "enabled"]
    list_editable = ["enabled"]


class InstalmentInline(TabularInline):
    model = Instalment
    fields = ["sequence", "due_on", "amount", "status", "attempts", "next_attempt_on", "payment", "last_error"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_title = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class LateFilter(admin.SimpleListFilter):
    title = _("late")
    parameter_name = "late"

    def lookups(self, request, model_admin):
        return [("yes", _("Late: an instalment failed or is overdue"))]

    def queryset(self, request, queryset):
        return queryset.filter(is_late_q()) if self.value() == "yes" else queryset


@admin.register(InstalmentPlan)
class InstalmentPlanAdmin(ModelAdmin):
    list_display = ["order", "label", "total_text", "count", "status_label", "created_at"]
    list_filter = ["status", LateFilter, "channel"]
    search_fields = ["order_ref"]
    search_help_text = _("Order number")
    fields = ["order", "label", "total_text", "count", "interval", "method", "status", "created_at"]
    readonly_fields = fields
    inlines = [InstalmentInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @display(description=_("Order"), ordering="order_ref")
    def order(self, obj: InstalmentPlan) -> str:
        try:
            url = reverse("admin:orders_order_by_number", args=[obj.order_ref])
        except NoReverseMatch:
            return obj.order_ref
        return format_html('<a class="text-primary-600" href="{}">{}</a>', url, obj.order_ref)

    @display(description=_("Total"), ordering="total")
    def total_text(self, obj: InstalmentPlan) -> str:
        return _money(obj.total, obj.currency)

    @display(description=_("Status"), ordering="status", label=PLAN_LABELS)
    def status_label(self, obj: InstalmentPlan) -> tuple[str, str]:
        return obj.status, obj.get_status_display()
