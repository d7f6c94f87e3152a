"""Product search: one interface, a backend per database (replaced by the full-text backends)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Q


def reindex_products(product_ids: Sequence[int]) -> None:
    """Bring the search index in step with these products (inside the caller's transaction)."""


def search_product_ids(query: str, *, limit: int = 500) -> list[int]:
    """Ids of products matching `query`, best match first."""
    from comptoir.catalog.models import Product

    query = (query or "").strip()
    if not query:
        return []
    matches = Product.objects.filter(
        Q(name__icontains=query) | Q(variants__sku__iexact=query) | Q(brand__name__icontains=query)
    ).distinct()
    return list(matches.order_by("pk").values_list("pk", flat=True)[:limit])
