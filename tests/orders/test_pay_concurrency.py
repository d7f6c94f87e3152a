"""Paying one order twice at once (a double-clicked "Pay", a retry while the provider is slow): one charge."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from comptoir.orders.errors import PaymentInProgressError
from comptoir.orders.models import OrderStatus
from comptoir.orders.services.payment import pay_order
from comptoir.payments.models import Payment, PaymentStatus
from comptoir.payments.providers import faults
from comptoir.payments.services import create_payment
from tests.orders.account_factories import make_order

CARD = {"card_number": "4242 4242 4242 4242"}


@pytest.fixture
def slow_provider(monkeypatch):
    """The TEST provider takes half a second per call, as a real one does on a busy day."""
    monkeypatch.setattr(faults, "configured", lambda: faults.Faults(delay=0.5))


@pytest.mark.django_db(transaction=True)
def test_five_concurrent_payments_of_one_order_charge_it_once(channel, run_in_threads, slow_provider):
    order = make_order(channel, status=OrderStatus.AWAITING_PAYMENT)

    results = run_in_threads(lambda i: pay_order(order_id=order.pk, method_code="test:card", data=CARD), n=5)

    charged = [r for r in results if isinstance(r, Payment)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(charged) == 1 and charged[0].status == PaymentStatus.CAPTURED
    # The others were told at once: another payment is under way, or the order is already paid.
    assert {type(e).__name__ for e in refused} <= {"PaymentInProgressError", "OrderStateError"}
    assert len(refused) == 4
    assert Payment.objects.filter(order_ref=order.ref).count() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


@pytest.mark.django_db
def test_a_payment_the_provider_has_not_answered_blocks_another_try_for_a_while(channel):
    order = make_order(channel, status=OrderStatus.AWAITING_PAYMENT)
    stuck = create_payment(order_ref=order.ref, method_code="test:card", amount=order.amount_due)

    with pytest.raises(PaymentInProgressError) as refused:
        pay_order(order_id=order.pk, method_code="test:card", data=CARD)
    assert "already being processed" in refused.value.detail

    # Past the in-flight window, the unanswered attempt no longer blocks (reconciliation settles it).
    Payment.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(minutes=3))
    payment = pay_order(order_id=order.pk, method_code="test:card", data=CARD)
    assert payment.status == PaymentStatus.CAPTURED
    assert payment.captured_amount == order.amount_due.amount > Decimal(0)
