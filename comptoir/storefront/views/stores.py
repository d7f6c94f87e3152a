"""Click & collect: the store availability picker and the buyer's chosen store.

Without JavaScript the picker is a page (`/<lang>/stores/?variant=<id>&next=<product page>`) whose form
POSTs the choice and goes back to `next`. With htmx the same URL answers with the picker alone, loaded into
the product page, and choosing a store answers with the product page's new pickup line.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from comptoir.catalog.errors import ProductNotFoundError
from comptoir.catalog.queries import VariantBrief, get_variant_brief
from comptoir.core.models import Channel
from comptoir.inventory.queries import PickupStore, list_pickup_stores, pickup_availability
from comptoir.storefront import stores as pickup
from comptoir.storefront.forms import parse_int
from comptoir.storefront.views._common import render_page, require_channel, wants_partial

MAX_VARIANT_ID = 2**62


@dataclass(frozen=True, slots=True)
class Pickup:
    """The product page's pickup region for one variant: the line, and the link to the picker."""

    line: pickup.PickupLine
    stores_url: str


def stores_url(*, variant_id: int, next_url: str) -> str:
    return reverse("storefront:stores") + "?" + urlencode({"variant": variant_id, "next": next_url})


def pickup_for(
    request: HttpRequest,
    channel: Channel,
    stores: list[PickupStore],
    *,
    variant_id: int,
    next_url: str,
    chosen_slug: str | None = None,
) -> Pickup:
    """The pickup line of `variant_id` in `channel`'s `stores`: one query (pickup_availability).

    `chosen_slug` defaults to the buyer's store cookie (ignored unless it names one of `stores`).
    """
    chosen = pickup.chosen_store_slug(request, stores) if chosen_slug is None else chosen_slug
    stock = pickup_availability(variant_id, channel_id=channel.pk)
    rows = pickup.store_rows(stores, stock=stock, now=pickup.shop_now(), chosen_slug=chosen)
    return Pickup(line=pickup.pickup_line(rows), stores_url=stores_url(variant_id=variant_id, next_url=next_url))


def safe_next(request: HttpRequest, target: str | None, *, default: str) -> str:
    """`target` when it stays on this site, else `default`: the form cannot be used as an open redirect."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _variant(channel: Channel, raw: str | None) -> VariantBrief | None:
    """The variant named by `raw`; None when none is named; 404 for one a buyer cannot collect here."""
    if raw is None or raw == "":
        return None
    try:
        variant = get_variant_brief(channel=channel, variant_id=parse_int(raw, default=0, low=0, high=MAX_VARIANT_ID))
    except ProductNotFoundError as exc:
        raise Http404("No such product.") from exc
    if not pickup.collectable(variant.kind):
        raise Http404("This product is not collected in store.")
    return variant


def _product_url(variant: VariantBrief | None) -> str:
    if variant is None:
        return reverse("storefront:home")
    return reverse("storefront:product", kwargs={"slug": variant.product_slug}) + f"?variant={variant.id}"


@require_safe
def store_list(request: HttpRequest) -> HttpResponse:
    """The channel's click & collect stores with today's hours and, for `?variant=`, what each has.

    A fixed number of queries whatever the number of stores: the variant (two), its stock in every store
    (one); the store list itself is cached.
    """
    channel = require_channel(request)
    variant = _variant(channel, request.GET.get("variant"))
    stores = list_pickup_stores(channel.pk)
    rows = pickup.store_rows(
        stores,
        stock=pickup_availability(variant.id, channel_id=channel.pk) if variant and stores else None,
        now=pickup.shop_now(),
        chosen_slug=pickup.chosen_store_slug(request, stores),
        low_stock_threshold=variant.low_stock_threshold if variant else 0,
    )
    context = {
        "variant": variant,
        "rows": rows,
        "next_url": safe_next(request, request.GET.get("next"), default=_product_url(variant)),
        "in_page": wants_partial(request),  # loaded into the product page: htmx choice, smaller heading
        "title": _("Pick up in store"),
        "noindex": True,
    }
    return render_page(request, "storefront/stores.html", context, partial="picker")


@require_POST
def choose_store(request: HttpRequest) -> HttpResponse:
    """Remember the buyer's store (`comptoir_store` cookie) and go back to `next`.

    The store must be an active click & collect store of the request's channel (else 400, nothing set).
    From the product page (htmx, with `variant`), answers with that variant's new pickup line instead.
    """
    channel = require_channel(request)
    stores = list_pickup_stores(channel.pk)
    slug = request.POST.get("store", "")
    store = next((s for s in stores if s.slug == slug), None)
    if store is None:
        return render(request, "storefront/store_refused.html", status=400)
    try:
        variant = _variant(channel, request.POST.get("variant"))
    except Http404:
        variant = None  # the choice still stands; there is just no line to redraw
    target = safe_next(request, request.POST.get("next"), default=_product_url(variant))
    if wants_partial(request) and variant is not None:
        line = pickup_for(request, channel, stores, variant_id=variant.id, next_url=target, chosen_slug=store.slug)
        response = render(request, "storefront/includes/pickup.html", {"pickup": line, "close_picker": True})
    elif wants_partial(request):
        response = HttpResponseClientRedirect(target)
    else:
        response = HttpResponseRedirect(target)
    response.set_cookie(
        pickup.STORE_COOKIE,
        store.slug,
        max_age=pickup.STORE_COOKIE_SECONDS,
        samesite="Lax",
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response
