"""Reading what a buyer asked for from the query string.

Listing and product URLs are typed, shared and crawled by anyone, so nothing here raises: a malformed,
negative or absurd value is ignored or clamped, and an unknown filter is dropped rather than turned into
a filter that matches nothing (a `?utm_source=` must not empty a category).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.http import QueryDict

from comptoir.catalog.queries import SORTS, Facet, Facets, ListingFilters, ProductDetail, VariantView

LISTING_SORTS = ("newest", "price_asc", "price_desc", "name")
SEARCH_SORTS = ("relevance", *LISTING_SORTS)
PER_PAGE_CHOICES = (24, 48, 96)
MAX_PAGE = 10_000  # deeper than any real shop; keeps OFFSET (and the page number we echo) bounded
MAX_PRICE = Decimal(10) ** 9
MAX_VALUES_PER_FILTER = 50
MAX_QUERY_LENGTH = 200
# Query keys of the listing itself: an attribute whose slug is one of these cannot be offered as a filter.
RESERVED_KEYS = frozenset({"page", "per_page", "sort", "brand", "price_min", "price_max", "in_stock", "q", "variant"})


@dataclass(frozen=True, slots=True)
class ListingQuery:
    """A listing request, cleaned: every field is safe to hand to catalog.queries."""

    page: int = 1
    per_page: int = 24
    sort: str = "newest"
    brands: tuple[str, ...] = ()
    attribute_values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    in_stock_only: bool = False

    @property
    def is_filtered(self) -> bool:
        return bool(
            self.brands
            or self.attribute_values
            or self.price_min is not None
            or self.price_max is not None
            or self.in_stock_only
        )

    def filters(self, base: ListingFilters) -> ListingFilters:
        """`base` (the category, collection or search results) narrowed by this query."""
        return ListingFilters(
            category_id=base.category_id,
            collection_id=base.collection_id,
            product_ids=base.product_ids,
            brand_slugs=self.brands,
            attribute_values=dict(self.attribute_values),
            price_min=self.price_min,
            price_max=self.price_max,
            in_stock_only=self.in_stock_only,
        )


def parse_int(raw: str | None, *, default: int, low: int, high: int) -> int:
    """An integer clamped to [low, high]; `default` when missing or not a number."""
    raw = (raw or "").strip()
    if not raw or not raw.isascii() or not raw.isdigit():
        return default
    if len(raw) > 18:  # far past any bound we clamp to; spares int() a megabyte of digits
        return high
    return min(max(int(raw), low), high)


def parse_price(raw: str | None) -> Decimal | None:
    """A non-negative amount with at most cents, or None for anything else (text, NaN, Infinity, negative)."""
    raw = (raw or "").strip().replace(",", ".")
    if not raw or len(raw) > 20:
        return None
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0:
        return None
    return min(amount, MAX_PRICE).quantize(Decimal("0.01"))


def _picked(query: QueryDict, key: str, allowed: set[str]) -> tuple[str, ...]:
    values = []
    for value in query.getlist(key)[:MAX_VALUES_PER_FILTER]:
        if value in allowed and value not in values:
            values.append(value)
    return tuple(values)


def filterable(facets: Facets) -> list[Facet]:
    """The attribute facets a listing can offer (their slug does not clash with the listing's own keys)."""
    return [facet for facet in facets.attributes if facet.slug not in RESERVED_KEYS]


def parse_listing_query(query: QueryDict, *, facets: Facets, sorts: tuple[str, ...] = LISTING_SORTS) -> ListingQuery:
    """Clean a listing's query string against the filters it offers (`facets`)."""
    default_per_page = settings.COMPTOIR.get("PRODUCTS_PER_PAGE", PER_PAGE_CHOICES[0])
    max_per_page = settings.COMPTOIR.get("MAX_PRODUCTS_PER_PAGE", PER_PAGE_CHOICES[-1])
    sort = query.get("sort", "")
    attribute_values = {}
    for facet in filterable(facets):
        picked = _picked(query, facet.slug, {value.slug for value in facet.values})
        if picked:
            attribute_values[facet.slug] = picked
    price_min, price_max = parse_price(query.get("price_min")), parse_price(query.get("price_max"))
    if price_min is not None and price_max is not None and price_min > price_max:
        price_min, price_max = price_max, price_min  # a buyer who typed them backwards meant the range
    return ListingQuery(
        page=parse_int(query.get("page"), default=1, low=1, high=MAX_PAGE),
        per_page=parse_int(query.get("per_page"), default=default_per_page, low=1, high=max_per_page),
        sort=sort if sort in sorts and sort in SORTS else sorts[0],
        brands=_picked(query, "brand", {brand.slug for brand in facets.brands}),
        attribute_values=attribute_values,
        price_min=price_min,
        price_max=price_max,
        in_stock_only=query.get("in_stock") in {"1", "on", "true"},
    )


def parse_search_text(query: QueryDict) -> str:
    return " ".join((query.get("q") or "").split())[:MAX_QUERY_LENGTH]


# ---------------------------------------------------------------------------------------------------
# Variant picker.


@dataclass(frozen=True, slots=True)
class VariantSelection:
    """What the picker shows: the chosen option values, the variants still matching, and the one chosen.

    `variant` is set when the choice names exactly one variant (always so for a single-variant product);
    `candidates` is empty when the combination does not exist.
    """

    chosen: dict[str, str]
    candidates: list[VariantView]
    variant: VariantView | None

    @property
    def unavailable(self) -> bool:
        return not self.candidates


def choose_variant(detail: ProductDetail, query: QueryDict) -> VariantSelection:
    """The variant named by `?variant=<id>`, else by `?<option>=<value>` pairs (unknown ones ignored)."""
    variant_id = parse_int(query.get("variant"), default=0, low=0, high=2**62)
    by_id = {variant.id: variant for variant in detail.variants}
    if variant_id in by_id:
        variant = by_id[variant_id]
        return VariantSelection(chosen=dict(variant.options), candidates=[variant], variant=variant)
    chosen = {}
    for option in detail.options:
        value = query.get(option.slug)
        if value is not None and any(choice.slug == value for choice in option.choices):
            chosen[option.slug] = value
    candidates = [v for v in detail.variants if all(v.options.get(k) == value for k, value in chosen.items())]
    variant = candidates[0] if len(candidates) == 1 else None
    if variant is not None:
        chosen = dict(variant.options)
    return VariantSelection(chosen=chosen, candidates=candidates, variant=variant)
