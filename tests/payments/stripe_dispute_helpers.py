"""A Stripe-paid order and Stripe's dispute events (the Dispute object in its documented shape), for the
dispute tests."""

from __future__ import annotations

from decimal import Decimal

from django.test import Client

from comptoir.core.money import Money
from comptoir.orders.admin_page import describe_event
from comptoir.orders.models import Order, OrderEvent, OrderEventKind
from comptoir.payments.models import Payment, PaymentStatus, PaymentTransaction
from comptoir.payments.providers.stripe import to_minor
from comptoir.payments.services import confirm_payment, create_payment
from tests.payments.helpers import post_webhook
from tests.payments.test_stripe import intent, signed, stripe_event

PI = "pi_3Disputed"
DISPUTE = "dp_1Disputed"


def paid_with_stripe(client: Client, httpserver, channel, *, order_ref: str, amount: Money) -> Payment:
    """The buyer paid `amount` with Stripe; Stripe's `payment_intent.succeeded` webhook captured it."""
    minor = to_minor(amount)
    payment = create_payment(order_ref=order_ref, method_code="stripe:card", amount=amount, channel_id=channel.pk)
    extra = {"currency": amount.currency.lower(), "metadata": {"reference": payment.reference}}
    httpserver.expect_request("/v1/payment_intents", method="POST").respond_with_json(
        intent(pi=PI, amount=minor, **extra)
    )
    confirm_payment(reference=payment.reference, data={})
    succeeded = stripe_event("evt_paid", "payment_intent.succeeded", intent("succeeded", pi=PI, amount=minor, **extra))
    assert post_webhook(client, *signed(succeeded), provider="stripe").status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED
    return payment


def dispute(
    minor: int,
    *,
    currency: str = "eur",
    dispute_id: str = DISPUTE,
    payment_intent: str = PI,
    status: str = "needs_response",
    reinstated: int | None = None,
) -> dict:
    """A Dispute object as Stripe's API reference documents it (the fields we read, and a few around)."""
    transactions = [
        {"id": "txn_withdrawn", "object": "balance_transaction", "amount": -minor, "currency": currency, "fee": 1500}
    ]
    if reinstated is not None:
        transactions.append(
            {"id": "txn_reinstated", "object": "balance_transaction", "amount": reinstated, "currency": currency}
        )
    return {
        "id": dispute_id,
        "object": "dispute",
        "amount": minor,
        "currency": currency,
        "charge": "ch_3Disputed",
        "payment_intent": payment_intent,
        "status": status,
        "reason": "fraudulent",
        "balance_transactions": transactions,
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
    }


def dispute_webhook(client: Client, event_id: str, kind: str, obj: dict):
    return post_webhook(client, *signed(stripe_event(event_id, f"charge.dispute.{kind}", obj)), provider="stripe")


def chargebacks(payment: Payment) -> list[tuple[str, str, Decimal, Decimal, str]]:
    """(provider event id, provider reference, amount, refunded delta, error code) of the chargeback rows."""
    rows = PaymentTransaction.objects.filter(payment=payment, kind="chargeback").order_by("pk")
    return list(rows.values_list("provider_event_id", "provider_reference", "amount", "refunded_delta", "error_code"))


def timeline(order: Order) -> list[tuple[str, bool, str]]:
    events = OrderEvent.objects.filter(order=order, kind__in=[OrderEventKind.REFUNDED, OrderEventKind.NOTE])
    return [(e.kind, e.public, describe_event(e, order.currency)) for e in events.order_by("pk")]
