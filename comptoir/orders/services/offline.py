"""Orders paid offline: waiting for a bank transfer (with its deadline), cash collected on delivery or the parcel
returned to sender, payment taken in store, a bank statement line matched by hand.

The money itself is recorded by comptoir/payments/offline_services.py; here is what needs the order: its
lock (taken first, before the payment's, per comptoir/core/locks.py), its amount due, its status.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings as django_settings
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comptoir.core.errors import InvalidInputError
from comptoir.core.events import record_event
from comptoir.core.money import Money
from comptoir.orders import locks
from comptoir.orders.errors import OrderNotFoundError, OrderStateError
from comptoir.orders.models import (
    Order,
    OrderEventKind,
    OrderLine,
    OrderStatus,
    ReturnLine,
    ReturnRequest,
    ReturnStatus,
    Shipment,
    ShipmentStatus,
)
from comptoir.orders.models.returns import RETURNED_TO_SENDER
from comptoir.orders.services._timeline import log, move
from comptoir.payments import offline_queries, offline_services
from comptoir.payments.errors import PaymentMethodUnavailableError, PaymentStateError
from comptoir.payments.models import Payment, PaymentStatus, PaymentTransaction
from comptoir.payments.providers.offline import BANK_TRANSFER, CASH_ON_DELIVERY, IN_STORE
from comptoir.payments.statement_models import OfflineMethodSettings, StatementLine

IN_STORE_KINDS = ("cash", "card")
MAX_NOTE = 2000


class ParcelReturned(models.TextChoices):
    """Why the carrier brought a cash-on-delivery parcel back."""

    REFUSED = "refused", gettext_lazy("Refused by the buyer on delivery")
    NOT_COLLECTED = "not_collected", gettext_lazy("Not collected: nobody home, or left at the pickup point")


# What the buyer reads on their order's page, in the order's language.
_BUYER_MESSAGES = {
    ParcelReturned.REFUSED: gettext_lazy("The parcel was refused on delivery and has been returned to us."),
    ParcelReturned.NOT_COLLECTED: gettext_lazy(
        "The parcel could not be delivered or was not collected, and has been returned to us."
    ),
}


def _collected(order: Order) -> Money:
    from comptoir.payments import queries as payment_queries

    return payment_queries.captured_total(order_ref=order.ref, currency=order.currency)


def _left_to_collect(order: Order) -> Money:
    return order.amount_due - _collected(order)


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


def mark_cash_on_delivery_returned(
    *, order_id: int, outcome: str = ParcelReturned.REFUSED, note: str = "", actor_id: int | None = None
) -> ReturnRequest:
    """The carrier brought a cash-on-delivery parcel back: the buyer refused it, or was never there to pay.

    All or nothing, under the order's lock: the awaited cash-on-delivery payment is cancelled with a void row
    in its ledger (`void_cash_on_delivery`: nothing can mark it paid later); what the order still holds is
    given back as on a cancellation (`release_order_commitments`: units not shipped, voucher, gift cards,
    instalments); its parcels become "returned to sender"; the order is cancelled along the state machine
    (awaiting payment -> cancelled) with the reason on its public timeline, and `note`, if any, as a staff
    note. The shipped units are not put back on sale yet: they are in the carrier's van. They wait as an
    approved return whose lines have the reason `returned_to_sender`, which staff book when the parcel arrives
    through `receive_return`, like any return: back on sale, or written off if damaged or lost (once: a return
    is received once). Returns that return.

    Raises OrderStateError (nothing written) for an order not paid cash on delivery, not shipped, already paid,
    cancelled or returned, or with a parcel already delivered; PaymentStateError if cash was recorded on it
    meanwhile; InvalidInputError for an unknown outcome or a note too long. Emits `orders.order_cancelled`
    (the buyer's e-mail), `payments.payment_cancelled` and `orders.cash_on_delivery_returned`.
    """
    from comptoir.orders.services.lifecycle import credit_cancelled_invoice, release_order_commitments

    if outcome not in ParcelReturned.values:
        raise InvalidInputError(detail=_("Say why the parcel came back."), data={"outcome": outcome})
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise InvalidInputError(detail=_("The note is too long: at most %(max)s characters.") % {"max": MAX_NOTE})
    with transaction.atomic():
        order = locks.order(order_id=order_id)
        lines = list(order.lines.all())
        shipments = list(order.shipments.all())
        _check_returnable_to_sender(order, lines, shipments)
        # The order's own rows first (its parcels, its new return), then, in the global lock order, stock,
        # vouchers and gift cards, the instalment plan, payments, and the invoice counter last.
        Shipment.objects.filter(order=order, status=ShipmentStatus.SHIPPED).update(status=ShipmentStatus.RETURNED)
        with translation.override(order.language or django_settings.LANGUAGE_CODE):
            message = str(_BUYER_MESSAGES[outcome])
        ret = _return_to_sender(order, lines, message)
        release_order_commitments(order)
        offline_services.void_cash_on_delivery(order_ref=order.ref, note=note)
        offline_services.cancel_offline_payments(order_ref=order.ref)  # any other method started meanwhile
        move(order, OrderStatus.CANCELLED, actor_id=actor_id)
        log(
            order,
            OrderEventKind.CANCELLED,
            message,
            public=True,
            actor_id=actor_id,
            cash_on_delivery=outcome,
            return_id=ret.pk,
            number=ret.number,
        )
        if note:
            log(order, OrderEventKind.NOTE, note, public=False, actor_id=actor_id)
        credit_cancelled_invoice(order)  # none is issued before the cash, unless by hand; the counter locks last
        record_event("orders.cash_on_delivery_returned", order_id=order.pk, return_id=ret.pk, outcome=outcome)
    return ret


def _check_returnable_to_sender(order: Order, lines: list[OrderLine], shipments: list[Shipment]) -> None:
    number = {"number": order.number}
    if order.payment_method != CASH_ON_DELIVERY:
        raise OrderStateError(
            detail=_("Order %(number)s is not paid cash on delivery: cancel it or use a return instead.") % number,
            data={"status": order.status, "payment_method": order.payment_method},
        )
    if any(s.status == ShipmentStatus.RETURNED for s in shipments):
        raise OrderStateError(
            detail=_("Order %(number)s was already returned to sender.") % number,
            data={"status": order.status, "returned_to_sender": True},
        )
    if order.status != OrderStatus.AWAITING_PAYMENT:
        detail = (
            _("Order %(number)s is cancelled.")
            if order.status == OrderStatus.CANCELLED
            else _("Order %(number)s is paid: the carrier collected the cash. Use a return instead.")
        )
        raise OrderStateError(detail=detail % number, data={"status": order.status})
    if not any(line.quantity_fulfilled for line in lines):
        raise OrderStateError(
            detail=_("Nothing of order %(number)s has shipped yet: cancel the order instead.") % number,
            data={"status": order.status},
        )
    if any(s.status == ShipmentStatus.DELIVERED for s in shipments):
        raise OrderStateError(
            detail=_(
                "A parcel of order %(number)s was delivered: the buyer has those goods. Record the cash received, "
                "or cancel what is left with the carrier."
            )
            % number,
            data={"status": order.status, "delivered": True},
        )
    if _collected(order).amount > 0:
        raise OrderStateError(
            detail=_("Money was already recorded on order %(number)s: refund it before anything else.") % number,
            data={"status": order.status},
        )


def _return_to_sender(order: Order, lines: list[OrderLine], message: str) -> ReturnRequest:
    """The parcel on its way back, as an approved return of every unit shipped: booked when it arrives."""
    count = ReturnRequest.objects.filter(order=order).count()
    ret = ReturnRequest.objects.create(
        order=order, number=f"R-{order.number}-{count + 1}", status=ReturnStatus.APPROVED, staff_note=message
    )
    ReturnLine.objects.bulk_create(
        [
            ReturnLine(
                return_request=ret,
                order_line=line,
                quantity=line.quantity_fulfilled - line.quantity_returned,
                reason=RETURNED_TO_SENDER,
            )
            for line in lines
            if line.quantity_fulfilled > line.quantity_returned
        ]
    )
    return ret


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
