"""The search backend protocol and the ranking every backend shares."""

from __future__ import annotations

from typing import Protocol

from comptoir.catalog.search.text import ParsedQuery

MAX_LIMIT = 1000
"""Most ids one search returns, whatever the caller asks."""

# Points a word earns by where it matched, summed over the query's words. With one word the order is
# strict: name or SKU > brand or category > body. A per-word sum (rather than ranking by where the whole
# query matched) lets "nike sneakers" rank a product named "Sneakers" by Nike above one that only
# mentions both in its description.
NAME_POINTS = 4
LABEL_POINTS = 2
BODY_POINTS = 1

DOCUMENT_TABLE = "catalog_searchdocument"
CODE_TABLE = "catalog_searchcode"


class SearchBackend(Protocol):
    """Full-text matching on one database engine.

    `text_matches_sql` returns SQL selecting, for every document containing all the query's words (each as
    a prefix), the columns `product_id`, `exact_code` (always 0), `fields` (the word points above) and
    `relevance` (the engine's own score, higher is better), with its parameters in Django's `%s` style.
    """

    def text_matches_sql(self, query: ParsedQuery) -> tuple[str, list[object]]: ...


def points_case(*, in_name: str, in_label: str) -> str:
    """SQL points for one word, given SQL conditions true when it matched in the name or in a label."""
    return f"(CASE WHEN {in_name} THEN {NAME_POINTS} WHEN {in_label} THEN {LABEL_POINTS} ELSE {BODY_POINTS} END)"


class RankedSearch:
    """Wraps a backend's text matches with the exact code match and the shared ordering, in one query."""

    def __init__(self, backend: SearchBackend) -> None:
        self.backend = backend

    def ranked_ids_sql(self, query: ParsedQuery, *, limit: int) -> tuple[str, list[object]]:
        text_sql, text_params = self.backend.text_matches_sql(query)
        # UNION ALL then GROUP BY: each branch uses its own index (the code index, the full-text index),
        # where an OR of the two in one WHERE would make every engine scan the documents.
        sql = (
            "SELECT hits.product_id FROM ("
            f" SELECT product_id, 1 AS exact_code, 0 AS fields, 0 AS relevance FROM {CODE_TABLE} WHERE code = %s"
            f" UNION ALL {text_sql}"
            ") hits GROUP BY hits.product_id"
            " ORDER BY MAX(hits.exact_code) DESC, MAX(hits.fields) DESC, MAX(hits.relevance) DESC,"
            " hits.product_id DESC LIMIT %s"
        )
        return sql, [query.code, *text_params, limit]
