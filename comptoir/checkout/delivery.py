"""Delivery choices for a checkout: the carriers', local delivery and pickup points of
`comptoir.fulfillment.shipping`, plus click & collect at a store that has everything on its shelf."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.checkout.errors import DeliveryChoiceError
from comptoir.checkout.models import Checkout, DeliveryKind
from comptoir.core.addresses import PostalAddress
from comptoir.core.errors import DomainError
from comptoir.core.money import Money
from comptoir.inventory.models import StockLevel
from comptoir.inventory.queries import ON_SHELF, PickupStore, list_pickup_stores

COLLECT_PREFIX = "collect:"


@dataclass(frozen=True, slots=True)
class CollectOption:
    """Click & collect at one store: free, ready when the store confirms."""

    id: str
    store: PickupStore
    price: Money
    kind: str = DeliveryKind.COLLECT
    method_id: int = 0
    carrier: str = ""
    min_days: int = 0
    max_days: int = 0
    tracking_url_template: str = ""
    pickup_point: None = None
    estimate: tuple[date, date] | None = field(default=None)

    @property
    def name(self) -> str:
        return _("Click & collect at %(store)s") % {"store": self.store.name}


def collect_options(checkout: Checkout, quantities: dict[int, int]) -> list[CollectOption]:
    """Stores serving the channel that have every stocked line on the shelf now. Two queries at most."""
    stores = list_pickup_stores(checkout.channel_id)
    if not stores:
        return []
    zero = Money.zero(checkout.currency)
    if not quantities:
        return [CollectOption(f"{COLLECT_PREFIX}{s.id}", s, zero) for s in stores]
    rows = (
        StockLevel.objects.filter(location_id__in=[s.id for s in stores], variant_id__in=list(quantities))
        .annotate(units=ON_SHELF)
        .values_list("location_id", "variant_id", "units")
    )
    shelf = {(loc, var): units for loc, var, units in rows}
    return [
        CollectOption(f"{COLLECT_PREFIX}{s.id}", s, zero)
        for s in stores
        if all(shelf.get((s.id, v), 0) >= q for v, q in quantities.items())
    ]


def delivery_choices(checkout: Checkout, *, weight_grams: int, subtotal: Money, quantities: dict[int, int]) -> list:
    """Every way this cart can reach the buyer: carrier options for the delivery address (once known), then
    the stores where it can be collected."""
    from comptoir.fulfillment.shipping import list_delivery_options

    options: list = []
    if checkout.shipping_address:
        options.extend(
            list_delivery_options(
                channel=checkout.channel,
                address=PostalAddress.from_dict(checkout.shipping_address),
                weight_grams=weight_grams,
                subtotal=subtotal,
            )
        )
    options.extend(collect_options(checkout, quantities))
    return options


_RESOLVED = "_comptoir_resolved_delivery"


def resolve_delivery(checkout: Checkout, *, weight_grams: int, subtotal: Money):
    """The checkout's chosen option, priced for today's cart, or (None, why it no longer applies).

    Remembered on the checkout instance (which lives for one request) for the same option, address and
    basket: choosing the delivery and answering with the summary resolve it once."""
    option_id = checkout.delivery_option_id
    if not option_id:
        return None, None
    key = (option_id, weight_grams, subtotal, sorted(checkout.shipping_address.items()))
    memo = checkout.__dict__.get(_RESOLVED)
    if memo is not None and memo[0] == key:
        return memo[1]
    resolved = _resolve(checkout, option_id, weight_grams=weight_grams, subtotal=subtotal)
    checkout.__dict__[_RESOLVED] = (key, resolved)
    return resolved


def _resolve(checkout: Checkout, option_id: str, *, weight_grams: int, subtotal: Money):
    try:
        if option_id.startswith(COLLECT_PREFIX):
            store_id = int(option_id.removeprefix(COLLECT_PREFIX))
            store = next((s for s in list_pickup_stores(checkout.channel_id) if s.id == store_id), None)
            if store is None:
                raise DeliveryChoiceError(detail=_("This store no longer offers click & collect."))
            return CollectOption(option_id, store, Money.zero(checkout.currency)), None
        if not checkout.shipping_address:
            raise DeliveryChoiceError(detail=_("Enter a delivery address first."))
        from comptoir.fulfillment.shipping import get_delivery_option

        option = get_delivery_option(
            channel=checkout.channel,
            option_id=option_id,
            address=PostalAddress.from_dict(checkout.shipping_address),
            weight_grams=weight_grams,
            subtotal=subtotal,
            now=timezone.now(),
        )
        return option, None
    except (DomainError, ValueError) as exc:
        error = exc if isinstance(exc, DomainError) else DeliveryChoiceError()
        return None, error
