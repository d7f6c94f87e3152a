"""Mollie's refund webhooks arriving at once (real threads; run on PostgreSQL and MariaDB too): each refund is
recorded once, under the payment's lock, and the payment's amounts always equal its ledger."""

import json
import threading
from decimal import Decimal

import pytest
from django.test import Client
from pytest_httpserver import HTTPServer
from werkzeug import Response

from comptoir.core.models import Event
from comptoir.core.money import Money
from comptoir.orders.models import OrderEvent, OrderEventKind, OrderStatus
from comptoir.orders.services.refunds import refund_order
from comptoir.payments.models import Payment, PaymentTransaction
from tests.orders.return_factories import legal_entity
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
from tests.payments.providers.conftest import load
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


@pytest.fixture
def threaded_mollie():
    """Mollie's API answering several requests at once (a refund call still waiting while a webhook asks)."""
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.mark.django_db(transaction=True)
def test_the_webhook_of_a_refund_the_shop_is_still_making_does_not_record_it_a_second_time(
    client, threaded_mollie, channel, order, run_in_threads
):
    """Mollie made the shop's refund and called the webhook before the shop's refund call returned: the
    webhook lists the refund while the shop's transaction (holding the payment's lock) is not committed yet.
    It waits for the lock, then finds the refund in the ledger under its id."""
    legal_entity(channel)
    mollie_account_for(threaded_mollie, channel, timeout="10")
    payment = paid_on_mollie(client, threaded_mollie, order)
    assert mollie_webhook(client).status_code == 200  # Mollie's webhook for the payment itself came too
    posted, listed_once = threading.Event(), threading.Event()

    def make_refund(request):
        posted.set()
        listed_once.wait(10)  # Mollie's answer comes after its webhook call was listed
        return Response(json.dumps(load("mollie/refund_queued")), status=201, content_type="application/hal+json")

    def list_refunds(request):
        body = listed("refunds", [refund("re_4qqhO89gsT", Decimal(10), status="queued")])
        listed_once.set()
        return Response(json.dumps(body), status=200, content_type="application/hal+json")

    threaded_mollie.clear_all_handlers()
    threaded_mollie.expect_request(f"/v2/payments/{PAYMENT_ID}", method="GET").respond_with_json(
        paid_with(order, payment, refunded=Decimal(10))
    )
    threaded_mollie.expect_request(REFUNDS, method="POST").respond_with_handler(make_refund)
    threaded_mollie.expect_request(REFUNDS, method="GET").respond_with_handler(list_refunds)
    threaded_mollie.expect_request(CHARGEBACKS, method="GET").respond_with_json(listed("chargebacks", []))

    def shop_or_webhook(i):
        if i == 0:
            return refund_order(order_id=order.pk, amount=Money(Decimal(10), "EUR"), reason="Scratched", key="r-1")
        assert posted.wait(10)
        return mollie_webhook(Client())

    made, hooked = run_in_threads(shop_or_webhook, n=2)

    assert made.to_payments == Money(Decimal(10), "EUR") and hooked.status_code == 200
    assert listed_once.is_set()  # the webhook did list the refund while the shop was making it
    payment = Payment.objects.get(pk=payment.pk)
    assert payment.refunded_amount == Decimal("10.00")
    given_back = PaymentTransaction.objects.filter(payment=payment, refunded_delta__gt=0)
    assert list(given_back.values_list("kind", "provider_reference")) == [("refund", "re_4qqhO89gsT")]
    assert violations(*CHECKS) == []
