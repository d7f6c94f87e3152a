"""Which sales channel an API request reads: prices, currency and visibility all depend on it."""

from __future__ import annotations

from django.http import HttpRequest

from comptoir.core.errors import NotFoundError
from comptoir.core.models import Channel
from comptoir.core.queries import get_channel, resolve_channel

CHANNEL_PARAM_DESCRIPTION = (
    "Slug of the sales channel to read (prices, currency, visibility). Default: the channel whose domain "
    "the request was sent to, else the shop's default channel."
)


def api_channel(request: HttpRequest, slug: str | None) -> Channel:
    """The channel named by `?channel=`, else the one of the request's domain, else the default channel.

    Unlike the storefront, the API ignores the buyer's channel cookie: an API answer depends only on
    its URL and headers, so it can be cached and replayed. Raises NotFoundError (404) for an unknown
    or inactive slug, or when the shop has no active channel at all.
    """
    if slug:
        return get_channel(slug)
    channel = resolve_channel(host=request.get_host())
    if channel is None:
        raise NotFoundError(detail="This shop has no active sales channel.")
    return channel
