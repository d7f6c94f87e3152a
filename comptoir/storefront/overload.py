"""Load shedding: a request that already waited too long in front of the app is answered "busy" at once.

On the day the newsletter goes out, more buyers can arrive than the app servers can serve. Requests then wait
in the proxy's and the server's queues, each one making the next wait longer, until every page takes many
seconds and clients time out. Behind a proxy that stamps the time a request arrived (`X-Request-Start`, as
nginx, HAProxy and most load balancers can), this middleware looks at that wait first: past
`COMPTOIR["SHED_QUEUE_MS"]` the request is answered 503 with Retry-After — a short page that reloads itself
after those seconds, a problem-JSON body for the API — before any session, query or template work. The
work dropped is work the queue no longer holds: it drains, and the buyers still queued wait less.

What is never shed:
- a page the page cache serves (PageCacheMiddleware answers before this one, in under a millisecond);
- the back office, and payment providers' webhooks (they confirm money taken);
- paying an order already placed, and its confirmation (page or API);
- a buyer the checkout waiting room has admitted (comptoir.checkout.admission): they finish their checkout;
- while the waiting room is on or auto, its door (the checkout page, the API's hold and order calls): a buyer
  with a cart takes a place in its queue, first come first served, instead of being shed at random.

Shedding is off unless SHED_QUEUE_MS is set, and needs the proxy's header: without it nothing is shed.
A client that forges the header can only get its own request shed.
"""

from __future__ import annotations

import functools
import logging
import random
import re
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils import translation
from django.utils.cache import add_never_cache_headers

from comptoir.checkout import admission
from comptoir.core.errors import problem, problem_response

logger = logging.getLogger(__name__)

HEADER = "Comptoir-Overload"
"""On a shed answer: `shed` (for scripts, load tests and the proxy's logs)."""
NEVER_SHED = re.compile(
    r"^/(admin|payments|static|media)/"  # staff, providers' webhooks, files
    r"|^/[\w-]+/checkout/(pay|done)/"  # paying an order placed (its stock is set aside for it), its receipt
    r"|^/api/v1/orders/"  # the same through the API
)
API_CART = re.compile(r"^/api/v1/carts/(?P<token>[\w-]+)/")
WAITING_ROOM_DOOR = re.compile(r"^/[\w-]+/checkout/$|^/api/v1/carts/[\w-]+/(hold|order)$")
"""Where a buyer with a cart enters checkout: with the waiting room on, they take a place in its queue there
(first come, first served, a page that says how long) rather than being shed at random."""


def shed_after_ms() -> int:
    return int(settings.COMPTOIR.get("SHED_QUEUE_MS", 0) or 0)


def retry_after_seconds() -> int:
    """The configured wait plus up to as much again at random, so that shed buyers do not all come back in
    the same second."""
    base = max(1, int(settings.COMPTOIR.get("SHED_RETRY_SECONDS", 5)))
    return base + random.randint(0, base)  # spreading retries, not a secret


def should_shed(request: HttpRequest, *, limit_ms: int, now: float) -> bool:
    if limit_ms <= 0 or NEVER_SHED.match(request.path):
        return False
    if admission.queued_seconds(request.headers.get("X-Request-Start"), now=now) * 1000 <= limit_ms:
        return False
    # A buyer the waiting room admitted finishes: on the storefront a signed, unexpired ticket (a forged
    # cookie is no pass), through the API a cart with an admission.
    ticket = admission.Ticket.loads(request.COOKIES.get(admission.COOKIE))
    if ticket is not None and ticket.admitted(now):
        return False
    cart = API_CART.match(request.path)
    if cart and admission.cart_admitted(cart["token"], now=now):
        return False
    return not (WAITING_ROOM_DOOR.match(request.path) and admission.config().mode != "off")


def busy_response(request: HttpRequest) -> HttpResponse:
    retry_after = retry_after_seconds()
    if request.path.startswith("/api/"):
        body = problem(
            status=503,
            title="Busy",
            detail="The shop has more requests than it can answer right now. Try again after Retry-After seconds.",
            code="overloaded",
            retry_after=retry_after,
        )
        response = problem_response(body, headers={"Retry-After": str(retry_after)})
    else:
        language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
        # A page asked for is asked again by the page itself; a form sent is not sent again unseen.
        page = busy_page(language, retry_after, reload=request.method in ("GET", "HEAD"))
        response = HttpResponse(page, status=503)
        response["Retry-After"] = str(retry_after)
    response[HEADER] = "shed"
    add_never_cache_headers(response)
    return response


@functools.lru_cache(maxsize=128)
def busy_page(language: str, retry_after: int, *, reload: bool) -> str:
    """The busy page, rendered once per language, wait and kind (a handful of variants): shedding must cost
    next to nothing, or it adds to the load it sheds."""
    context = {"retry_after": retry_after, "reload": reload, "home": f"/{language}/"}
    with translation.override(language):
        return loader.get_template("busy.html").render(context)


class OverloadMiddleware:
    """Sheds requests that waited longer than `SHED_QUEUE_MS` before reaching the app (module docstring)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit_ms = shed_after_ms()
        if limit_ms and should_shed(request, limit_ms=limit_ms, now=time.time()):
            logger.info("shed %s %s: queued longer than %d ms", request.method, request.path, limit_ms)
            return busy_response(request)
        return self.get_response(request)
