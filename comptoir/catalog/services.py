"""Catalogue writes. Every change to what buyers see goes through here, so search stays in step and
`catalog.products_changed` is recorded for caches, feeds and webhooks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import nh3
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from comptoir.catalog import images, search
from comptoir.catalog.errors import InvalidProductError, ProductNotFoundError
from comptoir.catalog.kinds import ProductKind
from comptoir.catalog.models import (
    AttributeValue,
    Product,
    ProductChannelListing,
    ProductMedia,
    ProductStatus,
    Variant,
)
from comptoir.catalog.queries import forget_category_tree
from comptoir.core.events import record_event
from comptoir.core.models import Channel

# What a merchant may put in a product description: formatting, lists, links, tables; no scripts, no styles.
DESCRIPTION_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "s",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
    "small",
    "sub",
    "sup",
    "code",
    "pre",
}
DESCRIPTION_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}, "td": {"colspan", "rowspan"}}


def sanitize_description(html: str) -> str:
    """Keep the formatting of a rich description and drop anything that could run in a buyer's browser."""
    return nh3.clean(
        html or "",
        tags=DESCRIPTION_TAGS,
        attributes=DESCRIPTION_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
    )


def products_changed(product_ids: Sequence[int]) -> None:
    """Bring search and caches in step with products changed outside a service (admin, import).

    Call inside the transaction that changed them.
    """
    ids = sorted(set(product_ids))
    if not ids:
        return
    search.reindex_products(ids)
    record_event("catalog.products_changed", product_ids=ids)


def categories_changed() -> None:
    transaction.on_commit(forget_category_tree)
    record_event("catalog.categories_changed")


def unique_product_slug(name: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:200] or "product"
    slug, n = base, 1
    taken = Product.objects.exclude(pk=exclude_pk)
    while taken.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_product(
    *,
    name: str,
    kind: str = ProductKind.PHYSICAL,
    slug: str = "",
    description: str = "",
    category_id: int | None = None,
    brand_id: int | None = None,
    status: str = ProductStatus.DRAFT,
    channel_ids: Sequence[int] = (),
    attribute_value_ids: Sequence[int] = (),
    seo_title: str = "",
    seo_description: str = "",
    is_featured: bool = False,
) -> Product:
    """Create a product (without variants) listed in `channel_ids`. Raises InvalidProductError."""
    name = (name or "").strip()
    if not name:
        raise InvalidProductError(detail="A product needs a name.", errors=[{"field": "name", "message": "Required."}])
    if kind not in ProductKind.values:
        raise InvalidProductError(detail=f"Unknown product kind {kind!r}.", errors=[{"field": "kind"}])
    if status not in ProductStatus.values:
        raise InvalidProductError(detail=f"Unknown status {status!r}.", errors=[{"field": "status"}])
    with transaction.atomic():
        product = Product.objects.create(
            name=name,
            kind=kind,
            slug=slugify(slug) if slug else unique_product_slug(name),
            description=sanitize_description(description),
            category_id=category_id,
            brand_id=brand_id,
            status=status,
            published_from=timezone.now() if status == ProductStatus.PUBLISHED else None,
            seo_title=seo_title[:70],
            seo_description=seo_description[:160],
            is_featured=is_featured,
        )
        if attribute_value_ids:
            product.attribute_values.set(list(attribute_value_ids))
        ProductChannelListing.objects.bulk_create(
            [ProductChannelListing(product=product, channel_id=cid) for cid in sorted(set(channel_ids))]
        )
        products_changed([product.pk])
    return product


def add_variant(
    *,
    product_id: int,
    sku: str,
    name: str = "",
    gtin: str = "",
    option_value_ids: Sequence[int] = (),
    weight_grams: int | None = None,
    prices: Mapping[int, Decimal] | None = None,
    position: int = 0,
) -> Variant:
    """Add a variant and its prices per channel id (in each channel's currency)."""
    from comptoir.pricing.services import set_variant_prices

    sku = (sku or "").strip()
    if not sku:
        raise InvalidProductError(detail="A variant needs a SKU.", errors=[{"field": "sku"}])
    gtin = validate_gtin(gtin)
    with transaction.atomic():
        if not Product.objects.filter(pk=product_id).exists():
            raise ProductNotFoundError(data={"product_id": product_id})
        if Variant.objects.filter(sku=sku).exists():
            raise InvalidProductError(detail=f"SKU {sku} is already used.", errors=[{"field": "sku"}])
        variant = Variant.objects.create(
            product_id=product_id, sku=sku, name=name, gtin=gtin, weight_grams=weight_grams, position=position
        )
        if option_value_ids:
            variant.option_values.set(list(option_value_ids))
        if prices:
            set_variant_prices(variant_id=variant.pk, prices=prices)
        products_changed([product_id])
    return variant


def validate_gtin(gtin: str) -> str:
    """Check a GTIN-8/12/13/14 barcode's digits and check digit; '' means none."""
    from stdnum import ean
    from stdnum.exceptions import ValidationError

    gtin = (gtin or "").strip().replace(" ", "")
    if not gtin:
        return ""
    try:
        return ean.validate(gtin)
    except ValidationError as exc:
        raise InvalidProductError(
            detail=f"{gtin} is not a valid GTIN barcode.", errors=[{"field": "gtin", "message": str(exc)}]
        ) from exc


def add_product_image(
    *,
    product_id: int,
    filename: str,
    data: bytes,
    alt: str = "",
    position: int | None = None,
    variant_ids: Sequence[int] = (),
) -> ProductMedia:
    """Store an uploaded image with its WebP renditions. Refuses what is not an image; writes nothing then."""
    picture = images.open_checked(data)
    from django.core.files.base import ContentFile

    with transaction.atomic():
        product = Product.objects.filter(pk=product_id).first()
        if product is None:
            raise ProductNotFoundError(data={"product_id": product_id})
        if position is None:
            position = ProductMedia.objects.filter(product_id=product_id).count()
        media = ProductMedia(product=product, alt=alt[:200] or product.name, position=position)
        # Named: Django 6.1 reads width and height from the saved content, and a nameless file has none.
        media.image.save(filename, ContentFile(data, name=filename), save=False)
        media.renditions = images.make_renditions(picture, original_name=media.image.name)
        media.save()
        if variant_ids:
            media.variants.set(list(variant_ids))
        products_changed([product_id])
    return media


def set_products_status(*, product_ids: Sequence[int], status: str) -> int:
    """Publish, unpublish (draft) or archive products in bulk; returns how many changed."""
    if status not in ProductStatus.values:
        raise InvalidProductError(detail=f"Unknown status {status!r}.")
    ids = sorted(set(product_ids))
    with transaction.atomic():
        changed = Product.objects.filter(pk__in=ids).exclude(status=status)
        changed_ids = list(changed.values_list("pk", flat=True))
        update = {"status": status, "updated_at": timezone.now()}
        Product.objects.filter(pk__in=changed_ids).update(**update)
        if status == ProductStatus.PUBLISHED:
            Product.objects.filter(pk__in=changed_ids, published_from__isnull=True).update(
                published_from=timezone.now()
            )
        products_changed(changed_ids)
    return len(changed_ids)


def list_in_channels(*, product_ids: Sequence[int], channel_ids: Sequence[int]) -> None:
    """Offer products in channels (idempotent)."""
    with transaction.atomic():
        existing = set(
            ProductChannelListing.objects.filter(product_id__in=list(product_ids)).values_list(
                "product_id", "channel_id"
            )
        )
        ProductChannelListing.objects.bulk_create(
            [
                ProductChannelListing(product_id=pid, channel_id=cid)
                for pid in sorted(set(product_ids))
                for cid in sorted(set(channel_ids))
                if (pid, cid) not in existing
            ]
        )
        products_changed(list(product_ids))


__all__ = [
    "AttributeValue",
    "Channel",
    "add_product_image",
    "add_variant",
    "categories_changed",
    "create_product",
    "list_in_channels",
    "products_changed",
    "sanitize_description",
    "set_products_status",
    "validate_gtin",
]
