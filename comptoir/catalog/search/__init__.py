"""Product search: one interface, a full-text backend per database.

`reindex_products()` keeps one SearchDocument per product in step with the catalogue; the catalogue
services call it inside their transactions. `search_product_ids()` answers a buyer's query with ranked
product ids, in one query, on SQLite (FTS5), PostgreSQL (tsvector + GIN) or MariaDB/MySQL (FULLTEXT).

Ranking, the same on every backend:
1. a product with a SKU or barcode equal to the whole query (case-insensitive);
2. then by where each word matched: in the name or a SKU (4), else in the brand or a category (2), else in
   the body (1), summed over the words;
3. then the engine's own relevance (ts_rank_cd, bm25, MATCH ... AGAINST), then newest product first.
Every word must match (AND), each as a prefix ("sne" finds "sneakers"); case and accents are ignored.

Callers filter the ids for visibility (status, channel, dates): search knows nothing of channels.
"""

from __future__ import annotations

from collections.abc import Sequence

# The implementation modules are imported inside the functions: catalog/models.py imports this package's
# models while it is itself still loading, so this package must not import the catalogue at import time.


def reindex_products(product_ids: Sequence[int]) -> None:
    """Bring the search documents of these products in step with the catalogue.

    Call inside the transaction that changed them. Ids of products that no longer exist lose their
    document. A fixed number of queries per 500 products.
    """
    from comptoir.catalog.search.documents import reindex

    reindex(product_ids)


def search_product_ids(query: str, *, limit: int = 500) -> list[int]:
    """Ids of products matching `query`, best match first, at most `limit` of them.

    One query. Returns [] for a query without words (empty, blank, punctuation); never raises on
    what a buyer types. The ids include unpublished products: the caller filters for visibility.
    """
    from django.db import connection

    from comptoir.catalog.search.backends import backend_for
    from comptoir.catalog.search.base import MAX_LIMIT
    from comptoir.catalog.search.text import parse_query

    parsed = parse_query(query)
    if parsed is None or limit <= 0:
        return []
    sql, params = backend_for(connection).ranked_ids_sql(parsed, limit=min(limit, MAX_LIMIT))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


__all__ = ["reindex_products", "search_product_ids"]
