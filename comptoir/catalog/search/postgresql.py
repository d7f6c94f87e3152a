"""PostgreSQL: a weighted tsvector, generated from the document columns and indexed with GIN.

The vector uses the 'simple' text search configuration: no stemming and no stop words. The shop's text is
French and English side by side in the same columns, and a language's stemmer applied to the other
language mangles words ('english' stems "chaussures" badly, 'french' stems "running"); the stop words of
one language are real words of the other ("de", "the" in brand names). Without stemming, plurals still
match because every word of a query is a prefix ("chaussure" finds "chaussures"). Accents are removed in
Python before the text gets here (search/text.py), so the `unaccent` extension is not needed.

Weights: A for the name and SKUs, B for the brand and categories, C for the body.
"""

from __future__ import annotations

from comptoir.catalog.search.base import DOCUMENT_TABLE, points_case
from comptoir.catalog.search.text import ParsedQuery

# ts_rank_cd weights for D, C, B, A: a name hit counts far more than a body hit within the same points.
RANK_WEIGHTS = "{0.05, 0.2, 0.4, 1.0}"


def _lexeme(term: str, *, weights: str = "") -> str:
    # Terms are letters and digits only (search/text.py), quoted anyway so no character is tsquery syntax.
    return "'" + term.replace("'", "''").replace("\\", "\\\\") + "':*" + weights


class PostgreSQLSearch:
    def text_matches_sql(self, query: ParsedQuery) -> tuple[str, list[object]]:
        tsquery = " & ".join(_lexeme(term) for term in query.terms)
        points, points_params = [], []
        for term in query.terms:
            points.append(
                points_case(
                    in_name="d.search_vector @@ to_tsquery('simple', %s)",
                    in_label="d.search_vector @@ to_tsquery('simple', %s)",
                )
            )
            points_params += [_lexeme(term, weights="A"), _lexeme(term, weights="AB")]
        sql = (
            f"SELECT d.product_id, 0 AS exact_code, {' + '.join(points)} AS fields,"
            " ts_rank_cd(%s::float4[], d.search_vector, to_tsquery('simple', %s)) AS relevance"
            f" FROM {DOCUMENT_TABLE} d WHERE d.search_vector @@ to_tsquery('simple', %s)"
        )
        return sql, [*points_params, RANK_WEIGHTS, tsquery, tsquery]
