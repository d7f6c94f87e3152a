"""Instalment offers and plans as the API shows them (the cart's and the order's offers, an order's schedule,
the plan started by paying), and the functions that fill them from `offers.OfferView` and
`queries.PlanView` without a query of their own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from ninja import Field, Schema

from comptoir.api.schemas import MoneyOut, money_out
from comptoir.core.money import Money
from comptoir.payments.instalments.offers import OfferView
from comptoir.payments.instalments.queries import PlanView


class ScheduledInstalmentOut(Schema):
    sequence: int = Field(description="1 for the instalment paid with the order, then 2, 3...")
    due_on: date = Field(description="The first is due on the day of payment; the others follow the interval.")
    due_now: bool = Field(description="True for the first instalment: it is charged when the order is paid.")
    amount: MoneyOut


class InstalmentOfferOut(Schema):
    id: int = Field(description="Send it as `instalment_offer_id` to pay the order in these instalments.")
    label: str = Field(description='What to show the buyer, e.g. "Pay in 3".', examples=["Pay in 3"])
    count: int = Field(description="Number of instalments, 2 to 12, the first paid now.", examples=[3])
    interval: str = Field(description="monthly, 30_days or 14_days.", examples=["monthly"])
    interval_label: str
    first: MoneyOut = Field(description="Paid now; it takes the leftover cents, so it may exceed the others by a few.")
    then: MoneyOut = Field(description="Each later instalment (all equal).")
    total: MoneyOut = Field(description="What the instalments add up to: exactly the amount due, without fees.")
    schedule: list[ScheduledInstalmentOut] = Field(description="Every instalment with its date, first one first.")


class InstalmentOffersOut(Schema):
    amount: MoneyOut = Field(
        description="The amount the offers split: the amount due after gift cards (for a cart, with the delivery "
        "chosen so far)."
    )
    offers: list[InstalmentOfferOut] = Field(
        description="The offers the shop's rules allow for this basket (amount, buyer's country, product kinds); "
        "empty when none does."
    )


class InstalmentOut(Schema):
    sequence: int = Field(description="1 is the instalment paid with the order.")
    amount: MoneyOut = Field(description="What this instalment collects (less any part a refund took off).")
    due_on: date
    status: str = Field(
        description="pending (scheduled), processing (being charged), paid, failed (declined; retried on "
        "next_attempt_on) or cancelled."
    )
    status_label: str
    paid_at: datetime | None
    next_attempt_on: date | None = Field(description="When a failed or scheduled instalment is charged next.")
    pay_url: str | None = Field(
        description="For a failed instalment of an open plan: the storefront page where the buyer pays it by hand."
    )


class InstalmentPlanOut(Schema):
    order_number: str
    label: str = Field(description="The offer the buyer chose, e.g. Pay in 3.")
    status: str = Field(description="active, completed (paid in full), defaulted (charges stopped) or cancelled.")
    status_label: str
    count: int = Field(description="Number of instalments.")
    total: MoneyOut = Field(description="The amount the plan split.")
    paid: MoneyOut = Field(description="Instalments paid so far.")
    outstanding: MoneyOut = Field(description="Instalments still to collect (scheduled, being charged, failed).")
    instalments: list[InstalmentOut] = Field(description="Every instalment, first one first.")


def offer_out(offer: OfferView) -> InstalmentOfferOut:
    total = sum((item.amount for item in offer.schedule), Money.zero(offer.first.currency))
    return InstalmentOfferOut(
        id=offer.id,
        label=str(offer.label),
        count=offer.count,
        interval=offer.interval,
        interval_label=offer.interval_label,
        first=money_out(offer.first),
        then=money_out(offer.then),
        total=money_out(total),
        schedule=[
            ScheduledInstalmentOut(
                sequence=item.sequence, due_on=item.due_on, due_now=item.sequence == 1, amount=money_out(item.amount)
            )
            for item in offer.schedule
        ],
    )


def offers_out(amount: Money, offers: list[OfferView]) -> InstalmentOffersOut:
    return InstalmentOffersOut(amount=money_out(amount), offers=[offer_out(offer) for offer in offers])


def plan_out(plan: PlanView, *, pay_url: Callable[[int], str] | None = None) -> InstalmentPlanOut:
    """`pay_url(sequence)`: the page where the buyer pays an instalment by hand, linked on failed instalments
    of an open plan, as the order's page links them."""
    return InstalmentPlanOut(
        order_number=plan.order_ref,
        label=plan.label,
        status=plan.status,
        status_label=plan.status_label,
        count=len(plan.instalments),
        total=money_out(plan.total),
        paid=money_out(plan.paid),
        outstanding=money_out(plan.outstanding),
        instalments=[
            InstalmentOut(
                sequence=row.sequence,
                amount=money_out(row.amount),
                due_on=row.due_on,
                status=row.status,
                status_label=row.status_label,
                paid_at=row.paid_at,
                next_attempt_on=row.next_attempt_on,
                pay_url=pay_url(row.sequence) if pay_url is not None and plan.open and row.late else None,
            )
            for row in plan.instalments
        ],
    )
