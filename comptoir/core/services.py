"""Writes of shop-wide settings."""

from __future__ import annotations

from django.db import transaction

from comptoir.core.errors import InvalidInputError
from comptoir.core.events import record_event
from comptoir.core.models import Channel
from comptoir.core.money import validate_currency
from comptoir.core.queries import forget_channels


def save_channel(
    *,
    slug: str,
    name: str,
    currency: str,
    default_language: str,
    default_country: str,
    prices_include_tax: bool = True,
    domain: str = "",
    is_default: bool = False,
    is_active: bool = True,
    allow_split_shipments: bool = True,
    return_window_days: int = 30,
) -> Channel:
    """Create or update the channel `slug`. Making it the default takes the default from the others."""
    validate_currency(currency)
    if not slug:
        raise InvalidInputError(detail="A channel needs a slug.")
    if not isinstance(return_window_days, int) or not 0 <= return_window_days <= 3650:
        raise InvalidInputError(detail="The return window is a number of days between 0 and 3650.")
    with transaction.atomic():
        if is_default:
            Channel.objects.filter(is_default=True).exclude(slug=slug).update(is_default=False)
        channel, _ = Channel.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "currency": currency,
                "default_language": default_language,
                "default_country": default_country,
                "prices_include_tax": prices_include_tax,
                "domain": domain,
                "is_default": is_default,
                "is_active": is_active,
                "allow_split_shipments": allow_split_shipments,
                "return_window_days": return_window_days,
            },
        )
        record_event("core.channel_saved", channel_id=channel.pk)
        transaction.on_commit(forget_channels)
    return channel
