"""Refunds made in Mollie's dashboard and chargebacks: Mollie calls the payment's webhook, the payment shows
amountRefunded / amountChargedBack, and each refund or chargeback the ledger does not have is recorded once;
the order follows. Mollie's API is served locally (pytest-httpserver) in its documented shapes."""

from decimal import Decimal

import pytest
from werkzeug import Response

from comptoir.core.money import Money
from comptoir.orders.admin_page import describe_event
from comptoir.orders.models import OrderEvent, OrderEventKind, OrderStatus
from comptoir.orders.services.refunds import refund_order
from comptoir.payments.models import PaymentStatus, PaymentTransaction, TransactionKind, TransactionStatus
from comptoir.payments.queries import payments_with_unlisted_refunds
from comptoir.payments.services import reconcile_payments, refresh_payment, refund_payment
from tests.orders.return_factories import legal_entity
from tests.payments.mollie_refund_helpers import (
    CHARGEBACKS,
    REFUNDS,
    asked_for_lists,
    chargeback,
    mollie_account_for,
    mollie_shows,
    paid_on_mollie,
    paid_with,
    placed_order,
    refund,
    violations,
)
from tests.payments.providers.conftest import finished, load, slow
from tests.payments.test_mollie_flow import PAYMENT_ID, mollie_webhook

pytestmark = pytest.mark.django_db
CHECKS = ("payment_ledger", "order_payments")


@pytest.fixture
def mollie_account(httpserver, channel):
    return mollie_account_for(httpserver, channel)


@pytest.fixture
def order(channel):
    return placed_order(channel)


def eur(value) -> Money:
    return Money(Decimal(value), "EUR")


def given_back(payment) -> list[tuple[str, str, Decimal]]:
    """(kind, provider reference, refunded delta) of the payment's ledger rows that gave money back."""
    rows = PaymentTransaction.objects.filter(payment=payment, refunded_delta__gt=0).order_by("pk")
    return list(rows.values_list("kind", "provider_reference", "refunded_delta"))


def timeline(order) -> list[tuple[str, bool, str]]:
    events = OrderEvent.objects.filter(order=order, kind__in=[OrderEventKind.REFUNDED, OrderEventKind.NOTE])
    return [(e.kind, e.public, describe_event(e, order.currency)) for e in events.order_by("pk")]


def test_a_partial_then_a_full_refund_made_in_mollies_dashboard_are_each_recorded_once_and_the_order_follows(
    client, httpserver, mollie_account, order, django_capture_on_commit_callbacks
):
    payment = paid_on_mollie(client, httpserver, order)
    rest = order.total - Decimal("5.00")
    mollie_shows(httpserver, order, payment, refunds=[refund("re_Dash0001", Decimal(5), status="pending")])

    with django_capture_on_commit_callbacks(execute=True):
        assert mollie_webhook(client).status_code == 200
        assert mollie_webhook(client).status_code == 200  # delivered again

    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.PARTIALLY_REFUNDED, Decimal("5.00"))
    assert given_back(payment) == [(TransactionKind.REFUND, "re_Dash0001", Decimal("5.00"))]
    assert payment.transactions.get(provider_reference="re_Dash0001").provider_event_id == "mollie:re_Dash0001"
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert timeline(order) == [("refunded", True, "Refund of €5.00 made at Mollie, outside the shop.")]

    mollie_shows(
        httpserver,
        order,
        payment,
        refunds=[
            refund("re_Dash0001", Decimal(5)),
            refund("re_Dash0002", rest, created_at="2026-12-01T08:00:00+00:00"),
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert mollie_webhook(client).status_code == 200

    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.REFUNDED, order.total)
    assert [row[1] for row in given_back(payment)] == ["re_Dash0001", "re_Dash0002"]
    assert order.status == OrderStatus.REFUNDED
    assert len(timeline(order)) == 2
    assert violations(*CHECKS) == []


def test_a_refund_made_by_the_shop_then_its_webhook_is_recorded_once_without_listing_mollies_refunds(
    client, httpserver, channel, mollie_account, order, django_capture_on_commit_callbacks
):
    legal_entity(channel)
    payment = paid_on_mollie(client, httpserver, order)
    httpserver.expect_request(REFUNDS, method="POST").respond_with_response(
        Response(load_json("refund_queued"), status=201, content_type="application/hal+json")
    )
    refund_order(order_id=order.pk, amount=eur("10.00"), reason="Scratched", key="r-1")
    mollie_shows(httpserver, order, payment, refunds=[refund("re_4qqhO89gsT", Decimal(10), status="queued")])

    with django_capture_on_commit_callbacks(execute=True):
        assert mollie_webhook(client).status_code == 200

    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("10.00")
    assert given_back(payment) == [(TransactionKind.REFUND, "re_4qqhO89gsT", Decimal("10.00"))]
    assert asked_for_lists(httpserver) == []  # Mollie's total is what the ledger has: nothing to list
    assert OrderEvent.objects.filter(order=order, kind=OrderEventKind.REFUNDED).count() == 1


def test_a_refund_made_by_the_shop_is_found_by_its_id_in_mollies_list_and_not_recorded_twice(
    client, httpserver, channel, mollie_account, order, django_capture_on_commit_callbacks
):
    legal_entity(channel)
    payment = paid_on_mollie(client, httpserver, order)
    httpserver.expect_request(REFUNDS, method="POST").respond_with_response(
        Response(load_json("refund_queued"), status=201, content_type="application/hal+json")
    )
    refund_order(order_id=order.pk, amount=eur("10.00"), reason="Scratched", key="r-1")
    mollie_shows(httpserver, order, payment, refunds=load("mollie/refunds_list")["_embedded"]["refunds"])

    with django_capture_on_commit_callbacks(execute=True):
        assert mollie_webhook(client).status_code == 200

    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.refunded_amount == Decimal("15.00")
    assert given_back(payment) == [
        (TransactionKind.REFUND, "re_4qqhO89gsT", Decimal("10.00")),  # the shop's own, with its credit note
        (TransactionKind.REFUND, "re_Uz5XWpMMsA", Decimal("5.00")),  # made in Mollie's dashboard
    ]
    assert not PaymentTransaction.objects.filter(provider_event_id="mollie:re_4qqhO89gsT").exists()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert violations(*CHECKS) == []


def test_a_chargeback_gives_the_money_back_on_the_ledger_and_staff_see_it_on_the_order(
    client, httpserver, mollie_account, order, django_capture_on_commit_callbacks
):
    payment = paid_on_mollie(client, httpserver, order)
    mollie_shows(httpserver, order, payment, chargebacks=[chargeback("chb_n9z0tp", order.total)])

    with django_capture_on_commit_callbacks(execute=True):
        assert mollie_webhook(client).status_code == 200
        assert mollie_webhook(client).status_code == 200

    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.REFUNDED, order.total)
    assert given_back(payment) == [(TransactionKind.CHARGEBACK, "chb_n9z0tp", order.total)]
    row = payment.transactions.get(kind=TransactionKind.CHARGEBACK)
    assert row.provider_event_id == "mollie:chb_n9z0tp"
    assert row.message == "charged_back MD06 Refund request by end customer"
    assert order.status == OrderStatus.REFUNDED
    assert timeline(order) == [("refunded", False, f"Chargeback of €{order.total:.2f} received from Mollie.")]
    assert violations(*CHECKS) == []


def test_a_chargeback_on_top_of_a_refund_never_gives_back_more_than_was_captured_and_says_so(
    client, httpserver, mollie_account, order, django_capture_on_commit_callbacks
):
    payment = paid_on_mollie(client, httpserver, order)
    refunds = [refund("re_Dash0001", Decimal(5))]
    mollie_shows(httpserver, order, payment, refunds=refunds)
    with django_capture_on_commit_callbacks(execute=True):
        mollie_webhook(client)
    mollie_shows(httpserver, order, payment, refunds=refunds, chargebacks=[chargeback("chb_n9z0tp", order.total)])

    with django_capture_on_commit_callbacks(execute=True):
        assert mollie_webhook(client).status_code == 200

    payment.refresh_from_db()
    order.refresh_from_db()
    left = order.total - Decimal(5)
    assert payment.refunded_amount == payment.captured_amount == order.total
    row = payment.transactions.get(kind=TransactionKind.CHARGEBACK)
    assert (row.amount, row.refunded_delta, row.error_code) == (order.total, left, "exceeds_captured")
    assert order.status == OrderStatus.REFUNDED
    assert timeline(order)[-1] == (
        "refunded",
        False,
        f"Chargeback of €{order.total:.2f} received from Mollie. "
        f"Only €{left:.2f} was left to give back on the payment: check it in Mollie.",
    )
    assert violations(*CHECKS) == []


@pytest.mark.parametrize("status", ["failed", "canceled"])
def test_a_refund_that_failed_at_mollie_moved_no_money_and_is_not_recorded(
    client, httpserver, mollie_account, order, django_capture_on_commit_callbacks, status
):
    payment = paid_on_mollie(client, httpserver, order)
    refunds = [refund("re_Dash0001", Decimal(3), status="pending"), refund("re_Dash0002", Decimal(10), status=status)]
    mollie_shows(httpserver, order, payment, refunds=refunds)

    with django_capture_on_commit_callbacks(execute=True):
        assert mollie_webhook(client).status_code == 200

    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("3.00")
    assert [row[1] for row in given_back(payment)] == ["re_Dash0001"]
    assert not PaymentTransaction.objects.filter(provider_reference="re_Dash0002").exists()


def test_a_refund_of_the_shops_that_fails_at_mollie_later_is_told_to_staff_and_moves_nothing_back(
    client, httpserver, channel, mollie_account, order, django_capture_on_commit_callbacks
):
    legal_entity(channel)
    payment = paid_on_mollie(client, httpserver, order)
    httpserver.expect_request(REFUNDS, method="POST").respond_with_response(
        Response(load_json("refund_queued"), status=201, content_type="application/hal+json")
    )
    refund_order(order_id=order.pk, amount=eur("10.00"), reason="Scratched", key="r-1")
    mollie_shows(httpserver, order, payment, refunds=[refund("re_4qqhO89gsT", Decimal(10), status="failed")])

    with django_capture_on_commit_callbacks(execute=True):
        assert mollie_webhook(client).status_code == 200
        assert mollie_webhook(client).status_code == 200

    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("10.00")  # never moved backwards from a webhook
    flag = payment.transactions.get(provider_event_id="mollie:re_4qqhO89gsT:failed")
    assert (flag.status, flag.refunded_delta, flag.error_code) == (TransactionStatus.FAILED, 0, "refund_failed")
    assert timeline(order)[-1] == (
        "note",
        False,
        "Refund of €10.00 failed at Mollie: the buyer did not get it back, though the order still counts it as "
        "refunded.",
    )
    assert OrderEvent.objects.filter(order=order, kind=OrderEventKind.NOTE).count() == 1


@pytest.mark.parametrize("later", ["webhook", "reconcile"])
@pytest.mark.parametrize("failure", ["refunds_503", "chargebacks_timeout"])
def test_mollie_failing_to_list_records_nothing_and_a_later_webhook_or_reconciliation_records_it_once(
    client, httpserver, mollie_account, order, django_capture_on_commit_callbacks, failure, later
):
    payment = paid_on_mollie(client, httpserver, order)
    refunds = [refund("re_Dash0001", Decimal(4))]
    chargebacks = [chargeback("chb_n9z0tp", Decimal(6))]
    mollie_shows(httpserver, order, payment, refunds=refunds, chargebacks=chargebacks)
    httpserver.clear_all_handlers()
    httpserver.expect_request(f"/v2/payments/{PAYMENT_ID}").respond_with_json(
        paid_with(order, payment, refunded=Decimal(4), charged_back=Decimal(6))
    )
    if failure == "refunds_503":
        httpserver.expect_request(REFUNDS).respond_with_data("", status=503)
    else:
        httpserver.expect_request(REFUNDS).respond_with_json({"count": 1, "_embedded": {"refunds": refunds}})
        httpserver.expect_request(CHARGEBACKS).respond_with_handler(slow(1.3))
    before = len(httpserver.log)

    with django_capture_on_commit_callbacks(execute=True):
        response = mollie_webhook(client)

    finished(httpserver, before + (2 if failure == "refunds_503" else 3))  # the slow answer too
    payment.refresh_from_db()
    order.refresh_from_db()
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.CAPTURED, 0)
    assert given_back(payment) == [] and order.status == OrderStatus.PAID
    assert [p.reference for p in payments_with_unlisted_refunds()] == [payment.reference]

    mollie_shows(httpserver, order, payment, refunds=refunds, chargebacks=chargebacks)
    with django_capture_on_commit_callbacks(execute=True):
        if later == "webhook":
            assert mollie_webhook(client).status_code == 200
        else:
            assert reconcile_payments(older_than_minutes=0) == {PaymentStatus.PARTIALLY_REFUNDED: 1}
        assert mollie_webhook(client).status_code == 200  # and once more: nothing twice

    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.refunded_amount == Decimal("10.00")
    assert given_back(payment) == [
        (TransactionKind.REFUND, "re_Dash0001", Decimal("4.00")),
        (TransactionKind.CHARGEBACK, "chb_n9z0tp", Decimal("6.00")),
    ]
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert payments_with_unlisted_refunds() == []
    assert violations(*CHECKS) == []


def test_staff_asking_mollie_about_a_paid_payment_records_refunds_made_in_the_dashboard(
    client, httpserver, mollie_account, order, django_capture_on_commit_callbacks
):
    payment = paid_on_mollie(client, httpserver, order)
    mollie_shows(httpserver, order, payment, refunds=[refund("re_Dash0001", Decimal(5))])

    with django_capture_on_commit_callbacks(execute=True):
        refreshed = refresh_payment(reference=payment.reference, refunds=True)

    order.refresh_from_db()
    assert (refreshed.status, refreshed.refunded_amount) == (PaymentStatus.PARTIALLY_REFUNDED, Decimal("5.00"))
    assert order.status == OrderStatus.PARTIALLY_REFUNDED


def test_a_refund_retried_after_mollie_made_it_and_the_webhook_recorded_it_is_not_counted_twice(
    client, httpserver, mollie_account, order, django_capture_on_commit_callbacks
):
    payment = paid_on_mollie(client, httpserver, order)
    mollie_shows(httpserver, order, payment, refunds=[refund("re_4qqhO89gsT", Decimal(10), status="queued")])
    with django_capture_on_commit_callbacks(execute=True):
        mollie_webhook(client)  # the first call's answer was lost; Mollie made the refund and told the webhook
    httpserver.expect_request(REFUNDS, method="POST").respond_with_response(
        Response(load_json("refund_queued"), status=201, content_type="application/hal+json")
    )

    again = refund_payment(reference=payment.reference, amount=eur("10.00"), key="r-1")

    payment.refresh_from_db()
    assert again.provider_event_id == "mollie:re_4qqhO89gsT"
    assert payment.refunded_amount == Decimal("10.00")
    assert violations("payment_ledger") == []


def load_json(name: str) -> str:
    import json

    return json.dumps(load(f"mollie/{name}"))
