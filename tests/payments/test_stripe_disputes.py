"""Stripe disputes: `charge.dispute.funds_withdrawn` is a chargeback recorded once per dispute, within what
was captured, and the order follows; `charge.dispute.funds_reinstated` moves nothing back and tells staff.
Webhooks are signed with Stripe's scheme; the Dispute object is in its documented shape."""

from decimal import Decimal

import pytest
from django.test import Client

from comptoir.core.models import Event
from comptoir.core.money import Money
from comptoir.orders.models import OrderStatus
from comptoir.payments.models import Payment, PaymentStatus, PaymentTransaction, TransactionKind
from comptoir.payments.providers.stripe import StripeGateway
from comptoir.payments.services import refund_payment
from tests.payments.mollie_refund_helpers import placed_order, violations
from tests.payments.stripe_dispute_helpers import (
    DISPUTE,
    PI,
    chargebacks,
    dispute,
    dispute_webhook,
    paid_with_stripe,
    timeline,
)
from tests.payments.test_stripe import SECRET, signed, stripe_account, stripe_event  # noqa: F401  (fixture)

CHECKS = ("payment_ledger", "order_payments")


@pytest.fixture
def order(channel):
    return placed_order(channel)


@pytest.fixture
def paid(client, httpserver, channel, stripe_account, order, django_capture_on_commit_callbacks):  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        payment = paid_with_stripe(client, httpserver, channel, order_ref=order.number, amount=eur(order.total))
    order.refresh_from_db()
    assert order.status not in (OrderStatus.AWAITING_PAYMENT, OrderStatus.PARTIALLY_REFUNDED)
    return payment


def eur(value) -> Money:
    return Money(Decimal(value), "EUR")


def cents(value) -> int:
    return int(Decimal(value) * 100)


@pytest.mark.django_db
def test_funds_withdrawn_records_one_chargeback_and_the_order_is_partially_refunded_with_a_staff_line(
    client, paid, order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert dispute_webhook(client, "evt_w1", "funds_withdrawn", dispute(cents(5))).status_code == 200
        # Redelivered, and the same withdrawal under another event id: still one chargeback.
        assert dispute_webhook(client, "evt_w1", "funds_withdrawn", dispute(cents(5))).status_code == 200
        assert dispute_webhook(client, "evt_w2", "funds_withdrawn", dispute(cents(5))).status_code == 200

    paid.refresh_from_db()
    order.refresh_from_db()
    assert (paid.status, paid.refunded_amount) == (PaymentStatus.PARTIALLY_REFUNDED, Decimal("5.00"))
    assert chargebacks(paid) == [(f"stripe:{DISPUTE}", DISPUTE, Decimal("5.00"), Decimal("5.00"), "")]
    assert paid.transactions.get(kind=TransactionKind.CHARGEBACK).message == "funds_withdrawn fraudulent"
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert timeline(order) == [("refunded", False, "Chargeback of €5.00 received from Stripe.")]
    assert violations(*CHECKS) == []


@pytest.mark.django_db
def test_a_dispute_of_the_whole_payment_refunds_the_order(client, paid, order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert dispute_webhook(client, "evt_w1", "funds_withdrawn", dispute(cents(order.total))).status_code == 200

    paid.refresh_from_db()
    order.refresh_from_db()
    assert (paid.status, paid.refunded_amount) == (PaymentStatus.REFUNDED, order.total)
    assert order.status == OrderStatus.REFUNDED
    assert timeline(order) == [("refunded", False, f"Chargeback of €{order.total:.2f} received from Stripe.")]
    assert violations(*CHECKS) == []


@pytest.mark.django_db
def test_a_dispute_exceeding_what_is_left_after_a_refund_is_capped_and_flagged(
    client, httpserver, paid, order, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/v1/refunds", method="POST").respond_with_json(
        {"id": "re_Shop1", "object": "refund", "amount": 500, "currency": "eur", "status": "succeeded"}
    )
    refund_payment(reference=paid.reference, amount=eur("5.00"), key="shop-refund")

    with django_capture_on_commit_callbacks(execute=True):
        assert dispute_webhook(client, "evt_w1", "funds_withdrawn", dispute(cents(order.total))).status_code == 200

    paid.refresh_from_db()
    order.refresh_from_db()
    left = order.total - Decimal(5)
    assert paid.refunded_amount == paid.captured_amount == order.total
    assert chargebacks(paid) == [(f"stripe:{DISPUTE}", DISPUTE, order.total, left, "exceeds_captured")]
    assert order.status == OrderStatus.REFUNDED
    assert timeline(order)[-1] == (
        "refunded",
        False,
        f"Chargeback of €{order.total:.2f} received from Stripe. "
        f"Only €{left:.2f} was left to give back on the payment: check it in Stripe.",
    )
    assert violations(*CHECKS) == []


@pytest.mark.django_db
def test_funds_reinstated_moves_nothing_back_and_tells_staff_once(
    client, paid, order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dispute_webhook(client, "evt_w1", "funds_withdrawn", dispute(cents(5)))
    paid.refresh_from_db()
    order.refresh_from_db()
    before = (paid.status, paid.refunded_amount, order.status)
    assert before == (PaymentStatus.PARTIALLY_REFUNDED, Decimal("5.00"), OrderStatus.PARTIALLY_REFUNDED)
    won = dispute(cents(5), status="won", reinstated=cents(5))

    with django_capture_on_commit_callbacks(execute=True):
        assert dispute_webhook(client, "evt_r1", "funds_reinstated", won).status_code == 200
        assert dispute_webhook(client, "evt_r1", "funds_reinstated", won).status_code == 200

    paid.refresh_from_db()
    order.refresh_from_db()
    assert (paid.status, paid.refunded_amount, order.status) == before
    flag = paid.transactions.get(provider_event_id=f"stripe:{DISPUTE}:funds_reinstated")
    assert (flag.kind, flag.refunded_delta) == (TransactionKind.PROVIDER_EVENT, 0)
    assert flag.error_code == "chargeback_reversed"
    assert len(chargebacks(paid)) == 1
    assert timeline(order)[-1] == (
        "note",
        False,
        "Chargeback of €5.00 reversed by Stripe: the money is back in your balance, though the order still counts "
        "it as given back.",
    )
    assert len(timeline(order)) == 2
    assert violations(*CHECKS) == []


@pytest.mark.django_db
def test_a_dispute_on_an_unknown_payment_intent_is_acknowledged_and_records_nothing(client, paid):
    before = PaymentTransaction.objects.count()

    response = dispute_webhook(client, "evt_w9", "funds_withdrawn", dispute(500, payment_intent="pi_NotOurs"))

    assert response.status_code == 200
    assert PaymentTransaction.objects.count() == before
    assert not Event.objects.filter(name="payments.provider_refund_recorded").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["created", "closed", "updated"])
def test_other_dispute_events_are_acknowledged_and_record_nothing(client, paid, kind):
    before = PaymentTransaction.objects.count()

    assert dispute_webhook(client, f"evt_{kind}", kind, dispute(500)).status_code == 200

    assert PaymentTransaction.objects.count() == before


@pytest.mark.django_db
def test_a_zero_decimal_currency_dispute_is_read_in_yen_not_hundredths(
    client,
    httpserver,
    channel,
    stripe_account,  # noqa: F811
):
    payment = paid_with_stripe(client, httpserver, channel, order_ref="ORD-JPY", amount=Money(Decimal(5000), "JPY"))

    response = dispute_webhook(client, "evt_w1", "funds_withdrawn", dispute(3000, currency="jpy"))

    assert response.status_code == 200
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.PARTIALLY_REFUNDED, Decimal(3000))
    assert chargebacks(payment) == [(f"stripe:{DISPUTE}", DISPUTE, Decimal(3000), Decimal(3000), "")]
    assert violations("payment_ledger") == []


def test_the_adapter_reads_a_dispute_as_one_chargeback_of_the_payment_intent():
    gateway = StripeGateway({"api_key": "sk_test_1", "webhook_secret": SECRET})
    body, headers = signed(stripe_event("evt_w1", "charge.dispute.funds_withdrawn", dispute(1999, currency="usd")))

    [event] = gateway.parse_webhook(body=body, headers=headers)

    assert (event.provider_reference, event.adjustment.event_id) == (PI, f"stripe:{DISPUTE}")
    assert (event.adjustment.kind, event.adjustment.moved) == ("chargeback", True)
    assert event.adjustment.amount == Money(Decimal("19.99"), "USD")


@pytest.mark.django_db(transaction=True)
def test_the_same_dispute_webhook_ten_times_at_once_records_one_chargeback(
    client,
    httpserver,
    channel,
    stripe_account,  # noqa: F811
    order,
    run_in_threads,
):
    payment = paid_with_stripe(client, httpserver, channel, order_ref=order.number, amount=eur(order.total))

    responses = run_in_threads(
        lambda i: dispute_webhook(Client(), "evt_w1", "funds_withdrawn", dispute(cents(5))), n=10
    )

    assert [getattr(r, "status_code", r) for r in responses] == [200] * 10
    payment = Payment.objects.get(pk=payment.pk)
    order.refresh_from_db()
    assert payment.refunded_amount == Decimal("5.00")
    assert len(chargebacks(payment)) == 1
    assert Event.objects.filter(name="payments.provider_refund_recorded").count() == 1
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert len(timeline(order)) == 1
    assert violations(*CHECKS) == []
