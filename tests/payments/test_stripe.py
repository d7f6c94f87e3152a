"""The Stripe adapter against a local server answering like Stripe's API (PaymentIntents, refunds, errors),
and its webhooks signed with Stripe's scheme (HMAC-SHA256 of "<t>.<body>", Stripe-Signature: t=...,v1=...)."""

import hashlib
import hmac
import json
import threading
import time
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from werkzeug import Response

from comptoir.payments.accounts import save_account
from comptoir.payments.errors import PaymentStateError
from comptoir.payments.gateways import ProviderStatus, WebhookSignatureError
from comptoir.payments.models import Payment, PaymentStatus, ProviderAccount
from comptoir.payments.providers.stripe import StripeGateway
from comptoir.payments.services import (
    capture_payment,
    confirm_payment,
    create_payment,
    reconcile_payments,
    refresh_payment,
    refund_payment,
)
from tests.payments.helpers import eur, post_webhook

pytestmark = pytest.mark.django_db

SECRET = "whsec_test_secret"


def intent(status="requires_payment_method", *, pi="pi_123", amount=5000, **extra):
    body = {
        "id": pi,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": amount if status == "requires_capture" else 0,
        "amount_received": amount if status == "succeeded" else 0,
        "currency": "eur",
        "status": status,
        "client_secret": f"{pi}_secret_abc",
        "capture_method": "automatic",
        "metadata": {},
        "next_action": None,
        "last_payment_error": None,
        "livemode": False,
    }
    body.update(extra)
    return body


def error(kind, code, message, status):
    return Response(
        json.dumps({"error": {"type": kind, "code": code, "message": message}}),
        status=status,
        content_type="application/json",
    )


@pytest.fixture
def stripe_account(httpserver, channel):
    account = ProviderAccount(
        channel=channel,
        provider="stripe",
        settings={"publishable_key": "pk_test_123", "base_url": httpserver.url_for("").rstrip("/"), "timeout": "1"},
    )
    return save_account(account=account, secrets={"api_key": "sk_test_123", "webhook_secret": SECRET})


def stripe_payment(channel, amount="50.00", **kwargs):
    return create_payment(
        order_ref="ORD-S", method_code="stripe:card", amount=eur(amount), channel_id=channel.pk, **kwargs
    )


def signed(payload: dict, *, secret=SECRET, timestamp=None):
    body = json.dumps(payload).encode()
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"Stripe-Signature": f"t={timestamp},v1={digest}"}


def stripe_event(event_id, kind, obj):
    return {"id": event_id, "object": "event", "type": kind, "data": {"object": obj}, "created": int(time.time())}


def test_confirm_creates_a_payment_intent_for_the_payment_element(httpserver, stripe_account, channel):
    seen = {}

    def handler(request):
        seen["form"] = parse_qs(request.get_data(as_text=True))
        seen["key"] = request.headers.get("Idempotency-Key")
        seen["auth"] = request.headers.get("Authorization")
        return Response(json.dumps(intent()), content_type="application/json")

    httpserver.expect_request("/v1/payment_intents", method="POST").respond_with_handler(handler)
    payment = stripe_payment(channel)

    payment = confirm_payment(reference=payment.reference, data={})

    assert payment.status == PaymentStatus.REQUIRES_ACTION
    assert payment.client_secret == "pi_123_secret_abc" and payment.provider_reference == "pi_123"
    form = seen["form"]
    assert form["amount"] == ["5000"] and form["currency"] == ["eur"]
    assert form["automatic_payment_methods[enabled]"] == ["true"]
    assert form["capture_method"] == ["automatic"]
    assert form["metadata[reference]"] == [payment.reference]
    assert seen["key"] == f"create:{payment.reference}" and seen["auth"] == "Bearer sk_test_123"


def test_capture_at_fulfilment_asks_stripe_for_a_manual_capture_then_captures(httpserver, stripe_account, channel):
    forms = []

    def create(request):
        forms.append(parse_qs(request.get_data(as_text=True)))
        return Response(json.dumps(intent()), content_type="application/json")

    httpserver.expect_request("/v1/payment_intents", method="POST").respond_with_handler(create)
    httpserver.expect_request("/v1/payment_intents/pi_123", method="GET").respond_with_json(intent("requires_capture"))
    httpserver.expect_request("/v1/payment_intents/pi_123/capture", method="POST").respond_with_json(
        intent("succeeded")
    )
    payment = confirm_payment(reference=stripe_payment(channel, capture_mode="fulfilment").reference, data={})

    payment = refresh_payment(reference=payment.reference)
    assert payment.status == PaymentStatus.AUTHORIZED and payment.authorized_amount == Decimal("50.00")
    payment = capture_payment(reference=payment.reference)

    assert forms[0]["capture_method"] == ["manual"]
    assert payment.status == PaymentStatus.CAPTURED and payment.captured_amount == Decimal("50.00")


def test_a_card_error_fails_the_payment_with_stripes_message(httpserver, stripe_account, channel):
    httpserver.expect_request("/v1/payment_intents", method="POST").respond_with_response(
        error("card_error", "card_declined", "Your card was declined.", 402)
    )

    payment = confirm_payment(reference=stripe_payment(channel).reference, data={"saved_method": "pm_1"})

    assert payment.status == PaymentStatus.FAILED and payment.error == "Your card was declined."


def test_a_stripe_5xx_leaves_the_payment_pending_and_reconciliation_settles_it(httpserver, stripe_account, channel):
    httpserver.expect_oneshot_request("/v1/payment_intents", method="POST").respond_with_response(
        error("api_error", "", "Something went wrong", 500)
    )
    payment = confirm_payment(reference=stripe_payment(channel).reference, data={})
    assert payment.status == PaymentStatus.PENDING and payment.provider_reference == ""

    found = {"object": "search_result", "data": [intent("succeeded", metadata={"reference": payment.reference})]}
    httpserver.expect_request("/v1/payment_intents/search", method="GET").respond_with_json(found)
    counts = reconcile_payments(older_than_minutes=0)

    payment.refresh_from_db()
    assert counts == {"captured": 1}
    assert payment.status == PaymentStatus.CAPTURED and payment.provider_reference == "pi_123"


def test_a_stripe_timeout_leaves_the_payment_pending(httpserver, stripe_account, channel):
    answered = threading.Event()

    def slow(request):
        time.sleep(2.5)
        answered.set()
        return Response(json.dumps(intent()), content_type="application/json")

    httpserver.expect_request("/v1/payment_intents", method="POST").respond_with_handler(slow)

    started = time.monotonic()
    payment = confirm_payment(reference=stripe_payment(channel).reference, data={})

    assert time.monotonic() - started < 2.4  # the adapter's 1 s timeout, not the server's 2.5 s
    assert payment.status == PaymentStatus.PENDING
    assert payment.error == "The payment provider did not answer in time; we check again shortly."
    answered.wait(5)  # the local server answers one request at a time: let it finish before the next test


def test_the_buyers_return_reads_the_payment_intent_and_a_decline_there_fails_the_payment(
    httpserver, stripe_account, channel
):
    httpserver.expect_request("/v1/payment_intents", method="POST").respond_with_json(intent())
    declined = intent(last_payment_error={"code": "card_declined", "message": "Your card was declined."})
    httpserver.expect_request("/v1/payment_intents/pi_123", method="GET").respond_with_json(declined)
    payment = confirm_payment(reference=stripe_payment(channel).reference, data={})

    payment = refresh_payment(reference=payment.reference)

    assert payment.status == PaymentStatus.FAILED and payment.error == "Your card was declined."


def test_a_3ds_redirect_is_kept_as_the_action_url(httpserver, stripe_account, channel):
    action = {"type": "redirect_to_url", "redirect_to_url": {"url": "https://hooks.example/3ds", "return_url": "x"}}
    httpserver.expect_request("/v1/payment_intents", method="POST").respond_with_json(
        intent("requires_action", next_action=action)
    )

    payment = confirm_payment(reference=stripe_payment(channel).reference, data={"saved_method": "pm_1"})

    assert payment.status == PaymentStatus.REQUIRES_ACTION and payment.action_url == "https://hooks.example/3ds"


def test_refunds_go_to_stripe_with_the_amount_in_cents_and_our_key(httpserver, stripe_account, channel):
    forms = []
    httpserver.expect_request("/v1/payment_intents", method="POST").respond_with_json(intent("succeeded"))

    def refund(request):
        forms.append((parse_qs(request.get_data(as_text=True)), request.headers.get("Idempotency-Key")))
        return Response(
            json.dumps({"id": "re_1", "object": "refund", "status": "succeeded"}), content_type="application/json"
        )

    httpserver.expect_request("/v1/refunds", method="POST").respond_with_handler(refund)
    payment = confirm_payment(reference=stripe_payment(channel).reference, data={"saved_method": "pm_1"})

    refund_payment(reference=payment.reference, amount=eur("12.34"), key="refund-1")

    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("12.34")
    assert forms == [({"payment_intent": ["pi_123"], "amount": ["1234"]}, "refund-1")]


def test_a_refund_stripe_does_not_answer_is_not_recorded(httpserver, stripe_account, channel):
    httpserver.expect_request("/v1/payment_intents", method="POST").respond_with_json(intent("succeeded"))
    httpserver.expect_request("/v1/refunds", method="POST").respond_with_response(error("api_error", "", "down", 503))
    payment = confirm_payment(reference=stripe_payment(channel).reference, data={"saved_method": "pm_1"})

    with pytest.raises(PaymentStateError):
        refund_payment(reference=payment.reference, amount=eur("10.00"), key="refund-2")

    payment.refresh_from_db()
    assert payment.refunded_amount == 0


def test_a_signed_stripe_webhook_captures_the_payment(client, httpserver, stripe_account, channel):
    httpserver.expect_request("/v1/payment_intents", method="POST").respond_with_json(intent())
    payment = confirm_payment(reference=stripe_payment(channel).reference, data={})
    body, headers = signed(stripe_event("evt_1", "payment_intent.succeeded", intent("succeeded")))

    response = post_webhook(client, body, headers, provider="stripe")

    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED


def test_a_stripe_webhook_with_a_wrong_signature_or_an_old_timestamp_is_refused(client, stripe_account):
    payload = stripe_event("evt_2", "payment_intent.succeeded", intent("succeeded"))
    forged, forged_headers = signed(payload, secret="whsec_wrong")
    old, old_headers = signed(payload, timestamp=int(time.time()) - 600)

    assert post_webhook(client, forged, forged_headers, provider="stripe").status_code == 400
    response = post_webhook(client, old, old_headers, provider="stripe")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Invalid webhook signature"


def test_the_adapter_verifies_with_stripes_own_algorithm():
    gateway = StripeGateway({"api_key": "sk_test_1", "webhook_secret": SECRET})
    body, headers = signed(
        stripe_event("evt_3", "charge.refunded", {"payment_intent": "pi_9", "amount_refunded": 700, "currency": "eur"})
    )

    [event] = gateway.parse_webhook(body=body, headers=headers)

    assert (event.status, event.provider_reference, event.amount.amount) == (
        ProviderStatus.REFUNDED,
        "pi_9",
        Decimal("7"),
    )
    with pytest.raises(WebhookSignatureError):
        gateway.parse_webhook(body=body + b" ", headers=headers)


def test_the_stripe_method_is_offered_only_in_the_channel_with_the_account(stripe_account, channel, usd_channel):
    from comptoir.payments.gateways import available_methods

    assert [m.code for m in available_methods(channel)] == ["stripe:card", "test:card"]
    assert [m.code for m in available_methods(usd_channel)] == ["test:card"]
    assert Payment.objects.count() == 0


def test_the_pay_page_mounts_the_payment_element_with_stripe_allowed_by_the_csp_on_that_page_only(
    client, httpserver, stripe_account, channel, django_capture_on_commit_callbacks
):
    from comptoir.checkout import services
    from comptoir.orders.models import OrderStatus
    from tests.checkout.factories import ready_checkout

    checkout, _ = ready_checkout(channel, price="20.00")
    order = services.place_order(checkout_id=checkout.pk)
    httpserver.expect_request("/v1/payment_intents", method="POST").respond_with_json(intent(amount=2490))
    httpserver.expect_request("/v1/payment_intents/pi_123", method="GET").respond_with_json(
        intent("succeeded", amount=2490)
    )

    chosen = client.post(f"/en/checkout/pay/{order.token}/", {"method": "stripe:card"})
    page = client.get(chosen["Location"])
    plain_page = client.get(f"/en/checkout/done/{order.token}/")
    returned = client.get(f"/en/checkout/pay/{order.token}/return/?payment_intent=pi_123&redirect_status=succeeded")

    assert chosen["Location"] == f"/en/checkout/pay/{order.token}/"
    html = page.content.decode()
    assert 'data-client-secret="pi_123_secret_abc"' in html and 'data-publishable-key="pk_test_123"' in html
    assert f'data-return-url="http://testserver/en/checkout/pay/{order.token}/return/"' in html
    csp = page["Content-Security-Policy"]
    assert "https://js.stripe.com" in csp and "frame-src 'self' https://js.stripe.com" in csp
    assert "stripe.com" not in plain_page["Content-Security-Policy"]
    assert returned["Location"] == f"/en/checkout/done/{order.token}/"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
