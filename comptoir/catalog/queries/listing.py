"""Listings: which products a buyer sees in a channel, narrowed, sorted and turned into cards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    Exists,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from comptoir.catalog.images import ImageInfo, image_info
from comptoir.catalog.kinds import KIND_RULES
from comptoir.catalog.models import (
    AttributeValue,
    Product,
    ProductMedia,
    ProductStatus,
)
from comptoir.catalog.queries.categories import category_tree
from comptoir.core.models import Channel
from comptoir.core.money import Money
from comptoir.inventory.queries import (
    FREE,
    ON_SHELF,
    StockStatus,
    location_ids_for_channel,
    stock_status,
)
from comptoir.pricing.models import VariantPrice


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
