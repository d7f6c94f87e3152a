"""The product page and its variant picker.

Choosing an option is a GET of the same page (`?size=m&colour=navy` or `?variant=<id>`): without JavaScript
the page reloads with that variant; with htmx only the price/stock/SKU region, the gallery and the
click & collect line are swapped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from comptoir.catalog.errors import ProductNotFoundError
from comptoir.catalog.images import ImageInfo
from comptoir.catalog.queries import ProductDetail, get_product_detail
from comptoir.core.cache_versions import SITE, product_tag
from comptoir.core.models import Channel
from comptoir.core.money import Money
from comptoir.inventory.queries import PickupStore, StockStatus, best_status, list_pickup_stores
from comptoir.storefront.caching import cached_fragment, fragment_key, public_page
from comptoir.storefront.forms import VariantSelection, choose_variant
from comptoir.storefront.stores import collectable
from comptoir.storefront.structured_data import product_json_ld
from comptoir.storefront.views._common import render_page, require_channel, wants_partial
from comptoir.storefront.views.stores import Pickup, pickup_for

SWATCH = re.compile(r"#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3}")


@dataclass(frozen=True, slots=True)
class Summary:
    """The price block of the page for the current selection."""

    price: Money | None
    price_high: Money | None  # set when the matching variants span a range
    compare_at: Money | None
    stock: StockStatus | None
    sku: str
    unavailable: bool

    @property
    def on_sale(self) -> bool:
        return self.compare_at is not None and self.price is not None and self.compare_at > self.price


@dataclass(frozen=True, slots=True)
class PickerChoice:
    slug: str
    name: str
    swatch: str
    checked: bool


@dataclass(frozen=True, slots=True)
class PickerOption:
    slug: str
    name: str
    choices: list[PickerChoice]
    has_swatches: bool


def product(request: HttpRequest, slug: str) -> HttpResponse:
    channel = require_channel(request)
    try:
        detail = cached_fragment(
            fragment_key("product-detail", channel.pk, slug, get_language()),
            lambda: get_product_detail(channel=channel, slug=slug),
            tags=lambda found: [SITE, product_tag(found.id)],
        )
    except ProductNotFoundError as exc:
        raise Http404("No such product.") from exc
    selection = choose_variant(detail, request.GET)
    images = ordered_images(detail, selection)
    product_url = reverse("storefront:product", kwargs={"slug": detail.slug})
    context = {
        "product": detail,
        "selection": selection,
        "summary": summarise(selection),
        "picker": picker_options(detail, selection),
        "images": images,
        "product_url": product_url,
        "title": detail.seo_title,
        "meta_description": detail.seo_description or Truncator(strip_tags(detail.description)).chars(160),
        "canonical_url": request.build_absolute_uri(product_url),
        "og_image": request.build_absolute_uri(images[0].url) if images and images[0].url else "",
        "json_ld": product_json_ld(request, detail, images=images, selection=selection),
        "oob": wants_partial(request),
        "current_category": detail.category.slug if detail.category else "",
    }
    # The region exists whenever the channel has click & collect stores, so htmx always has a target for it.
    stores = list_pickup_stores(channel.pk) if collectable(detail.kind) else []
    context["pickup_region"] = bool(stores)
    context["pickup"] = pickup_of(request, channel, stores, detail, selection, product_url) if stores else None
    response = render_page(request, "storefront/product.html", context, partial="variant_update")
    patch_vary_headers(response, ["Cookie"])  # the buyer's store changes the pickup line
    # The pickup line says whether a store is open today: kept briefly, since the clock changes it too.
    seconds = settings.COMPTOIR.get("PAGE_CACHE_PICKUP_SECONDS", 60) if stores else None
    return public_page(response, tags=[SITE, product_tag(detail.id)], seconds=seconds)


def pickup_of(
    request: HttpRequest,
    channel: Channel,
    stores: list[PickupStore],
    detail: ProductDetail,
    selection: VariantSelection,
    product_url: str,
) -> Pickup | None:
    """The pickup line of the chosen variant, or of the default one before any choice; None while a partial
    choice (a size but no colour) names no single variant. One query."""
    variant = selection.variant or (None if selection.chosen else detail.default_variant())
    if variant is None or variant.price is None:
        return None
    next_url = f"{product_url}?variant={variant.id}"
    return pickup_for(request, channel, stores, variant_id=variant.id, next_url=next_url)


def summarise(selection: VariantSelection) -> Summary:
    """Price, stock and SKU of the chosen variant, or the range and best stock of those still matching."""
    variant = selection.variant
    if variant is not None:
        return Summary(
            price=variant.price,
            price_high=None,
            compare_at=variant.compare_at,
            stock=variant.stock,
            sku=variant.sku,
            unavailable=variant.price is None,
        )
    priced = [v for v in selection.candidates if v.price is not None]
    if not priced:
        return Summary(None, None, None, None, "", unavailable=True)
    low, high = min(v.price for v in priced), max(v.price for v in priced)
    stock = best_status(v.stock for v in priced)
    return Summary(low, high if high != low else None, None, stock, "", unavailable=False)


def picker_options(detail: ProductDetail, selection: VariantSelection) -> list[PickerOption]:
    """One group of radio buttons per option; variants told apart by no option are picked by name."""
    if not detail.options:
        if len(detail.variants) < 2:
            return []
        chosen_id = selection.variant.id if selection.variant else None
        choices = [PickerChoice(str(v.id), v.name or v.sku, "", v.id == chosen_id) for v in detail.variants]
        return [PickerOption("variant", str(_("Choose")), choices, has_swatches=False)]
    return [
        PickerOption(
            slug=option.slug,
            name=option.name,
            choices=[
                PickerChoice(c.slug, c.name, c.swatch, selection.chosen.get(option.slug) == c.slug)
                for c in option.choices
            ],
            has_swatches=all(SWATCH.fullmatch(c.swatch) for c in option.choices),
        )
        for option in detail.options
    ]


def ordered_images(detail: ProductDetail, selection: VariantSelection) -> list[ImageInfo]:
    """The product's images, the chosen variant's own first (it becomes the main image)."""
    own = set(selection.variant.image_ids) if selection.variant else set()
    first = [image for media_id, image in detail.images if media_id in own]
    rest = [image for media_id, image in detail.images if media_id not in own]
    return first + rest
