"""POST data for the admin's product page, as the browser sends it."""

from __future__ import annotations

from typing import Any

from comptoir.catalog.models import Product


def management(prefix: str, total: int, initial: int) -> dict[str, Any]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def product_form(
    product: Product | None = None,
    *,
    channels: list[int] = (),
    variants: list[dict[str, Any]] = (),
    media: list[dict[str, Any]] = (),
    **fields: Any,
) -> dict[str, Any]:
    """The product form's fields (from `product` when given), then `variants` and `media` inline rows.

    A variant row is a dict of its fields, with `id` for an existing variant; prices are `price_<channel id>`.
    """
    data: dict[str, Any] = {
        "name": product.name if product else "New product",
        "slug": product.slug if product else "new-product",
        "kind": product.kind if product else "physical",
        "category": (product.category_id or "") if product else "",
        "brand": (product.brand_id or "") if product else "",
        "description": product.description if product else "",
        "status": product.status if product else "draft",
        "published_from_0": "",
        "published_from_1": "",
        "published_until_0": "",
        "published_until_1": "",
        "seo_title": "",
        "seo_description": "",
        "channels": [str(c) for c in channels],
    }
    data.update(fields)
    existing_variants = sum(1 for v in variants if v.get("id"))
    data.update(management("variants", len(variants), existing_variants))
    for i, row in enumerate(variants):
        row = {"position": 0, "product": product.pk if product else "", **row}
        for name, value in row.items():
            data[f"variants-{i}-{name}"] = value
    existing_media = sum(1 for m in media if m.get("id"))
    data.update(management("media", len(media), existing_media))
    for i, row in enumerate(media):
        row = {"position": 0, "product": product.pk if product else "", **row}
        for name, value in row.items():
            data[f"media-{i}-{name}"] = value
    return data
