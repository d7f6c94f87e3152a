"""Click & collect on the storefront: which store can hand a variant over today, and the store picker's rows.

Opening hours are the merchant's JSON on the location (`{"mon": ["09:00", "19:00"], "sun": []}`), written in
shop time (settings.TIME_ZONE) whatever time zone the server runs in. A day left out means "not said", not
"closed": we then neither promise nor deny that the store opens today.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest
from django.utils import formats, timezone

from comptoir.catalog.kinds import KIND_RULES
from comptoir.inventory.queries import LOW_STOCK_THRESHOLD, PickupStore, StoreStock

STORE_COOKIE = "comptoir_store"
STORE_COOKIE_SECONDS = 365 * 24 * 3600
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"([01]?\d|2[0-4]):([0-5]\d)")
END_OF_DAY = time(23, 59, 59)


def shop_now() -> datetime:
    """Now, in the shop's time zone. The one clock of this module: tests replace it to stand on a known day."""
    return timezone.now().astimezone(ZoneInfo(settings.TIME_ZONE))


def collectable(kind: str) -> bool:
    """Whether a product of this kind can be collected in store: counted goods that would otherwise ship."""
    rules = KIND_RULES.get(kind)
    return bool(rules and rules.tracks_stock and rules.requires_shipping)


@dataclass(frozen=True, slots=True)
class DayHours:
    """A store's hours on one day: (opens, closes) intervals in shop time; none at all means closed."""

    intervals: tuple[tuple[time, time], ...]

    @property
    def closed(self) -> bool:
        return not self.intervals

    def open_after(self, moment: time) -> bool:
        """Open at `moment` or later that day (an interval past midnight closes "before" it opens)."""
        return any(closes > moment or closes <= opens for opens, closes in self.intervals)

    def display(self) -> str:
        """'9 a.m.-7 p.m.' in English, '09:00-19:00' in French (with an en dash): the active language's format."""
        return ", ".join(
            f"{formats.time_format(opens, 'TIME_FORMAT')}\u2013{formats.time_format(closes, 'TIME_FORMAT')}"
            for opens, closes in self.intervals
        )


def _parse_time(raw: object) -> time | None:
    match = _TIME.fullmatch(raw.strip()) if isinstance(raw, str) else None
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2])
    if hour == 24:
        return END_OF_DAY if minute == 0 else None
    return time(hour, minute)


def hours_on(opening_hours: object, day: date) -> DayHours | None:
    """The hours on `day`, or None when the merchant did not say or wrote something we cannot read.

    Accepts `["09:00", "19:00"]`, split days as `["09:00", "12:00", "14:00", "19:00"]` or
    `[["09:00", "12:00"], ["14:00", "19:00"]]`, `"09:00-19:00"`, and `[]` or `""` for closed.
    """
    raw = opening_hours.get(DAYS[day.weekday()]) if isinstance(opening_hours, dict) else None
    if isinstance(raw, str):
        raw = [part for part in re.split(r"\s*[-\u2013,]\s*", raw.strip()) if part]
    if not isinstance(raw, list):
        return None
    flat: list[object] = []
    for item in raw:
        flat.extend(item if isinstance(item, list | tuple) else [item])
    times = [_parse_time(item) for item in flat]
    if len(times) % 2 or any(t is None for t in times):
        return None
    return DayHours(tuple(zip(times[::2], times[1::2], strict=True)))


@dataclass(frozen=True, slots=True)
class StoreRow:
    """One store in the picker. `quantity` (units on its shelf) and `status` are None/"" when no variant
    was asked about; `status` is in_stock, low_stock or unavailable."""

    store: PickupStore
    quantity: int | None
    status: str
    hours: DayHours | None  # today's
    open_today: bool  # open now or later today; unknown hours count as open
    chosen: bool

    @property
    def has_stock(self) -> bool:
        return bool(self.quantity)


def store_rows(
    stores: Sequence[PickupStore],
    *,
    stock: Sequence[StoreStock] | None,
    now: datetime,
    chosen_slug: str = "",
    low_stock_threshold: int = LOW_STOCK_THRESHOLD,
) -> list[StoreRow]:
    """`stores` with their shelf for one variant (`stock`, from pickup_availability; None: no variant) and
    their hours on the shop's today at `now`."""
    local = now.astimezone(ZoneInfo(settings.TIME_ZONE))
    on_shelf = {s.location_id: max(s.quantity, 0) for s in stock or ()}
    rows = []
    for store in stores:
        hours = hours_on(store.opening_hours, local.date())
        quantity = on_shelf.get(store.id, 0) if stock is not None else None
        if quantity is None:
            status = ""
        elif quantity <= 0:
            status = "unavailable"
        else:
            status = "low_stock" if quantity <= low_stock_threshold else "in_stock"
        rows.append(
            StoreRow(
                store=store,
                quantity=quantity,
                status=status,
                hours=hours,
                open_today=hours is None or hours.open_after(local.time()),
                chosen=store.slug == chosen_slug,
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class PickupLine:
    """What the product page says about collecting a variant.

    `store`: where it can be picked up — the buyer's store when it has it, else the best other one (open
    today first, then the most units); None when no store has it. `missing_at`: the buyer's store, when it
    does not have it.
    """

    store: StoreRow | None
    missing_at: StoreRow | None


def pickup_line(rows: Sequence[StoreRow]) -> PickupLine:
    chosen = next((row for row in rows if row.chosen), None)
    if chosen is not None and chosen.has_stock:
        return PickupLine(store=chosen, missing_at=None)
    best = min(
        (row for row in rows if row.has_stock),
        key=lambda row: (not row.open_today, -(row.quantity or 0), row.store.name.casefold(), row.store.id),
        default=None,
    )
    return PickupLine(store=best, missing_at=chosen)


def chosen_store_slug(request: HttpRequest, stores: Sequence[PickupStore]) -> str:
    """The buyer's store from the `comptoir_store` cookie, if it is one of `stores`; else ""."""
    slug = request.COOKIES.get(STORE_COOKIE, "")
    return slug if slug and any(store.slug == slug for store in stores) else ""
