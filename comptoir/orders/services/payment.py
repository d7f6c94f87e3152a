"""Paying an order: a payment with the chosen method, confirmed with the provider, the order settled; the
buyer's return from a provider page."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.orders import locks
from comptoir.orders.errors import OrderStateError, PaymentInProgressError
from comptoir.orders.models import Order, OrderEventKind, OrderStatus
from comptoir.orders.services._timeline import log
from comptoir.orders.services.lifecycle import settle_order_payments
from comptoir.payments.models import Payment, PaymentStatus
from comptoir.payments.providers.offline import METHODS as OFFLINE_METHODS
from comptoir.payments.services import UNDECIDED, confirm_payment, create_payment, refresh_payment

SETTLING = (PaymentStatus.CAPTURED, PaymentStatus.AUTHORIZED)
# How long a payment created but not yet answered by the provider blocks another try on the same order
# (a provider call that outlives it is settled by the webhook or by reconcile_payments).
IN_FLIGHT = timedelta(minutes=2)


def pay_order(*, order_id: int, method_code: str, data: Mapping[str, str], fingerprint: str = "") -> Payment:
    """Collect the order's amount due with `method_code` and what the buyer entered (test card number, or
    nothing for a provider-hosted form). A decline is returned (status failed, message for the buyer), never
    raised: the buyer may try again. A payment awaiting the buyer (3-D Secure, a redirect, the Payment
    Element) or the provider (pending) is returned as it is: the order waits, and the buyer's return, a
    webhook or reconciliation settles it. An offline method (bank transfer, cash on delivery, in store)
    returns its pending payment: the order waits, unpaid (comptoir/orders/services/offline.py).

    One charge at a time per order: the payment is created under the order's lock, and refused
    (PaymentInProgressError, 409) while another payment of the order is being decided by the provider or has
    already taken the money, so a double-clicked "Pay" or a retry during a slow provider call never charges
    twice. Raises OrderStateError when the order is not awaiting payment."""
    if method_code in OFFLINE_METHODS:
        order = require_awaiting_payment(Order.objects.filter(pk=order_id).first())
        from comptoir.orders.services.offline import start_offline_order_payment

        return start_offline_order_payment(order=order, method_code=method_code)
    with transaction.atomic():
        order = require_awaiting_payment(locks.order(order_id=order_id))
        refuse_second_charge(order)
        payment = create_payment(
            order_ref=order.ref,
            method_code=method_code,
            amount=order.amount_due,
            channel_id=order.channel_id,
            fingerprint=fingerprint,
        )
    # The provider is called after the commit, outside any lock: a concurrent try now finds this payment.
    payment = confirm_payment(reference=payment.reference, data=data)
    _after(order, payment)
    return payment


def require_awaiting_payment(order: Order | None) -> Order:
    if order is None or order.status != OrderStatus.AWAITING_PAYMENT:
        raise OrderStateError(
            detail="This order is not awaiting payment.", data={"status": order.status if order else None}
        )
    return order


def refuse_second_charge(order: Order) -> None:
    """Under the order's lock: refuse while a payment of this order is on its way to the provider (created,
    not yet answered, for up to IN_FLIGHT) or has taken money the order has not settled yet."""
    recent = timezone.now() - IN_FLIGHT
    busy = Payment.objects.filter(order_ref=order.ref).filter(
        Q(status__in=SETTLING) | Q(status=PaymentStatus.PENDING, provider_reference="", created_at__gte=recent)
    )
    if busy.exists():
        raise PaymentInProgressError(
            detail=_("A payment for this order is already being processed. Wait a moment, then refresh the page."),
            data={"order": order.number},
        )


def return_from_provider(*, order_id: int) -> Payment | None:
    """The buyer is back from the provider's page (3-D Secure, a redirect, the Payment Element): ask the
    provider where the order's undecided payments stand, record it and settle the order. Safe to repeat,
    whether or not a webhook came first. Returns the latest payment (None if the order has none)."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        raise OrderStateError(detail="No such order.")
    references = list(
        Payment.objects.filter(order_ref=order.ref, status__in=UNDECIDED)
        .order_by("created_at", "pk")
        .values_list("reference", flat=True)
    )
    for reference in references:
        _after(order, refresh_payment(reference=reference))
    if Payment.objects.filter(order_ref=order.ref, status__in=SETTLING).exists():
        # A first instalment captured (now, or by a webhook whose handler may not have run yet) starts its plan.
        from comptoir.orders.instalments import start_pending_plans

        start_pending_plans(order_id=order.pk)
        settle_order_payments(order_id=order.pk)  # a webhook may have come first: its handler may not have run yet
    return Payment.objects.filter(order_ref=order.ref).order_by("-created_at", "-pk").first()


def _after(order: Order, payment: Payment) -> None:
    if payment.status in (PaymentStatus.FAILED, PaymentStatus.CANCELLED):
        if payment.status == PaymentStatus.FAILED:
            log(order, OrderEventKind.PAYMENT_FAILED, payment.error, public=False, payment=payment.reference)
        from comptoir.payments.instalments.services import drop_pending_plan

        drop_pending_plan(reference=payment.reference)  # an instalment choice paid with it: choose again
    elif payment.status in SETTLING:
        settle_order_payments(order_id=order.pk)
