"""Mollie end to end: the storefront pay page, the buyer's return, Mollie's webhook, reconciliation and the
order's refund service, through the real services, with Mollie's API served locally (pytest-httpserver) in the
shapes of the recorded answers in tests/payments/providers/fixtures/mollie."""

import json
import threading
import time
from decimal import Decimal

import pytest
from werkzeug import Response

from comptoir.checkout import services as checkout
from comptoir.core.money import Money
from comptoir.orders.models import Order, OrderStatus
from comptoir.orders.services.refunds import refund_order
from comptoir.payments.accounts import save_account
from comptoir.payments.models import Payment, PaymentStatus, PaymentTransaction, ProviderAccount
from comptoir.payments.services import reconcile_payments
from tests.checkout.factories import ready_checkout
from tests.orders.return_factories import legal_entity
from tests.payments.providers.conftest import load

pytestmark = pytest.mark.django_db

PAYMENT_ID = "tr_WDqYK6vllg"
CHECKOUT_URL = "https://www.mollie.com/checkout/select-method/WDqYK6vllg"
WEBHOOK_URL = "https://shop.example.org/payments/webhooks/mollie/"


@pytest.fixture
def mollie_account(httpserver, channel):
    account = ProviderAccount(
        channel=channel,
        provider="mollie",
        mode="test",
        settings={"base_url": httpserver.url_for("/"), "timeout": "1", "webhook_url": WEBHOOK_URL},
    )
    return save_account(account=account, secrets={"api_key": "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"})


@pytest.fixture
def order(channel) -> Order:
    cart, _ = ready_checkout(channel, price="20.00")
    return checkout.place_order(checkout_id=cart.pk)


def answer(name: str, order: Order, payment: Payment | None = None, **changes) -> dict:
    """A recorded Mollie payment, for this order's amount and (once created) our payment reference."""
    value = f"{order.amount_due.amount:.2f}"
    reference = payment.reference if payment else "pending"
    body = load(f"mollie/{name}", amount={"value": value, "currency": "EUR"}, metadata={"reference": reference})
    if "amountCaptured" in body:
        body["amountCaptured"] = {"value": value, "currency": "EUR"}
    body.update(changes)
    return body


def created(httpserver, order, seen=None):
    """POST /v2/payments answering an open payment with Mollie's checkout link (and the request kept)."""

    def handler(request):
        if seen is not None:
            seen["body"] = json.loads(request.get_data(as_text=True))
            seen["key"] = request.headers.get("Idempotency-Key")
            seen["auth"] = request.headers.get("Authorization")
        return Response(json.dumps(answer("payment_open", order)), status=201, content_type="application/hal+json")

    httpserver.expect_request("/v2/payments", method="POST").respond_with_handler(handler)


def pay(client, order):
    return client.post(f"/en/checkout/pay/{order.token}/", {"method": "mollie:ideal"})


def come_back(client, order):
    return client.get(f"/en/checkout/pay/{order.token}/return/")


def mollie_webhook(client, payment_id=PAYMENT_ID):
    """Mollie's webhook: a form with the payment id only, unsigned."""
    return client.post(
        "/payments/webhooks/mollie/", data=f"id={payment_id}", content_type="application/x-www-form-urlencoded"
    )


def captures(payment: Payment) -> int:
    return PaymentTransaction.objects.filter(payment=payment, captured_delta__gt=0).count()


def paid_once(order: Order) -> Payment:
    order.refresh_from_db()
    payment = Payment.objects.get(order_ref=order.ref)
    assert order.status == OrderStatus.PAID
    assert payment.status == PaymentStatus.CAPTURED
    assert payment.captured_amount == order.total
    assert captures(payment) == 1
    return payment


def test_the_buyer_pays_on_mollies_page_and_the_return_fetches_the_payment(client, httpserver, mollie_account, order):
    seen = {}
    created(httpserver, order, seen)

    chosen = pay(client, order)

    payment = Payment.objects.get(order_ref=order.ref)
    assert chosen.status_code == 302 and chosen["Location"] == CHECKOUT_URL
    assert (payment.status, payment.provider_reference) == (PaymentStatus.REQUIRES_ACTION, PAYMENT_ID)
    body = seen["body"]
    assert body["amount"] == {"currency": "EUR", "value": f"{order.amount_due.amount:.2f}"}
    assert body["method"] == "ideal" and body["metadata"] == {"reference": payment.reference}
    assert body["redirectUrl"] == f"http://testserver/en/checkout/pay/{order.token}/return/"
    assert body["webhookUrl"] == WEBHOOK_URL
    assert seen["key"] == payment.reference and seen["auth"] == "Bearer test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"

    httpserver.expect_request(f"/v2/payments/{PAYMENT_ID}", method="GET").respond_with_json(
        answer("payment_paid", order, payment)
    )
    returned = come_back(client, order)

    assert returned["Location"] == f"/en/checkout/done/{order.token}/"
    paid_once(order)
    again = come_back(client, order)  # a reload of the return page asks Mollie nothing more
    assert again["Location"] == f"/en/checkout/done/{order.token}/"
    assert len([r for r, _ in httpserver.log if r.method == "GET"]) == 1
    paid_once(order)


def test_the_buyer_coming_back_while_mollie_still_shows_open_leaves_the_order_waiting(
    client, httpserver, mollie_account, order
):
    created(httpserver, order)
    pay(client, order)
    payment = Payment.objects.get(order_ref=order.ref)
    httpserver.expect_request(f"/v2/payments/{PAYMENT_ID}", method="GET").respond_with_json(
        answer("payment_open", order, payment)
    )

    returned = come_back(client, order)

    order.refresh_from_db()
    payment.refresh_from_db()
    assert returned["Location"] == f"/en/checkout/done/{order.token}/"
    assert order.status == OrderStatus.AWAITING_PAYMENT and payment.status == PaymentStatus.REQUIRES_ACTION


@pytest.mark.parametrize("webhook_first", [True, False], ids=["webhook-then-return", "return-then-webhook"])
def test_the_webhook_before_or_after_the_return_reaches_the_same_state_with_one_capture(
    client, httpserver, mollie_account, order, webhook_first, django_capture_on_commit_callbacks
):
    created(httpserver, order)
    pay(client, order)
    payment = Payment.objects.get(order_ref=order.ref)
    httpserver.expect_request(f"/v2/payments/{PAYMENT_ID}", method="GET").respond_with_json(
        answer("payment_paid", order, payment)
    )

    with django_capture_on_commit_callbacks(execute=True):  # the payment_captured handler settles the order
        if webhook_first:
            hooked = mollie_webhook(client)
            returned = come_back(client, order)
        else:
            returned = come_back(client, order)
            hooked = mollie_webhook(client)
        redelivered = mollie_webhook(client)

    assert hooked.status_code == 200 and redelivered.status_code == 200
    assert returned["Location"] == f"/en/checkout/done/{order.token}/"
    payment = paid_once(order)
    assert payment.transactions.filter(provider_event_id=f"mollie:{PAYMENT_ID}:paid").count() == 1


def test_a_webhook_for_a_payment_mollie_does_not_know_is_acknowledged_and_changes_nothing(
    client, httpserver, mollie_account, order
):
    httpserver.expect_request("/v2/payments/tr_unknown1", method="GET").respond_with_response(
        Response(json.dumps(load("mollie/error_not_found")), status=404, content_type="application/hal+json")
    )

    response = mollie_webhook(client, "tr_unknown1")

    assert response.status_code == 200 and response.json() == {"received": 0}
    assert PaymentTransaction.objects.count() == 0


def test_a_webhook_mollie_cannot_confirm_is_answered_503_for_mollie_to_retry(client, httpserver, mollie_account):
    httpserver.expect_request(f"/v2/payments/{PAYMENT_ID}", method="GET").respond_with_data("", status=502)

    response = mollie_webhook(client)

    assert response.status_code == 503 and response["Retry-After"] == "60"


def test_a_mollie_5xx_on_create_keeps_the_order_and_a_pending_payment(client, httpserver, mollie_account, order):
    httpserver.expect_oneshot_request("/v2/payments", method="POST").respond_with_data("", status=503)

    response = pay(client, order)

    order.refresh_from_db()
    payment = Payment.objects.get(order_ref=order.ref)
    assert response["Location"] == f"/en/checkout/done/{order.token}/"
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert payment.status == PaymentStatus.PENDING and payment.provider_reference == ""
    assert "Mollie is unavailable (error 503)" in payment.error
    done = client.get(response["Location"])
    assert done.context["confirming"] is True


def test_a_mollie_timeout_on_create_then_reconciliation_finds_the_payment_mollie_made(
    client, httpserver, mollie_account, order, django_capture_on_commit_callbacks
):
    """Mollie created the payment but its answer came too late; the buyer paid it all the same (Mollie's page
    was reached from their e-mail, another tab). Reconciliation finds it by our reference among Mollie's latest
    payments (List payments, newest first) and the order is paid."""
    answered = threading.Event()

    def slow(request):
        time.sleep(1.6)
        answered.set()
        return Response(json.dumps(answer("payment_open", order)), status=201, content_type="application/hal+json")

    httpserver.expect_oneshot_request("/v2/payments", method="POST").respond_with_handler(slow)
    response = pay(client, order)
    answered.wait(5)  # the local server answers one request at a time
    payment = Payment.objects.get(order_ref=order.ref)
    assert response["Location"] == f"/en/checkout/done/{order.token}/"
    assert payment.status == PaymentStatus.PENDING and payment.provider_reference == ""
    assert order.status == OrderStatus.AWAITING_PAYMENT

    other = answer("payment_paid", order, id="tr_Other1", metadata={"reference": "pay_someone_else"})
    listed = {"count": 2, "_embedded": {"payments": [other, answer("payment_paid", order, payment)]}, "_links": {}}
    httpserver.expect_request("/v2/payments", method="GET", query_string="limit=250").respond_with_json(listed)
    with django_capture_on_commit_callbacks(execute=True):
        counts = reconcile_payments(older_than_minutes=0)

    assert counts == {PaymentStatus.CAPTURED: 1}
    payment = paid_once(order)
    assert payment.provider_reference == PAYMENT_ID


def test_a_payment_mollie_never_created_stays_pending_through_reconciliation(client, httpserver, mollie_account, order):
    httpserver.expect_oneshot_request("/v2/payments", method="POST").respond_with_data("", status=500)
    pay(client, order)
    httpserver.expect_request("/v2/payments", method="GET").respond_with_json(
        {"count": 0, "_embedded": {"payments": []}, "_links": {}}
    )

    counts = reconcile_payments(older_than_minutes=0)

    payment = Payment.objects.get(order_ref=order.ref)
    order.refresh_from_db()
    assert counts == {PaymentStatus.PENDING: 1}
    assert payment.status == PaymentStatus.PENDING and order.status == OrderStatus.AWAITING_PAYMENT


def test_a_partial_refund_goes_to_mollie_and_its_redelivered_webhook_counts_once(
    client, httpserver, channel, mollie_account, order, django_capture_on_commit_callbacks
):
    legal_entity(channel)  # the refund issues a credit note
    created(httpserver, order)
    pay(client, order)
    payment = Payment.objects.get(order_ref=order.ref)
    httpserver.expect_request(f"/v2/payments/{PAYMENT_ID}", method="GET").respond_with_json(
        answer("payment_paid", order, payment)
    )
    come_back(client, order)
    refunds = []

    def refund(request):
        refunds.append((json.loads(request.get_data(as_text=True)), request.headers.get("Idempotency-Key")))
        return Response(json.dumps(load("mollie/refund_queued")), status=201, content_type="application/hal+json")

    httpserver.expect_request(f"/v2/payments/{PAYMENT_ID}/refunds", method="POST").respond_with_handler(refund)

    result = refund_order(order_id=order.pk, amount=Money(Decimal("10.00"), "EUR"), reason="Scratched", key="r-1")
    replayed = refund_order(order_id=order.pk, amount=Money(Decimal("10.00"), "EUR"), reason="Scratched", key="r-1")

    assert result.to_payments == Money(Decimal("10.00"), "EUR") and replayed.replayed
    [(body, key)] = refunds
    assert body["amount"] == {"currency": "EUR", "value": "10.00"} and key
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.PARTIALLY_REFUNDED, Decimal("10.00"))
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED

    # Mollie calls the webhook about the refund (the payment id again; the payment now shows the refund), twice.
    refunded = answer("payment_paid", order, payment, amountRefunded={"value": "10.00", "currency": "EUR"})
    httpserver.clear_all_handlers()
    httpserver.expect_request(f"/v2/payments/{PAYMENT_ID}", method="GET").respond_with_json(refunded)
    with django_capture_on_commit_callbacks(execute=True):
        assert mollie_webhook(client).status_code == 200
        assert mollie_webhook(client).status_code == 200

    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount, payment.captured_amount) == (
        PaymentStatus.PARTIALLY_REFUNDED,
        Decimal("10.00"),
        order.total,
    )
    assert payment.transactions.filter(refunded_delta__gt=0).count() == 1
    assert captures(payment) == 1


def test_with_capture_at_fulfilment_a_card_is_authorised_on_mollie_and_shipping_captures(
    client, httpserver, channel, order, django_capture_on_commit_callbacks
):
    from comptoir.core.events import dispatch
    from comptoir.core.models import Event
    from comptoir.inventory.models import StockLevel
    from comptoir.orders.services import fulfil_order

    account = ProviderAccount(
        channel=channel,
        provider="mollie",
        mode="test",
        capture_mode="fulfilment",
        settings={"base_url": httpserver.url_for("/"), "timeout": "1"},
    )
    save_account(account=account, secrets={"api_key": "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"})
    seen = {}
    created(httpserver, order, seen)
    client.post(f"/en/checkout/pay/{order.token}/", {"method": "mollie:creditcard"})
    payment = Payment.objects.get(order_ref=order.ref)
    assert seen["body"]["captureMode"] == "manual" and seen["body"]["method"] == "creditcard"
    authorized = answer("payment_authorized", order, payment, id=PAYMENT_ID)
    authorized["amountCaptured"] = {"value": "0.00", "currency": "EUR"}
    httpserver.expect_request(f"/v2/payments/{PAYMENT_ID}", method="GET").respond_with_json(authorized)

    come_back(client, order)

    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert (payment.status, payment.capture_mode, payment.captured_amount) == (
        PaymentStatus.AUTHORIZED,
        "fulfilment",
        0,
    )
    captured = []

    def capture(request):
        captured.append((json.loads(request.get_data(as_text=True)), request.headers.get("Idempotency-Key")))
        body = load("mollie/capture_succeeded", paymentId=PAYMENT_ID)
        body["amount"] = {"value": f"{order.total:.2f}", "currency": "EUR"}
        return Response(json.dumps(body), status=201, content_type="application/hal+json")

    httpserver.expect_request(f"/v2/payments/{PAYMENT_ID}/captures", method="POST").respond_with_handler(capture)
    location_id = StockLevel.objects.values_list("location_id", flat=True).first()
    fulfil_order(order_id=order.pk, location_id=location_id)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch(Event.objects.get(name="orders.shipment_created").pk)

    payment.refresh_from_db()
    assert (payment.status, payment.captured_amount) == (PaymentStatus.CAPTURED, order.total)
    [(body, key)] = captured
    assert body["amount"] == {"value": f"{order.total:.2f}", "currency": "EUR"}
    assert key == f"ship:{payment.reference}"
