"""How search sees text: folded to lower case without accents, cut into words of letters and digits.

Documents and queries go through the same functions, in Python, so the three databases compare the same
words: "Café" is stored as "cafe", "TS-001" as "ts 001", "Cœur" as "coeur". Folding here rather than in
the database works the same on SQLite, PostgreSQL (no `unaccent` extension to install) and MariaDB, and
leaves each engine's tokenizer nothing to disagree about: every document column is plain words separated by
single spaces.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from html import unescape

# Letters that Unicode does not decompose into a base letter and an accent, but that buyers type without.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})  # noqa: RUF001
# Runs of letters and digits in any script; underscore is a separator, as it is for the database tokenizers.
_WORD = re.compile(r"[^\W_]+")
# Block-level tags end a word; inline ones (<b>, <a>) may sit inside a word ("hand<b>made</b>").
_BLOCK_TAG = re.compile(r"<\s*/?\s*(?:p|br|li|ul|ol|h[1-6]|td|th|tr|table|thead|tbody|blockquote|hr|pre|div)\b[^>]*>")
_ANY_TAG = re.compile(r"<[^>]*>")

MAX_QUERY_CHARS = 200
"""Longer queries are cut: nobody types more, and it bounds the work a hostile query can ask for."""
MAX_TERMS = 8
"""Words after the eighth are ignored; every word kept must match (AND)."""
MAX_TERM_CHARS = 60
"""A longer word is cut and matched as a prefix (MariaDB indexes words of up to 84 characters)."""
MAX_CODE_CHARS = 100
"""Length of a stored SKU or barcode code (SearchCode.code)."""


def fold(text: str) -> str:
    """Lower case, accents and ligatures removed: the form every comparison in search uses."""
    text = (text or "").casefold()
    if text.isascii():  # most catalogue text: nothing to decompose
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_LIGATURES)


def words(text: str) -> list[str]:
    """The folded words of `text`, in order (duplicates kept)."""
    return _WORD.findall(fold(text))


def index_text(*parts: str) -> str:
    """Document text: the folded words of `parts` separated by single spaces."""
    return " ".join(word for part in parts if part for word in words(part))


def fold_code(code: str) -> str:
    """A SKU or barcode as compared for an exact match: folded, trimmed, inner spaces collapsed.

    Punctuation is kept ("TS-001" is not "TS001"); control characters and lone surrogates are dropped
    because database drivers refuse them.
    """
    printable = "".join(ch for ch in (code or "") if ch.isprintable() or ch.isspace())
    return " ".join(fold(printable).split())[:MAX_CODE_CHARS]


def html_to_text(html: str) -> str:
    """The readable text of a (sanitised) rich description."""
    return unescape(_ANY_TAG.sub("", _BLOCK_TAG.sub(" ", html or "")))


def excerpt(text: str, *, max_chars: int) -> str:
    """`text` cut to at most `max_chars`, at a word boundary."""
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    return cut.rsplit(" ", 1)[0] if " " in cut else cut


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A buyer's query as the backends use it.

    `terms` are folded words, each matched as a prefix, all required. `code` is the whole query folded for
    an exact SKU or barcode match.
    """

    terms: tuple[str, ...]
    code: str


def parse_query(raw: str | None) -> ParsedQuery | None:
    """Words to search for, or None when the query has none (empty, blank, only punctuation).

    Never raises: operators of any search syntax (quotes, `*`, `AND`, `-`, parentheses) are either
    separators or plain words here, so nothing a buyer types reaches a database as syntax.
    """
    text = str(raw or "")[:MAX_QUERY_CHARS]
    terms = list(dict.fromkeys(word[:MAX_TERM_CHARS] for word in words(text)))[:MAX_TERMS]
    if not terms:
        return None
    return ParsedQuery(terms=tuple(terms), code=fold_code(text))
