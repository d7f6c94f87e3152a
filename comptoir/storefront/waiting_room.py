"""The storefront side of the checkout waiting room (comptoir.checkout.admission): the gate on the checkout
views, and the page a queued buyer waits on.

The gate lets an admitted buyer through (their signed admission cookie) and gives a newcomer a number; a
buyer not yet admitted sees the waiting page at the checkout address — their place, an estimate, a page
that reloads itself every few seconds (a meta refresh: no JavaScript needed) — or, at once, that an item in
their cart has sold out meanwhile. A form posted without an admission (it lapsed) goes back to that page.
With the waiting room off the gate reads the switch and calls the view: no query, no cookie.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django_htmx.http import HttpResponseClientRedirect

from comptoir.checkout import admission
from comptoir.checkout.models import CheckoutLine
from comptoir.inventory.queries import available_by_variant, location_ids_for_channel
from comptoir.storefront import cart_session
from comptoir.storefront.views._common import wants_partial

HEADER = "Comptoir-Waiting-Room"
"""On the waiting page: the buyer's place in the queue, or `sold-out` (for scripts and load tests)."""


def sold_out_items(request: HttpRequest) -> list[str]:
    """Names of the cart's items that can no longer be had in the quantity wanted. Two queries."""
    cart = cart_session.find_cart(request)
    if cart is None:
        return []
    lines = list(
        CheckoutLine.objects.filter(checkout=cart).values_list("variant_id", "quantity", "variant__product__name")
    )
    free = available_by_variant(
        [variant_id for variant_id, _, _ in lines], location_ids=location_ids_for_channel(cart.channel_id)
    )
    # A variant without stock rows does not count stock (a download, a service): it cannot sell out.
    return [name for variant_id, quantity, name in lines if variant_id in free and free[variant_id] < quantity]


def waiting_page(request: HttpRequest, cfg: admission.Config, decision: admission.Decision) -> HttpResponse:
    sold_out = sold_out_items(request)
    context = {
        "title": admission_title(sold_out),
        "noindex": True,
        "position": decision.position,
        "wait_seconds": decision.wait_seconds,
        "refresh_seconds": cfg.refresh_seconds,
        "sold_out": sold_out,
        "items": ", ".join(sold_out),
    }
    response = render(request, "storefront/checkout/waiting_room.html", context)
    response[HEADER] = "sold-out" if sold_out else str(decision.position)
    response["Retry-After"] = str(max(cfg.refresh_seconds, 1))
    add_never_cache_headers(response)
    return response


def admission_title(sold_out: list[str]) -> str:
    from django.utils.translation import gettext as _

    return _("Sold out") if sold_out else _("Waiting room")


def checkout_gate(view):
    """Let only admitted buyers into a checkout view (see the module docstring)."""

    @wraps(view)
    def gated(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        cfg = admission.config()
        if cfg.mode == "off":
            return view(request, *args, **kwargs)
        ticket = admission.Ticket.loads(request.COOKIES.get(admission.COOKIE))
        decision = admission.safe_admit(cfg, ticket)
        if decision.admitted:
            with admission.Measure(cfg, request_start=request.headers.get("X-Request-Start")):
                response = view(request, *args, **kwargs)
        elif request.method == "GET":
            response = waiting_page(request, cfg, decision)
        else:
            url = reverse("checkout:checkout")
            response = HttpResponseClientRedirect(url) if wants_partial(request) else redirect(url)
        if decision.ticket != ticket:
            response.set_cookie(
                admission.COOKIE,
                decision.ticket.dumps(),
                max_age=cfg.ticket_minutes * 60,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    return gated
