"""Instalment offers, placed orders and orders paid in instalments, through the real services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from comptoir.checkout import services as checkout_services
from comptoir.orders.instalments import pay_order_in_instalments
from comptoir.orders.models import Order
from comptoir.payments.instalment_models import InstalmentOffer, InstalmentPlan
from comptoir.payments.providers.test import DECLINED_CARD, SUCCESS_CARD, saved_method_token
from tests.checkout.factories import ready_checkout

SUCCESS, DECLINED = "4242 4242 4242 4242", "4000 0000 0000 0002"
DECLINING_TOKEN = saved_method_token(DECLINED_CARD, "tests")
WORKING_TOKEN = saved_method_token(SUCCESS_CARD, "tests")


def make_offer(channel, *, count: int = 3, interval: str = "monthly", **kwargs) -> InstalmentOffer:
    return InstalmentOffer.objects.create(channel=channel, count=count, interval=interval, **kwargs)


def placed(channel, *, price: str = "95.10", **kwargs) -> Order:
    """An order awaiting payment: `price` plus 4.90 shipping (100.00 by default)."""
    checkout, _variant = ready_checkout(channel, price=price, **kwargs)
    return checkout_services.place_order(checkout_id=checkout.pk)


def paid_in_instalments(channel, *, offer: InstalmentOffer | None = None, price: str = "95.10") -> Order:
    """An order whose first instalment was captured at checkout (the plan's other instalments scheduled)."""
    offer = offer or make_offer(channel)
    order = placed(channel, price=price)
    pay_order_in_instalments(
        order_id=order.pk, offer_id=offer.pk, method_code="test:card", data={"card_number": SUCCESS}
    )
    order.refresh_from_db()
    return order


def plan_of(order: Order) -> InstalmentPlan:
    return InstalmentPlan.objects.get(order_ref=order.ref)


def declining(order: Order) -> InstalmentPlan:
    """The buyer's saved card now declines (expired, blocked...)."""
    plan = plan_of(order)
    plan.saved_method = DECLINING_TOKEN
    plan.save()
    return plan


def due(order: Order, sequence: int) -> date:
    return plan_of(order).instalments.get(sequence=sequence).due_on


HUNDRED = Decimal("100.00")
