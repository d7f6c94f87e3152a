"""Orders paid offline: waiting for a bank transfer (with its deadline), cash collected on delivery, payment
taken in store, a bank statement line matched by hand.

The money itself is recorded by comptoir/payments/offline_services.py; here is what needs the order: its
lock (taken first, before the payment's, per comptoir/core/locks.py), its amount due, its status.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.core.money import Money
from comptoir.orders import locks
from comptoir.orders.errors import OrderNotFoundError, OrderStateError
from comptoir.orders.models import Order, OrderEventKind, OrderStatus
from comptoir.orders.services._timeline import log
from comptoir.payments import offline_queries, offline_services
from comptoir.payments.errors import PaymentMethodUnavailableError, PaymentStateError
from comptoir.payments.models import Payment, PaymentStatus, PaymentTransaction
from comptoir.payments.providers.offline import BANK_TRANSFER, CASH_ON_DELIVERY, IN_STORE
from comptoir.payments.statement_models import OfflineMethodSettings, StatementLine

IN_STORE_KINDS = ("cash", "card")


def _left_to_collect(order: Order) -> Money:
    from comptoir.payments import queries as payment_queries

    captured = payment_queries.captured_total(order_ref=order.ref, currency=order.currency)
    return order.amount_due - captured


def start_offline_order_payment(*, order: Order, method_code: str) -> Payment:
    """Let the order wait for an offline payment: checks the channel offers the method for this delivery and
    amount (PaymentMethodUnavailableError with the reason otherwise), records the method on the order (so
    the card-payment expiry leaves it alone) and starts the pending payment with its creditor reference."""
    settings = offline_queries.channel_settings(channel_id=order.channel_id)
    refusal = offline_queries.method_refusal(
        method_code, settings=settings, delivery_kind=order.delivery_kind, total=order.amount_due
    )
    if refusal:
        raise PaymentMethodUnavailableError(detail=refusal, data={"method": method_code})
    if order.payment_method != method_code:
        Order.objects.filter(pk=order.pk, status=OrderStatus.AWAITING_PAYMENT).update(payment_method=method_code)
        order.payment_method = method_code
    return offline_services.start_offline_payment(
        order_ref=order.ref, method_code=method_code, amount=_left_to_collect(order)
    )


def _pending_payment(order: Order, method_code: str) -> Payment:
    payment = (
        Payment.objects.filter(order_ref=order.ref, method=method_code, status=PaymentStatus.PENDING)
        .order_by("-created_at", "-pk")
        .first()
    )
    if payment is None:
        payment = offline_services.start_offline_payment(
            order_ref=order.ref, method_code=method_code, amount=_left_to_collect(order)
        )
    return payment


def collect_cash_on_delivery(*, order: Order, actor_id: int | None = None) -> Order:
    """The carrier delivered the last parcel of a cash-on-delivery order and collected what was due: the money
    is recorded (once per payment) and the order is settled. Called by mark_shipment_delivered under the
    order's lock; a no-op for an order not paid on delivery or with goods still to ship."""
    from comptoir.orders.services.lifecycle import settle_order_payments

    if order.payment_method != CASH_ON_DELIVERY or order.status != OrderStatus.AWAITING_PAYMENT:
        return order
    if any(line.quantity_fulfilled < line.quantity for line in order.lines.all()):
        return order
    left = _left_to_collect(order)
    if left.amount > 0:
        payment = _pending_payment(order, CASH_ON_DELIVERY)
        offline_services.capture_offline_payment(
            reference=payment.reference,
            amount=Money(payment.amount - payment.captured_amount, payment.currency),
            source=f"cod:{payment.reference}",
            note=_("Collected by the carrier on delivery."),
        )
    log(order, OrderEventKind.NOTE, _("Cash collected on delivery."), public=False, actor_id=actor_id)
    return settle_order_payments(order_id=order.pk)


def record_in_store_payment(
    *, order_id: int, amount: Money, kind: str, key: str = "", actor_id: int | None = None
) -> Payment:
    """Store staff took the buyer's money at pickup (cash or card on the store's terminal): recorded on the
    order's in-store payment, and the order is paid once nothing is left. A part payment leaves it waiting.
    Idempotent per `key` (the form's): a double-submitted form records the money once.

    Raises OrderStateError for an order that is not a click & collect order awaiting payment, and
    PaymentStateError for an amount over what is left (nothing recorded)."""
    if kind not in IN_STORE_KINDS:
        raise PaymentStateError(detail=_("Choose cash or card."))
    from comptoir.orders.services.lifecycle import settle_order_payments

    with transaction.atomic():
        order = locks.order(order_id=order_id)
        done = PaymentTransaction.objects.filter(provider_event_id=f"store:{key[:64]}").first() if key else None
        if done is not None:  # this very form was recorded already (a double click)
            return Payment.objects.get(pk=done.payment_id)
        if order.status != OrderStatus.AWAITING_PAYMENT or not order.pickup_store_id:
            raise OrderStateError(
                detail=_("Only click & collect orders awaiting payment can be paid in store."),
                data={"status": order.status},
            )
        if amount.currency != order.currency:
            raise PaymentStateError(detail=_("The amount must be in the order's currency."))
        left = _left_to_collect(order)
        if amount.amount <= 0 or amount > left:
            raise PaymentStateError(
                detail=_("%(left)s is left to pay on this order.") % {"left": left}, data={"left": str(left.amount)}
            )
        if order.payment_method != IN_STORE:
            Order.objects.filter(pk=order.pk).update(payment_method=IN_STORE)
            order.payment_method = IN_STORE
        payment = _pending_payment(order, IN_STORE)
        # Without a key, one source per state of the payment: a repeated call records the money once.
        source = f"store:{key[:64]}" if key else f"store:{payment.reference}:{payment.captured_amount}"
        offline_services.capture_offline_payment(
            reference=payment.reference,
            amount=amount,
            source=source,
            note=_("Paid in store (%(kind)s).") % {"kind": kind},
        )
        log(
            order,
            OrderEventKind.NOTE,
            _("Paid in store: %(amount)s (%(kind)s).") % {"amount": amount, "kind": kind},
            actor_id=actor_id,
        )
        settle_order_payments(order_id=order.pk)
        payment.refresh_from_db()
    return payment


def match_statement_line(*, line_id: int, order_number: str, actor_id: int | None = None) -> StatementLine:
    """Staff apply a bank statement line to an order they found (the buyer wrote the order number, or no
    reference at all): the order's awaited bank transfer is used, started if the buyer chose another method."""
    number = offline_services.validate_order_number(order_number)
    order = Order.objects.filter(number=number).first()
    if order is None:
        raise OrderNotFoundError(detail=_("No order has the number %(number)s.") % {"number": number})
    payment = (
        Payment.objects.filter(order_ref=order.ref, provider="offline", status=PaymentStatus.PENDING)
        .order_by("-created_at", "-pk")
        .first()
    )
    if payment is None:
        if order.status != OrderStatus.AWAITING_PAYMENT:
            raise OrderStateError(
                detail=_("Order %(number)s is not awaiting payment.") % {"number": number},
                data={"status": order.status},
            )
        payment = offline_services.start_offline_payment(
            order_ref=order.ref, method_code=BANK_TRANSFER, amount=_left_to_collect(order)
        )
    return offline_services.match_line_to_payment(
        line_id=line_id, payment_reference=payment.reference, user_id=actor_id
    )


def expire_unpaid_bank_transfers(*, now=None, batch: int = 100) -> int:
    """Cancel bank transfer orders not paid within their channel's deadline (days after the order): the stock
    goes back on sale and the buyer is e-mailed (orders.order_cancelled). An order with part of the money
    received is left for staff to decide."""
    from comptoir.orders.services.lifecycle import cancel_order

    now = now or timezone.now()
    cancelled = 0
    for channel_id, days in OfflineMethodSettings.objects.values_list("channel_id", "transfer_deadline_days"):
        cutoff = now - timedelta(days=days)
        stale = list(
            Order.objects.filter(
                channel_id=channel_id,
                status=OrderStatus.AWAITING_PAYMENT,
                payment_method=BANK_TRANSFER,
                created_at__lt=cutoff,
            )
            .order_by("pk")
            .values_list("pk", "number")[:batch]
        )
        partly_paid = set(
            Payment.objects.filter(order_ref__in=[n for _pk, n in stale], captured_amount__gt=0).values_list(
                "order_ref", flat=True
            )
        )
        for order_id, number in stale:
            if number in partly_paid:
                continue
            try:
                cancel_order(order_id=order_id, reason=_("Bank transfer not received in time."))
                cancelled += 1
            except OrderStateError:  # paid or cancelled meanwhile
                continue
    return cancelled
