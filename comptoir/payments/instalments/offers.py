"""Which instalment offers a basket may be paid with, and what each would cost the buyer, instalment by
instalment (shown before paying)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from comptoir.core.money import Money
from comptoir.payments.instalment_models import InstalmentOffer
from comptoir.payments.instalments.schedule import ScheduledInstalment, ScheduleError, instalment_schedule


@dataclass(frozen=True, slots=True)
class OfferView:
    id: int
    label: str
    count: int
    interval: str
    interval_label: str
    schedule: list[ScheduledInstalment]

    @property
    def first(self) -> Money:
        return self.schedule[0].amount

    @property
    def then(self) -> Money:
        """What each later instalment costs (they are all equal; see schedule.py)."""
        return self.schedule[1].amount

    @property
    def uneven(self) -> bool:
        return self.first != self.then


def buyer_country(*addresses: Mapping | None, default: str = "") -> str:
    """The country the offers' country rule is checked against: that of the first address given that is
    filled in (the billing address, then the delivery address), else `default` (the channel's country)."""
    address = next((a for a in addresses if a), None) or {}
    return str(address.get("country_code") or default or "").upper()


def basket_kinds(kinds: Iterable[str]) -> list[str]:
    """The product kinds of a basket's lines, as the excluded-kinds rule reads them (no kind: physical)."""
    return sorted({kind or "physical" for kind in kinds})


def is_eligible(offer: InstalmentOffer, *, amount: Money, country: str, product_kinds: Iterable[str]) -> bool:
    """The merchant's rules for one offer: enabled, the basket's amount in range, the buyer's country
    listed (or none listed), and no product of an excluded kind."""
    if not offer.enabled or amount.amount < offer.min_amount:
        return False
    if offer.max_amount is not None and amount.amount > offer.max_amount:
        return False
    countries = {str(code).upper() for code in offer.countries}
    if countries and (country or "").upper() not in countries:
        return False
    return not set(offer.excluded_kinds or []) & set(product_kinds)


def instalment_offers(
    *, channel_id: int, amount: Money, country: str, product_kinds: Iterable[str], today: date | None = None
) -> list[OfferView]:
    """The offers a basket of `amount` (in the channel's currency), bought from `country` with products of
    `product_kinds`, may be paid with, each with its schedule starting `today`. One query. An offer the
    amount cannot be split for (fewer minor units than instalments) is left out."""
    today = today or timezone.localdate()
    kinds = set(product_kinds)
    views = []
    for offer in InstalmentOffer.objects.filter(channel_id=channel_id, enabled=True):
        if not is_eligible(offer, amount=amount, country=country, product_kinds=kinds):
            continue
        try:
            schedule = instalment_schedule(amount, offer.count, first_due=today, interval=offer.interval)
        except ScheduleError:
            continue
        views.append(
            OfferView(
                id=offer.pk,
                label=offer.label,
                count=offer.count,
                interval=offer.interval,
                interval_label=str(offer.get_interval_display()),
                schedule=schedule,
            )
        )
    return views
