"""Shop settings in the back office: sales channels, saved through `core.services.save_channel`."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin

from comptoir.catalog.services import products_changed
from comptoir.core.errors import DomainError
from comptoir.core.models import Channel
from comptoir.core.money import validate_currency
from comptoir.core.queries import forget_channels
from comptoir.core.services import save_channel


class ChannelForm(forms.ModelForm):
    class Meta:
        model = Channel
        fields = [
            "name",
            "slug",
            "is_active",
            "is_default",
            "position",
            "currency",
            "prices_include_tax",
            "default_language",
            "default_country",
            "domain",
        ]

    def _get_validation_exclusions(self):
        # Making this channel the default takes the default from the others (save_channel does it), so
        # "there is already a default channel" is not an error here.
        return super()._get_validation_exclusions() | {"is_default"}

    def clean_currency(self) -> str:
        currency = (self.cleaned_data.get("currency") or "").strip().upper()
        try:
            validate_currency(currency)
        except DomainError as exc:
            raise forms.ValidationError(str(exc.detail)) from exc
        if self.instance.pk and currency != self.instance.currency and self.instance.variant_prices.exists():
            raise forms.ValidationError(
                _("This channel already has prices in %(currency)s; create a new channel for another currency.")
                % {"currency": self.instance.currency}
            )
        return currency


@admin.register(Channel)
class ChannelAdmin(ModelAdmin):
    form = ChannelForm
    list_display = ["name", "slug", "currency", "default_language", "default_country", "domain", "is_default"]
    list_display += ["is_active"]
    list_filter = ["is_active", "currency"]
    search_fields = ["name", "slug", "domain"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", ("is_active", "is_default"), "position"]}),
        (_("Selling"), {"fields": ["currency", "prices_include_tax", "default_language", "default_country"]}),
        (_("Address"), {"fields": ["domain"]}),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Channel | None = None):
        # The slug names the channel in price columns, cookies and feeds: it is fixed once created.
        return ["slug"] if obj else []

    def get_prepopulated_fields(self, request: HttpRequest, obj: Channel | None = None):
        return {} if obj else self.prepopulated_fields

    def save_model(self, request: HttpRequest, obj: Channel, form, change: bool) -> None:
        channel = save_channel(
            slug=obj.slug,
            name=obj.name,
            currency=obj.currency,
            default_language=obj.default_language,
            default_country=str(obj.default_country),
            prices_include_tax=obj.prices_include_tax,
            domain=obj.domain,
            is_default=obj.is_default,
            is_active=obj.is_active,
        )
        if channel.position != obj.position:
            Channel.objects.filter(pk=channel.pk).update(position=obj.position)
        obj.pk = channel.pk
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Channel) -> None:
        ids = list(obj.product_listings.values_list("product_id", flat=True))
        super().delete_model(request, obj)
        products_changed(ids)
        transaction.on_commit(forget_channels)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        with transaction.atomic():
            ids = list(Channel.objects.filter(pk__in=queryset).values_list("product_listings__product_id", flat=True))
            super().delete_queryset(request, queryset)
            products_changed([pk for pk in ids if pk is not None])
            transaction.on_commit(forget_channels)
