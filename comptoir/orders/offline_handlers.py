"""Order reactions for offline payments: an order placed with an offline method starts waiting for its payment
at once (the buyer may close the page before paying), and the buyer is e-mailed how to pay."""

from __future__ import annotations

import logging

from comptoir.core.errors import DomainError
from comptoir.core.events import handles
from comptoir.orders.models import Order, OrderStatus
from comptoir.orders.notifications import schedule_order_email
from comptoir.payments.providers.offline import METHODS

logger = logging.getLogger(__name__)


@handles("orders.order_placed")
def start_offline_payment_of_placed_order(event) -> None:
    from comptoir.orders.services.offline import start_offline_order_payment

    order = Order.objects.filter(pk=event.payload["order_id"]).first()
    if order is None or order.status != OrderStatus.AWAITING_PAYMENT or order.payment_method not in METHODS:
        return
    if order.amount_due.amount <= 0:
        return
    try:
        start_offline_order_payment(order=order, method_code=order.payment_method)
    except DomainError as exc:  # the method was switched off since: the pay page offers the others
        logger.info("order %s: offline payment not started (%s)", order.number, exc.detail)


@handles("payments.offline_payment_started")
def email_payment_instructions(event) -> None:
    order_id = Order.objects.filter(number=event.payload["order_ref"]).values_list("pk", flat=True).first()
    if order_id:
        schedule_order_email(order_id=order_id, kind="payment_instructions")
