"""Mollie's refund webhooks arriving at once (real threads; run on PostgreSQL and MariaDB too): each refund is
recorded once, under the payment's lock, and the payment's amounts always equal its ledger."""

import json
import threading
from decimal import Decimal

import pytest
from django.test import Client
from werkzeug import Response

from comptoir.core.models import Event
from comptoir.orders.models import OrderEvent, OrderEventKind, OrderStatus
from comptoir.payments.models import Payment, PaymentTransaction
from tests.payments.mollie_refund_helpers import (
    CHARGEBACKS,
    REFUNDS,
    listed,
    mollie_account_for,
    mollie_shows,
    paid_on_mollie,
    paid_with,
    placed_order,
    refund,
    violations,
)
from tests.payments.test_mollie_flow import PAYMENT_ID, mollie_webhook

CHECKS = ("payment_ledger", "order_payments")


@pytest.fixture
def mollie_account(httpserver, channel):
    return mollie_account_for(httpserver, channel)


@pytest.fixture
def order(channel):
    return placed_order(channel)


@pytest.mark.django_db(transaction=True)
def test_the_same_refund_webhook_ten_times_at_once_records_the_refund_once(
    client, httpserver, mollie_account, order, run_in_threads
):
    payment = paid_on_mollie(client, httpserver, order)
    mollie_shows(httpserver, order, payment, refunds=[refund("re_Dash0001", Decimal(5))])

    responses = run_in_threads(lambda i: mollie_webhook(Client()), n=10)

    assert [getattr(r, "status_code", r) for r in responses] == [200] * 10
    payment = Payment.objects.get(pk=payment.pk)
    order.refresh_from_db()
    assert payment.refunded_amount == Decimal("5.00")
    assert PaymentTransaction.objects.filter(provider_event_id="mollie:re_Dash0001").count() == 1
    assert Event.objects.filter(name="payments.provider_refund_recorded").count() == 1
    assert OrderEvent.objects.filter(order=order, kind=OrderEventKind.REFUNDED).count() == 1
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert violations(*CHECKS) == []


@pytest.mark.django_db(transaction=True)
def test_ten_webhooks_at_once_each_seeing_more_refunds_record_every_refund_once(
    client, httpserver, mollie_account, order, run_in_threads
):
    """The merchant made ten refunds of 1.00 in a row; each webhook's list shows those made so far. Whatever
    the order the deliveries are recorded in, each refund is recorded once and none is lost: a delivery that
    lists more than another one recorded waits for the payment's lock and records the rest."""
    payment = paid_on_mollie(client, httpserver, order)
    refunds = [refund(f"re_Dash{i:04d}", Decimal(1), created_at=f"2026-11-30T14:{i:02d}:00+00:00") for i in range(10)]
    asked = []
    guard = threading.Lock()

    def made_so_far(request):
        with guard:
            asked.append(request.path)
            made = len(asked)
        body = listed("refunds", refunds[:made])
        return Response(json.dumps(body), status=200, content_type="application/hal+json")

    httpserver.clear_all_handlers()
    httpserver.expect_request(f"/v2/payments/{PAYMENT_ID}", method="GET").respond_with_json(
        paid_with(order, payment, refunded=Decimal(len(refunds)))
    )
    httpserver.expect_request(REFUNDS, method="GET").respond_with_handler(made_so_far)
    httpserver.expect_request(CHARGEBACKS, method="GET").respond_with_json(listed("chargebacks", []))

    responses = run_in_threads(lambda i: mollie_webhook(Client()), n=10)

    assert [getattr(r, "status_code", r) for r in responses] == [200] * 10
    payment = Payment.objects.get(pk=payment.pk)
    rows = PaymentTransaction.objects.filter(payment=payment, provider_event_id__startswith="mollie:re_Dash")
    assert sorted(rows.values_list("provider_reference", flat=True)) == [f"re_Dash{i:04d}" for i in range(10)]
    assert payment.refunded_amount == Decimal("10.00")
    assert Event.objects.filter(name="payments.provider_refund_recorded").count() == 10
    assert OrderEvent.objects.filter(order=order, kind=OrderEventKind.REFUNDED).count() == 10
    assert violations(*CHECKS) == []
