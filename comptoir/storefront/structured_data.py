"""schema.org Product data for search engines, as JSON-LD."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

from comptoir.catalog.images import ImageInfo
from comptoir.catalog.queries import ProductDetail, VariantView

if TYPE_CHECKING:
    from comptoir.storefront.forms import VariantSelection

SCHEMA = "https://schema.org/"
# Characters that could end the <script> element or open a comment inside it.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def _offer(request: HttpRequest, url: str, variant: VariantView) -> dict:
    offer = {
        "@type": "Offer",
        "sku": variant.sku,
        "price": str(variant.price.amount),
        "priceCurrency": variant.price.currency,
        "availability": variant.stock.schema_availability,
        "url": request.build_absolute_uri(f"{url}?variant={variant.id}"),
        "itemCondition": SCHEMA + "NewCondition",
    }
    if len(variant.gtin) == 13 and variant.gtin.isdigit():
        offer["gtin13"] = variant.gtin
    return offer


def product_json_ld(
    request: HttpRequest, detail: ProductDetail, *, images: list[ImageInfo], selection: VariantSelection
) -> SafeString:
    """The Product, one Offer per priced variant, ready to sit inside <script type="application/ld+json">."""
    url = reverse("storefront:product", kwargs={"slug": detail.slug})
    main = selection.variant or detail.default_variant()
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": detail.name,
        "url": request.build_absolute_uri(url),
        "description": strip_tags(detail.description).strip()[:5000],
    }
    if main is not None:
        data["sku"] = main.sku
        if len(main.gtin) == 13 and main.gtin.isdigit():
            data["gtin13"] = main.gtin
    if detail.brand_name:
        data["brand"] = {"@type": "Brand", "name": detail.brand_name}
    if images:
        data["image"] = [request.build_absolute_uri(image.url) for image in images if image.url]
    offers = [_offer(request, url, v) for v in detail.variants if v.price is not None]
    if offers:
        data["offers"] = offers[0] if len(offers) == 1 else offers
    # JSON is safe inside the script element once <, > and & are escaped; nothing else is interpreted there.
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES))
