"""Product listings: a category (with everything below it), a collection, search results.

All three share one page: filters on the left (a plain GET form), results on the right. With htmx, the
form and the pagination ask for the results region only (`listing.html#results`).
"""

from __future__ import annotations

from dataclasses import replace

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from comptoir.catalog.errors import ProductNotFoundError
from comptoir.catalog.queries import (
    Facets,
    ListingFilters,
    category_tree,
    get_collection,
    list_product_page,
    listing_facets,
)
from comptoir.catalog.search import search_product_ids
from comptoir.core.cache_versions import CATALOG
from comptoir.core.models import Channel
from comptoir.storefront.caching import cached_fragment, fragment_key, public_page
from comptoir.storefront.forms import (
    LISTING_SORTS,
    PER_PAGE_CHOICES,
    SEARCH_SORTS,
    filterable,
    parse_listing_query,
    parse_search_text,
)
from comptoir.storefront.views._common import render_page, require_channel, shop_channel, wants_partial

TEMPLATE = "storefront/listing.html"
SEARCH_LIMIT = 500  # ranked ids fetched from the search backend; pages are cut from these
SORT_LABELS = {
    "relevance": _("Best match"),
    "newest": _("Newest"),
    "price_asc": _("Price: low to high"),
    "price_desc": _("Price: high to low"),
    "name": _("Name"),
}


def category(request: HttpRequest, slug: str) -> HttpResponse:
    channel = require_channel(request)
    tree = category_tree()
    node = tree.get(slug)
    if node is None:
        raise Http404("No such category.")
    context = {
        "kind": "category",
        "title": node.seo_title or node.name,
        "heading": node.name,
        "description": node.description,
        "meta_description": node.seo_description,
        "breadcrumbs": tree.ancestors(node.id),
        "subcategories": tree.children_of(node.id),
        "current_category": node.slug,
    }
    return _listing(request, channel, ListingFilters(category_id=node.id), context, sorts=LISTING_SORTS)


def collection(request: HttpRequest, slug: str) -> HttpResponse:
    channel = require_channel(request)
    try:
        found = get_collection(slug)
    except ProductNotFoundError as exc:
        raise Http404("No such collection.") from exc
    context = {
        "kind": "collection",
        "title": found.seo_title or found.name,
        "heading": found.name,
        "description": found.description,
        "meta_description": found.seo_description,
    }
    return _listing(request, channel, ListingFilters(collection_id=found.pk), context, sorts=LISTING_SORTS)


def search(request: HttpRequest) -> HttpResponse:
    text = parse_search_text(request.GET)
    context = {"kind": "search", "search_text": text, "noindex": True}
    channel = shop_channel(request)
    ids = search_product_ids(text, limit=SEARCH_LIMIT) if text and channel else []
    if not ids:
        # Nothing to list: skip the listing queries and offer a way on instead.
        context |= {"facets": Facets([], [], None, None), "listing": None, "query": None, "filter_groups": []}
        context["top_categories"] = category_tree().children_of(None)
        return public_page(render_page(request, TEMPLATE, context, partial="results"), tags=[CATALOG])
    return _listing(request, channel, ListingFilters(product_ids=tuple(ids)), context, sorts=SEARCH_SORTS)


def _filters_key(filters: ListingFilters) -> str:
    """The filters as a stable string (the attribute choices in a fixed order), for a fragment key."""
    attributes = sorted((slug, tuple(sorted(values))) for slug, values in filters.attribute_values.items())
    return repr((replace(filters, attribute_values={}), attributes))


def _listing(
    request: HttpRequest, channel: Channel, base: ListingFilters, context: dict, *, sorts: tuple[str, ...]
) -> HttpResponse:
    # The facets and the page of cards (seven queries and most of the work) are fragments until the catalogue
    # changes: a listing rendered anyway (a signed-in customer, a new filter combination) reuses them.
    language = get_language()
    facets = cached_fragment(
        fragment_key("facets", channel.pk, language, _filters_key(base)),
        lambda: listing_facets(channel=channel, filters=base),
        tags=[CATALOG],
    )
    query = parse_listing_query(request.GET, facets=facets, sorts=sorts)
    filters = query.filters(base)
    listing = cached_fragment(
        fragment_key("listing", channel.pk, language, _filters_key(filters), query.sort, query.page, query.per_page),
        lambda: list_product_page(
            channel=channel, filters=filters, sort=query.sort, page=query.page, per_page=query.per_page
        ),
        tags=[CATALOG],
    )
    context |= {
        "facets": facets,
        "query": query,
        "listing": listing,
        "sort_choices": [(sort, SORT_LABELS[sort]) for sort in sorts],
        "oob": wants_partial(request),
        "per_page_choices": sorted({*PER_PAGE_CHOICES, query.per_page}),
        "filter_groups": [
            (facet, [(value, value.slug in query.attribute_values.get(facet.slug, ())) for value in facet.values])
            for facet in filterable(facets)
        ],
        "brand_choices": [(brand, brand.slug in query.brands) for brand in facets.brands],
    }
    if context["kind"] != "search":
        page_suffix = f"?page={listing.page}" if listing.page > 1 else ""
        context["canonical_url"] = request.build_absolute_uri(request.path + page_suffix)
    return public_page(render_page(request, TEMPLATE, context, partial="results"), tags=[CATALOG])
