"""The product page: a visible product with its variants, prices, stock and images."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    Prefetch,
)

from comptoir.catalog.errors import ProductNotFoundError
from comptoir.catalog.images import ImageInfo, image_info
from comptoir.catalog.kinds import KIND_RULES
from comptoir.catalog.models import (
    AttributeValue,
    ProductMedia,
    Variant,
)
from comptoir.catalog.queries.categories import CategoryNode, category_tree
from comptoir.catalog.queries.listing import visible_products
from comptoir.core.models import Channel
from comptoir.core.money import Money
from comptoir.inventory.queries import (
    LOW_STOCK_THRESHOLD,
    StockStatus,
    VariantStock,
    best_status,
    location_ids_for_channel,
    stock_by_variant,
    stock_status,
)
from comptoir.pricing.models import VariantPrice


@dataclass(frozen=True, slots=True)
class VariantView:
    id: int
    sku: str
    gtin: str
    name: str
    options: dict[str, str]  # attribute slug -> value slug
    price: Money | None
    compare_at: Money | None
    stock: StockStatus
    image_ids: tuple[int, ...]
    weight_grams: int | None


@dataclass(frozen=True, slots=True)
class OptionChoice:
    slug: str
    name: str
    swatch: str


@dataclass(frozen=True, slots=True)
class ProductOption:
    slug: str
    name: str
    choices: list[OptionChoice]


@dataclass(frozen=True, slots=True)
class ProductDetail:
    id: int
    slug: str
    name: str
    kind: str
    tax_class: str
    description: str
    seo_title: str
    seo_description: str
    brand_name: str
    brand_slug: str
    category: CategoryNode | None
    breadcrumbs: list[CategoryNode]
    attributes: list[tuple[str, str]]  # (attribute name, value names joined)
    options: list[ProductOption]
    variants: list[VariantView]
    images: list[tuple[int, ImageInfo]]  # (media id, image)
    currency: str
    updated_at: object

    @property
    def price_range(self) -> tuple[Money, Money] | None:
        prices = [v.price for v in self.variants if v.price is not None]
        return (min(prices), max(prices)) if prices else None

    @property
    def stock(self) -> StockStatus:
        """The best stock status among the variants (in stock if any variant is)."""
        return best_status(v.stock for v in self.variants)

    def default_variant(self) -> VariantView | None:
        """The first variant in stock, else the first variant."""
        for variant in self.variants:
            if variant.price is not None and variant.stock.purchasable:
                return variant
        return self.variants[0] if self.variants else None


def _variant_status(variant: Variant, stock: VariantStock | None, *, tracks_stock: bool) -> StockStatus:
    policy = getattr(variant, "stock_policy", None)
    return stock_status(
        stock.free if stock else 0,
        tracks_stock=tracks_stock,
        on_shelf=stock.on_shelf if stock else 0,
        oversell=policy.oversell if policy else "none",
        expected_on=policy.expected_on if policy else None,
        low_stock_threshold=policy.low_stock_threshold if policy else LOW_STOCK_THRESHOLD,
    )


def get_product_detail(*, channel: Channel, slug: str) -> ProductDetail:
    """A visible product with its variants, prices in `channel`, stock and images.

    Raises ProductNotFoundError for an unknown, unpublished or unlisted slug. Eight queries (nine on a cold
    cache), whatever the number of variants, images or attributes.
    """
    product = (
        visible_products(channel)
        .filter(slug=slug)
        .select_related("brand")
        .prefetch_related(
            Prefetch(
                "variants",
                queryset=Variant.objects.select_related("stock_policy")
                .order_by("position", "pk")
                .prefetch_related(
                    Prefetch("option_values", queryset=AttributeValue.objects.select_related("attribute"))
                ),
            ),
            Prefetch("attribute_values", queryset=AttributeValue.objects.select_related("attribute")),
            Prefetch("media", queryset=ProductMedia.objects.order_by("position", "pk").prefetch_related("variants")),
        )
        .first()
    )
    if product is None:
        raise ProductNotFoundError(data={"slug": slug})
    variants = list(product.variants.all())
    variant_ids = [v.pk for v in variants]
    prices = {p.variant_id: p for p in VariantPrice.objects.filter(channel=channel, variant_id__in=variant_ids)}
    stock = stock_by_variant(variant_ids, location_ids=location_ids_for_channel(channel.pk))
    tracks = KIND_RULES[product.kind].tracks_stock
    media = list(product.media.all())
    images_by_variant: dict[int, list[int]] = {}
    for item in media:
        for variant in item.variants.all():
            images_by_variant.setdefault(variant.pk, []).append(item.pk)

    options: dict[int, ProductOption] = {}
    variant_views = []
    for variant in variants:
        price = prices.get(variant.pk)
        chosen = {}
        for value in sorted(variant.option_values.all(), key=lambda v: (v.attribute.position, v.attribute.name)):
            option = options.get(value.attribute_id)
            if option is None:
                option = options[value.attribute_id] = ProductOption(value.attribute.slug, value.attribute.name, [])
            if all(choice.slug != value.slug for choice in option.choices):
                option.choices.append(OptionChoice(value.slug, value.name, value.swatch))
            chosen[value.attribute.slug] = value.slug
        variant_views.append(
            VariantView(
                id=variant.pk,
                sku=variant.sku,
                gtin=variant.gtin,
                name=variant.name,
                options=chosen,
                price=price.price if price else None,
                compare_at=price.compare_at if price else None,
                stock=_variant_status(variant, stock.get(variant.pk), tracks_stock=tracks),
                image_ids=tuple(images_by_variant.get(variant.pk, ())),
                weight_grams=variant.weight_grams,
            )
        )
    attributes: dict[str, list[str]] = {}
    for value in sorted(product.attribute_values.all(), key=lambda v: (v.attribute.position, v.position)):
        attributes.setdefault(value.attribute.name, []).append(value.name)
    tree = category_tree()
    category = tree.nodes.get(product.category_id) if product.category_id else None
    return ProductDetail(
        id=product.pk,
        slug=product.slug,
        name=product.name,
        kind=product.kind,
        tax_class=product.tax_class,
        description=product.description,
        seo_title=product.seo_title or product.name,
        seo_description=product.seo_description,
        brand_name=product.brand.name if product.brand else "",
        brand_slug=product.brand.slug if product.brand else "",
        category=category,
        breadcrumbs=[*tree.ancestors(category.id), category] if category else [],
        attributes=[(name, ", ".join(names)) for name, names in attributes.items()],
        options=list(options.values()),
        variants=variant_views,
        images=[(item.pk, image_info(item)) for item in media],
        currency=channel.currency,
        updated_at=product.updated_at,
    )


@dataclass(frozen=True, slots=True)
class VariantBrief:
    """One variant named for a buyer, outside its product page (store availability, ...)."""

    id: int
    sku: str
    label: str  # the variant's name, else its option values ("M / Red"), else its SKU
    product_name: str
    product_slug: str
    kind: str
    low_stock_threshold: int


def get_variant_brief(*, channel: Channel, variant_id: int) -> VariantBrief:
    """A variant of a product visible in `channel`. Raises ProductNotFoundError otherwise. Two queries."""
    variant = (
        Variant.objects.filter(pk=variant_id, product__in=visible_products(channel).values("pk"))
        .select_related("product", "stock_policy")
        .prefetch_related(Prefetch("option_values", queryset=AttributeValue.objects.select_related("attribute")))
        .first()
    )
    if variant is None:
        raise ProductNotFoundError(data={"variant_id": variant_id})
    values = sorted(variant.option_values.all(), key=lambda v: (v.attribute.position, v.attribute.name))
    policy = getattr(variant, "stock_policy", None)
    return VariantBrief(
        id=variant.pk,
        sku=variant.sku,
        label=variant.name or " / ".join(v.name for v in values) or variant.sku,
        product_name=variant.product.name,
        product_slug=variant.product.slug,
        kind=variant.product.kind,
        low_stock_threshold=policy.low_stock_threshold if policy else LOW_STOCK_THRESHOLD,
    )
