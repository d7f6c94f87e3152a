"""SQLite: an FTS5 table over the document columns, ranked with per-column bm25 weights.

`catalog_search_fts` keeps its own copy of the folded text (a few kilobytes per product), filled by
triggers on catalog_searchdocument (migration 0002_search_document): its rowid is the product id. A
table with its own content rather than an external-content one, because a mismatch between an
external-content table and its source corrupts the index, and deleting by rowid here never can.
"""

from __future__ import annotations

from comptoir.catalog.search.base import points_case
from comptoir.catalog.search.text import ParsedQuery

FTS_TABLE = "catalog_search_fts"
# bm25 weights in column order: name, skus, brand, categories, body.
BM25_WEIGHTS = "10.0, 10.0, 4.0, 4.0, 1.0"


def _prefix(term: str) -> str:
    # A double-quoted FTS5 string is never syntax: AND, OR, NOT, NEAR, * and ^ inside it are plain text.
    return '"' + term.replace('"', '""') + '"*'


# The column filter ({name skus} : ...) is in the MATCH parameter.
_MATCHED_IN = f"{FTS_TABLE}.rowid IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"


class SQLiteSearch:
    def text_matches_sql(self, query: ParsedQuery) -> tuple[str, list[object]]:
        points, points_params = [], []
        for term in query.terms:
            points.append(points_case(in_name=_MATCHED_IN, in_label=_MATCHED_IN))
            points_params += [f"{{name skus}} : {_prefix(term)}", f"{{brand categories}} : {_prefix(term)}"]
        sql = (
            f"SELECT {FTS_TABLE}.rowid AS product_id, 0 AS exact_code, {' + '.join(points)} AS fields,"
            # bm25() is lower for better matches.
            f" -bm25({FTS_TABLE}, {BM25_WEIGHTS}) AS relevance"
            f" FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
        )
        return sql, [*points_params, " AND ".join(_prefix(term) for term in query.terms)]
