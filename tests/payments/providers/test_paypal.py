import base64
import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from werkzeug import Response

from comptoir.core.money import Money
from comptoir.payments.gateways import ProviderStatus, WebhookSignatureError
from comptoir.payments.providers._http import ProviderUnreachableError
from comptoir.payments.providers.paypal import PayPalGateway

from .conftest import PAYPAL_CONFIG, finished, load, slow

ORDER = "5O190127TN364715T"
CAPTURE = "3C679366HH908993F"
AUTHORIZATION = "0VF52814937998046"
RETURN_URL = "https://shop.example.org/checkout/return/PAY-7Q2K9X/"
TOKEN = load("paypal/oauth_token")["access_token"]
pytestmark = pytest.mark.usefixtures("paypal_token")


def eur(value: str) -> Money:
    return Money(Decimal(value), "EUR")


def confirm(gateway, amount=None, **data):
    return gateway.confirm(
        reference="PAY-7Q2K9X", amount=amount or eur("42.50"), data={"return_url": RETURN_URL, **data}
    )


def calls(httpserver, path: str) -> list:
    return [request for request, _response in httpserver.log if request.path == path]


def sent_json(httpserver, path: str) -> dict:
    return json.loads(calls(httpserver, path)[-1].get_data())


# -- the OAuth2 token ------------------------------------------------------------------------------------------------


def test_the_token_is_asked_with_the_client_credentials_and_kept_for_later_calls(httpserver, paypal, paypal_config):
    httpserver.expect_request(f"/v2/checkout/orders/{ORDER}").respond_with_json(load("paypal/order_captured"))

    paypal.fetch(reference="PAY-7Q2K9X", provider_reference=ORDER)
    paypal.fetch(reference="PAY-7Q2K9X", provider_reference=ORDER)
    PayPalGateway(paypal_config).fetch(reference="PAY-7Q2K9X", provider_reference=ORDER)

    token_calls = calls(httpserver, "/v1/oauth2/token")
    assert len(token_calls) == 1
    credentials = f"{PAYPAL_CONFIG['client_id']}:{PAYPAL_CONFIG['client_secret']}".encode()
    assert token_calls[0].headers["Authorization"] == "Basic " + base64.b64encode(credentials).decode()
    assert token_calls[0].form.to_dict() == {"grant_type": "client_credentials"}
    api_calls = calls(httpserver, f"/v2/checkout/orders/{ORDER}")
    assert {request.headers["Authorization"] for request in api_calls} == {f"Bearer {TOKEN}"}


def test_a_token_is_asked_again_once_it_has_expired(httpserver, paypal):
    httpserver.clear()
    httpserver.expect_request("/v1/oauth2/token").respond_with_json(load("paypal/oauth_token", expires_in=61))
    httpserver.expect_request(f"/v2/checkout/orders/{ORDER}").respond_with_json(load("paypal/order_captured"))

    paypal.fetch(reference="PAY-1", provider_reference=ORDER)
    paypal.fetch(reference="PAY-1", provider_reference=ORDER)
    time.sleep(1.2)  # PayPal said 61 s; the gateway renews 60 s early
    paypal.fetch(reference="PAY-1", provider_reference=ORDER)

    assert len(calls(httpserver, "/v1/oauth2/token")) == 2


def test_a_token_paypal_no_longer_accepts_is_renewed_once_and_the_call_retried(httpserver, paypal):
    httpserver.expect_oneshot_request(f"/v2/checkout/orders/{ORDER}").respond_with_json(
        {
            "name": "AUTHENTICATION_FAILURE",
            "message": "Authentication failed due to invalid authentication credentials.",
        },
        status=401,
    )
    httpserver.expect_oneshot_request(f"/v2/checkout/orders/{ORDER}").respond_with_json(load("paypal/order_captured"))

    result = paypal.fetch(reference="PAY-1", provider_reference=ORDER)

    assert result.outcome == ProviderStatus.CAPTURED
    assert len(calls(httpserver, "/v1/oauth2/token")) == 2


def test_wrong_client_credentials_fail_the_call_with_paypals_reason(httpserver, paypal):
    httpserver.clear()
    httpserver.expect_request("/v1/oauth2/token").respond_with_json(load("paypal/oauth_invalid_client"), status=401)

    result = confirm(paypal)

    assert (result.outcome, result.error_code) == (ProviderStatus.FAILED, "invalid_client")
    assert "Client Authentication failed" in result.message
    assert calls(httpserver, "/v2/checkout/orders") == []


def test_paypal_not_answering_for_a_token_leaves_the_payment_pending(httpserver, paypal):
    httpserver.clear()
    httpserver.expect_request("/v1/oauth2/token").respond_with_data("", status=503)

    result = confirm(paypal)

    assert (result.succeeded, result.outcome) == (False, ProviderStatus.PENDING)


# -- creating the order ----------------------------------------------------------------------------------------------


def test_confirm_creates_an_order_to_capture_and_sends_the_buyer_to_paypal_to_approve_it(httpserver, paypal):
    httpserver.expect_request(
        "/v2/checkout/orders", method="POST", headers={"PayPal-Request-Id": "PAY-7Q2K9X"}
    ).respond_with_json(load("paypal/order_payer_action_required"), status=200)

    result = confirm(paypal, cancel_url="https://shop.example.org/checkout/payment/", locale="fr_FR")

    assert sent_json(httpserver, "/v2/checkout/orders") == {
        "intent": "CAPTURE",
        "purchase_units": [
            {
                "reference_id": "PAY-7Q2K9X",
                "custom_id": "PAY-7Q2K9X",
                "description": "PAY-7Q2K9X",
                "amount": {"currency_code": "EUR", "value": "42.50"},
            }
        ],
        "payment_source": {
            "paypal": {
                "experience_context": {
                    "return_url": RETURN_URL,
                    "cancel_url": "https://shop.example.org/checkout/payment/",
                    "user_action": "PAY_NOW",
                    "shipping_preference": "NO_SHIPPING",
                    "brand_name": "Comptoir Test Shop",
                    "locale": "fr-FR",
                }
            }
        },
    }
    assert result.outcome == ProviderStatus.REQUIRES_ACTION
    assert result.action_url == f"https://www.sandbox.paypal.com/checkoutnow?token={ORDER}"
    assert result.provider_reference == ORDER
    httpserver.check_assertions()


def test_a_shop_capturing_at_fulfilment_creates_an_order_to_authorise(httpserver, paypal):
    httpserver.expect_request("/v2/checkout/orders", method="POST").respond_with_json(
        load("paypal/order_payer_action_required")
    )

    confirm(paypal, capture="fulfilment")

    assert sent_json(httpserver, "/v2/checkout/orders")["intent"] == "AUTHORIZE"


def test_paypal_refusing_the_order_fails_it_with_paypals_description(httpserver, paypal):
    httpserver.expect_request("/v2/checkout/orders", method="POST").respond_with_json(
        load("paypal/error_invalid_currency"), status=422
    )

    result = confirm(paypal)

    assert (result.outcome, result.error_code) == (ProviderStatus.FAILED, "PAYEE_NOT_ENABLED_FOR_CURRENCY")
    assert result.message == "The payee account is not enabled to receive payments in this currency."


def test_paypal_not_answering_in_time_leaves_the_payment_pending(httpserver, paypal):
    httpserver.expect_request("/v2/checkout/orders", method="POST").respond_with_handler(slow())

    result = confirm(paypal)

    assert (result.succeeded, result.outcome, result.error_code) == (False, ProviderStatus.PENDING, "provider_timeout")


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_paypal_server_error_or_rate_limit_leaves_the_payment_pending(httpserver, paypal, status):
    httpserver.expect_request("/v2/checkout/orders", method="POST").respond_with_json(
        {"name": "INTERNAL_SERVER_ERROR", "message": "An internal server error has occurred.", "debug_id": "9a8b7c"},
        status=status,
    )

    result = confirm(paypal)

    assert (result.succeeded, result.outcome) == (False, ProviderStatus.PENDING)


# -- amounts and currencies -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "sent"),
    [
        (Money(Decimal("5000"), "JPY"), {"currency_code": "JPY", "value": "5000"}),
        (Money(Decimal("42.5"), "EUR"), {"currency_code": "EUR", "value": "42.50"}),
        (Money(Decimal("1234"), "HUF"), {"currency_code": "HUF", "value": "1234"}),
        (Money(Decimal("19.99"), "USD"), {"currency_code": "USD", "value": "19.99"}),
    ],
)
def test_amounts_are_sent_with_the_decimals_paypal_expects_for_the_currency(httpserver, paypal, amount, sent):
    httpserver.expect_request("/v2/checkout/orders", method="POST").respond_with_json(
        load("paypal/order_payer_action_required")
    )

    confirm(paypal, amount=amount)

    assert sent_json(httpserver, "/v2/checkout/orders")["purchase_units"][0]["amount"] == sent


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        (Money(Decimal("5000.50"), "JPY"), "invalid_amount_precision"),
        (Money(Decimal("1234.50"), "HUF"), "invalid_amount_precision"),
        (Money(Decimal("12.345"), "KWD"), "unsupported_currency"),
    ],
)
def test_an_amount_paypal_cannot_take_is_refused_before_calling_it(httpserver, paypal, amount, code):
    result = confirm(paypal, amount=amount)

    assert (result.outcome, result.error_code) == (ProviderStatus.FAILED, code)
    assert calls(httpserver, "/v2/checkout/orders") == []


def test_the_refusal_of_a_currency_names_it(paypal):
    result = confirm(paypal, amount=Money(Decimal("12.345"), "KWD"))

    assert result.message == "PayPal does not accept payments in KWD."


# -- the buyer comes back: fetch completes the approved order ---------------------------------------------------------


def test_fetch_captures_an_order_the_buyer_approved_with_an_idempotent_request_id(httpserver, paypal):
    httpserver.expect_request(f"/v2/checkout/orders/{ORDER}", method="GET").respond_with_json(
        load("paypal/order_approved")
    )
    httpserver.expect_request(
        f"/v2/checkout/orders/{ORDER}/capture", method="POST", headers={"PayPal-Request-Id": f"{ORDER}-capture"}
    ).respond_with_json(load("paypal/order_captured"), status=201)

    result = paypal.fetch(reference="PAY-7Q2K9X", provider_reference=ORDER)

    assert (result.succeeded, result.captured, result.outcome) == (True, True, ProviderStatus.CAPTURED)
    assert result.amount == eur("42.50")
    assert result.provider_reference == ORDER
    httpserver.check_assertions()


def test_fetch_authorises_an_approved_order_the_shop_captures_at_fulfilment(httpserver, paypal):
    httpserver.expect_request(f"/v2/checkout/orders/{ORDER}", method="GET").respond_with_json(
        load("paypal/order_approved", intent="AUTHORIZE")
    )
    httpserver.expect_request(
        f"/v2/checkout/orders/{ORDER}/authorize", method="POST", headers={"PayPal-Request-Id": f"{ORDER}-authorize"}
    ).respond_with_json(load("paypal/order_authorized"), status=201)

    result = paypal.fetch(reference="PAY-7Q2K9X", provider_reference=ORDER)

    assert (result.succeeded, result.captured, result.outcome) == (True, False, ProviderStatus.AUTHORIZED)
    assert result.amount == eur("42.50")


def test_fetch_of_an_order_not_yet_approved_sends_the_buyer_back_to_paypal(httpserver, paypal):
    httpserver.expect_request(f"/v2/checkout/orders/{ORDER}").respond_with_json(
        load("paypal/order_payer_action_required")
    )

    result = paypal.fetch(reference="PAY-7Q2K9X", provider_reference=ORDER)

    assert result.outcome == ProviderStatus.REQUIRES_ACTION
    assert result.action_url.endswith(f"token={ORDER}")


def test_a_declined_funding_source_sends_the_buyer_back_to_paypal_to_choose_another(httpserver, paypal):
    httpserver.expect_request(f"/v2/checkout/orders/{ORDER}", method="GET").respond_with_json(
        load("paypal/order_approved")
    )
    httpserver.expect_request(f"/v2/checkout/orders/{ORDER}/capture", method="POST").respond_with_json(
        load("paypal/error_instrument_declined"), status=422
    )

    result = paypal.fetch(reference="PAY-7Q2K9X", provider_reference=ORDER)

    assert (result.succeeded, result.outcome, result.error_code) == (
        False,
        ProviderStatus.REQUIRES_ACTION,
        "INSTRUMENT_DECLINED",
    )
    assert result.action_url == f"https://www.sandbox.paypal.com/checkoutnow?token={ORDER}"


def test_an_order_captured_by_an_earlier_attempt_is_reported_captured(httpserver, paypal):
    already = {
        "name": "UNPROCESSABLE_ENTITY",
        "message": "The requested action could not be performed.",
        "details": [{"issue": "ORDER_ALREADY_CAPTURED", "description": "Order already captured."}],
    }
    httpserver.expect_oneshot_request(f"/v2/checkout/orders/{ORDER}").respond_with_json(load("paypal/order_approved"))
    httpserver.expect_oneshot_request(f"/v2/checkout/orders/{ORDER}/capture").respond_with_json(already, status=422)
    httpserver.expect_oneshot_request(f"/v2/checkout/orders/{ORDER}").respond_with_json(load("paypal/order_captured"))

    result = paypal.fetch(reference="PAY-7Q2K9X", provider_reference=ORDER)

    assert result.outcome == ProviderStatus.CAPTURED


def test_the_buyers_return_after_the_webhook_finds_the_order_captured_once(httpserver, paypal):
    httpserver.expect_oneshot_request(f"/v2/checkout/orders/{ORDER}", method="GET").respond_with_json(
        load("paypal/order_approved")
    )
    httpserver.expect_oneshot_request(f"/v2/checkout/orders/{ORDER}/capture", method="POST").respond_with_json(
        load("paypal/order_captured"), status=201
    )
    httpserver.expect_request(f"/v2/checkout/orders/{ORDER}", method="GET").respond_with_json(
        load("paypal/order_captured")
    )

    after_webhook = paypal.fetch(reference="PAY-7Q2K9X", provider_reference=ORDER)
    on_return = paypal.fetch(reference="PAY-7Q2K9X", provider_reference=ORDER)

    assert after_webhook == on_return
    assert on_return.outcome == ProviderStatus.CAPTURED
    assert len(calls(httpserver, f"/v2/checkout/orders/{ORDER}/capture")) == 1


def test_capturing_in_another_currency_than_authorised_is_refused(httpserver, paypal):
    httpserver.expect_request(f"/v2/checkout/orders/{ORDER}").respond_with_json(load("paypal/order_authorized"))

    result = paypal.capture(
        reference="PAY-7Q2K9X", provider_reference=ORDER, amount=Money(Decimal("30.00"), "USD"), key="capture-2"
    )

    assert (result.outcome, result.error_code) == (ProviderStatus.FAILED, "currency_mismatch")
    assert calls(httpserver, f"/v2/payments/authorizations/{AUTHORIZATION}/capture") == []


@pytest.mark.parametrize(
    ("capture_status", "outcome"),
    [("PENDING", ProviderStatus.PENDING), ("DECLINED", ProviderStatus.FAILED), ("COMPLETED", ProviderStatus.CAPTURED)],
)
def test_each_capture_status_maps_to_one_provider_status(httpserver, paypal, capture_status, outcome):
    order = load("paypal/order_captured")
    order["purchase_units"][0]["payments"]["captures"][0]["status"] = capture_status
    httpserver.expect_request(f"/v2/checkout/orders/{ORDER}").respond_with_json(order)

    result = paypal.fetch(reference="PAY-7Q2K9X", provider_reference=ORDER)

    assert result.outcome == outcome


def test_a_capture_timing_out_on_the_buyers_return_leaves_the_payment_pending(httpserver, paypal):
    httpserver.expect_request(f"/v2/checkout/orders/{ORDER}", method="GET").respond_with_json(
        load("paypal/order_approved")
    )
    httpserver.expect_request(f"/v2/checkout/orders/{ORDER}/capture", method="POST").respond_with_handler(slow())

    result = paypal.fetch(reference="PAY-7Q2K9X", provider_reference=ORDER)

    assert (result.succeeded, result.outcome, result.provider_reference) == (False, ProviderStatus.PENDING, ORDER)


# -- capture an authorisation, void -----------------------------------------------------------------------------------


def test_capture_takes_part_of_an_authorisation_with_the_key_as_request_id(httpserver, paypal):
    httpserver.expect_request(f"/v2/checkout/orders/{ORDER}", method="GET").respond_with_json(
        load("paypal/order_authorized")
    )
    httpserver.expect_request(
        f"/v2/payments/authorizations/{AUTHORIZATION}/capture",
        method="POST",
        headers={"PayPal-Request-Id": "capture-1"},
        json={"amount": {"currency_code": "EUR", "value": "30.00"}, "final_capture": False},
    ).respond_with_json(load("paypal/authorization_capture"), status=201)

    result = paypal.capture(reference="PAY-7Q2K9X", provider_reference=ORDER, amount=eur("30.00"), key="capture-1")

    assert (result.succeeded, result.captured, result.outcome) == (True, True, ProviderStatus.CAPTURED)
    assert result.amount == eur("30.00")
    httpserver.check_assertions()


def test_capturing_the_whole_authorisation_is_the_final_capture(httpserver, paypal):
    httpserver.expect_request(f"/v2/checkout/orders/{ORDER}", method="GET").respond_with_json(
        load("paypal/order_authorized")
    )
    httpserver.expect_request(f"/v2/payments/authorizations/{AUTHORIZATION}/capture").respond_with_json(
        load("paypal/authorization_capture", amount={"currency_code": "EUR", "value": "42.50"}), status=201
    )

    paypal.capture(reference="PAY-7Q2K9X", provider_reference=ORDER, amount=eur("42.50"), key="capture-1")

    assert sent_json(httpserver, f"/v2/payments/authorizations/{AUTHORIZATION}/capture")["final_capture"] is True


def test_void_voids_the_authorisation(httpserver, paypal):
    httpserver.expect_request(f"/v2/checkout/orders/{ORDER}", method="GET").respond_with_json(
        load("paypal/order_authorized")
    )
    httpserver.expect_request(
        f"/v2/payments/authorizations/{AUTHORIZATION}/void", method="POST", headers={"PayPal-Request-Id": "void-1"}
    ).respond_with_data("", status=204)

    result = paypal.void(reference="PAY-7Q2K9X", provider_reference=ORDER, key="void-1")

    assert (result.succeeded, result.outcome) == (True, ProviderStatus.CANCELLED)
    httpserver.check_assertions()


def test_void_of_a_captured_order_is_refused(httpserver, paypal):
    httpserver.expect_request(f"/v2/checkout/orders/{ORDER}").respond_with_json(load("paypal/order_captured"))

    result = paypal.void(reference="PAY-7Q2K9X", provider_reference=ORDER, key="void-1")

    assert (result.outcome, result.error_code) == (ProviderStatus.FAILED, "already_captured")


# -- refunds ---------------------------------------------------------------------------------------------------------


def test_a_partial_refund_refunds_the_capture_with_the_key_as_request_id(httpserver, paypal):
    httpserver.expect_request(f"/v2/checkout/orders/{ORDER}", method="GET").respond_with_json(
        load("paypal/order_captured")
    )
    httpserver.expect_request(
        f"/v2/payments/captures/{CAPTURE}/refund",
        method="POST",
        headers={"PayPal-Request-Id": "refund-1"},
        json={"amount": {"currency_code": "EUR", "value": "10.00"}, "custom_id": "PAY-7Q2K9X"},
    ).respond_with_json(load("paypal/refund_completed"), status=201)

    result = paypal.refund(reference="PAY-7Q2K9X", provider_reference=ORDER, amount=eur("10.00"), key="refund-1")

    assert (result.succeeded, result.outcome) == (True, ProviderStatus.REFUNDED)
    assert (result.provider_reference, result.amount) == ("1JU08902781691411", eur("10.00"))
    httpserver.check_assertions()


def test_a_full_refund_reports_the_whole_amount(httpserver, paypal):
    httpserver.expect_request(f"/v2/checkout/orders/{ORDER}").respond_with_json(load("paypal/order_captured"))
    httpserver.expect_request(f"/v2/payments/captures/{CAPTURE}/refund").respond_with_json(
        load("paypal/refund_completed", amount={"currency_code": "EUR", "value": "42.50"}), status=201
    )

    result = paypal.refund(reference="PAY-7Q2K9X", provider_reference=ORDER, amount=eur("42.50"), key="refund-2")

    assert (result.outcome, result.amount) == (ProviderStatus.REFUNDED, eur("42.50"))


def test_a_refund_above_what_is_left_is_refused_by_paypal_with_its_description(httpserver, paypal):
    httpserver.expect_request(f"/v2/checkout/orders/{ORDER}").respond_with_json(load("paypal/order_captured"))
    httpserver.expect_request(f"/v2/payments/captures/{CAPTURE}/refund").respond_with_json(
        load("paypal/error_refund_exceeded"), status=422
    )

    result = paypal.refund(reference="PAY-7Q2K9X", provider_reference=ORDER, amount=eur("50.00"), key="refund-3")

    assert (result.succeeded, result.outcome, result.error_code) == (
        False,
        ProviderStatus.FAILED,
        "REFUND_AMOUNT_EXCEEDED",
    )
    assert result.message.startswith("The refund amount must be less than or equal to the capture amount")


def test_with_two_captures_the_refund_goes_to_the_one_with_enough_left(httpserver, paypal):
    order = load("paypal/order_captured")
    first = order["purchase_units"][0]["payments"]["captures"][0]
    second = {**first, "id": "9YB18275NB3349025", "amount": {"currency_code": "EUR", "value": "20.00"}}
    first["amount"] = {"currency_code": "EUR", "value": "22.50"}
    order["purchase_units"][0]["payments"]["captures"].append(second)
    order["purchase_units"][0]["payments"]["refunds"] = [
        {**load("paypal/refund_completed"), "amount": {"currency_code": "EUR", "value": "15.00"}}  # from the first
    ]
    httpserver.expect_request(f"/v2/checkout/orders/{ORDER}").respond_with_json(order)
    httpserver.expect_request("/v2/payments/captures/9YB18275NB3349025/refund").respond_with_json(
        load("paypal/refund_completed"), status=201
    )

    result = paypal.refund(reference="PAY-7Q2K9X", provider_reference=ORDER, amount=eur("10.00"), key="refund-4")

    assert result.outcome == ProviderStatus.REFUNDED
    assert calls(httpserver, f"/v2/payments/captures/{CAPTURE}/refund") == []


def test_a_refund_of_an_order_never_captured_is_refused_without_calling_the_refund_api(httpserver, paypal):
    httpserver.expect_request(f"/v2/checkout/orders/{ORDER}").respond_with_json(load("paypal/order_authorized"))

    result = paypal.refund(reference="PAY-7Q2K9X", provider_reference=ORDER, amount=eur("10.00"), key="refund-5")

    assert (result.outcome, result.error_code) == (ProviderStatus.FAILED, "nothing_captured")


def test_a_refund_that_times_out_is_pending_and_retried_with_the_same_request_id(httpserver, paypal):
    httpserver.expect_request(f"/v2/checkout/orders/{ORDER}").respond_with_json(load("paypal/order_captured"))
    httpserver.expect_oneshot_request(f"/v2/payments/captures/{CAPTURE}/refund").respond_with_handler(slow())
    httpserver.expect_oneshot_request(f"/v2/payments/captures/{CAPTURE}/refund").respond_with_json(
        load("paypal/refund_completed"), status=201
    )

    first = paypal.refund(reference="PAY-1", provider_reference=ORDER, amount=eur("10.00"), key="refund-9")
    finished(httpserver, count=3)
    second = paypal.refund(reference="PAY-1", provider_reference=ORDER, amount=eur("10.00"), key="refund-9")

    assert (first.outcome, second.outcome) == (ProviderStatus.PENDING, ProviderStatus.REFUNDED)
    refunds = calls(httpserver, f"/v2/payments/captures/{CAPTURE}/refund")
    assert {request.headers["PayPal-Request-Id"] for request in refunds} == {"refund-9"}


# -- webhooks --------------------------------------------------------------------------------------------------------

SIGNATURE = "pL7BdXx4ADzP8MZr9wO6WBc7lW7uWZm0C6S2VmsWyMXq7rV0fXbVnLXzJw6y1c1N2dEi0o4XBJgXwW9r5xKxDg=="


def webhook_headers(sent_at=None, **changes) -> dict[str, str]:
    sent_at = sent_at or timezone.now()
    headers = {
        "Paypal-Auth-Algo": "SHA256withRSA",
        "Paypal-Cert-Url": "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77",
        "Paypal-Transmission-Id": "69cd13f0-d67a-11e5-baa3-778b53f4ae55",
        "Paypal-Transmission-Sig": SIGNATURE,
        "Paypal-Transmission-Time": sent_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    headers.update(changes)
    return headers


def paypal_verifies(httpserver, body: bytes):
    """PayPal's verify-webhook-signature: SUCCESS only for our signature over exactly these bytes."""

    def handler(request):
        sent = json.loads(request.get_data())
        genuine = (
            sent["transmission_sig"] == SIGNATURE
            and sent["webhook_id"] == PAYPAL_CONFIG["webhook_id"]
            and sent["auth_algo"] == "SHA256withRSA"
            and sent["transmission_id"] == "69cd13f0-d67a-11e5-baa3-778b53f4ae55"
            and sent["webhook_event"] == json.loads(body)
        )
        verdict = {"verification_status": "SUCCESS" if genuine else "FAILURE"}
        return Response(json.dumps(verdict), content_type="application/json")

    httpserver.expect_request("/v1/notifications/verify-webhook-signature", method="POST").respond_with_handler(handler)


def webhook_body(name: str) -> bytes:
    return json.dumps(load(f"paypal/{name}"), indent=2).encode()


def test_a_verified_capture_completed_event_reports_the_capture_of_the_order(httpserver, paypal):
    body = webhook_body("webhook_capture_completed")
    paypal_verifies(httpserver, body)

    events = paypal.parse_webhook(body=body, headers=webhook_headers())

    assert len(events) == 1
    event = events[0]
    assert event.event_id == "WH-58D329510W468432D-8HN650336L201105X"
    assert event.status == ProviderStatus.CAPTURED
    assert (event.provider_reference, event.reference, event.amount) == (ORDER, "PAY-7Q2K9X", eur("42.50"))
    assert event.occurred_at.isoformat() == "2026-11-28T23:41:33+00:00"


def test_the_event_is_sent_back_to_paypal_byte_for_byte(httpserver, paypal):
    body = webhook_body("webhook_capture_completed")
    paypal_verifies(httpserver, body)

    paypal.parse_webhook(body=body, headers=webhook_headers())

    sent = calls(httpserver, "/v1/notifications/verify-webhook-signature")[0].get_data()
    assert sent.endswith(b'"webhook_event": ' + body + b"}")


@pytest.mark.parametrize(
    ("name", "status", "provider_reference"),
    [
        ("webhook_order_approved", ProviderStatus.PENDING, ORDER),
        ("webhook_capture_refunded", ProviderStatus.REFUNDED, "1JU08902781691411"),
    ],
)
def test_order_approved_and_refunded_events_are_mapped(httpserver, paypal, name, status, provider_reference):
    body = webhook_body(name)
    paypal_verifies(httpserver, body)

    (event,) = paypal.parse_webhook(body=body, headers=webhook_headers())

    assert (event.status, event.provider_reference, event.reference) == (status, provider_reference, "PAY-7Q2K9X")


@pytest.mark.parametrize(
    ("event_type", "status"),
    [("PAYMENT.CAPTURE.DENIED", ProviderStatus.FAILED), ("PAYMENT.CAPTURE.PENDING", ProviderStatus.PENDING)],
)
def test_denied_and_pending_captures_are_mapped(httpserver, paypal, event_type, status):
    body = json.dumps(load("paypal/webhook_capture_completed", event_type=event_type)).encode()
    paypal_verifies(httpserver, body)

    (event,) = paypal.parse_webhook(body=body, headers=webhook_headers())

    assert event.status == status


def test_an_event_type_we_do_not_act_on_yields_no_event(httpserver, paypal):
    body = json.dumps(load("paypal/webhook_capture_completed", event_type="CUSTOMER.DISPUTE.CREATED")).encode()
    paypal_verifies(httpserver, body)

    assert paypal.parse_webhook(body=body, headers=webhook_headers()) == []


def test_a_forged_signature_is_rejected(httpserver, paypal):
    body = webhook_body("webhook_capture_completed")
    paypal_verifies(httpserver, body)

    with pytest.raises(WebhookSignatureError):
        paypal.parse_webhook(body=body, headers=webhook_headers(**{"Paypal-Transmission-Sig": "Zm9yZ2Vk"}))


def test_a_body_changed_after_signing_is_rejected(httpserver, paypal):
    body = webhook_body("webhook_capture_completed")
    paypal_verifies(httpserver, body)
    tampered = body.replace(b'"value": "42.50"', b'"value": "4250.00"')

    with pytest.raises(WebhookSignatureError):
        paypal.parse_webhook(body=tampered, headers=webhook_headers())


@pytest.mark.parametrize("age", [timedelta(minutes=6), timedelta(days=2), -timedelta(minutes=6)])
def test_a_stale_delivery_is_rejected_as_a_replay_without_asking_paypal(httpserver, paypal, age):
    body = webhook_body("webhook_capture_completed")
    paypal_verifies(httpserver, body)

    with pytest.raises(WebhookSignatureError, match="tolerance"):
        paypal.parse_webhook(body=body, headers=webhook_headers(sent_at=timezone.now() - age))

    assert calls(httpserver, "/v1/notifications/verify-webhook-signature") == []


def test_a_delivery_within_the_tolerance_is_accepted(httpserver, paypal):
    body = webhook_body("webhook_capture_completed")
    paypal_verifies(httpserver, body)

    events = paypal.parse_webhook(body=body, headers=webhook_headers(sent_at=timezone.now() - timedelta(minutes=4)))

    assert len(events) == 1


@pytest.mark.parametrize("header", ["Paypal-Transmission-Sig", "Paypal-Cert-Url", "Paypal-Transmission-Time"])
def test_a_delivery_missing_a_transmission_header_is_rejected(httpserver, paypal, header):
    headers = webhook_headers()
    del headers[header]

    with pytest.raises(WebhookSignatureError):
        paypal.parse_webhook(body=webhook_body("webhook_capture_completed"), headers=headers)


def test_without_a_webhook_id_no_webhook_is_accepted(httpserver, paypal_config):
    gateway = PayPalGateway({**paypal_config, "webhook_id": ""})

    with pytest.raises(WebhookSignatureError, match="webhook_id"):
        gateway.parse_webhook(body=webhook_body("webhook_capture_completed"), headers=webhook_headers())


def test_a_webhook_paypal_cannot_verify_now_is_left_for_paypal_to_retry(httpserver, paypal):
    httpserver.expect_request("/v1/notifications/verify-webhook-signature").respond_with_data("", status=503)

    with pytest.raises(ProviderUnreachableError):
        paypal.parse_webhook(body=webhook_body("webhook_capture_completed"), headers=webhook_headers())


# -- configuration and methods ---------------------------------------------------------------------------------------


def test_methods_offer_paypal_and_pay_later_marked_as_test_in_sandbox_mode(paypal):
    methods = paypal.methods()

    assert [m.code for m in methods] == ["paypal:paypal", "paypal:paylater"]
    assert all(m.is_test for m in methods)


def test_the_sandbox_or_live_api_is_chosen_by_the_mode():
    sandbox = PayPalGateway({**PAYPAL_CONFIG, "mode": "test"})
    live = PayPalGateway({**PAYPAL_CONFIG, "mode": "live"})

    assert (sandbox.base_url, live.base_url) == ("https://api-m.sandbox.paypal.com", "https://api-m.paypal.com")
    assert not live.methods()[0].is_test


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"client_id": ""}, "client_id"),
        ({"client_secret": " "}, "client_secret"),
        ({"mode": "sandbox"}, "mode"),
        ({"methods": "paypal,venmo"}, "venmo"),
        ({"webhook_tolerance": "5 minutes"}, "webhook_tolerance"),
    ],
)
def test_a_wrong_configuration_is_refused_with_a_clear_message(changes, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        PayPalGateway({**PAYPAL_CONFIG, **changes})
