import json
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from comptoir.core.money import Money
from comptoir.payments.gateways import ProviderStatus, WebhookSignatureError
from comptoir.payments.providers._http import ProviderUnreachableError
from comptoir.payments.providers.mollie import MollieGateway

from .conftest import finished, load, slow

RETURN_URL = "https://shop.example.org/checkout/return/PAY-7Q2K9X/"
EUR = "EUR"


def eur(value: str) -> Money:
    return Money(Decimal(value), EUR)


def confirm(gateway, amount=None, **data):
    return gateway.confirm(
        reference="PAY-7Q2K9X", amount=amount or eur("42.50"), data={"return_url": RETURN_URL, **data}
    )


def sent_json(httpserver, index=-1) -> dict:
    return json.loads(httpserver.log[index][0].get_data())


# -- creating the payment -------------------------------------------------------------------------------------------


def test_confirm_creates_the_payment_and_sends_the_buyer_to_mollies_checkout(httpserver, mollie):
    httpserver.expect_request(
        "/v2/payments",
        method="POST",
        headers={"Authorization": "Bearer test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM", "Idempotency-Key": "PAY-7Q2K9X"},
        json={
            "amount": {"currency": "EUR", "value": "42.50"},
            "description": "PAY-7Q2K9X",
            "redirectUrl": RETURN_URL,
            "webhookUrl": "https://shop.example.org/payments/webhooks/mollie/",
            "metadata": {"reference": "PAY-7Q2K9X"},
            "method": "ideal",
        },
    ).respond_with_json(load("mollie/payment_open"), status=201)

    result = confirm(mollie, method="mollie:ideal")

    assert result.outcome == ProviderStatus.REQUIRES_ACTION
    assert result.action_url == "https://www.mollie.com/checkout/select-method/WDqYK6vllg"
    assert result.provider_reference == "tr_WDqYK6vllg"
    assert result.amount == eur("42.50")
    httpserver.check_assertions()


def test_a_card_payment_captured_at_fulfilment_is_only_authorised(httpserver, mollie):
    httpserver.expect_request("/v2/payments", method="POST").respond_with_json(
        load("mollie/payment_open", method="creditcard", captureMode="manual"), status=201
    )

    confirm(mollie, method="creditcard", capture="fulfilment")

    assert sent_json(httpserver)["captureMode"] == "manual"


def test_klarna_captured_at_fulfilment_is_only_authorised(httpserver, mollie):
    httpserver.expect_request("/v2/payments", method="POST").respond_with_json(
        load("mollie/payment_open", method="klarna", captureMode="manual"), status=201
    )

    confirm(mollie, method="klarna", email="buyer@example.org", capture="fulfilment")

    assert sent_json(httpserver)["captureMode"] == "manual"


def test_a_locale_mollie_does_not_list_is_left_out_rather_than_failing_the_payment(httpserver, mollie):
    httpserver.expect_request("/v2/payments", method="POST").respond_with_json(load("mollie/payment_open"), status=201)

    confirm(mollie, locale="fr_CA")

    assert "locale" not in sent_json(httpserver)


def test_a_method_the_shop_did_not_enable_is_refused(httpserver):
    gateway = MollieGateway(
        {"api_key": "test_abc", "mode": "test", "methods": "ideal", "base_url": httpserver.url_for("/")}
    )

    result = gateway.confirm(
        reference="PAY-1", amount=eur("5.00"), data={"return_url": RETURN_URL, "method": "mollie:klarna"}
    )

    assert (result.outcome, result.error_code) == (ProviderStatus.FAILED, "unknown_method")
    assert httpserver.log == []


def test_ideal_cannot_be_held_so_it_is_paid_at_once_even_when_capturing_at_fulfilment(httpserver, mollie):
    httpserver.expect_request("/v2/payments", method="POST").respond_with_json(load("mollie/payment_open"), status=201)

    confirm(mollie, method="ideal", capture="fulfilment")

    assert "captureMode" not in sent_json(httpserver)


def test_a_bank_transfer_sends_the_buyer_to_the_instructions_once_then_waits_for_the_money(httpserver, mollie):
    transfer = load("mollie/payment_open", method="banktransfer", expiresAt="2026-12-10T23:40:12+00:00")
    httpserver.expect_request("/v2/payments", method="POST").respond_with_json(transfer, status=201)
    httpserver.expect_request("/v2/payments/tr_WDqYK6vllg", method="GET").respond_with_json(transfer)

    created = confirm(mollie, method="banktransfer", email="buyer@example.org")
    on_return = mollie.fetch(reference="PAY-7Q2K9X", provider_reference="tr_WDqYK6vllg")

    assert sent_json(httpserver, 0)["billingEmail"] == "buyer@example.org"
    assert created.outcome == ProviderStatus.REQUIRES_ACTION
    assert (on_return.succeeded, on_return.outcome) == (True, ProviderStatus.PENDING)
    assert on_return.action_url == created.action_url


def test_klarna_is_sent_with_lines_and_the_buyers_billing_details(httpserver, mollie):
    httpserver.expect_request("/v2/payments", method="POST").respond_with_json(
        load("mollie/payment_open", method="klarna"), status=201
    )

    result = confirm(mollie, method="klarna", email="buyer@example.org", billing_country="NL", locale="nl_NL")

    body = sent_json(httpserver)
    assert "captureMode" not in body
    assert body["locale"] == "nl_NL"
    assert body["lines"] == [
        {
            "description": "PAY-7Q2K9X",
            "quantity": 1,
            "unitPrice": {"currency": "EUR", "value": "42.50"},
            "totalAmount": {"currency": "EUR", "value": "42.50"},
        }
    ]
    assert body["billingAddress"] == {"email": "buyer@example.org", "country": "NL"}
    assert result.outcome == ProviderStatus.REQUIRES_ACTION


def test_klarna_lines_that_do_not_add_up_to_the_amount_are_refused_before_calling_mollie(httpserver, mollie):
    line = {"description": "Mug", "quantity": 1, "unitPrice": {"currency": "EUR", "value": "40.00"}}
    line["totalAmount"] = line["unitPrice"]

    result = confirm(mollie, method="klarna", email="buyer@example.org", lines=json.dumps([line]))

    assert result.outcome == ProviderStatus.FAILED
    assert "add up" in result.message
    assert httpserver.log == []


def test_klarna_without_an_email_or_address_is_refused_before_calling_mollie(httpserver, mollie):
    result = confirm(mollie, method="klarna")

    assert result.outcome == ProviderStatus.FAILED
    assert result.error_code == "invalid_klarna_details"
    assert httpserver.log == []


def test_mollie_refusing_the_payment_fails_it_with_mollies_message(httpserver, mollie):
    httpserver.expect_request("/v2/payments", method="POST").respond_with_json(
        load("mollie/error_amount_too_low"), status=422
    )

    result = confirm(mollie, amount=eur("0.01"), method="ideal")

    assert result.succeeded is False
    assert result.outcome == ProviderStatus.FAILED
    assert result.error_code == "amount"
    assert result.message == "The amount is lower than the minimum for the payment method iDEAL (€ 0.01)."


def test_a_wrong_api_key_fails_with_mollies_message(httpserver, mollie):
    httpserver.expect_request("/v2/payments").respond_with_json(load("mollie/error_unauthorized"), status=401)

    result = confirm(mollie)

    assert result.outcome == ProviderStatus.FAILED
    assert "authenticate" in result.message


def test_mollie_not_answering_in_time_leaves_the_payment_pending(httpserver, mollie):
    httpserver.expect_request("/v2/payments").respond_with_handler(slow())

    result = confirm(mollie)

    assert result.succeeded is False
    assert result.outcome == ProviderStatus.PENDING
    assert result.error_code == "provider_timeout"


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_a_mollie_server_error_or_rate_limit_leaves_the_payment_pending(httpserver, mollie, status):
    httpserver.expect_request("/v2/payments").respond_with_data("upstream error", status=status)

    result = confirm(mollie)

    assert result.succeeded is False
    assert result.outcome == ProviderStatus.PENDING


def test_mollie_unreachable_leaves_the_payment_pending():
    gateway = MollieGateway({"api_key": "test_x", "mode": "test", "base_url": "http://127.0.0.1:9", "timeout": "0.3"})

    result = gateway.confirm(reference="PAY-1", amount=eur("5.00"), data={"return_url": RETURN_URL})

    assert result.outcome == ProviderStatus.PENDING
    assert result.error_code == "provider_connection"


def test_a_retried_confirmation_sends_the_same_idempotency_key(httpserver, mollie):
    httpserver.expect_ordered_request("/v2/payments").respond_with_data("", status=503)
    httpserver.expect_ordered_request("/v2/payments").respond_with_json(load("mollie/payment_open"), status=201)

    first, second = confirm(mollie), confirm(mollie)

    assert (first.outcome, second.outcome) == (ProviderStatus.PENDING, ProviderStatus.REQUIRES_ACTION)
    keys = {request.headers["Idempotency-Key"] for request, _response in httpserver.log}
    assert keys == {"PAY-7Q2K9X"}


def test_confirm_without_a_return_url_is_refused_without_calling_mollie(httpserver, mollie):
    result = mollie.confirm(reference="PAY-1", amount=eur("5.00"), data={})

    assert result.error_code == "missing_return_url"
    assert httpserver.log == []


# -- amounts and currencies -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "sent"),
    [
        (Money(Decimal("5000"), "JPY"), {"currency": "JPY", "value": "5000"}),
        (Money(Decimal("42.5"), "EUR"), {"currency": "EUR", "value": "42.50"}),
        (Money(Decimal("1234.50"), "HUF"), {"currency": "HUF", "value": "1234.50"}),
        (Money(Decimal("100"), "USD"), {"currency": "USD", "value": "100.00"}),
    ],
)
def test_amounts_are_sent_with_the_decimals_mollie_expects_for_the_currency(httpserver, mollie, amount, sent):
    httpserver.expect_request("/v2/payments", method="POST").respond_with_json(load("mollie/payment_open"), status=201)

    confirm(mollie, amount=amount)

    assert sent_json(httpserver)["amount"] == sent


def test_a_yen_amount_with_decimals_is_refused_not_rounded(httpserver, mollie):
    result = confirm(mollie, amount=Money(Decimal("5000.50"), "JPY"))

    assert result.outcome == ProviderStatus.FAILED
    assert result.error_code == "invalid_amount_precision"
    assert httpserver.log == []


def test_a_currency_mollie_does_not_take_is_refused_clearly(httpserver, mollie):
    result = confirm(mollie, amount=Money(Decimal("12.345"), "KWD"))

    assert result.outcome == ProviderStatus.FAILED
    assert result.error_code == "unsupported_currency"
    assert result.message == "Mollie does not accept payments in KWD."
    assert httpserver.log == []


# -- where the payment stands -----------------------------------------------------------------------------------------


def test_fetch_reports_a_paid_payment_as_captured_with_the_captured_amount(httpserver, mollie):
    httpserver.expect_request("/v2/payments/tr_WDqYK6vllg", method="GET").respond_with_json(load("mollie/payment_paid"))

    result = mollie.fetch(reference="PAY-7Q2K9X", provider_reference="tr_WDqYK6vllg")

    assert (result.succeeded, result.captured, result.outcome) == (True, True, ProviderStatus.CAPTURED)
    assert result.amount == eur("42.50")


@pytest.mark.parametrize(
    ("fixture", "changes", "outcome"),
    [
        ("payment_open", {}, ProviderStatus.REQUIRES_ACTION),
        ("payment_open", {"status": "pending", "_links": {}}, ProviderStatus.PENDING),
        ("payment_authorized", {}, ProviderStatus.AUTHORIZED),
        ("payment_failed", {}, ProviderStatus.FAILED),
        ("payment_open", {"status": "canceled", "_links": {}}, ProviderStatus.CANCELLED),
        ("payment_open", {"status": "expired", "_links": {}}, ProviderStatus.CANCELLED),
    ],
)
def test_each_mollie_status_maps_to_one_provider_status(httpserver, mollie, fixture, changes, outcome):
    payment = load(f"mollie/{fixture}", **changes)
    httpserver.expect_request(f"/v2/payments/{payment['id']}").respond_with_json(payment)

    result = mollie.fetch(reference="PAY-7Q2K9X", provider_reference=payment["id"])

    assert result.outcome == outcome


def test_a_failed_card_payment_keeps_mollies_reason_and_message(httpserver, mollie):
    httpserver.expect_request("/v2/payments/tr_Hz4FmKp2Dq").respond_with_json(load("mollie/payment_failed"))

    result = mollie.fetch(reference="PAY-7Q2K9X", provider_reference="tr_Hz4FmKp2Dq")

    assert (result.error_code, result.message) == ("insufficient_funds", "The card has insufficient funds.")


def test_fetch_of_something_that_is_not_a_mollie_payment_id_calls_nothing(httpserver, mollie):
    result = mollie.fetch(reference="PAY-1", provider_reference="../v2/refunds")

    assert result.error_code == "invalid_provider_reference"
    assert httpserver.log == []


# -- capture and void ----------------------------------------------------------------------------------------------


def test_capture_of_an_authorised_payment_posts_a_capture_with_the_key(httpserver, mollie):
    httpserver.expect_request(
        "/v2/payments/tr_7UhSN1zuXS/captures",
        method="POST",
        headers={"Idempotency-Key": "capture-1"},
        json={
            "amount": {"currency": "EUR", "value": "42.50"},
            "description": "PAY-7Q2K9X",
            "metadata": {"reference": "PAY-7Q2K9X"},
        },
    ).respond_with_json(load("mollie/capture_succeeded"), status=201)

    result = mollie.capture(
        reference="PAY-7Q2K9X", provider_reference="tr_7UhSN1zuXS", amount=eur("42.50"), key="capture-1"
    )

    assert (result.succeeded, result.captured, result.outcome) == (True, True, ProviderStatus.CAPTURED)
    assert result.amount == eur("42.50")
    httpserver.check_assertions()


def test_a_capture_mollie_is_still_processing_is_pending_not_captured(httpserver, mollie):
    httpserver.expect_request("/v2/payments/tr_7UhSN1zuXS/captures").respond_with_json(
        load("mollie/capture_succeeded", status="pending", amount={"currency": "EUR", "value": "20.00"}), status=201
    )

    result = mollie.capture(reference="PAY-1", provider_reference="tr_7UhSN1zuXS", amount=eur("20.00"), key="k")

    assert (result.succeeded, result.captured, result.outcome) == (True, False, ProviderStatus.PENDING)


def test_void_releases_the_authorisation_of_an_authorised_payment(httpserver, mollie):
    httpserver.expect_request("/v2/payments/tr_7UhSN1zuXS", method="GET").respond_with_json(
        load("mollie/payment_authorized")
    )
    httpserver.expect_request(
        "/v2/payments/tr_7UhSN1zuXS/release-authorization", method="POST", headers={"Idempotency-Key": "void-1"}
    ).respond_with_data("", status=202)

    result = mollie.void(reference="PAY-7Q2K9X", provider_reference="tr_7UhSN1zuXS", key="void-1")

    assert (result.succeeded, result.outcome) == (True, ProviderStatus.CANCELLED)
    httpserver.check_assertions()


def test_void_cancels_a_payment_the_buyer_has_not_completed(httpserver, mollie):
    httpserver.expect_request("/v2/payments/tr_WDqYK6vllg", method="GET").respond_with_json(
        load("mollie/payment_open", isCancelable=True)
    )
    httpserver.expect_request("/v2/payments/tr_WDqYK6vllg", method="DELETE").respond_with_json(
        load("mollie/payment_open", status="canceled", _links={})
    )

    result = mollie.void(reference="PAY-7Q2K9X", provider_reference="tr_WDqYK6vllg", key="void-1")

    assert result.outcome == ProviderStatus.CANCELLED


def test_void_of_a_paid_payment_is_refused(httpserver, mollie):
    httpserver.expect_request("/v2/payments/tr_WDqYK6vllg", method="GET").respond_with_json(load("mollie/payment_paid"))

    result = mollie.void(reference="PAY-7Q2K9X", provider_reference="tr_WDqYK6vllg", key="void-1")

    assert (result.outcome, result.error_code) == (ProviderStatus.FAILED, "not_cancelable")


# -- refunds ---------------------------------------------------------------------------------------------------------


def test_a_partial_refund_is_posted_with_its_key_and_reports_the_refunded_amount(httpserver, mollie):
    httpserver.expect_request(
        "/v2/payments/tr_WDqYK6vllg/refunds",
        method="POST",
        headers={"Idempotency-Key": "refund-1"},
        json={
            "amount": {"currency": "EUR", "value": "10.00"},
            "description": "PAY-7Q2K9X",
            "metadata": {"reference": "PAY-7Q2K9X"},
        },
    ).respond_with_json(load("mollie/refund_queued"), status=201)

    result = mollie.refund(
        reference="PAY-7Q2K9X", provider_reference="tr_WDqYK6vllg", amount=eur("10.00"), key="refund-1"
    )

    assert (result.succeeded, result.outcome) == (True, ProviderStatus.REFUNDED)
    assert result.provider_reference == "re_4qqhO89gsT"
    assert result.amount == eur("10.00")
    httpserver.check_assertions()


def test_a_full_refund_reports_the_whole_amount(httpserver, mollie):
    httpserver.expect_request("/v2/payments/tr_WDqYK6vllg/refunds", method="POST").respond_with_json(
        load("mollie/refund_queued", amount={"currency": "EUR", "value": "42.50"}, status="pending"), status=201
    )

    result = mollie.refund(reference="PAY-7Q2K9X", provider_reference="tr_WDqYK6vllg", amount=eur("42.50"), key="r")

    assert result.outcome == ProviderStatus.REFUNDED
    assert result.amount == eur("42.50")


def test_a_refund_above_what_is_left_is_refused_by_mollie_with_its_message(httpserver, mollie):
    httpserver.expect_request("/v2/payments/tr_WDqYK6vllg/refunds", method="POST").respond_with_json(
        load("mollie/error_refund_too_high"), status=422
    )

    result = mollie.refund(reference="PAY-7Q2K9X", provider_reference="tr_WDqYK6vllg", amount=eur("50.00"), key="r")

    assert (result.succeeded, result.outcome) == (False, ProviderStatus.FAILED)
    assert result.message.startswith("The amount requested for refund exceeds the amount that is available")


def test_a_refund_that_times_out_is_pending_and_retried_with_the_same_key(httpserver, mollie):
    httpserver.expect_ordered_request("/v2/payments/tr_WDqYK6vllg/refunds").respond_with_handler(slow())
    httpserver.expect_ordered_request("/v2/payments/tr_WDqYK6vllg/refunds").respond_with_json(
        load("mollie/refund_queued"), status=201
    )

    first = mollie.refund(reference="PAY-1", provider_reference="tr_WDqYK6vllg", amount=eur("10.00"), key="refund-9")
    finished(httpserver)
    second = mollie.refund(reference="PAY-1", provider_reference="tr_WDqYK6vllg", amount=eur("10.00"), key="refund-9")

    assert (first.outcome, second.outcome) == (ProviderStatus.PENDING, ProviderStatus.REFUNDED)
    assert {request.headers["Idempotency-Key"] for request, _response in httpserver.log} == {"refund-9"}


# -- webhooks --------------------------------------------------------------------------------------------------------


def test_a_webhook_is_verified_by_fetching_the_payment_from_mollie(httpserver, mollie):
    httpserver.expect_request("/v2/payments/tr_WDqYK6vllg", method="GET").respond_with_json(load("mollie/payment_paid"))

    events = mollie.parse_webhook(
        body=b"id=tr_WDqYK6vllg", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )

    assert len(events) == 1
    event = events[0]
    assert event.event_id == "mollie:tr_WDqYK6vllg:paid"
    assert event.status == ProviderStatus.CAPTURED
    assert (event.provider_reference, event.reference) == ("tr_WDqYK6vllg", "PAY-7Q2K9X")
    assert event.amount == eur("42.50")
    assert event.occurred_at.isoformat() == "2026-11-28T23:41:30+00:00"


def test_the_same_state_delivered_twice_gives_the_same_event_id_and_a_new_state_a_new_one(httpserver, mollie):
    httpserver.expect_ordered_request("/v2/payments/tr_7UhSN1zuXS").respond_with_json(load("mollie/payment_authorized"))
    httpserver.expect_ordered_request("/v2/payments/tr_7UhSN1zuXS").respond_with_json(load("mollie/payment_authorized"))
    httpserver.expect_ordered_request("/v2/payments/tr_7UhSN1zuXS").respond_with_json(
        load("mollie/payment_authorized", status="paid", amountCaptured={"currency": "EUR", "value": "42.50"})
    )

    ids = [mollie.parse_webhook(body=b"id=tr_7UhSN1zuXS", headers={})[0].event_id for _ in range(3)]

    assert ids == ["mollie:tr_7UhSN1zuXS:authorized", "mollie:tr_7UhSN1zuXS:authorized", "mollie:tr_7UhSN1zuXS:paid"]


def test_a_webhook_for_a_payment_mollie_does_not_know_yields_no_event(httpserver, mollie):
    httpserver.expect_request("/v2/payments/tr_doesnotexist").respond_with_json(
        load("mollie/error_not_found"), status=404
    )

    assert mollie.parse_webhook(body=b"id=tr_doesnotexist", headers={}) == []


@pytest.mark.parametrize(
    "body", [b"", b"id=", b"id=re_4qqhO89gsT", b"id=tr_a&id=tr_b", b"id=tr_%2F..%2Fx", b"\xff\xfe"]
)
def test_a_webhook_that_does_not_name_one_payment_is_rejected_without_calling_mollie(httpserver, mollie, body):
    with pytest.raises(WebhookSignatureError):
        mollie.parse_webhook(body=body, headers={})

    assert httpserver.log == []


def test_a_webhook_mollie_cannot_confirm_now_is_left_for_mollie_to_retry(httpserver, mollie):
    httpserver.expect_request("/v2/payments/tr_WDqYK6vllg").respond_with_data("", status=503)

    with pytest.raises(ProviderUnreachableError):
        mollie.parse_webhook(body=b"id=tr_WDqYK6vllg", headers={})


# -- configuration and methods ---------------------------------------------------------------------------------------


def test_methods_lists_what_the_shop_enabled_marked_as_test_in_test_mode(httpserver):
    gateway = MollieGateway({"api_key": "test_abc", "mode": "test", "methods": "ideal, klarna"})

    methods = gateway.methods()

    assert [m.code for m in methods] == ["mollie:ideal", "mollie:klarna"]
    assert all(m.is_test for m in methods)
    assert methods[1].label == "Klarna: pay later"


def test_every_documented_method_is_offered_by_default():
    codes = [m.code for m in MollieGateway({"api_key": "live_abc"}).methods()]

    assert codes == [
        "mollie:creditcard",
        "mollie:applepay",
        "mollie:ideal",
        "mollie:bancontact",
        "mollie:banktransfer",
        "mollie:klarna",
    ]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "api_key"),
        ({"api_key": "test_abc", "mode": "live"}, "live_"),
        ({"api_key": "live_abc", "mode": "test"}, "test_"),
        ({"api_key": "live_abc", "mode": "production"}, "mode"),
        ({"api_key": "live_abc", "methods": "ideal,sofort"}, "sofort"),
        ({"api_key": "live_abc", "timeout": "soon"}, "timeout"),
    ],
)
def test_a_wrong_configuration_is_refused_with_a_clear_message(config, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        MollieGateway(config)
