"""The product page of the back office: the product form, its variants (with a price per channel) and images.

Forms validate with the catalogue's own rules (sanitised description, checked barcodes, prices that the
pricing service accepts), so the admin shows a field error where a service would have refused.
Choices that every row shares (channels, option values) are read once per request, so the page takes
the same number of queries for one variant as for fifty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from functools import partial
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import StackedInline, TabularInline
from unfold.widgets import (
    UnfoldAdminCheckboxSelectMultipleWidget,
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminSelectMultipleWidget,
)

from comptoir.catalog import images
from comptoir.catalog.errors import InvalidImageError, InvalidProductError
from comptoir.catalog.models import AttributeValue, Product, ProductMedia, Variant
from comptoir.catalog.services import add_product_image, sanitize_description, validate_gtin
from comptoir.core.models import Channel
from comptoir.core.money import Money
from comptoir.pricing.models import VariantPrice
from comptoir.pricing.services import set_variant_prices


def per_request(request: HttpRequest, key: str, load: Callable[[], Any]) -> Any:
    """Load something once per request: the admin asks for a formset's form several times per page."""
    cache = request.__dict__.setdefault("_backoffice_cache", {})
    if key not in cache:
        cache[key] = load()
    return cache[key]


def all_channels(request: HttpRequest) -> list[Channel]:
    """Every channel, inactive ones too, so that no stored price is hidden from the merchant."""
    return per_request(request, "channels", lambda: list(Channel.objects.order_by("position", "pk")))


def option_choices(request: HttpRequest) -> list[tuple[int, str]]:
    def load() -> list[tuple[int, str]]:
        values = AttributeValue.objects.select_related("attribute").order_by(
            "attribute__position", "attribute__name", "position", "name"
        )
        return [(v.pk, f"{v.attribute.name}: {v.name}") for v in values]

    return per_request(request, "option-choices", load)


class ProductForm(forms.ModelForm):
    channels = forms.ModelMultipleChoiceField(
        label=_("Sold in"),
        queryset=Channel.objects.order_by("position", "pk"),
        required=False,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
        help_text=_("The channels this product is offered in. It also needs a price there to be sold."),
    )

    class Meta:
        model = Product
        fields = [
            "name",
            "slug",
            "kind",
            "tax_class",
            "category",
            "brand",
            "description",
            "attribute_values",
            "status",
            "published_from",
            "published_until",
            "is_featured",
            "seo_title",
            "seo_description",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["channels"] = [listing.channel_id for listing in self.instance.channel_listings.all()]
        # Left out of a form (an older page, a script): the product keeps its class.
        self.fields["tax_class"].required = False

    def clean_tax_class(self) -> str:
        return self.cleaned_data.get("tax_class") or self.instance.tax_class or "standard"

    def clean_description(self) -> str:
        return sanitize_description(self.cleaned_data.get("description", ""))


def price_field(name: str, channel: Channel) -> str:
    return f"{name}_{channel.pk}"


def options_field(choices: list[tuple[int, str]]) -> forms.TypedMultipleChoiceField:
    """Option values as plain choices read once per page, not a query per variant row."""
    return forms.TypedMultipleChoiceField(
        label=_("Options"), choices=choices, coerce=int, required=False, widget=UnfoldAdminSelectMultipleWidget
    )


class VariantForm(forms.ModelForm):
    """A variant row: its options from one shared list and, per channel, a price and a compare-at price.

    Built per request by `variant_form_for()`, which adds the `price_<channel id>` and
    `compare_at_<channel id>` fields. An empty price means "not sold in that channel".
    """

    channels: list[Channel] = []
    option_values = options_field([])

    class Meta:
        model = Variant
        fields = ["sku", "gtin", "name", "option_values", "weight_grams", "length_mm", "width_mm", "height_mm"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["option_values"] = [value.pk for value in self.instance.option_values.all()]
            prices = {price.channel_id: price for price in self.instance.prices.all()}
            for channel in self.channels:
                if price := prices.get(channel.pk):
                    self.initial[price_field("price", channel)] = price.price.amount
                    if price.compare_at is not None:
                        self.initial[price_field("compare_at", channel)] = price.compare_at.amount

    def clean_gtin(self) -> str:
        try:
            return validate_gtin(self.cleaned_data.get("gtin", ""))
        except InvalidProductError as exc:
            raise ValidationError(str(exc.detail)) from exc

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for channel in self.channels:
            price = cleaned.get(price_field("price", channel))
            former = cleaned.get(price_field("compare_at", channel))
            if former is None:
                continue
            if price is None:
                self.add_error(price_field("compare_at", channel), _("A compare-at price needs a price."))
            elif Money(former, channel.currency).quantize() <= Money(price, channel.currency).quantize():
                self.add_error(price_field("compare_at", channel), _("Must be higher than the price."))
        return cleaned

    def prices(self) -> tuple[dict[int, Decimal], dict[int, Decimal | None], list[int]]:
        """What to store: (channel -> price, channel -> compare-at, channels whose price was cleared)."""
        prices, compare_at, cleared = {}, {}, []
        for channel in self.channels:
            price_name, former_name = price_field("price", channel), price_field("compare_at", channel)
            if price_name not in self.changed_data and former_name not in self.changed_data:
                continue
            price = self.cleaned_data.get(price_name)
            if price is None:
                cleared.append(channel.pk)
            else:
                prices[channel.pk] = price
                compare_at[channel.pk] = self.cleaned_data.get(former_name)
        return prices, compare_at, cleared


def variant_form_for(channels: list[Channel], choices: list[tuple[int, str]]) -> type[VariantForm]:
    fields: dict[str, Any] = {"channels": channels}
    for channel in channels:
        for name, label in (("price", _("Price")), ("compare_at", _("Compare at"))):
            fields[price_field(name, channel)] = forms.DecimalField(
                label=f"{label} {channel.slug} ({channel.currency})",
                required=False,
                min_value=Decimal(0),
                max_digits=14,
                decimal_places=4,
                widget=UnfoldAdminDecimalFieldWidget,
            )
    # A field of its own for this request's choices: the base class's field object is shared by all.
    fields["option_values"] = options_field(choices)
    return type("VariantForm", (VariantForm,), fields)


class VariantInline(TabularInline):
    model = Variant
    extra = 0
    show_change_link = False
    tab = True

    def get_queryset(self, request: HttpRequest):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("option_values", Prefetch("prices", queryset=VariantPrice.objects.order_by("channel_id")))
        )

    def get_formset(self, request: HttpRequest, obj: Product | None = None, **kwargs: Any):
        kwargs["form"] = variant_form_for(all_channels(request), option_choices(request))
        return super().get_formset(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Product | None = None) -> list[str]:
        prices = [price_field(name, channel) for channel in all_channels(request) for name in ("price", "compare_at")]
        return [*VariantForm.Meta.fields, *prices, "position"]


class ProductMediaForm(forms.ModelForm):
    class Meta:
        model = ProductMedia
        fields = ["image", "alt", "position"]

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and "image" in self.changed_data:
            image.seek(0)
            try:
                self.picture = images.open_checked(image.read())
            except InvalidImageError as exc:
                raise ValidationError(str(exc.detail)) from exc
            finally:
                image.seek(0)
        return image


class ProductMediaInline(StackedInline):
    """Images. A new upload goes through `add_product_image`, so its WebP renditions are made there."""

    model = ProductMedia
    form = ProductMediaForm
    extra = 0
    tab = True
    fields = ["preview", "image", "alt", "position"]
    readonly_fields = ["preview"]

    @staticmethod
    def preview(media: ProductMedia) -> str:
        if not media.pk or not media.image:
            return "-"
        info = images.image_info(media)
        return format_html('<img src="{}" alt="{}" width="160" style="height:auto" loading="lazy">', info.url, info.alt)

    preview.short_description = _("Preview")


def save_variant_prices(variant_form: VariantForm) -> None:
    """Store the prices typed on a variant row: through the pricing service, or removed when cleared."""
    prices, compare_at, cleared = variant_form.prices()
    if prices:
        set_variant_prices(variant_id=variant_form.instance.pk, prices=prices, compare_at=compare_at)
    if cleared:
        VariantPrice.objects.filter(variant=variant_form.instance, channel_id__in=cleared).delete()


def save_media(product: Product, formset) -> None:
    """Save the images inline: a new upload goes through add_product_image (renditions included), a
    replaced file gets new renditions, a removed image takes its files with it once committed."""
    formset.save(commit=False)  # sorts forms into new, changed and deleted objects, saves nothing
    for media in formset.deleted_objects:
        delete_files_after_commit(media_files([media]))
        media.delete()
    created = []
    for media_form in formset.forms:
        media = media_form.instance
        if media_form in formset.deleted_forms or not media_form.has_changed():
            continue
        if media.pk is None:
            upload = media_form.cleaned_data["image"]
            upload.seek(0)
            created.append(
                add_product_image(
                    product_id=product.pk,
                    filename=upload.name,
                    data=upload.read(),
                    alt=media_form.cleaned_data.get("alt", ""),
                    position=media_form.cleaned_data.get("position"),
                )
            )
            continue
        if "image" in media_form.changed_data:
            stored = ProductMedia.objects.get(pk=media.pk)
            delete_files_after_commit(media_files([stored]))
        media.save()
        if "image" in media_form.changed_data:
            media.renditions = images.make_renditions(media_form.picture, original_name=media.image.name)
            media.save(update_fields=["renditions"])
    formset.new_objects = created  # what the admin's history message lists


def media_files(media: Iterable[ProductMedia]) -> list[str]:
    """Storage names of images and their renditions."""
    return [name for item in media for name in [item.image.name, *(r["name"] for r in item.renditions or [])] if name]


def delete_files_after_commit(names: list[str]) -> None:
    # After commit only: a rolled-back delete must not leave rows pointing at files that are gone.
    if names:
        transaction.on_commit(partial(_delete_files, list(names)))


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)
