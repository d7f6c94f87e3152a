"""Reads of shop-wide settings. Channels are few and read on every request, so they are cached."""

from __future__ import annotations

from django.core.cache import cache

from comptoir.core.errors import NotFoundError
from comptoir.core.models import Channel

CHANNELS_CACHE_KEY = "core:active-channels:v1"
CHANNELS_CACHE_SECONDS = 300


def list_active_channels() -> list[Channel]:
    """Active channels, default first then by position. Cached; `forget_channels()` after a change."""
    channels = cache.get(CHANNELS_CACHE_KEY)
    if channels is None:
        channels = list(Channel.objects.filter(is_active=True).order_by("-is_default", "position", "pk"))
        cache.set(CHANNELS_CACHE_KEY, channels, CHANNELS_CACHE_SECONDS)
    return channels


def forget_channels() -> None:
    cache.delete(CHANNELS_CACHE_KEY)


def get_channel(slug: str) -> Channel:
    for channel in list_active_channels():
        if channel.slug == slug:
            return channel
    raise NotFoundError(detail=f"No active channel {slug!r}.", data={"channel": slug})


def resolve_channel(*, host: str = "", preferred_slug: str = "") -> Channel | None:
    """The channel for a request: the one whose domain is `host`, else `preferred_slug`, else the default."""
    channels = list_active_channels()
    if not channels:
        return None
    host = host.split(":")[0].lower()
    for channel in channels:
        if channel.domain and channel.domain.lower() == host:
            return channel
    for channel in channels:
        if preferred_slug and channel.slug == preferred_slug:
            return channel
    return channels[0]
