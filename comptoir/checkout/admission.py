"""Checkout admission: the waiting room that lets buyers into checkout at the rate the shop can serve.

When it is on, a buyer who comes to checkout without an admission takes a number (first come, first served)
and is admitted once the shop is serving that number; the others wait on a page that shows their place and
refreshes itself (the API answers 503 with Retry-After). Numbers are served by a token bucket: every second,
`rate` more numbers are let in, never more than one second's worth ahead of the queue, so an idle shop does
not save up a flood. An admitted buyer keeps their admission for `ticket_minutes` (a signed cookie on the
storefront, a cache entry per cart for the API): they are never queued again in the middle of a checkout.

Modes (settings `COMPTOIR["WAITING_ROOM"]`, switched at run time by `manage.py waiting_room`):
- `off`: nothing happens — no cache call beyond reading the switch, no query.
- `on`: every buyer entering checkout goes through the bucket (with no queue, at once).
- `auto`: the bucket applies only while the shop is under load — checkout requests recently slower than
  `latency_ms` on average, or `threshold` of them in flight at once — and for as long as a queue remains.

Everything lives in the Django cache with atomic `add`/`incr`/`decr`, so every app server shares one queue
when the cache is Redis (with the local-memory cache of a demo each process has its own). When the cache
is unreachable the waiting room lets buyers in (it fails open): the stock lock, not the queue, is what
prevents overselling, and a shop that cannot reach Redis should still sell.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from dataclasses import dataclass
from time import sleep

from django.conf import settings
from django.core import signing
from django.core.cache import cache

logger = logging.getLogger(__name__)

MODES = ("off", "on", "auto")
SWITCH_KEY = "admission:switch"
SWITCH_LOCK_KEY = "admission:switch-lock"
NEXT_KEY = "admission:next"
SERVING_KEY = "admission:serving"
LAST_TICK_KEY = "admission:last-tick"
IN_FLIGHT_KEY = "admission:in-flight"
LATENCY_WINDOW = 5  # seconds per window of the recent-latency average (this one and the one before)
SIGNING_SALT = "comptoir.checkout.admission"
COOKIE = "comptoir_admission"


@dataclass(frozen=True, slots=True)
class Config:
    mode: str = "off"
    rate: int = 10
    """Buyers admitted per second."""
    threshold: int = 8
    """auto: checkout requests in flight at once that count as load."""
    latency_ms: int = 1000
    """auto: average duration of recent checkout requests that counts as load."""
    ticket_minutes: int = 20
    refresh_seconds: int = 5
    """How often the waiting page reloads itself (and the API's smallest Retry-After)."""
    trust_request_start: bool = False
    """auto: count the time a request waited before the app (the proxy's `X-Request-Start: t=<seconds>`)."""


def config() -> Config:
    """The settings, with the run-time switch of `manage.py waiting_room` on top (one cache read)."""
    base = dict(getattr(settings, "COMPTOIR", {}).get("WAITING_ROOM", {}))
    try:
        switch = cache.get(SWITCH_KEY)
    except Exception:
        logger.warning("waiting room: the cache cannot be read; using the settings", exc_info=True)
        switch = None
    if isinstance(switch, dict):
        base.update(switch)
    fields = Config.__dataclass_fields__
    values = {key.lower(): value for key, value in base.items() if key.lower() in fields}
    if values.get("mode") not in MODES:
        values["mode"] = "off"
    values["rate"] = max(1, int(values.get("rate", 10)))
    return Config(**values)


class SwitchBusyError(Exception):
    """Another switch held the lock for the whole wait (or the cache refuses writes)."""


@contextlib.contextmanager
def _switch_lock(*, attempts: int = 100, pause: float = 0.05):
    """One switch at a time across app servers, so two staff changing different fields at the same instant
    both keep their change. `cache.add` is atomic; the lock lapses by itself after 5 s if its holder dies."""
    for _attempt in range(attempts):
        errors = getattr(cache, "errors", 0)  # counted by the degrading Redis cache (comptoir.core.cache)
        if cache.add(SWITCH_LOCK_KEY, 1, timeout=5):
            break
        if getattr(cache, "errors", 0) != errors:
            raise SwitchBusyError  # the cache is away: waiting would not help
        sleep(pause)
    else:
        raise SwitchBusyError
    try:
        yield
    finally:
        cache.delete(SWITCH_LOCK_KEY)


def switch(**changes) -> Config:
    """Change the mode, rate or thresholds for every app server (until the cache is flushed). Fields not given
    keep their switched value. Raises SwitchBusyError when another switch holds the lock for 5 seconds."""
    with _switch_lock():
        current = cache.get(SWITCH_KEY) or {}
        current.update({key: value for key, value in changes.items() if value is not None})
        cache.set(SWITCH_KEY, current, timeout=None)
    return config()


def reset_switch() -> Config:
    with _switch_lock():
        cache.delete(SWITCH_KEY)
    return config()


def switched() -> dict[str, object]:
    """What the run-time switch sets over the settings, by field name (`mode`, `rate`...): empty when the
    settings apply, or when the cache cannot be read (then `config()` uses the settings too)."""
    try:
        switch = cache.get(SWITCH_KEY)
    except Exception:
        return {}
    return {key.lower(): value for key, value in switch.items()} if isinstance(switch, dict) else {}


# --- Tickets ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ticket:
    """A buyer's place: their number while waiting; `until` (a timestamp) once admitted."""

    number: int = 0
    until: float = 0.0

    def admitted(self, now: float) -> bool:
        return self.until > now

    def dumps(self) -> str:
        return signing.dumps({"n": self.number, "u": round(self.until)}, salt=SIGNING_SALT, compress=True)

    @classmethod
    def loads(cls, value: str | None) -> Ticket | None:
        """The ticket a cookie carries; None when missing or tampered with."""
        if not value or len(value) > 300:
            return None
        try:
            data = signing.loads(value, salt=SIGNING_SALT)
            return cls(number=int(data.get("n", 0)), until=float(data.get("u", 0)))
        except (signing.BadSignature, TypeError, ValueError, AttributeError):
            return None


@dataclass(frozen=True, slots=True)
class Decision:
    admitted: bool
    ticket: Ticket
    position: int = 0
    """Buyers ahead, plus this one (1 = next)."""
    wait_seconds: int = 0


# --- The queue ----------------------------------------------------------------------------------------------


def _incr(key: str, delta: int = 1) -> int:
    cache.add(key, 0, timeout=None)
    try:
        return cache.incr(key, delta)
    except ValueError:  # evicted between add() and incr()
        cache.set(key, delta, timeout=None)
        return delta


def take_number() -> int:
    """The next number in the queue (atomic across app servers)."""
    return _incr(NEXT_KEY)


def now_serving(cfg: Config, *, now: float) -> int:
    """The highest number let in so far. The first request of each second (cache.add decides which, across
    app servers) lets `rate` more numbers in per second elapsed, then gives back what runs ahead of the queue
    by more than one second's worth: an empty waiting room does not bank admissions for later."""
    second = int(now)
    if cache.add(f"admission:tick:{second}", 1, timeout=10):
        last = cache.get(LAST_TICK_KEY)
        cache.set(LAST_TICK_KEY, second, timeout=None)
        elapsed = 1 if last is None else max(0, min(second - int(last), 60))
        if elapsed:
            serving = _incr(SERVING_KEY, cfg.rate * elapsed)
            issued = cache.get(NEXT_KEY) or 0
            ahead = serving - (issued + cfg.rate)
            if ahead > 0:
                cache.decr(SERVING_KEY, ahead)
                return serving - ahead
            return serving
    return cache.get(SERVING_KEY) or 0


def queue_length(*, now: float | None = None) -> int:
    values = cache.get_many([NEXT_KEY, SERVING_KEY])
    return max(0, (values.get(NEXT_KEY) or 0) - (values.get(SERVING_KEY) or 0))


def under_load(cfg: Config, *, now: float) -> bool:
    """auto: whether checkout is busy enough to queue newcomers (or a queue is still being served)."""
    window = int(now // LATENCY_WINDOW)
    keys = [IN_FLIGHT_KEY, NEXT_KEY, SERVING_KEY] + [
        f"admission:latency:{w}:{part}" for w in (window, window - 1) for part in ("ms", "n")
    ]
    values = cache.get_many(keys)
    if (values.get(IN_FLIGHT_KEY) or 0) >= cfg.threshold:
        return True
    if (values.get(NEXT_KEY) or 0) > (values.get(SERVING_KEY) or 0):
        return True
    total_ms = sum(values.get(f"admission:latency:{w}:ms") or 0 for w in (window, window - 1))
    count = sum(values.get(f"admission:latency:{w}:n") or 0 for w in (window, window - 1))
    return count >= 5 and total_ms / count >= cfg.latency_ms


def admit(cfg: Config, ticket: Ticket | None, *, now: float | None = None) -> Decision:
    """Let the holder of `ticket` into checkout, or tell them their place. Never queues an admitted buyer."""
    now = time.time() if now is None else now
    admitted_until = now + cfg.ticket_minutes * 60
    if ticket is not None and ticket.admitted(now):
        return Decision(True, ticket)
    # A buyer waiting keeps their number; one whose admission lapsed queues again from the back.
    waiting = ticket is not None and ticket.number > 0 and not ticket.until
    if cfg.mode == "off" or (cfg.mode == "auto" and not waiting and not under_load(cfg, now=now)):
        return Decision(True, Ticket(until=admitted_until))
    number = ticket.number if waiting else take_number()
    serving = now_serving(cfg, now=now)
    if number <= serving:
        return Decision(True, Ticket(number=number, until=admitted_until))
    position = number - serving
    return Decision(False, Ticket(number=number), position, max(1, math.ceil(position / cfg.rate)))


def safe_admit(cfg: Config, ticket: Ticket | None, *, now: float | None = None) -> Decision:
    """`admit`, failing open when the cache cannot be reached (an exception, or a cache that counts its
    failures, comptoir.core.cache, counted one meanwhile)."""
    errors_before = getattr(cache, "errors", 0)
    try:
        decision = admit(cfg, ticket, now=now)
        if getattr(cache, "errors", 0) == errors_before:
            return decision
    except Exception:
        logger.warning("waiting room: the cache cannot be reached; letting the buyer in", exc_info=True)
    now = time.time() if now is None else now
    return Decision(True, Ticket(until=now + cfg.ticket_minutes * 60))


def queued_seconds(header: str | None, *, now: float) -> float:
    """How long a request waited before reaching the app, from the proxy's `X-Request-Start` (`t=<seconds>`,
    with or without a fraction, or in milliseconds/microseconds as nginx and others write it); 0 when absent
    or implausible. Capped at a minute: a forged header can only say "busy", not stall the queue forever."""
    if not header:
        return 0.0
    value = header.strip().removeprefix("t=")
    try:
        started = float(value)
    except ValueError:
        return 0.0
    while started > now * 10:  # milliseconds or microseconds since the epoch
        started /= 1000
    waited = now - started
    return min(waited, 60.0) if waited > 0 else 0.0


class Measure:
    """Counts a checkout request in flight and records how long it took (auto mode's load signals): the time
    in the app, plus the time it waited before (behind a proxy that stamps `X-Request-Start`, when trusted).
    """

    def __init__(self, cfg: Config, *, request_start: str | None = None) -> None:
        self.active = cfg.mode == "auto"
        self.began = 0.0
        self.waited = queued_seconds(request_start, now=time.time()) if cfg.trust_request_start else 0.0

    def __enter__(self) -> Measure:
        if self.active:
            self.began = time.monotonic() - self.waited
            try:
                cache.add(IN_FLIGHT_KEY, 0, timeout=300)
                cache.incr(IN_FLIGHT_KEY)
            except Exception:
                self.active = False
        return self

    def __exit__(self, *exc) -> None:
        if not self.active:
            return
        elapsed_ms = round((time.monotonic() - self.began) * 1000)
        window = int(time.time() // LATENCY_WINDOW)
        try:
            cache.decr(IN_FLIGHT_KEY)
            for part, delta in (("ms", elapsed_ms), ("n", 1)):
                key = f"admission:latency:{window}:{part}"
                cache.add(key, 0, timeout=LATENCY_WINDOW * 3)
                cache.incr(key, delta)
        except Exception:
            pass


# --- The API: the admission is kept per cart ------------------------------------------------------------------


def _cart_key(cart_token: str) -> str:
    return f"admission:cart:{cart_token}"


def cart_admitted(cart_token: str, *, now: float) -> bool:
    """Whether the API buyer of this cart holds an unexpired admission (False when the cache is away)."""
    try:
        stored = cache.get(_cart_key(cart_token))
    except Exception:
        return False
    return isinstance(stored, dict) and Ticket(**stored).admitted(now)


def api_gate(cart_token: str, *, now: float | None = None):
    """For the buying API's hold and place-order calls: None when the cart's buyer may go on, else a 503
    problem response with Retry-After and their place. The cart's ticket is kept in the cache."""
    cfg = config()
    if cfg.mode == "off":
        return None
    try:
        stored = cache.get(_cart_key(cart_token))
    except Exception:
        stored = None
    ticket = Ticket(**stored) if isinstance(stored, dict) else None
    decision = safe_admit(cfg, ticket, now=now)
    if decision.ticket != ticket:
        with contextlib.suppress(Exception):  # fail open
            cache.set(_cart_key(cart_token), {"number": decision.ticket.number, "until": decision.ticket.until},
                      timeout=cfg.ticket_minutes * 60)  # fmt: skip
    if decision.admitted:
        return None
    from comptoir.core.errors import problem, problem_response

    retry_after = max(cfg.refresh_seconds, min(decision.wait_seconds, 60))
    body = problem(
        status=503,
        title="Waiting room",
        detail="Many buyers are checking out: this cart has its place in the queue. Try again after Retry-After "
        "seconds; the place is kept.",
        code="waiting-room",
        position=decision.position,
        retry_after=retry_after,
    )
    return problem_response(body, headers={"Retry-After": str(retry_after)})
