"""Back office: each channel's tax settings, tax zones with their rates per class and period.

Every save and delete forgets the cached rates on commit (`zones.forget_tax_config`), so the next basket is
taxed at what was just saved, on every app server.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display

from comptoir.taxes.models import TaxRate, TaxSettings, TaxZone
from comptoir.taxes.zones import forget_tax_config


class ForgetsTaxCache:
    """Admin hooks that drop the cached tax configuration once a change is committed."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        transaction.on_commit(forget_tax_config)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        transaction.on_commit(forget_tax_config)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)  # type: ignore[misc]
        transaction.on_commit(forget_tax_config)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        super().delete_queryset(request, queryset)  # type: ignore[misc]
        transaction.on_commit(forget_tax_config)


@admin.register(TaxSettings)
class TaxSettingsAdmin(ForgetsTaxCache, ModelAdmin):
    list_display = ["channel", "origin_country", "eu_destination_taxation", "shipping_tax", "rounding", "prices"]
    list_select_related = ["channel"]
    fields = ["channel", "origin_country", "eu_destination_taxation", "shipping_tax", "rounding"]

    @display(description=_("prices"))
    def prices(self, obj: TaxSettings) -> str:
        return str(_("include tax") if obj.channel.prices_include_tax else _("exclude tax"))


class TaxRateInline(TabularInline):
    model = TaxRate
    extra = 0
    fields = ["tax_class", "rate", "valid_from", "valid_to", "source"]
    ordering = ["tax_class", "valid_from"]


@admin.register(TaxZone)
class TaxZoneAdmin(ForgetsTaxCache, ModelAdmin):
    list_display = ["name", "country", "region", "postcode_from", "postcode_to", "current_standard_rate"]
    list_filter = ["country"]
    search_fields = ["name", "region", "postcode_from"]
    list_per_page = 100
    fields = ["name", "country", "region", ("postcode_from", "postcode_to")]
    inlines = [TaxRateInline]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("rates")

    @display(description=_("standard rate today"))
    def current_standard_rate(self, obj: TaxZone) -> str:
        from django.utils import timezone

        today = timezone.localdate()
        for rate in obj.rates.all():
            if (
                rate.tax_class == "standard"
                and rate.valid_from <= today
                and (rate.valid_to is None or rate.valid_to >= today)
            ):
                return f"{rate.percent} %"
        return "-"


from comptoir.taxes import admin_b2b  # noqa: E402, F401  (exemption certificates, tax report)
