"""The shop's front door: `/` picks the buyer's language, `/<lang>/` shows the featured collections."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language, get_language_from_request, override

from comptoir.catalog.queries import category_tree, list_featured_collections
from comptoir.core.cache_versions import CATALOG
from comptoir.storefront.caching import cached_fragment, fragment_key, public_page
from comptoir.storefront.views._common import render_page, shop_channel

PRODUCTS_PER_SHELF = 8


def root(request: HttpRequest) -> HttpResponse:
    """Redirect `/` to the home page in the buyer's language (language cookie, else Accept-Language)."""
    with override(get_language_from_request(request)):
        response = HttpResponseRedirect(reverse("storefront:home"))
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    return response


def home(request: HttpRequest) -> HttpResponse:
    channel = shop_channel(request)
    # The shelves (four queries and most of the page's work) are kept as a fragment until the catalogue changes.
    shelves = (
        cached_fragment(
            fragment_key("home-shelves", channel.pk, get_language()),
            lambda: list_featured_collections(channel=channel, products_per_collection=PRODUCTS_PER_SHELF),
            tags=[CATALOG],
        )
        if channel
        else []
    )
    tree = category_tree()
    response = render_page(
        request,
        "storefront/home.html",
        {
            "shelves": shelves,
            "top_categories": tree.children_of(None),
            "shop_open": channel is not None,
            "canonical_url": request.build_absolute_uri(request.path),
        },
    )
    return public_page(response, tags=[CATALOG])
