"""Holding the cart's items while the buyer checks out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from comptoir.checkout.models import Checkout, DeliveryKind
from comptoir.checkout.queries import stocked_quantities
from comptoir.checkout.services.cart import _lock_open
from comptoir.fulfillment.routing import Destination, plan_delivery
from comptoir.inventory.errors import InsufficientStockError
from comptoir.inventory.queries import location_ids_for_channel
from comptoir.inventory.services import release_reservation, reserve_stock


@dataclass(frozen=True, slots=True)
class HoldResult:
    reserved_until: datetime | None
    lapsed: bool
    """The previous hold had expired before this one was taken: the buyer is told."""


def _ranking(checkout: Checkout, quantities: dict[int, int]) -> dict:
    if checkout.delivery_kind == DeliveryKind.COLLECT and checkout.pickup_store_id:
        return {"location_ids": [checkout.pickup_store_id]}
    country = checkout.shipping_address.get("country_code", "")
    if country:
        try:
            plan = plan_delivery(
                channel_id=checkout.channel_id,
                # The checkout's channel comes from the channel cache (forgotten whenever a channel changes).
                allow_split=checkout.channel.allow_split_shipments,
                destination=Destination(country=country, postcode=checkout.shipping_address.get("postal_code", "")),
                quantities=quantities,
            )
            return {"ranking": plan.ranking}
        except InsufficientStockError:
            pass  # reserve_stock words the shortage for the whole channel
    return {"location_ids": location_ids_for_channel(checkout.channel_id)}


def hold_stock(*, checkout_id: int, now=None) -> HoldResult:
    """Reserve the cart's stocked units for `CHECKOUT_HOLD_MINUTES` (again: each call renews the hold and
    follows the cart's current quantities), from the locations best placed to serve the buyer.

    Raises InsufficientStockError naming every short line (nothing held then). Locks the checkout, then
    stock (global lock order).
    """
    now = now or timezone.now()
    hold_for = timedelta(minutes=settings.COMPTOIR["CHECKOUT_HOLD_MINUTES"])
    with transaction.atomic():
        checkout = _lock_open(checkout_id)
        lapsed = checkout.reserved_until is not None and checkout.reserved_until < now
        quantities = stocked_quantities(checkout)
        if not quantities:
            release_reservation(holder=checkout.holder)
            checkout.reserved_until = None
        else:
            reserve_stock(
                holder=checkout.holder,
                quantities=quantities,
                hold_for=hold_for,
                now=now,
                **_ranking(checkout, quantities),
            )
            checkout.reserved_until = now + hold_for
        checkout.save(update_fields=["reserved_until", "updated_at"])
    return HoldResult(checkout.reserved_until, lapsed)
