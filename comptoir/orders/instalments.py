"""Orders paid in instalments: the offers an order may be paid with, paying its first instalment, and the
order's reactions to its plan (timeline lines for staff, reminder e-mails to the buyer, the plan stopped when
the order is refunded in full).

The plans themselves belong to the payments domain (comptoir/payments/instalments/), which knows orders by
reference only; this module is the orders side of them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mail_managers
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from comptoir.core.events import handles
from comptoir.core.money import Money
from comptoir.orders import locks
from comptoir.orders.models import Order, OrderEvent, OrderEventKind, OrderStatus
from comptoir.orders.services._timeline import log
from comptoir.orders.services.lifecycle import settle_order_payments
from comptoir.orders.services.payment import refuse_second_charge, require_awaiting_payment
from comptoir.payments.instalment_models import Instalment, InstalmentPlan
from comptoir.payments.instalments.offers import OfferView, basket_kinds, buyer_country, instalment_offers
from comptoir.payments.instalments.services import (
    begin_instalment_plan,
    cancel_instalment_plan,
    charge_first_instalment,
    drop_pending_plan,
    pending_plan_payments,
    start_pending_plan,
)
from comptoir.payments.models import Payment, PaymentStatus

logger = logging.getLogger(__name__)

REMINDER = "instalment_failed"
SUBJECT = _("A payment for your order %(number)s did not go through")


def _country(order: Order) -> str:
    return buyer_country(order.billing_address, order.shipping_address, default=order.channel.default_country)


def _kinds(order: Order) -> list[str]:
    return basket_kinds(line.product_kind for line in order.lines.all())


def offers_for_order(order: Order) -> list[OfferView]:
    """The instalment offers this unpaid order may be paid with, each with its schedule from today."""
    if order.status != OrderStatus.AWAITING_PAYMENT or order.amount_due.amount <= 0:
        return []
    return instalment_offers(
        channel_id=order.channel_id, amount=order.amount_due, country=_country(order), product_kinds=_kinds(order)
    )


def pay_order_in_instalments(*, order_id: int, offer_id: int, method_code: str, data: Mapping[str, str]) -> Payment:
    """Pay the first instalment of the order's amount due now, save the method for the others, and settle
    the order (it is paid once the first instalment is captured and the plan covers the rest).

    A decline is returned (status failed), never raised: the buyer may try again. Raises OrderStateError when
    the order is not awaiting payment, PaymentInProgressError (409) while another payment of the order is with
    the provider or has taken money, and the instalment errors (offer not eligible, method not saved, a plan
    already started)."""
    with transaction.atomic():
        # One charge at a time per order, as `pay_order`: a double-tapped "Pay in 3" charges the card once.
        order = require_awaiting_payment(locks.order(order_id=order_id))
        refuse_second_charge(order)
        payment = begin_instalment_plan(
            order_ref=order.ref,
            channel_id=order.channel_id,
            offer_id=offer_id,
            amount_due=order.amount_due,
            country=_country(order),
            product_kinds=_kinds(order),
            method_code=method_code,
        )
    # The provider is called after the commit, outside any lock: a concurrent try now finds this payment.
    start = charge_first_instalment(payment=payment, order_ref=order.ref, method_code=method_code, data=data)
    if start.plan is None:
        # Not decided at once (3-D Secure, a redirect, a late webhook): the choice waits for the capture,
        # see `start_pending_plans`. A decline: the buyer may try again.
        if start.payment.status == PaymentStatus.FAILED:
            log(
                order, OrderEventKind.PAYMENT_FAILED, start.payment.error, public=False, payment=start.payment.reference
            )
        return start.payment
    settle_order_payments(order_id=order.pk)
    return start.payment


# --- A first instalment captured later (3-D Secure, redirects, webhooks, reconciliation) -------------------


def start_pending_plans(*, order_id: int, reference: str | None = None) -> InstalmentPlan | None:
    """Start the plan of the order's pending instalment choice whose first payment (`reference`, else any
    of the order's) is now captured, then settle the order (paid: the plan covers the rest). Called by the
    buyer's return from the provider and by the `payments.payment_captured` handler (webhooks,
    reconciliation); idempotent and safe to run concurrently (`start_pending_plan` locks the choice).

    An order no longer awaiting payment (paid another way, cancelled) starts no plan: its choice is dropped
    (a cancelled order's capture is refunded by `settle_after_capture`)."""
    order = Order.objects.filter(pk=order_id).only("pk", "number", "status").first()
    if order is None:
        return None
    references = [reference] if reference else pending_plan_payments(order_ref=order.ref)
    if reference and reference not in pending_plan_payments(order_ref=order.ref):
        return None
    plan = None
    for ref in references:
        if order.status != OrderStatus.AWAITING_PAYMENT:
            drop_pending_plan(reference=ref, reason="order-not-awaiting-payment", captured_too=True)
            continue
        started = start_pending_plan(reference=ref)
        if started.plan is not None:
            plan = started.plan
        elif started.refused not in ("", "not-captured", "none"):
            log(
                order,
                OrderEventKind.PAYMENT_FAILED,
                f"Instalment plan not started ({started.refused}): the first instalment was refunded.",
                public=False,
                payment=ref,
            )
    if plan is not None:
        settle_order_payments(order_id=order.pk)
    return plan


@handles("payments.payment_captured")
def start_plan_after_capture(event) -> None:
    """A first instalment captured by a webhook or reconciliation (or the buyer's return, again)."""
    order_id = _order_id(event.payload["order_ref"])
    if order_id is not None:
        start_pending_plans(order_id=order_id, reference=event.payload["payment"])


@handles("payments.payment_failed")
@handles("payments.payment_cancelled")
def drop_choice_of_failed_payment(event) -> None:
    """The first instalment failed or was cancelled: the choice is forgotten, the buyer may choose again."""
    drop_pending_plan(reference=event.payload["payment"])


# --- Reactions to the plan's events ---------------------------------------------------------------------


def _order_id(order_ref: str) -> int | None:
    return Order.objects.filter(number=order_ref).values_list("pk", flat=True).first()


@handles("payments.instalment_failed")
def note_failed_instalment(event) -> None:
    """A charge was declined and will be retried: a line for staff, a reminder for the buyer."""
    _note_failure(event.payload, final=False)


@handles("payments.instalment_plan_defaulted")
def note_defaulted_plan(event) -> None:
    """The last retry failed: the plan is in default. Staff are told (timeline and managers' mail); the
    buyer gets a last reminder with the link to pay by hand."""
    _note_failure(event.payload, final=True)


def _note_failure(payload: Mapping, *, final: bool) -> None:
    order_id = _order_id(payload["order_ref"])
    instalment = Instalment.objects.filter(pk=payload["instalment_id"]).select_related("plan").first()
    if order_id is None or instalment is None:
        return
    amount = Money(instalment.amount, instalment.plan.currency)
    if final:
        message = (
            f"Instalment plan in default: instalment {instalment.sequence} of {instalment.plan.count} ({amount}) "
            f"declined {instalment.attempts} times ({instalment.last_error}). No more automatic tries."
        )
    else:
        message = (
            f"Instalment {instalment.sequence} of {instalment.plan.count} ({amount}) declined "
            f"({instalment.last_error}); next try on {payload.get('retry_on')}."
        )
    order = Order.objects.get(pk=order_id)
    log(order, OrderEventKind.PAYMENT_FAILED, message, public=False, instalment=instalment.sequence, final=final)
    if final:
        transaction.on_commit(
            partial(mail_managers, f"Order {order.number}: instalment plan in default", message, fail_silently=True)
        )
    transaction.on_commit(
        partial(
            send_instalment_reminder.enqueue,
            order_id=order_id,
            instalment_id=instalment.pk,
            attempt=instalment.attempts,
        )
    )


@handles("orders.order_refunded")
def stop_plan_of_refunded_order(event) -> None:
    """Everything paid was given back: nothing more is collected."""
    number = (
        event.payload.get("number")
        or Order.objects.filter(pk=event.payload["order_id"]).values_list("number", flat=True).first()
    )
    if number:
        cancel_instalment_plan(order_ref=number, reason="order refunded")


# --- The reminder e-mail --------------------------------------------------------------------------------


def _already_reminded(order_id: int, instalment_id: int, attempt: int) -> bool:
    sent = OrderEvent.objects.filter(order_id=order_id, kind=OrderEventKind.EMAIL_SENT).values_list("data", flat=True)
    return any(
        isinstance(data, dict)
        and data.get("email") == REMINDER
        and data.get("instalment_id") == instalment_id
        and data.get("attempt") == attempt
        for data in sent
    )


def deliver_instalment_reminder(*, order_id: int, instalment_id: int, attempt: int) -> bool:
    """Mail the buyer that instalment `instalment_id` failed on try `attempt`, with the link to pay it by hand.
    At most once per instalment and try (the order row is locked while sending, as for the order mails);
    False, sending nothing, when already sent or the order has no address."""
    from comptoir.orders.tasks import _absolute, _language, _order_language

    if _already_reminded(order_id, instalment_id, attempt):
        return False
    instalment = Instalment.objects.select_related("plan").filter(pk=instalment_id).first()
    order = Order.objects.filter(pk=order_id).only("number", "token", "email", "language").first()
    if instalment is None or order is None or not order.email:
        return False
    plan: InstalmentPlan = instalment.plan
    with translation.override(_language(_order_language(order_id))):
        context = {
            "order": order,
            "plan": plan,
            "instalment": instalment,
            "amount": Money(instalment.amount, plan.currency),
            "final": instalment.next_attempt_on is None,
            "pay_url": _absolute(
                reverse("orders:pay_instalment", kwargs={"token": order.token, "sequence": instalment.sequence})
            ),
            "tracking_url": _absolute(reverse("orders:track", kwargs={"token": order.token})),
            "shop_url": _absolute(reverse("storefront:home")),
            "shop_name": getattr(settings, "SHOP_NAME", "Comptoir"),
        }
        subject = str(SUBJECT % {"number": order.number})
        context["subject"] = subject
        text = render_to_string(f"orders/emails/{REMINDER}.txt", context).strip() + "\n"
        html = render_to_string(f"orders/emails/{REMINDER}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[order.email])
    message.attach_alternative(html, "text/html")
    with transaction.atomic():
        locked = locks.order(order_id=order_id)
        if _already_reminded(order_id, instalment_id, attempt):
            return False
        message.send()
        log(
            locked,
            OrderEventKind.EMAIL_SENT,
            subject,
            email=REMINDER,
            instalment_id=instalment_id,
            attempt=attempt,
            to=order.email,
        )
    return True


@task()
def send_instalment_reminder(*, order_id: int, instalment_id: int, attempt: int) -> bool:
    """Scheduled when an instalment's charge fails; see `deliver_instalment_reminder`."""
    return deliver_instalment_reminder(order_id=order_id, instalment_id=instalment_id, attempt=attempt)
