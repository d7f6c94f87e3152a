"""The storefront's page cache: anonymous browsing pages served from the cache, HTTP caching headers for
browsers and CDNs, and conditional GET (304).

A view opts in with `public_page(response, tags=...)`: the page is the same for every visitor of its
channel and language, and depends on the cache-version tags it names (`comptoir.core.cache_versions`).
`PageCacheMiddleware`, placed before the session, CSRF and locale middleware, then

- answers a GET from the cache when the request carries no personal cookie (session, chosen store,
  messages) and every tag still has the version the entry recorded — no query, no template, no session;
- otherwise lets the view render, and stores the page when it is safe to share: status 200, no cookie set,
  no CSRF token or CSP nonce in it, and no catalogue change happened while it was being built;
- gives public pages `Cache-Control: public, max-age, s-maxage, stale-while-revalidate`, an ETag, a
  Last-Modified, `Vary: Cookie, HX-Request` and `Surrogate-Key`/`Cache-Tag` headers, answers a matching
  `If-None-Match`/`If-Modified-Since` with 304 — and turns the same page rendered for a signed-in or
  otherwise personal request into `private, no-store`.

The cache key holds the scheme, host, path (with its language prefix), the query string (sorted, tracking
parameters dropped), the channel cookie and the htmx request headers: a French page is never served for an
English address, nor a euro page to a buyer who chose dollars. The cart cookie does not bypass the cache:
shop pages do not show the cart (the header's count loads by itself through htmx), so a buyer with a cart
gets the same cached page and their own count.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

from comptoir.core import cache_versions
from comptoir.core.middleware import CHANNEL_COOKIE

logger = logging.getLogger(__name__)

STORE_COOKIE = "comptoir_store"  # comptoir.storefront.stores.STORE_COOKIE (not imported: it pulls the ORM in)
KEY_PREFIX = "page:2:"  # bump when Entry changes shape: old entries are then never read
TRACKING_PARAMETERS = ("utm_", "gclid", "fbclid", "msclkid", "mc_cid", "mc_eid")
HEADERS_NOT_STORED = {"set-cookie", "date", "x-cache", "age"}


def _setting(name: str, default):
    return settings.COMPTOIR.get(name, default)


def enabled() -> bool:
    return bool(_setting("PAGE_CACHE", False))


def fragments_enabled() -> bool:
    return bool(_setting("FRAGMENT_CACHE", False))


def personal_cookies() -> tuple[str, ...]:
    """Cookies that make a page the buyer's own: their presence bypasses the page cache."""
    return (settings.SESSION_COOKIE_NAME, STORE_COOKIE, "messages")


def _normalised_query(query: str) -> str:
    pairs = [
        (name, value)
        for name, value in parse_qsl(query, keep_blank_values=True)
        if not name.startswith(TRACKING_PARAMETERS)
    ]
    return urlencode(sorted(pairs))


def page_key(request: HttpRequest) -> str | None:
    """The cache key of this request's page, or None when it must not come from the cache."""
    if request.method != "GET":
        return None
    if any(name in request.COOKIES for name in personal_cookies()) or "HTTP_AUTHORIZATION" in request.META:
        return None
    meta = request.META
    parts = (
        request.scheme,
        request.get_host(),
        request.path,
        _normalised_query(meta.get("QUERY_STRING", "")),
        request.COOKIES.get(CHANNEL_COOKIE, ""),
        # The same address answers a whole page or an htmx region (views._common.wants_partial).
        meta.get("HTTP_HX_REQUEST", ""),
        meta.get("HTTP_HX_BOOSTED", ""),
        meta.get("HTTP_HX_HISTORY_RESTORE_REQUEST", ""),
    )
    return KEY_PREFIX + hashlib.sha256("\n".join(parts).encode()).hexdigest()


@dataclass(slots=True)
class Entry:
    versions: dict[str, str]
    status: int
    headers: dict[str, tuple[str, str]]  # HttpResponse.headers' own store: lower-case name -> (name, value)
    content: bytes
    stored_at: float

    def response(self) -> HttpResponse:
        response = HttpResponse(self.content, status=self.status)
        # The headers were checked and encoded when the page was stored: copied as they are, which costs a
        # tenth of setting them one by one (a third of a hit's time went there).
        response.headers._store.update(self.headers)
        response.headers["Age"] = str(max(int(time.time() - self.stored_at), 0))
        return response


# The tags each page key was stored with, learned by this process: a hit then reads the entry and the
# versions in one round trip. Only a hint — the entry's own recorded tags decide (see `_lookup`).
_KNOWN_TAGS: dict[str, tuple[str, ...]] = {}
KNOWN_TAGS_LIMIT = 50_000


def _remember_tags(key: str, tags: tuple[str, ...]) -> None:
    if len(_KNOWN_TAGS) >= KNOWN_TAGS_LIMIT:
        _KNOWN_TAGS.clear()
    _KNOWN_TAGS[key] = tags


def _lookup(key: str) -> Entry | None:
    """The entry for `key` if every tag it recorded still has the recorded version, else None."""
    hinted = _KNOWN_TAGS.get(key)
    if hinted:
        found = cache.get_many([key, *(cache_versions.version_key(tag) for tag in hinted)])
        entry = found.get(key)
        if entry is None:
            return None
        if tuple(entry.versions) == hinted:
            fresh = all(found.get(cache_versions.version_key(t)) == v for t, v in entry.versions.items())
            return entry if fresh else None
    else:
        entry = cache.get(key)
        if entry is None:
            return None
    _remember_tags(key, tuple(entry.versions))
    return entry if cache_versions.still_current(entry.versions) else None


def public_page(response: HttpResponse, *, tags: Iterable[str], seconds: int | None = None) -> HttpResponse:
    """Declare `response` the same for every anonymous visitor of this channel and language, built from
    `tags` (cache-version tags). The page cache may keep it `seconds` (default PAGE_CACHE_SECONDS)."""
    response.page_cache_tags = list(dict.fromkeys(tags))
    response.page_cache_seconds = seconds or _setting("PAGE_CACHE_SECONDS", 600)
    patch_vary_headers(response, ["Cookie", "HX-Request"])
    return response


def _shareable(request: HttpRequest, response: HttpResponse) -> bool:
    """Whether a page declared public holds nothing of this visitor's: no cookie set, no CSRF token, no
    CSP nonce (a nonce served to everyone protects nothing)."""
    if response.cookies or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False
    csp = response.headers.get("Content-Security-Policy", "")
    return "'nonce-" not in csp


def _cache_control(seconds: int) -> str:
    browser = _setting("PAGE_MAX_AGE", 30)
    shared = _setting("PAGE_S_MAXAGE", 60)
    stale = _setting("PAGE_STALE_WHILE_REVALIDATE", 30)
    return f"public, max-age={min(browser, seconds)}, s-maxage={min(shared, seconds)}, stale-while-revalidate={stale}"


def _finish_public(response: HttpResponse, *, seconds: int, stored_at: float) -> None:
    """The headers of a page anyone may cache: Cache-Control, ETag, Last-Modified, surrogate keys."""
    response.headers["Cache-Control"] = _cache_control(seconds)
    response.headers["ETag"] = '"' + hashlib.md5(response.content, usedforsecurity=False).hexdigest() + '"'
    response.headers["Last-Modified"] = http_date(stored_at)
    keys = cache_versions.surrogate_keys(response.page_cache_tags)
    response.headers["Surrogate-Key"] = keys  # Fastly, Varnish (xkey)
    response.headers["Cache-Tag"] = keys.replace(" ", ",")  # Cloudflare, KeyCDN


def _conditional(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """304 when the visitor's copy (If-None-Match / If-Modified-Since) is the current page."""
    last_modified = response.headers.get("Last-Modified")
    from django.utils.http import parse_http_date_safe

    return get_conditional_response(
        request,
        etag=response.headers.get("ETag"),
        last_modified=parse_http_date_safe(last_modified) if last_modified else None,
        response=response,
    )


class PageCacheMiddleware:
    """Serve and store anonymous storefront pages (see the module docstring). Goes after WhiteNoise and
    before the session, CSRF, locale and channel middleware, so a hit costs two cache reads and nothing else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = page_key(request) if enabled() else None
        guard: dict[str, str] | None = None
        if key is not None:
            try:
                entry = _lookup(key)
                if entry is not None:
                    response = entry.response()
                    response.headers["X-Cache"] = "hit"
                    return _conditional(request, response)
                guard = cache_versions.current([cache_versions.CATALOG])
            except Exception:  # the cache is down: serve the live page
                logger.warning("page cache unavailable", exc_info=True)
                key = None
        response = self.get_response(request)
        tags = getattr(response, "page_cache_tags", None)
        if tags is None or response.status_code != 200 or response.streaming:
            return response
        personal = page_key(request) is None if request.method == "GET" else True
        if personal or not _shareable(request, response):
            response.headers["Cache-Control"] = "private, no-store"
            for name in ("Surrogate-Key", "Cache-Tag"):
                response.headers.pop(name, None)
            return response
        seconds = response.page_cache_seconds
        stored_at = time.time()
        _finish_public(response, seconds=seconds, stored_at=stored_at)
        if key is not None:
            response.headers["X-Cache"] = "miss"
            self._store(key, response, tags=tags, guard=guard, seconds=seconds, stored_at=stored_at)
        return _conditional(request, response)

    @staticmethod
    def _store(
        key: str, response: HttpResponse, *, tags: list[str], guard: dict | None, seconds: int, stored_at: float
    ) -> None:
        try:
            versions = cache_versions.current([*tags, cache_versions.CATALOG])
            if guard is None or versions[cache_versions.CATALOG] != guard[cache_versions.CATALOG]:
                return  # the catalogue changed while the page was built: it may show the old state
            recorded = {tag: versions[tag] for tag in tags}
            headers = {
                lower: pair for lower, pair in response.headers._store.items() if lower not in HEADERS_NOT_STORED
            }
            cache.set(key, Entry(recorded, response.status_code, headers, response.content, stored_at), seconds)
            _remember_tags(key, tuple(recorded))
        except Exception:
            logger.warning("could not store a page in the cache", exc_info=True)


# --- Fragments ------------------------------------------------------------------------------------------------
# What a page that cannot come whole from the cache (a signed-in customer's, a variant choice never asked
# before, a page in the middle of a change) still reuses: the category menu, a product's detail. Same
# versioned tags as pages; same rule that something built while the catalogue changed is not kept.

FRAGMENT_PREFIX = "fragment:1:"
_MISSING = object()


def fragment_key(*parts: object) -> str:
    return FRAGMENT_PREFIX + hashlib.sha256("\n".join(str(p) for p in parts).encode()).hexdigest()


def cached_fragment(key: str, build, *, tags, seconds: int | None = None):
    """The value cached under `key` while its tags keep their versions, else `build()` (then kept).

    `tags` is a list, or a function of the built value (a product's tag is known once it is read). A
    cache that cannot be reached costs only the build.
    """
    if not fragments_enabled():
        return build()
    try:
        entry = cache.get(key)
        if entry is not None and cache_versions.still_current(entry[0]):
            return entry[1]
        guard = cache_versions.current([cache_versions.CATALOG])[cache_versions.CATALOG]
    except Exception:
        logger.warning("fragment cache unavailable", exc_info=True)
        return build()
    value = build()
    try:
        names = list(tags(value) if callable(tags) else tags)
        versions = cache_versions.current([*names, cache_versions.CATALOG])
        if versions[cache_versions.CATALOG] == guard:
            recorded = {name: versions[name] for name in names}
            cache.set(key, (recorded, value), seconds or _setting("PAGE_CACHE_SECONDS", 600))
    except Exception:
        logger.warning("could not store a fragment in the cache", exc_info=True)
    return value
