"""Money given back outside the shop: a refund made in the provider's dashboard, a chargeback by the buyer's bank.

The payments domain records it on the payment (comptoir/payments/provider_refunds.py) and emits
`payments.provider_refund_recorded`; the order then follows here: partially refunded, or refunded once
nothing is left to give back, with a line on its timeline. No credit note is issued: nobody in the shop
decided this refund, and a chargeback may still be disputed; staff issue one if the sale is undone.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from comptoir.orders import locks
from comptoir.orders.models import Order, OrderEvent, OrderEventKind, OrderStatus
from comptoir.orders.services._timeline import log, move
from comptoir.orders.services.lifecycle import settle_order_payments
from comptoir.orders.services.refunds import REFUNDABLE, refundable_left

# What `data["adjustment"]` of a timeline line says happened (comptoir/orders/admin_page.py words it).
REFUND, CHARGEBACK = "refund", "chargeback"
REFUND_FAILED, CHARGEBACK_REVERSED = "refund_failed", "chargeback_reversed"


def record_provider_refund(
    *,
    order_ref: str,
    payment: str,
    provider: str,
    kind: str,
    amount: str,
    reported: str,
    currency: str,
    provider_reference: str,
    event_id: str = "",
) -> Order | None:
    """Move the order as money given back at the provider says: to refunded when nothing is left to give
    back on it (payments, gift cards, instalments still to collect), else to partially refunded. Adds a
    timeline line (shown to the buyer for a refund, to staff only for a chargeback). An order not paid yet is
    settled first (the capture's event may come after this one); a cancelled or refunded order only gets the
    line. Once per provider event (`event_id`, the ledger row's: Mollie's refund id, or the webhook event
    of a provider that reports running totals): a redelivered event changes nothing. Returns the order, or
    None when `order_ref` names none.
    """
    order_id = Order.objects.filter(number=order_ref).values_list("pk", flat=True).first()
    if order_id is None:
        return None
    source = f"provider:{event_id or f'{provider}:{provider_reference}'}"
    with transaction.atomic():
        order = locks.order(order_id=order_id)
        if OrderEvent.objects.filter(order=order, kind=OrderEventKind.REFUNDED, data__source=source).exists():
            return order
        if order.status == OrderStatus.AWAITING_PAYMENT:
            order = settle_order_payments(order_id=order.pk)
        if order.status in REFUNDABLE:
            left = refundable_left(order)
            move(order, OrderStatus.REFUNDED if left.amount <= 0 else OrderStatus.PARTIALLY_REFUNDED)
        log(
            order,
            OrderEventKind.REFUNDED,
            public=kind == REFUND,
            source=source,
            adjustment=CHARGEBACK if kind == CHARGEBACK else REFUND,
            amount=amount,
            reported=reported,
            goods=amount,
            shipping="0",
            currency=currency,
            to_payments=amount,
            to_gift_cards="0",
            provider=provider,
            provider_reference=provider_reference,
            payment=payment,
        )
    return order


def note_provider_refund_reversed(
    *, order_ref: str, payment: str, provider: str, kind: str, amount: str, currency: str, provider_reference: str
) -> Order | None:
    """Tell staff, on the order's timeline, that a refund counted as given back failed at the provider, or
    that a chargeback was reversed: the order and its payment stay as they are (money is never moved back
    from a webhook); staff decide what to do. Once per provider refund."""
    order_id = Order.objects.filter(number=order_ref).values_list("pk", flat=True).first()
    if order_id is None:
        return None
    source = f"provider:{provider}:{provider_reference}:reversed"
    with transaction.atomic():
        order = locks.order(order_id=order_id)
        if not OrderEvent.objects.filter(order=order, kind=OrderEventKind.NOTE, data__source=source).exists():
            log(
                order,
                OrderEventKind.NOTE,
                source=source,
                adjustment=CHARGEBACK_REVERSED if kind == CHARGEBACK else REFUND_FAILED,
                amount=str(Decimal(amount)),
                currency=currency,
                provider=provider,
                provider_reference=provider_reference,
                payment=payment,
            )
    return order
