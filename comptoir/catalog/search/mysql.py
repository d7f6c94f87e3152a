"""MariaDB and MySQL: an InnoDB FULLTEXT index over the document, queried in boolean mode.

The FULLTEXT index (migration 0002_search_document) finds the documents containing every word; where each
word matched (the ranking points) is then checked with LIKE on the short name/SKU and brand/category
columns of those documents only. Every further MATCH ... AGAINST in a query is another full-text search of
the whole index, so one per ranking group and per word, as a weighted relevance would need, made broad
queries several times slower for no change in order: the points already rank by field. The engine's
relevance is the MATCH of the WHERE clause, which InnoDB computes once.

InnoDB does not index words shorter than `innodb_ft_min_token_size` (3 by default) nor its stop words,
and a required word it cannot find empties the whole result. Such words ("xl", "t", "de", "the") are
matched with LIKE on the folded columns instead, as word prefixes: the same answer as on the other
databases, but a scan of the documents when no other word of the query can use the index. A server
configured with a larger minimum token size needs MIN_TOKEN_SIZE raised to match.

InnoDB updates FULLTEXT indexes when a transaction commits: a search does not see documents written by its
own uncommitted transaction.
"""

from __future__ import annotations

from comptoir.catalog.search.base import DOCUMENT_TABLE, points_case
from comptoir.catalog.search.text import ParsedQuery

MIN_TOKEN_SIZE = 3
# INFORMATION_SCHEMA.INNODB_FT_DEFAULT_STOPWORD of MariaDB 10.11 and MySQL 8.
STOPWORDS = frozenset(
    {
        "a", "about", "an", "are", "as", "at", "be", "by", "com", "de", "en", "for", "from", "how", "i", "in",
        "is", "it", "la", "of", "on", "or", "that", "the", "this", "to", "was", "what", "when", "where", "who",
        "will", "with", "und", "www",
    }
)  # fmt: skip

FULLTEXT_MATCH = "MATCH(d.name, d.skus, d.brand, d.categories, d.body) AGAINST(%s IN BOOLEAN MODE)"
# A leading space so that '% word%' also finds the first word. A binary pattern compares bytes, twice as fast as
# the collation's LIKE, and right because the stored text and the terms are already folded.
IN_NAME = "CONCAT(' ', d.name, ' ', d.skus) LIKE CAST(%s AS BINARY)"
IN_LABEL = "CONCAT(' ', d.brand, ' ', d.categories) LIKE CAST(%s AS BINARY)"
ANYWHERE = "CONCAT(' ', d.name, ' ', d.skus, ' ', d.brand, ' ', d.categories, ' ', d.body) LIKE CAST(%s AS BINARY)"


def is_indexed(term: str) -> bool:
    return len(term) >= MIN_TOKEN_SIZE and term not in STOPWORDS


def word_prefix_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"% {escaped}%"


class MySQLSearch:
    def text_matches_sql(self, query: ParsedQuery) -> tuple[str, list[object]]:
        points = " + ".join(points_case(in_name=IN_NAME, in_label=IN_LABEL) for _ in query.terms)
        points_params = [word_prefix_pattern(term) for term in query.terms for _ in (IN_NAME, IN_LABEL)]
        unindexed = [term for term in query.terms if not is_indexed(term)]
        where = [ANYWHERE] * len(unindexed)
        where_params = [word_prefix_pattern(term) for term in unindexed]
        # Terms are letters and digits only (search/text.py): none of + - < > ( ) ~ * " @ reaches AGAINST.
        required = " ".join(f"+{term}*" for term in query.terms if is_indexed(term))
        if required:
            relevance, relevance_params = FULLTEXT_MATCH, [required]
            where.insert(0, FULLTEXT_MATCH)
            where_params.insert(0, required)
        else:
            relevance, relevance_params = "0", []
        sql = (
            f"SELECT d.product_id, 0 AS exact_code, {points} AS fields, {relevance} AS relevance"
            f" FROM {DOCUMENT_TABLE} d WHERE {' AND '.join(where)}"
        )
        return sql, [*points_params, *relevance_params, *where_params]
