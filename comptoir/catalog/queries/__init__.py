"""Catalogue reads for the storefront and the API.

Every function here fetches what it returns in a fixed number of queries, whatever the number of products
on a page: the listing is a count, one page query (price and stock as annotations) and one query for images;
the product page is a handful of queries whatever its number of variants. Tests pin these counts.
"""

from comptoir.catalog.queries.categories import (
    CATEGORY_TREE_CACHE_KEY,
    CategoryNode,
    CategoryTree,
    category_tree,
    forget_category_tree,
)
from comptoir.catalog.queries.collections import (
    CollectionShelf,
    collections_for_sitemap,
    get_collection,
    list_featured_collections,
    list_published_collections,
    products_for_sitemap,
)
from comptoir.catalog.queries.listing import (
    DEFAULT_SORT,
    SORTS,
    Facet,
    Facets,
    FacetValue,
    ListingFilters,
    ListingPage,
    ProductCard,
    list_product_page,
    listing_facets,
    product_cards,
    product_listing,
    visible_products,
)
from comptoir.catalog.queries.product import (
    OptionChoice,
    ProductDetail,
    ProductOption,
    VariantBrief,
    VariantView,
    get_product_detail,
    get_variant_brief,
)
from comptoir.inventory.queries import LOW_STOCK_THRESHOLD

__all__ = [
    "CATEGORY_TREE_CACHE_KEY",
    "DEFAULT_SORT",
    "LOW_STOCK_THRESHOLD",
    "SORTS",
    "CategoryNode",
    "CategoryTree",
    "CollectionShelf",
    "Facet",
    "FacetValue",
    "Facets",
    "ListingFilters",
    "ListingPage",
    "OptionChoice",
    "ProductCard",
    "ProductDetail",
    "ProductOption",
    "VariantBrief",
    "VariantView",
    "category_tree",
    "collections_for_sitemap",
    "forget_category_tree",
    "get_collection",
    "get_product_detail",
    "get_variant_brief",
    "list_featured_collections",
    "list_product_page",
    "list_published_collections",
    "listing_facets",
    "product_cards",
    "product_listing",
    "products_for_sitemap",
    "visible_products",
]
