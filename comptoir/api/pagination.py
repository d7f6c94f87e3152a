"""Cursor (keyset) pagination for API listings.

A page is read with `WHERE (k1, k2, ..., pk) > (last values)` — spelled out with Q objects so that each
key may sort ascending or descending — instead of OFFSET, so a deep page costs what the first one costs
and an item added meanwhile neither repeats nor skips anything. The keys are the queryset's own
`order_by()`, which must end with the primary key and contain no NULL values.

The cursor is opaque to clients: base64url of a short MAC followed by JSON naming the ordering and the
last item's key values. The MAC makes a hand-edited cursor fail loudly (400) instead of silently
jumping somewhere; the ordering inside it makes a cursor from one sort fail when replayed on another.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.utils.crypto import constant_time_compare, salted_hmac

from comptoir.api.errors import InvalidCursorError

MAC_BYTES = 12
MAX_CURSOR_LENGTH = 2048
_SALT = "comptoir.api.pagination.cursor"


@dataclass(frozen=True, slots=True)
class KeysetPage[T: Model]:
    rows: list[T]
    next_cursor: str | None


def keyset_page[T: Model](queryset: QuerySet[T], *, cursor: str | None, limit: int) -> KeysetPage[T]:
    """The `limit` rows after `cursor` (from the start without one), and the cursor for the next page.

    One query (it reads one row more than asked, to know whether another page follows). Raises
    InvalidCursorError for a cursor that is malformed, edited, or made for another ordering.
    """
    ordering = _ordering(queryset)
    if cursor:
        queryset = queryset.filter(_after(ordering, decode_cursor(cursor, ordering=ordering)))
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return KeysetPage(rows=rows, next_cursor=None)
    rows = rows[:limit]
    last = rows[-1]
    values = [getattr(last, field.lstrip("-")) for field in ordering]
    return KeysetPage(rows=rows, next_cursor=encode_cursor(ordering, values))


def _ordering(queryset: QuerySet) -> list[str]:
    ordering = list(queryset.query.order_by)
    if not ordering or not all(isinstance(f, str) for f in ordering) or ordering[-1].lstrip("-") not in {"pk", "id"}:
        # A programming error, not a client's: keyset pagination needs a total order on named fields.
        raise ValueError(f"keyset pagination needs an order_by() of field names ending with the pk, got {ordering}")
    return [*ordering[:-1], "-pk" if ordering[-1].startswith("-") else "pk"]


def _after(ordering: list[str], values: list[Any]) -> Q:
    """Rows strictly after `values` in `ordering`: (a > x) OR (a = x AND b > y) OR ..., with < for descending keys."""
    condition = Q()
    equal_so_far = Q()
    for field, value in zip(ordering, values, strict=True):
        name = field.lstrip("-")
        beyond = Q(**{f"{name}__{'lt' if field.startswith('-') else 'gt'}": value})
        condition |= equal_so_far & beyond
        equal_so_far &= Q(**{name: value})
    return condition


# --- The cursor token -------------------------------------------------------------------------------


def encode_cursor(ordering: list[str], values: list[Any]) -> str:
    payload = json.dumps({"o": ordering, "v": [_dump(value) for value in values]}, separators=(",", ":")).encode()
    token = _mac(payload) + payload
    return base64.urlsafe_b64encode(token).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str, *, ordering: list[str]) -> list[Any]:
    """The key values a cursor carries, checked against `ordering`; InvalidCursorError otherwise."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidCursorError(detail="This cursor is too long to be one of ours.")
    try:
        token = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidCursorError(detail="This cursor is not valid base64url.") from exc
    mac, payload = token[:MAC_BYTES], token[MAC_BYTES:]
    if len(mac) < MAC_BYTES or not constant_time_compare(mac, _mac(payload)):
        raise InvalidCursorError(detail="This cursor was not issued by this shop, or was changed.")
    try:
        data = json.loads(payload)
        values = [_load(value) for value in data["v"]]
        cursor_ordering = data["o"]
    except (ValueError, KeyError, TypeError) as exc:  # still checked: a rotated key could meet old formats
        raise InvalidCursorError(detail="This cursor cannot be read.") from exc
    if cursor_ordering != ordering or len(values) != len(ordering):
        raise InvalidCursorError(
            detail="This cursor belongs to another sort order; start again without a cursor.",
        )
    return values


def _mac(payload: bytes) -> bytes:
    return salted_hmac(_SALT, payload, algorithm="sha256").digest()[:MAC_BYTES]


def _dump(value: Any) -> Any:
    # JSON has no datetime or decimal: tag them so they come back as the same type (a float would drift).
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, Decimal):
        return {"d": str(value)}
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"cannot put a {type(value).__name__} in a cursor")
    return value


def _load(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        if "t" in value and isinstance(value["t"], str):
            moment = datetime.fromisoformat(value["t"])
            if moment.tzinfo is None:
                raise ValueError("naive datetime in cursor")
            return moment
        if "d" in value and isinstance(value["d"], str):
            try:
                number = Decimal(value["d"])
            except InvalidOperation as exc:
                raise ValueError("bad decimal in cursor") from exc
            if not number.is_finite():
                raise ValueError("bad decimal in cursor")
            return number
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("unexpected value in cursor")
    return value
