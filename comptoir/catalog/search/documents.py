"""Writing search documents from the catalogue (the only writer of SearchDocument and SearchCode)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, transaction
from django.db.models import Prefetch
from django.utils import timezone

from comptoir.catalog.models import AttributeValue, Product, Variant
from comptoir.catalog.queries import CategoryTree, category_tree
from comptoir.catalog.search.models import SearchCode, SearchDocument
from comptoir.catalog.search.text import excerpt, fold_code, html_to_text, index_text

BATCH_SIZE = 500
"""Products read and written per round of queries."""
DESCRIPTION_EXCERPT_CHARS = 4000
"""How much of a description is searchable: enough for any real product text, bounded for the index."""

_DOCUMENT_FIELDS = ["name", "skus", "brand", "categories", "body", "updated_at"]


def reindex(product_ids: Sequence[int]) -> None:
    """See `comptoir.catalog.search.reindex_products`."""
    ids = sorted({int(pk) for pk in product_ids})
    for start in range(0, len(ids), BATCH_SIZE):
        _reindex_batch(ids[start : start + BATCH_SIZE])


def _reindex_batch(ids: list[int]) -> None:
    # Four reads (products with brand and category, attribute values, variants, option values), plus the
    # category tree when it is not cached; then four writes whatever the number of products.
    products = list(
        Product.objects.filter(pk__in=ids)
        .select_related("brand", "category")
        .prefetch_related(
            Prefetch("attribute_values", queryset=AttributeValue.objects.only("id", "name")),
            Prefetch(
                "variants",
                queryset=Variant.objects.only("id", "product_id", "sku", "gtin", "name").prefetch_related(
                    Prefetch("option_values", queryset=AttributeValue.objects.only("id", "name"))
                ),
            ),
        )
    )
    tree = category_tree() if any(p.category_id for p in products) else None
    now = timezone.now()
    documents = [_document(product, tree=tree, now=now) for product in products]
    codes = [
        SearchCode(product_id=product.pk, code=code) for product in products for code in _codes(product.variants.all())
    ]
    gone = sorted(set(ids) - {product.pk for product in products})
    # savepoint=False: joins the caller's transaction without the two extra SAVEPOINT round trips.
    with transaction.atomic(savepoint=False):
        if gone:
            SearchDocument.objects.filter(product_id__in=gone).delete()
        SearchCode.objects.filter(product_id__in=ids).delete()
        if documents:
            upsert = {"update_conflicts": True, "update_fields": _DOCUMENT_FIELDS}
            if connection.features.supports_update_conflicts_with_target:
                upsert["unique_fields"] = ["product"]  # MariaDB's ON DUPLICATE KEY UPDATE names no target
            SearchDocument.objects.bulk_create(documents, **upsert)
        if codes:
            SearchCode.objects.bulk_create(codes)


def _document(product: Product, *, tree: CategoryTree | None, now) -> SearchDocument:
    variants = list(product.variants.all())
    return SearchDocument(
        product_id=product.pk,
        name=index_text(product.name),
        skus=index_text(*(variant.sku for variant in variants), *(variant.gtin for variant in variants)),
        brand=index_text(product.brand.name) if product.brand else "",
        categories=index_text(*_category_path(product, tree)),
        body=index_text(
            *(value.name for value in product.attribute_values.all()),
            *(value.name for variant in variants for value in variant.option_values.all()),
            *(variant.name for variant in variants),
            excerpt(html_to_text(product.description), max_chars=DESCRIPTION_EXCERPT_CHARS),
        ),
        updated_at=now,
    )


def _category_path(product: Product, tree: CategoryTree | None) -> list[str]:
    """Category names from the root down to the product's category.

    The leaf comes from the product's own row, always current; its ancestors from the cached tree, which
    a category created in the same transaction may not be in yet (the cache is forgotten on commit).
    """
    if product.category is None:
        return []
    ancestors = tree.ancestors(product.category_id) if tree and product.category_id in tree.nodes else []
    return [node.name for node in ancestors] + [product.category.name]


def _codes(variants: Sequence[Variant]) -> list[str]:
    codes = (fold_code(code) for variant in variants for code in (variant.sku, variant.gtin))
    return list(dict.fromkeys(code for code in codes if code))
