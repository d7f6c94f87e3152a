"""Versions of what buyers see, for caches keyed by them: cheap to bump, never reused.

A cached page (or fragment) records the versions of the *tags* it was built from; it is served only while
each tag still has that version. Tags:

- ``catalog``: anything a listing can show changed — a product, a price, a stock status, a category, a
  collection, a channel. Home, category, collection and search pages depend on it.
- ``site``: what every page's frame shows — the category menu, the channels of the currency switcher, the
  click & collect stores. Bumping it also bumps ``catalog``.
- ``product:<id>``: one product's page — its fields, variants, images, prices and stock status.

A version is a fresh random token, not a counter: a version key evicted from the cache and set again can
never come back to a value an old entry recorded, and a missing version means "unknown", which matches
nothing. Bumps happen after the transaction that made the change commits (``transaction.on_commit``), so a
page rebuilt at once reads the committed rows; a rolled-back change bumps nothing.

Who bumps (the hooks): `core.events.record_event` calls `bump_for_event` for the events below on commit —
``catalog.products_changed`` (every catalogue service, the admin, imports), ``catalog.product_updated``,
``catalog.categories_changed``, ``core.channel_saved``, ``pricing.prices_changed`` and
``inventory.stock_changed``; the inventory ledger (`inventory.services._ledger`) calls
`stock_levels_changed` for reservations, allocations, shipments and releases, which bumps only when the
shown status can change (see there).
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Iterable, Mapping, Sequence
from functools import partial

from django.core.cache import cache
from django.db import transaction

CATALOG = "catalog"
SITE = "site"
PREFIX = "cv:"
VERSION_SECONDS = 30 * 24 * 3600  # versions outlive every entry that records them
SURROGATE_PREFIX = "comptoir-"

logger = logging.getLogger(__name__)


def product_tag(product_id: int) -> str:
    return f"product:{product_id}"


def version_key(tag: str) -> str:
    """The cache key holding `tag`'s version (a reader may fetch it along with other keys)."""
    return PREFIX + tag


def current(tags: Iterable[str]) -> dict[str, str]:
    """The current version of each tag; a tag with no version yet gets one (one cache round trip when all
    exist, two when some are new)."""
    tags = list(dict.fromkeys(tags))
    found = cache.get_many([version_key(tag) for tag in tags])
    versions = {tag: found.get(version_key(tag)) for tag in tags}
    missing = {tag for tag, version in versions.items() if version is None}
    if missing:
        fresh = {tag: secrets.token_hex(8) for tag in missing}
        # add(): two processes starting a tag at once keep the first token; re-read to agree on it.
        for tag, token in fresh.items():
            cache.add(version_key(tag), token, VERSION_SECONDS)
        again = cache.get_many([version_key(tag) for tag in missing])
        versions.update({tag: again.get(version_key(tag)) or fresh[tag] for tag in missing})
    return versions


def still_current(recorded: Mapping[str, str]) -> bool:
    """Whether every recorded tag still has the recorded version (an unknown version matches nothing)."""
    if not recorded:
        return False
    found = cache.get_many([version_key(tag) for tag in recorded])
    return all(found.get(version_key(tag)) == version for tag, version in recorded.items())


def bump_now(tags: Iterable[str]) -> None:
    """Give each tag a new version at once. Prefer `bump_on_commit` inside a transaction.

    A cache that cannot be reached is logged, not raised: the change it follows has already committed, and
    the entries it would invalidate expire by themselves (PAGE_CACHE_SECONDS).
    """
    tags = list(dict.fromkeys(tags))
    if not tags:
        return
    try:
        cache.set_many({version_key(tag): secrets.token_hex(8) for tag in tags}, VERSION_SECONDS)
    except Exception:
        logger.exception("could not bump cache versions %s", tags)
    _notify_purgers(tags)


def _after_commit(callback) -> None:
    # robust: a failing bump (cache down) is logged and never turns a committed sale into an error page.
    transaction.on_commit(callback, robust=True)


def bump_on_commit(tags: Iterable[str]) -> None:
    """Give each tag a new version once the current transaction commits (at once outside one)."""
    tags = list(dict.fromkeys(tags))
    if tags:
        _after_commit(partial(bump_now, tags))


def bump_products(product_ids: Sequence[int]) -> None:
    """Products changed: their pages and every listing, after commit. `catalog` goes last, since the page
    cache uses it to notice a change made while a page was being built."""
    ids = sorted({int(pk) for pk in product_ids})
    if ids:
        bump_on_commit([*(product_tag(pk) for pk in ids), CATALOG])


def _bump_variants_now(variant_ids: list[int]) -> None:
    from comptoir.catalog.models import Variant

    product_ids = sorted(set(Variant.objects.filter(pk__in=variant_ids).values_list("product_id", flat=True)))
    bump_now([*(product_tag(pk) for pk in product_ids), CATALOG])


def bump_variants(variant_ids: Sequence[int]) -> None:
    """Variants changed (price, stock): their products' pages and every listing, after commit. The variant →
    product lookup (one query) runs after commit, outside the writer's locks."""
    ids = sorted({int(pk) for pk in variant_ids})
    if ids:
        _after_commit(partial(_bump_variants_now, ids))


def bump_site() -> None:
    """The frame of every page changed (categories, channels, stores): every page, after commit."""
    bump_on_commit([SITE, CATALOG])


def _bump_low_levels(lowest: dict[int, int]) -> None:
    limit = max_low_stock_threshold()
    touched = sorted(variant_id for variant_id, shelf in lowest.items() if shelf <= limit)
    if touched:
        _bump_variants_now(touched)


def stock_levels_changed(changes: Iterable[tuple[int, int, int]]) -> None:
    """Stock levels moved: (variant id, units on the shelf before, after) for each level changed.

    A buyer is told "in stock" above the low-stock threshold, "only N left" at or below it, then backorder,
    pre-order or sold out: nothing they see changes while a level stays above the highest threshold in use,
    since a channel's units are the sum of its levels and one level above it keeps the sum above it too. So a
    sale of one unit among hundreds bumps nothing; the last units of a variant bump its page once each.
    Called inside the writer's locked transaction: it only notes the levels; the decision (a cached number)
    and the bump run after commit.
    """
    lowest: dict[int, int] = {}
    for variant_id, before, after in changes:
        lowest[variant_id] = min(lowest.get(variant_id, before), before, after)
    if lowest:
        _after_commit(partial(_bump_low_levels, lowest))


THRESHOLD_KEY = PREFIX + "max-low-stock-threshold"


def max_low_stock_threshold() -> int:
    """The highest low-stock threshold of any variant (the default when none is set). Cached for 5 minutes;
    `forget_low_stock_threshold` drops it when a stock policy changes."""
    try:
        value = cache.get(THRESHOLD_KEY)
    except Exception:
        value = None
    if value is None:
        from django.db.models import Max

        from comptoir.inventory.models import StockPolicy
        from comptoir.inventory.queries import LOW_STOCK_THRESHOLD

        highest = StockPolicy.objects.aggregate(top=Max("low_stock_threshold"))["top"] or 0
        value = max(highest, LOW_STOCK_THRESHOLD)
        with contextlib.suppress(Exception):
            cache.set(THRESHOLD_KEY, value, 300)
    return value


def forget_low_stock_threshold() -> None:
    cache.delete(THRESHOLD_KEY)


# What each recorded event bumps once its transaction commits (see core.events.record_event).
def bump_for_event(name: str, payload: Mapping) -> None:
    if name in ("catalog.products_changed",):
        bump_products(payload.get("product_ids") or [])
    elif name == "catalog.product_updated":
        bump_products([payload["product_id"]] if payload.get("product_id") else [])
    elif name in ("pricing.prices_changed", "inventory.stock_changed"):
        if name == "inventory.stock_changed":
            _after_commit(forget_low_stock_threshold)
        bump_variants(payload.get("variant_ids") or [])
    elif name in ("catalog.categories_changed", "core.channel_saved"):
        bump_site()


EVENTS = (
    "catalog.products_changed",
    "catalog.product_updated",
    "catalog.categories_changed",
    "core.channel_saved",
    "pricing.prices_changed",
    "inventory.stock_changed",
)


def surrogate_keys(tags: Iterable[str]) -> str:
    """The tags as a `Surrogate-Key` / `Cache-Tag` header value, for a CDN that purges by key."""
    return " ".join(SURROGATE_PREFIX + tag.replace(":", "-") for tag in tags)


_purgers: list = []


def register_purger(purge) -> None:
    """Call `purge(surrogate_keys)` after every bump (a CDN purge by key: see docs/caching.md)."""
    if purge not in _purgers:
        _purgers.append(purge)


def _notify_purgers(tags: list[str]) -> None:
    if not _purgers:
        return
    keys = surrogate_keys(tags).split()
    for purge in list(_purgers):
        try:
            purge(keys)
        except Exception:  # a CDN that is down must not fail the write that already committed
            logger.exception("CDN purge failed for %s", keys)
