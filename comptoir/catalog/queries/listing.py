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


def _listed(channel: Channel, now, product: str = "") -> Q:
    """Published, inside its dates and listed in `channel`: the product reached through `product` (a lookup
    path ending in "__", or "" for the product itself)."""
    return Q(
        Q(**{f"{product}published_from__isnull": True}) | Q(**{f"{product}published_from__lte": now}),
        Q(**{f"{product}published_until__isnull": True}) | Q(**{f"{product}published_until__gt": now}),
        **{
            f"{product}status": ProductStatus.PUBLISHED,
            f"{product}channel_listings__channel": channel,
            f"{product}channel_listings__is_visible": True,
        },
    )


def visible_products(channel: Channel, *, now=None) -> QuerySet[Product]:
    """Products a buyer may see in `channel` now: published, inside their dates, listed and priced there."""
    now = now or timezone.now()
    return Product.objects.filter(_listed(channel, now)).filter(
        Exists(VariantPrice.objects.filter(channel=channel, variant__product=OuterRef("pk")))
    )


def sellable_prices(channel: Channel, variant_ids: Sequence[int], *, now=None) -> dict[int, Decimal]:
    """Today's price in `channel` of each of these variants whose product `visible_products` shows there (a
    variant missing from the answer is not for sale). One query: the price row itself is the "priced there"."""
    now = now or timezone.now()
    rows = VariantPrice.objects.filter(_listed(channel, now, "variant__product__"), channel=channel)
    return dict(rows.filter(variant_id__in=variant_ids).values_list("variant_id", "amount"))


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


def _cheapest(channel: Channel, column: str) -> Subquery:
    """A column of the product's cheapest price row in `channel`, as a subquery."""
    prices = VariantPrice.objects.filter(channel=channel, variant__product=OuterRef("pk")).order_by("amount", "pk")
    return Subquery(prices.values(column)[:1])


def _stock_sum(channel: Channel, expression) -> Coalesce:
    """The product's stock over the channel's locations (FREE or ON_SHELF units), as a subquery."""
    from comptoir.inventory.models import StockLevel  # inventory sits beside catalog

    levels = StockLevel.objects.filter(
        variant__product=OuterRef("pk"), location_id__in=location_ids_for_channel(channel.pk)
    ).order_by()
    summed = levels.values("variant__product").annotate(total=Sum(expression)).values("total")
    return Coalesce(Subquery(summed, output_field=IntegerField()), Value(0))


def _annotated(channel: Channel, queryset: QuerySet[Product]) -> QuerySet[Product]:
    """Everything a card shows: the channel's cheapest price and the product's stock, as subqueries.

    Seven correlated subqueries per row: only for the rows of one page, never for a whole listing.
    """
    from comptoir.inventory.models import StockPolicy

    policy = StockPolicy.objects.filter(variant__product=OuterRef("pk")).exclude(oversell="none").order_by("pk")
    return queryset.annotate(
        min_price=_cheapest(channel, "amount"),
        min_price_currency=Value(channel.currency),  # prices are in the channel's currency (pricing.services)
        compare_at_price=_cheapest(channel, "compare_at_amount"),
        stock_available=_stock_sum(channel, FREE),
        stock_on_shelf=_stock_sum(channel, ON_SHELF),
        stock_oversell=Subquery(policy.values("oversell")[:1]),
        stock_expected_on=Subquery(policy.values("expected_on")[:1]),
    )


def product_listing(
    *, channel: Channel, filters: ListingFilters = ListingFilters(), sort: str = DEFAULT_SORT
) -> QuerySet[Product]:
    """The products of a listing, filtered and sorted.

    Rows carry only what filtering and sorting need (`min_price` for price sorts and filters, `search_rank`
    for relevance), so counting and sorting a large category stays cheap; turn a page of rows into cards
    with `product_cards()`. Returns a QuerySet so the caller can paginate it (page numbers or cursors).
    An unknown `sort` falls back to the default.
    """
    queryset = visible_products(channel)
    if sort in ("price_asc", "price_desc") or filters.price_min is not None or filters.price_max is not None:
        queryset = queryset.annotate(min_price=_cheapest(channel, "amount"))
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
        queryset = queryset.annotate(stock_available=_stock_sum(channel, FREE)).filter(
            Q(kind__in=_STOCKLESS_KINDS) | Q(stock_available__gt=0)
        )
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
    tax_class: str
    brand_name: str
    brand_slug: str
    price: Money | None
    compare_at: Money | None
    stock: StockStatus
    image: ImageInfo | None

    @property
    def on_sale(self) -> bool:
        return self.compare_at is not None and self.price is not None and self.compare_at > self.price


def product_cards(*, channel: Channel, product_ids: Sequence[int]) -> list[ProductCard]:
    """Cards for these products, in the order given: two queries (prices, stock and brands; first images).

    Ids of products no longer visible are skipped.
    """
    ids = list(product_ids)
    rows = {p.pk: p for p in _annotated(channel, Product.objects.filter(pk__in=ids)).select_related("brand")}
    first_images: dict[int, ProductMedia] = {}
    for media in ProductMedia.objects.filter(product_id__in=ids).order_by("product_id", "position", "pk"):
        first_images.setdefault(media.product_id, media)
    cards = []
    for product in (rows[pk] for pk in ids if pk in rows):
        currency = product.min_price_currency
        media = first_images.get(product.pk)
        cards.append(
            ProductCard(
                id=product.pk,
                slug=product.slug,
                name=product.name,
                kind=product.kind,
                tax_class=product.tax_class,
                brand_name=product.brand.name if product.brand else "",
                brand_slug=product.brand.slug if product.brand else "",
                price=Money(product.min_price, currency).quantize() if currency else None,
                compare_at=Money(product.compare_at_price, currency).quantize()
                if currency and product.compare_at_price is not None
                else None,
                stock=stock_status(
                    product.stock_available,
                    tracks_stock=KIND_RULES[product.kind].tracks_stock,
                    on_shelf=product.stock_on_shelf,
                    oversell=product.stock_oversell or "none",
                    expected_on=product.stock_expected_on,
                ),
                image=image_info(media) if media else None,
            )
        )
    return cards


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
    """One numbered page of a listing: four queries (count, the page's ids, their cards, first images)."""
    queryset = product_listing(channel=channel, filters=filters, sort=sort)
    total = queryset.count()
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    start = (page - 1) * per_page
    ids = list(queryset.values_list("pk", flat=True)[start : start + per_page])
    return ListingPage(cards=product_cards(channel=channel, product_ids=ids), total=total, page=page, per_page=per_page)


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
    # Bounds straight from the price table: no per-product subquery over the whole listing.
    bounds = VariantPrice.objects.filter(channel=channel, variant__product__in=base_ids).aggregate(
        low=Min("amount"), high=Max("amount")
    )
    brands = [
        FacetValue(slug, name, "")
        for slug, name in base.filter(brand__isnull=False)
        .values_list("brand__slug", "brand__name")
        .order_by("brand__name")
        .distinct()
    ]
    return Facets(list(facets.values()), brands, bounds["low"], bounds["high"])
