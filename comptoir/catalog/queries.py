"""Catalogue reads for the storefront and the API.

Every function here fetches what it returns in a fixed number of queries, whatever the number of products
on a page: the listing is a count, one page query (price and stock as annotations) and one query for images;
the product page is a handful of queries whatever its number of variants. Tests pin these counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db.models import (
    Case,
    Exists,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from comptoir.catalog.errors import ProductNotFoundError
from comptoir.catalog.images import ImageInfo, image_info
from comptoir.catalog.kinds import KIND_RULES
from comptoir.catalog.models import (
    AttributeValue,
    Category,
    Collection,
    CollectionProduct,
    Product,
    ProductMedia,
    ProductStatus,
    Variant,
)
from comptoir.core.models import Channel
from comptoir.core.money import Money
from comptoir.inventory.queries import (
    FREE,
    LOW_STOCK_THRESHOLD,
    ON_SHELF,
    StockStatus,
    VariantStock,
    best_status,
    location_ids_for_channel,
    stock_by_variant,
    stock_status,
)
from comptoir.pricing.models import VariantPrice

# ---------------------------------------------------------------------------------------------------
# Category tree: a few dozen rows, read whole and cached; `forget_category_tree()` after any change.

CATEGORY_TREE_CACHE_KEY = "catalog:category-tree:v1"


@dataclass(frozen=True, slots=True)
class CategoryNode:
    id: int
    slug: str
    name: str
    parent_id: int | None
    position: int
    description: str = ""
    seo_title: str = ""
    seo_description: str = ""
    children: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class CategoryTree:
    nodes: dict[int, CategoryNode]
    by_slug: dict[str, int]
    roots: tuple[int, ...]

    def get(self, slug: str) -> CategoryNode | None:
        node_id = self.by_slug.get(slug)
        return self.nodes[node_id] if node_id is not None else None

    def ancestors(self, node_id: int) -> list[CategoryNode]:
        """From the root down to the node's parent (breadcrumbs)."""
        chain: list[CategoryNode] = []
        seen: set[int] = set()
        parent_id = self.nodes[node_id].parent_id
        while parent_id is not None and parent_id not in seen:
            seen.add(parent_id)
            chain.append(self.nodes[parent_id])
            parent_id = self.nodes[parent_id].parent_id
        return list(reversed(chain))

    def descendant_ids(self, node_id: int) -> list[int]:
        """The node and everything below it."""
        ids, stack = [], [node_id]
        while stack:
            current = stack.pop()
            if current in ids:
                continue
            ids.append(current)
            stack.extend(self.nodes[current].children)
        return ids

    def children_of(self, node_id: int | None) -> list[CategoryNode]:
        ids = self.roots if node_id is None else self.nodes[node_id].children
        return [self.nodes[i] for i in ids]


def category_tree() -> CategoryTree:
    tree = cache.get(CATEGORY_TREE_CACHE_KEY)
    if tree is None:
        rows = list(Category.objects.order_by("position", "name"))
        children: dict[int | None, list[int]] = {}
        for row in rows:
            children.setdefault(row.parent_id, []).append(row.pk)
        nodes = {
            row.pk: CategoryNode(
                id=row.pk,
                slug=row.slug,
                name=row.name,
                parent_id=row.parent_id,
                position=row.position,
                description=row.description,
                seo_title=row.seo_title,
                seo_description=row.seo_description,
                children=tuple(children.get(row.pk, ())),
            )
            for row in rows
        }
        tree = CategoryTree(
            nodes=nodes, by_slug={n.slug: n.id for n in nodes.values()}, roots=tuple(children.get(None, ()))
        )
        cache.set(CATEGORY_TREE_CACHE_KEY, tree, 3600)
    return tree


def forget_category_tree() -> None:
    cache.delete(CATEGORY_TREE_CACHE_KEY)


# ---------------------------------------------------------------------------------------------------
# Visibility, listing filters and sorting.


def visible_products(channel: Channel, *, now=None) -> QuerySet[Product]:
    """Products a buyer may see in `channel` now: published, inside their dates, listed and priced there."""
    now = now or timezone.now()
    return Product.objects.filter(
        Q(published_from__isnull=True) | Q(published_from__lte=now),
        Q(published_until__isnull=True) | Q(published_until__gt=now),
        status=ProductStatus.PUBLISHED,
        channel_listings__channel=channel,
        channel_listings__is_visible=True,
    ).filter(Exists(VariantPrice.objects.filter(channel=channel, variant__product=OuterRef("pk"))))


SORTS: dict[str, tuple[str, ...]] = {
    "relevance": (),  # search results keep the search backend's ranking; elsewhere same as newest
    "newest": ("-created_at", "-pk"),
    "price_asc": ("min_price", "pk"),
    "price_desc": ("-min_price", "-pk"),
    "name": ("name", "pk"),
}
DEFAULT_SORT = "newest"

_STOCKLESS_KINDS = [kind for kind, rules in KIND_RULES.items() if not rules.tracks_stock]


@dataclass(frozen=True, slots=True)
class ListingFilters:
    """What a buyer narrowed a listing to. Unknown slugs simply match nothing."""

    category_id: int | None = None
    collection_id: int | None = None
    brand_slugs: tuple[str, ...] = ()
    attribute_values: dict[str, tuple[str, ...]] = field(default_factory=dict)  # attribute slug -> value slugs
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    in_stock_only: bool = False
    product_ids: tuple[int, ...] | None = None  # e.g. search results, in rank order


def _annotated(channel: Channel, queryset: QuerySet[Product]) -> QuerySet[Product]:
    """Add the channel's cheapest price and the product's stock to each row, as subqueries of one query."""
    from comptoir.inventory.models import StockLevel, StockPolicy  # inventory sits beside catalog

    prices = VariantPrice.objects.filter(channel=channel, variant__product=OuterRef("pk"))
    levels = StockLevel.objects.filter(
        variant__product=OuterRef("pk"), location_id__in=location_ids_for_channel(channel.pk)
    ).order_by()

    def stock_sum(expression):
        summed = levels.values("variant__product").annotate(total=Sum(expression)).values("total")
        return Coalesce(Subquery(summed, output_field=IntegerField()), Value(0))

    policy = StockPolicy.objects.filter(variant__product=OuterRef("pk")).exclude(oversell="none").order_by("pk")
    return queryset.annotate(
        min_price=Subquery(prices.order_by("amount").values("amount")[:1]),
        min_price_currency=Subquery(prices.order_by("amount").values("currency")[:1]),
        compare_at_price=Subquery(prices.order_by("amount").values("compare_at_amount")[:1]),
        stock_available=stock_sum(FREE),
        stock_on_shelf=stock_sum(ON_SHELF),
        stock_oversell=Subquery(policy.values("oversell")[:1]),
        stock_expected_on=Subquery(policy.values("expected_on")[:1]),
    )


def product_listing(
    *, channel: Channel, filters: ListingFilters = ListingFilters(), sort: str = DEFAULT_SORT
) -> QuerySet[Product]:
    """The products of a listing, annotated with `min_price`, `compare_at_price` and `stock_available`.

    Returns a QuerySet so the caller can paginate it (page numbers or cursors); turn a page into cards
    with `product_cards()`. An unknown `sort` falls back to the default.
    """
    queryset = _annotated(channel, visible_products(channel))
    if filters.category_id is not None:
        tree = category_tree()
        ids = tree.descendant_ids(filters.category_id) if filters.category_id in tree.nodes else []
        queryset = queryset.filter(category_id__in=ids)
    if filters.collection_id is not None:
        queryset = queryset.filter(collections__id=filters.collection_id)
    if filters.brand_slugs:
        queryset = queryset.filter(brand__slug__in=list(filters.brand_slugs))
    for attribute_slug, value_slugs in filters.attribute_values.items():
        if not value_slugs:
            continue
        values = AttributeValue.objects.filter(attribute__slug=attribute_slug, slug__in=list(value_slugs))
        queryset = queryset.filter(
            Exists(values.filter(products=OuterRef("pk"))) | Exists(values.filter(variants__product=OuterRef("pk")))
        )
    if filters.price_min is not None:
        queryset = queryset.filter(min_price__gte=filters.price_min)
    if filters.price_max is not None:
        queryset = queryset.filter(min_price__lte=filters.price_max)
    if filters.in_stock_only:
        queryset = queryset.filter(Q(kind__in=_STOCKLESS_KINDS) | Q(stock_available__gt=0))
    if filters.product_ids is not None:
        ids = list(filters.product_ids)
        queryset = queryset.filter(pk__in=ids)
        if sort == "relevance" or sort not in SORTS:
            rank = Case(*[When(pk=pk, then=Value(i)) for i, pk in enumerate(ids)], output_field=IntegerField())
            return queryset.annotate(search_rank=rank).order_by("search_rank", "pk")
    ordering = SORTS.get(sort) or SORTS[DEFAULT_SORT]
    return queryset.order_by(*ordering)


@dataclass(frozen=True, slots=True)
class ProductCard:
    id: int
    slug: str
    name: str
    kind: str
    brand_name: str
    price: Money | None
    compare_at: Money | None
    stock: StockStatus
    image: ImageInfo | None

    @property
    def on_sale(self) -> bool:
        return self.compare_at is not None and self.price is not None and self.compare_at > self.price


def product_cards(products: Sequence[Product]) -> list[ProductCard]:
    """Cards for a page of `product_listing()` rows: one more query, for the first image of each."""
    products = list(products)
    ids = [p.pk for p in products]
    first_images: dict[int, ProductMedia] = {}
    for media in ProductMedia.objects.filter(product_id__in=ids).order_by("product_id", "position", "pk"):
        first_images.setdefault(media.product_id, media)
    cards = []
    for product in products:
        currency = product.min_price_currency
        media = first_images.get(product.pk)
        tracks = KIND_RULES[product.kind].tracks_stock
        cards.append(
            ProductCard(
                id=product.pk,
                slug=product.slug,
                name=product.name,
                kind=product.kind,
                brand_name=product.brand.name if product.brand_id and _brand_loaded(product) else "",
                price=Money(product.min_price, currency).quantize() if currency else None,
                compare_at=Money(product.compare_at_price, currency).quantize()
                if currency and product.compare_at_price is not None
                else None,
                stock=stock_status(
                    product.stock_available,
                    tracks_stock=tracks,
                    on_shelf=product.stock_on_shelf,
                    oversell=product.stock_oversell or "none",
                    expected_on=product.stock_expected_on,
                ),
                image=image_info(media) if media else None,
            )
        )
    return cards


def _brand_loaded(product: Product) -> bool:
    return "brand" in product._state.fields_cache


@dataclass(frozen=True, slots=True)
class ListingPage:
    cards: list[ProductCard]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def list_product_page(
    *,
    channel: Channel,
    filters: ListingFilters = ListingFilters(),
    sort: str = DEFAULT_SORT,
    page: int = 1,
    per_page: int = 24,
) -> ListingPage:
    """One numbered page of a listing: three queries (count, page with brands, first images)."""
    queryset = product_listing(channel=channel, filters=filters, sort=sort)
    total = queryset.count()
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    start = (page - 1) * per_page
    rows = list(queryset.select_related("brand")[start : start + per_page])
    return ListingPage(cards=product_cards(rows), total=total, page=page, per_page=per_page)


# ---------------------------------------------------------------------------------------------------
# Facets: what a listing can be narrowed by.


@dataclass(frozen=True, slots=True)
class FacetValue:
    slug: str
    name: str
    swatch: str


@dataclass(frozen=True, slots=True)
class Facet:
    slug: str
    name: str
    values: list[FacetValue]


@dataclass(frozen=True, slots=True)
class Facets:
    attributes: list[Facet]
    brands: list[FacetValue]
    price_min: Decimal | None
    price_max: Decimal | None


def listing_facets(*, channel: Channel, filters: ListingFilters) -> Facets:
    """Filters on offer for a listing's base set (its category, collection or search): three queries."""
    base = product_listing(
        channel=channel,
        filters=ListingFilters(
            category_id=filters.category_id, collection_id=filters.collection_id, product_ids=filters.product_ids
        ),
    ).order_by()
    base_ids = base.values("pk")
    values = (
        AttributeValue.objects.filter(attribute__is_filterable=True)
        .filter(Q(products__in=base_ids) | Q(variants__product__in=base_ids))
        .select_related("attribute")
        .order_by("attribute__position", "attribute__name", "position", "name")
        .distinct()
    )
    facets: dict[int, Facet] = {}
    for value in values:
        facet = facets.get(value.attribute_id)
        if facet is None:
            facet = facets[value.attribute_id] = Facet(value.attribute.slug, value.attribute.name, [])
        facet.values.append(FacetValue(value.slug, value.name, value.swatch))
    bounds = base.aggregate(low=Min("min_price"), high=Max("min_price"))
    brands = [
        FacetValue(slug, name, "")
        for slug, name in base.filter(brand__isnull=False)
        .values_list("brand__slug", "brand__name")
        .order_by("brand__name")
        .distinct()
    ]
    return Facets(list(facets.values()), brands, bounds["low"], bounds["high"])


# ---------------------------------------------------------------------------------------------------
# Product page.


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


# ---------------------------------------------------------------------------------------------------
# Collections (home page).


@dataclass(frozen=True, slots=True)
class CollectionShelf:
    id: int
    slug: str
    name: str
    description: str
    cards: list[ProductCard]


def list_featured_collections(*, channel: Channel, products_per_collection: int = 8) -> list[CollectionShelf]:
    """Featured collections with their first visible products, for the home page.

    Four queries whatever the number of collections: collections, memberships, products, images.
    """
    collections = list(Collection.objects.filter(is_featured=True, is_published=True).order_by("position", "pk"))
    if not collections:
        return []
    memberships = CollectionProduct.objects.filter(
        collection__in=[c.pk for c in collections], product__in=visible_products(channel).values("pk")
    ).order_by("collection_id", "position", "pk")
    by_collection: dict[int, list[int]] = {c.pk: [] for c in collections}
    for collection_id, product_id in memberships.values_list("collection_id", "product_id"):
        shelf = by_collection[collection_id]
        if len(shelf) < products_per_collection:
            shelf.append(product_id)
    wanted = sorted({pid for shelf in by_collection.values() for pid in shelf})
    products = list(_annotated(channel, Product.objects.filter(pk__in=wanted)).select_related("brand"))
    cards = {card.id: card for card in product_cards(products)}
    return [
        CollectionShelf(c.pk, c.slug, c.name, c.description, [cards[pid] for pid in by_collection[c.pk]])
        for c in collections
        if by_collection[c.pk]
    ]


def get_collection(slug: str) -> Collection:
    collection = Collection.objects.filter(slug=slug, is_published=True).first()
    if collection is None:
        raise ProductNotFoundError(detail="No such collection.", data={"collection": slug})
    return collection


def products_for_sitemap(channel: Channel) -> Iterable[tuple[str, object]]:
    """(slug, updated_at) of every visible product, streamed for sitemap.xml."""
    return visible_products(channel).order_by("pk").values_list("slug", "updated_at").iterator(chunk_size=2000)


def collections_for_sitemap() -> list[str]:
    """Slugs of the published collections, for sitemap.xml: one query."""
    return list(Collection.objects.filter(is_published=True).order_by("position", "pk").values_list("slug", flat=True))


__all__ = [
    "LOW_STOCK_THRESHOLD",
    "CategoryNode",
    "CategoryTree",
    "ListingFilters",
    "ListingPage",
    "ProductCard",
    "ProductDetail",
    "category_tree",
    "get_product_detail",
    "list_featured_collections",
    "list_product_page",
    "listing_facets",
    "product_cards",
    "product_listing",
]


def list_published_collections() -> list[Collection]:
    """Published collections in the merchant's order: one query."""
    return list(Collection.objects.filter(is_published=True).order_by("position", "name", "pk"))
