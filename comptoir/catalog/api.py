"""Catalogue API: products, categories and collections, read-only, per sales channel.

Endpoints parse their parameters, call `catalog.queries`, and shape the answer; they read nothing else.
Listings are cursor-paginated (see comptoir.api.pagination). Every endpoint answers in a fixed number
of queries whatever the number of products, variants or categories; tests/api pins the counts.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from ninja import Field, Query, Router, Schema
from pydantic import ValidationInfo, field_validator

from comptoir.api.channels import CHANNEL_PARAM_DESCRIPTION, api_channel
from comptoir.api.pagination import keyset_page
from comptoir.api.schemas import ImageOut, MoneyOut, StockOut, image_out, money_out, stock_out
from comptoir.catalog import search
from comptoir.catalog.errors import CategoryNotFoundError, ProductNotFoundError
from comptoir.catalog.queries import (
    CategoryNode,
    CategoryTree,
    ListingFilters,
    category_tree,
    get_collection,
    get_product_detail,
    list_published_collections,
    product_cards,
    product_listing,
)
from comptoir.catalog.services import sanitize_description
from comptoir.core.errors import NotFoundError
from comptoir.core.models import Channel
from comptoir.taxes.api_shapes import TaxClassOut, tax_class_out

router = Router(tags=["catalogue"])

SEARCH_LIMIT = 500  # ranked search results a listing pages through
SortName = Literal["newest", "price_asc", "price_desc", "name", "relevance"]
_PRICE_CEILING = Decimal("999999999999")
TAX_CLASS_DESCRIPTION = "Which of each country's VAT or sales-tax rates the product takes (see docs/taxes.md)."


# --- Shapes -------------------------------------------------------------------------------------


class BrandOut(Schema):
    slug: str
    name: str


class ProductCardOut(Schema):
    id: int
    slug: str
    name: str
    kind: str
    tax_class: TaxClassOut = Field(description=TAX_CLASS_DESCRIPTION)
    brand: BrandOut | None
    price: MoneyOut | None = Field(description="The cheapest variant's price in the channel.")
    compare_at_price: MoneyOut | None = Field(description="The former price of that variant, shown struck through.")
    on_sale: bool
    stock: StockOut
    image: ImageOut | None
    url: str = Field(description="The product's page in the storefront.")


class ProductPageOut(Schema):
    items: list[ProductCardOut]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")


class CategoryRefOut(Schema):
    id: int
    slug: str
    name: str
    url: str


class CategoryNodeOut(CategoryRefOut):
    children: list[CategoryNodeOut]


class CategoryDetailOut(CategoryRefOut):
    description: str
    seo_title: str
    seo_description: str
    breadcrumbs: list[CategoryRefOut] = Field(description="From the root down to the parent.")
    children: list[CategoryNodeOut]
    products_url: str


class VariantOut(Schema):
    id: int
    sku: str
    gtin: str
    name: str
    options: dict[str, str] = Field(description="Option attribute slug -> value slug, e.g. {'size': 'm'}.")
    price: MoneyOut | None
    compare_at_price: MoneyOut | None
    stock: StockOut
    image_ids: list[int]
    weight_grams: int | None


class OptionChoiceOut(Schema):
    slug: str
    name: str
    swatch: str


class OptionOut(Schema):
    slug: str
    name: str
    choices: list[OptionChoiceOut]


class AttributeOut(Schema):
    name: str
    value: str


class ProductImageOut(ImageOut):
    id: int


class ProductDetailOut(Schema):
    id: int
    slug: str
    name: str
    kind: str
    tax_class: TaxClassOut = Field(description=TAX_CLASS_DESCRIPTION)
    description: str = Field(description="Sanitised HTML: formatting, lists, links and tables only.")
    seo_title: str
    seo_description: str
    brand: BrandOut | None
    category: CategoryRefOut | None
    breadcrumbs: list[CategoryRefOut] = Field(description="From the root down to the product's category.")
    price_min: MoneyOut | None
    price_max: MoneyOut | None
    stock: StockOut = Field(description="The best status among the variants.")
    attributes: list[AttributeOut]
    options: list[OptionOut]
    variants: list[VariantOut]
    images: list[ProductImageOut]
    url: str


class CollectionOut(Schema):
    id: int
    slug: str
    name: str
    description: str
    is_featured: bool
    url: str
    products_url: str


class CollectionDetailOut(CollectionOut):
    seo_title: str
    seo_description: str
    products: ProductPageOut = Field(description="The first page of its products; follow products_url for more.")


# --- Parameters ---------------------------------------------------------------------------------


class PageParams(Schema):
    channel: str | None = Field(None, description=CHANNEL_PARAM_DESCRIPTION, max_length=50)
    limit: int = Field(24, ge=1, le=100, description="Products per page.")


class ProductFilters(PageParams):
    category: str | None = Field(None, max_length=140, description="Category slug; includes its sub-categories.")
    collection: str | None = Field(None, max_length=140, description="Collection slug.")
    brand: list[str] = Field(default_factory=list, description="Brand slugs (repeat for several).")
    attr: list[str] = Field(
        default_factory=list,
        description="Attribute filter `<attribute-slug>:<value-slug>`; repeat it. Values of one attribute "
        "are alternatives (OR), different attributes all apply (AND).",
        examples=[["colour:blue"]],
    )
    price_min: Decimal | None = Field(None, ge=0, le=_PRICE_CEILING)
    price_max: Decimal | None = Field(None, ge=0, le=_PRICE_CEILING)
    in_stock: bool = Field(False, description="Only products that can be bought now.")
    q: str | None = Field(None, max_length=200, description="Search words; results come best match first.")
    sort: SortName | None = Field(None, description="Default: relevance with `q`, newest without.")
    cursor: str | None = Field(None, max_length=2048, description="`next_cursor` of the previous page.")

    @field_validator("attr")
    @classmethod
    def _attribute_pairs(cls, values: list[str]) -> list[str]:
        for value in values:
            attribute, sep, choice = value.partition(":")
            if not (sep and attribute.strip() and choice.strip()):
                raise ValueError(f"{value!r} is not of the form <attribute-slug>:<value-slug>.")
        return values

    @field_validator("price_max")
    @classmethod
    def _price_bounds(cls, price_max: Decimal | None, info: ValidationInfo) -> Decimal | None:
        price_min = info.data.get("price_min")
        if price_max is not None and price_min is not None and price_min > price_max:
            raise ValueError("price_max cannot be below price_min.")
        return price_max


# --- Products -----------------------------------------------------------------------------------


@router.get("/products", response=ProductPageOut, summary="List and search products")
def list_products(request: HttpRequest, filters: Query[ProductFilters]) -> ProductPageOut:
    """Products visible in the channel, filtered, sorted, one cursor page at a time."""
    channel = api_channel(request, filters.channel)
    attribute_values: dict[str, tuple[str, ...]] = {}
    for pair in filters.attr:
        attribute, _, value = pair.partition(":")
        attribute_values[attribute.strip()] = (*attribute_values.get(attribute.strip(), ()), value.strip())
    query = (filters.q or "").strip()
    listing = ListingFilters(
        category_id=_category_id(filters.category),
        collection_id=_collection_id(filters.collection),
        brand_slugs=tuple(filters.brand),
        attribute_values=attribute_values,
        price_min=filters.price_min,
        price_max=filters.price_max,
        in_stock_only=filters.in_stock,
        product_ids=tuple(search.search_product_ids(query, limit=SEARCH_LIMIT)) if query else None,
    )
    sort = filters.sort or ("relevance" if query else "newest")
    return _product_page(request, channel, listing, sort=sort, cursor=filters.cursor, limit=filters.limit)


@router.get("/products/{slug}", response=ProductDetailOut, summary="A product with its variants")
def get_product(
    request: HttpRequest, slug: str, channel: str | None = Query(None, description=CHANNEL_PARAM_DESCRIPTION)
) -> ProductDetailOut:
    """A product visible in the channel; 404 when unknown, unpublished or not sold in this channel."""
    product = get_product_detail(channel=api_channel(request, channel), slug=slug)
    return ProductDetailOut(
        id=product.id,
        slug=product.slug,
        name=product.name,
        kind=product.kind,
        tax_class=tax_class_out(product.tax_class),
        # Sanitised again on the way out: rows written around the service (imports, raw admin edits)
        # must not reach an API client's page with a script in them.
        description=sanitize_description(product.description),
        seo_title=product.seo_title,
        seo_description=product.seo_description,
        brand=BrandOut(slug=product.brand_slug, name=product.brand_name) if product.brand_slug else None,
        category=_category_ref(request, product.category) if product.category else None,
        breadcrumbs=[_category_ref(request, node) for node in product.breadcrumbs],
        price_min=money_out(product.price_range[0]) if product.price_range else None,
        price_max=money_out(product.price_range[1]) if product.price_range else None,
        stock=stock_out(product.stock),
        attributes=[AttributeOut(name=name, value=value) for name, value in product.attributes],
        options=[
            OptionOut(
                slug=option.slug,
                name=option.name,
                choices=[OptionChoiceOut(slug=c.slug, name=c.name, swatch=c.swatch) for c in option.choices],
            )
            for option in product.options
        ],
        variants=[
            VariantOut(
                id=variant.id,
                sku=variant.sku,
                gtin=variant.gtin,
                name=variant.name,
                options=variant.options,
                price=money_out(variant.price),
                compare_at_price=money_out(variant.compare_at),
                stock=stock_out(variant.stock),
                image_ids=list(variant.image_ids),
                weight_grams=variant.weight_grams,
            )
            for variant in product.variants
        ],
        images=[
            ProductImageOut(id=media_id, **image_out(request, info).model_dump()) for media_id, info in product.images
        ],
        url=_storefront_url(request, "product", product.slug),
    )


def _product_page(
    request: HttpRequest, channel: Channel, listing: ListingFilters, *, sort: str, cursor: str | None, limit: int
) -> ProductPageOut:
    """One cursor page of a listing: one query for the page, two for its cards (prices and stock, images)."""
    queryset = product_listing(channel=channel, filters=listing, sort=sort)
    page = keyset_page(queryset, cursor=cursor, limit=limit)
    items = []
    for card in product_cards(channel=channel, product_ids=[row.pk for row in page.rows]):
        items.append(
            ProductCardOut(
                id=card.id,
                slug=card.slug,
                name=card.name,
                kind=card.kind,
                tax_class=tax_class_out(card.tax_class),
                brand=BrandOut(slug=card.brand_slug, name=card.brand_name) if card.brand_slug else None,
                price=money_out(card.price),
                compare_at_price=money_out(card.compare_at),
                on_sale=card.on_sale,
                stock=stock_out(card.stock),
                image=image_out(request, card.image) if card.image else None,
                url=_storefront_url(request, "product", card.slug),
            )
        )
    return ProductPageOut(items=items, next_cursor=page.next_cursor)


def _category_id(slug: str | None) -> int | None:
    # An unknown slug is a filter that matches nothing (an empty page), like any other unmatched filter.
    if not slug:
        return None
    node = category_tree().get(slug)
    return node.id if node else 0


def _collection_id(slug: str | None) -> int | None:
    if not slug:
        return None
    try:
        return get_collection(slug).pk
    except ProductNotFoundError:  # get_collection's "not found", for an unknown or unpublished collection
        return 0


# --- Categories ---------------------------------------------------------------------------------


@router.get("/categories", response=list[CategoryNodeOut], summary="The category tree")
def list_categories(request: HttpRequest) -> list[CategoryNodeOut]:
    """Every category, nested: top-level categories in order, each with its children."""
    tree = category_tree()
    return [_category_node(request, tree, node) for node in tree.children_of(None)]


@router.get("/categories/{slug}", response=CategoryDetailOut, summary="A category")
def get_category(request: HttpRequest, slug: str) -> CategoryDetailOut:
    """A category with its breadcrumbs and sub-categories; its products are at `products_url`."""
    tree = category_tree()
    node = tree.get(slug)
    if node is None:
        raise CategoryNotFoundError(detail=f"No category {slug!r}.", data={"slug": slug})
    return CategoryDetailOut(
        **_category_ref(request, node).model_dump(),
        description=node.description,
        seo_title=node.seo_title or node.name,
        seo_description=node.seo_description,
        breadcrumbs=[_category_ref(request, ancestor) for ancestor in tree.ancestors(node.id)],
        children=[_category_node(request, tree, child) for child in tree.children_of(node.id)],
        products_url=_products_url(request, category=node.slug),
    )


def _category_ref(request: HttpRequest, node: CategoryNode) -> CategoryRefOut:
    return CategoryRefOut(
        id=node.id, slug=node.slug, name=node.name, url=_storefront_url(request, "category", node.slug)
    )


def _category_node(request: HttpRequest, tree: CategoryTree, node: CategoryNode, depth: int = 0) -> CategoryNodeOut:
    # The depth guard only matters for a corrupt tree (a cycle); category_tree() itself never recurses.
    children = tree.children_of(node.id) if depth < 32 else []
    return CategoryNodeOut(
        **_category_ref(request, node).model_dump(),
        children=[_category_node(request, tree, child, depth + 1) for child in children],
    )


# --- Collections --------------------------------------------------------------------------------


@router.get("/collections", response=list[CollectionOut], summary="Published collections")
def list_collections(request: HttpRequest) -> list[CollectionOut]:
    return [_collection_out(request, collection) for collection in list_published_collections()]


@router.get("/collections/{slug}", response=CollectionDetailOut, summary="A collection and its first products")
def get_collection_detail(request: HttpRequest, slug: str, params: Query[PageParams]) -> CollectionDetailOut:
    """A published collection with the first page of its products visible in the channel (newest first)."""
    channel = api_channel(request, params.channel)
    try:
        collection = get_collection(slug)
    except ProductNotFoundError:
        raise NotFoundError(detail=f"No collection {slug!r}.", data={"slug": slug}) from None
    products = _product_page(
        request, channel, ListingFilters(collection_id=collection.pk), sort="newest", cursor=None, limit=params.limit
    )
    return CollectionDetailOut(
        **_collection_out(request, collection).model_dump(),
        seo_title=collection.seo_title or collection.name,
        seo_description=collection.seo_description,
        products=products,
    )


def _collection_out(request: HttpRequest, collection) -> CollectionOut:
    return CollectionOut(
        id=collection.pk,
        slug=collection.slug,
        name=collection.name,
        description=collection.description,
        is_featured=collection.is_featured,
        url=_storefront_url(request, "collection", collection.slug),
        products_url=_products_url(request, collection=collection.slug),
    )


# --- Links --------------------------------------------------------------------------------------

_STOREFRONT_PATHS = {"product": "p", "category": "c", "collection": "collections"}


def _storefront_url(request: HttpRequest, name: str, slug: str) -> str:
    """The absolute storefront address of a product, category or collection, in the request's language."""
    try:
        path = reverse(f"storefront:{name}", kwargs={"slug": slug})
    except NoReverseMatch:
        # A headless shop may not mount the storefront; the address layout is fixed, so still give it.
        path = f"/{get_language() or 'en'}/{_STOREFRONT_PATHS[name]}/{slug}/"
    return request.build_absolute_uri(path)


def _products_url(request: HttpRequest, **params: str) -> str:
    return request.build_absolute_uri(f"{reverse('api:list_products')}?{urlencode(params)}")
