"""A small per-client rate limit on the Django cache, for the public tries that guess at secrets (gift-card
balance checks). Fixed windows: at most `limit` tries per client per `window` seconds; the answer to a
refused try says when the window ends (HTTP Retry-After).

The count lives in the shared cache (Redis in production), so every app server sees the same count; with
the local-memory cache of a one-machine demo it is per process, which is still a brake.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest


@dataclass(frozen=True, slots=True)
class RateLimit:
    scope: str
    limit: int
    window: int  # seconds


# The balance page and the API share one count: trying codes through either uses the same allowance.
GIFT_CARD_BALANCE = RateLimit(scope="gift-card-balance", limit=10, window=600)


def client_key(request: HttpRequest) -> str:
    """Who is trying: the client's IP address as the web server passed it (REMOTE_ADDR).

    Behind a reverse proxy, the proxy must set REMOTE_ADDR to the real client (e.g. gunicorn's
    `--forwarded-allow-ips`); otherwise every buyer shares the proxy's allowance.
    """
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(rule: RateLimit, *, key: str, now: float | None = None) -> int | None:
    """Count one try of `key` against `rule`. None when allowed; else the seconds until tries are allowed again."""
    now = time.time() if now is None else now
    window = int(now // rule.window)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]  # cache keys stay short and free of odd characters
    cache_key = f"ratelimit:{rule.scope}:{window}:{digest}"
    cache.add(cache_key, 0, timeout=rule.window + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # evicted between add() and incr()
        cache.set(cache_key, 1, timeout=rule.window + 5)
        count = 1
    if count <= rule.limit:
        return None
    return max(1, math.ceil((window + 1) * rule.window - now))
