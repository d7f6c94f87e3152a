"""Brakes on guessing, counted in the Django cache (Redis in production, so every app server shares the count).

A `Limit` allows `limit` counted tries per key within `window` seconds from the first one; then the key is
refused until that window ends. What counts is the caller's choice: the sign-in counts failed passwords only
(a buyer who signs in is never slowed down), the order finder counts every request (each one may e-mail).

With the local-memory cache of a one-machine demo the count is per process, which is still a brake.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest

from comptoir.customers.errors import RateLimitedError


@dataclass(frozen=True, slots=True)
class Limit:
    scope: str
    limit: int
    window: int  # seconds


# 5 wrong passwords for one address from one client in 15 minutes: then that pair waits out the window.
SIGN_IN = Limit(scope="sign-in", limit=5, window=15 * 60)
# Password-reset and order-lookup mails: a few per client, so the forms cannot be used to flood an inbox.
PASSWORD_RESET = Limit(scope="password-reset", limit=5, window=15 * 60)
FIND_ORDER = Limit(scope="find-order", limit=5, window=15 * 60)
# Accounts opened from one client: enough for a family behind one address, too few for a script.
SIGN_UP = Limit(scope="sign-up", limit=10, window=60 * 60)


def client_ip(request: HttpRequest) -> str:
    """The client's address as the web server passed it (REMOTE_ADDR).

    Behind a reverse proxy, the proxy must set REMOTE_ADDR to the real client (gunicorn's
    `--forwarded-allow-ips`); otherwise every buyer shares the proxy's allowance.
    """
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _keys(rule: Limit, key: str) -> tuple[str, str]:
    # Hashed: cache keys stay short and free of the characters an e-mail address may hold.
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    base = f"ratelimit:{rule.scope}:{digest}"
    return base, f"{base}:until"


def retry_after(rule: Limit, *, key: str, now: float | None = None) -> int | None:
    """Seconds until `key` may try again, or None when it may try now."""
    count_key, until_key = _keys(rule, key)
    values = cache.get_many([count_key, until_key])
    if values.get(count_key, 0) < rule.limit:
        return None
    now = time.time() if now is None else now
    return max(1, math.ceil(values.get(until_key, now + rule.window) - now))


def count(rule: Limit, *, key: str, now: float | None = None) -> int:
    """Count one try of `key`; returns how many it made in the current window."""
    now = time.time() if now is None else now
    count_key, until_key = _keys(rule, key)
    # add() only writes when absent: the first try of a window sets when it ends.
    cache.add(until_key, now + rule.window, timeout=rule.window)
    cache.add(count_key, 0, timeout=rule.window)
    try:
        return cache.incr(count_key)
    except ValueError:  # expired between add() and incr()
        cache.set(count_key, 1, timeout=rule.window)
        return 1


def check(rule: Limit, *, key: str) -> None:
    """Raise RateLimitedError (429, with the wait) when `key` has used up its tries."""
    wait = retry_after(rule, key=key)
    if wait is not None:
        raise RateLimitedError(data={"retry_after": wait})


def hit(rule: Limit, *, key: str) -> None:
    """Check, then count this try: for limits on every request rather than on failures."""
    check(rule, key=key)
    count(rule, key=key)


def reset(rule: Limit, *, key: str) -> None:
    cache.delete_many(list(_keys(rule, key)))
