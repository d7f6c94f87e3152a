"""Product kinds and the rules each implies.

The kind decides what the rest of the shop does with a product: whether it is shipped, whether stock is
counted, whether it is booked on a calendar, billed again, or delivered as a file or a code. Later domains
(bookings, digital, subscriptions, gift cards) read these rules instead of testing kinds one by one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductKind(models.TextChoices):
    PHYSICAL = "physical", _("Physical goods")
    DIGITAL = "digital", _("Digital download")
    SERVICE = "service", _("Service or appointment")
    EVENT = "event", _("Event ticket")
    RENTAL = "rental", _("Rental")
    SUBSCRIPTION = "subscription", _("Subscription")
    GIFT_CARD = "gift_card", _("Gift card")


@dataclass(frozen=True, slots=True)
class KindRules:
    requires_shipping: bool
    """Needs a delivery address and a shipping method at checkout."""
    tracks_stock: bool
    """Units are counted per location; selling reserves and allocates stock."""
    has_weight: bool
    """Weight and dimensions matter (shipping rates, carriers)."""
    is_scheduled: bool
    """Sold against a calendar: appointment slots, event dates and seats, rental periods."""
    is_recurring: bool
    """Billed again every period."""
    delivered_electronically: bool
    """Delivered as a file, a licence key, a ticket or a code, not by a carrier."""


KIND_RULES: dict[str, KindRules] = {
    ProductKind.PHYSICAL: KindRules(True, True, True, False, False, False),
    ProductKind.DIGITAL: KindRules(False, False, False, False, False, True),
    ProductKind.SERVICE: KindRules(False, False, False, True, False, False),
    ProductKind.EVENT: KindRules(False, True, False, True, False, True),
    ProductKind.RENTAL: KindRules(True, True, True, True, False, False),
    ProductKind.SUBSCRIPTION: KindRules(True, True, True, False, True, False),
    ProductKind.GIFT_CARD: KindRules(False, False, False, False, False, True),
}


def rules_for(kind: str) -> KindRules:
    return KIND_RULES[ProductKind(kind)]
