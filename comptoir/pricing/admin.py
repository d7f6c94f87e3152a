"""Prices in the back office. Setting a price goes through `pricing.services.set_variant_prices`
(rounding, currency, compare-at rule); the product page edits the same prices variant by variant."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from comptoir.catalog.services import products_changed
from comptoir.pricing.models import VariantPrice
from comptoir.pricing.services import set_variant_prices


class VariantPriceForm(forms.ModelForm):
    class Meta:
        model = VariantPrice
        fields = ["variant", "channel", "amount", "compare_at_amount"]

    def clean(self):
        cleaned = super().clean()
        amount, former = cleaned.get("amount"), cleaned.get("compare_at_amount")
        if amount is not None and amount < 0:
            self.add_error("amount", _("A price cannot be negative."))
        if amount is not None and former is not None and former <= amount:
            self.add_error("compare_at_amount", _("Must be higher than the price."))
        return cleaned


@admin.register(VariantPrice)
class VariantPriceAdmin(ModelAdmin):
    form = VariantPriceForm
    list_display = ["sku", "product", "channel", "price", "compare_at", "updated_at"]
    list_select_related = ["variant__product", "channel"]
    list_filter = ["channel", "currency"]
    search_fields = ["variant__sku", "variant__product__name"]
    raw_id_fields = ["variant"]

    def get_readonly_fields(self, request: HttpRequest, obj: VariantPrice | None = None):
        # One row per variant and channel: a price is moved by deleting it and adding another.
        return ["variant", "channel", "currency"] if obj else ["currency"]

    @display(description=_("SKU"), ordering="variant__sku")
    def sku(self, obj: VariantPrice) -> str:
        return obj.variant.sku

    @display(description=_("Product"), ordering="variant__product__name")
    def product(self, obj: VariantPrice) -> str:
        return obj.variant.product.name

    @display(description=_("Price"), ordering="amount")
    def price(self, obj: VariantPrice) -> str:
        return obj.price.format((get_language() or "en").replace("-", "_"))

    @display(description=_("Compare at"), ordering="compare_at_amount")
    def compare_at(self, obj: VariantPrice) -> str:
        return obj.compare_at.format((get_language() or "en").replace("-", "_")) if obj.compare_at else "-"

    def save_model(self, request: HttpRequest, obj: VariantPrice, form, change: bool) -> None:
        [row] = set_variant_prices(
            variant_id=obj.variant_id,
            prices={obj.channel_id: obj.amount},
            compare_at={obj.channel_id: obj.compare_at_amount},
        )
        obj.pk, obj.currency, obj._state.adding = row.pk, row.currency, False
        products_changed([obj.variant.product_id])

    def delete_model(self, request: HttpRequest, obj: VariantPrice) -> None:
        product_id = obj.variant.product_id
        super().delete_model(request, obj)
        products_changed([product_id])

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        with transaction.atomic():
            ids = list(queryset.values_list("variant__product_id", flat=True))
            super().delete_queryset(request, queryset)
            products_changed(ids)
