"""What every storefront view shares: the request's channel, and full page or htmx partial."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from comptoir.core.models import Channel


def shop_channel(request: HttpRequest) -> Channel | None:
    """The request's channel, or None while the shop has no active channel."""
    channel = getattr(request, "channel", None)
    return channel if channel else None


def require_channel(request: HttpRequest) -> Channel:
    """The request's channel; a shop with no active channel has no catalogue pages to show (404)."""
    channel = shop_channel(request)
    if channel is None:
        raise Http404("No active sales channel.")
    return channel


def wants_partial(request: HttpRequest) -> bool:
    """An htmx request for one region. A boosted link or a history restore needs the whole page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_page(
    request: HttpRequest, template: str, context: dict, *, partial: str = "", status: int = 200
) -> HttpResponse:
    """The full page, or only `template#partial` when htmx asks for it.

    Both answer the same URL, so caches must keep them apart (Vary: HX-Request).
    """
    name = f"{template}#{partial}" if partial and wants_partial(request) else template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response
