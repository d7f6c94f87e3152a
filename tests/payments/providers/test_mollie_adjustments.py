"""Mollie's refunds and chargebacks of a payment, as the adapter reads them (List payment refunds, List payment
chargebacks, the payment's amountRefunded and amountChargedBack)."""

import copy
from decimal import Decimal

import pytest

from comptoir.core.money import Money
from comptoir.payments.providers._http import ProviderUnreachableError

from .conftest import finished, load, slow

PAYMENT = "tr_WDqYK6vllg"
REFUNDS = f"/v2/payments/{PAYMENT}/refunds"
CHARGEBACKS = f"/v2/payments/{PAYMENT}/chargebacks"


def eur(value: str) -> Money:
    return Money(Decimal(value), "EUR")


def no_chargebacks() -> dict:
    return {**load("mollie/chargebacks_list"), "count": 0, "_embedded": {"chargebacks": []}}


def test_refunds_and_chargebacks_are_listed_oldest_first_with_their_ids_amounts_and_statuses(httpserver, mollie):
    httpserver.expect_request(REFUNDS, query_string="limit=250").respond_with_json(load("mollie/refunds_list"))
    httpserver.expect_request(CHARGEBACKS, query_string="limit=250").respond_with_json(load("mollie/chargebacks_list"))

    adjustments = mollie.list_adjustments(provider_reference=PAYMENT)

    assert [(a.event_id, a.kind, a.provider_reference, a.amount, a.status, a.moved) for a in adjustments] == [
        ("mollie:re_4qqhO89gsT", "refund", "re_4qqhO89gsT", eur("10.00"), "pending", True),
        ("mollie:re_Uz5XWpMMsA", "refund", "re_Uz5XWpMMsA", eur("5.00"), "refunded", True),
        ("mollie:chb_n9z0tp", "chargeback", "chb_n9z0tp", eur("42.50"), "charged_back", True),
    ]
    assert adjustments[2].reason == "MD06 Refund request by end customer"
    assert adjustments[2].occurred_at.isoformat() == "2026-12-18T16:04:11+00:00"


@pytest.mark.parametrize("status", ["failed", "canceled"])
def test_a_failed_or_cancelled_refund_is_listed_as_having_moved_no_money(httpserver, mollie, status):
    refunds = load("mollie/refunds_list")
    refunds["_embedded"]["refunds"][1]["status"] = status
    httpserver.expect_request(REFUNDS).respond_with_json(refunds)
    httpserver.expect_request(CHARGEBACKS).respond_with_json(no_chargebacks())

    adjustments = mollie.list_adjustments(provider_reference=PAYMENT)

    assert [(a.provider_reference, a.status, a.moved) for a in adjustments] == [
        ("re_4qqhO89gsT", "pending", True),
        ("re_Uz5XWpMMsA", status, False),
    ]


def test_a_chargeback_the_bank_reversed_moved_no_money(httpserver, mollie):
    chargebacks = load("mollie/chargebacks_list")
    chargebacks["_embedded"]["chargebacks"][0]["reversedAt"] = "2027-01-04T10:00:00+00:00"
    httpserver.expect_request(REFUNDS).respond_with_json({**load("mollie/refunds_list"), "_embedded": {"refunds": []}})
    httpserver.expect_request(CHARGEBACKS).respond_with_json(chargebacks)

    [chargeback] = mollie.list_adjustments(provider_reference=PAYMENT)

    assert (chargeback.status, chargeback.moved) == ("reversed", False)


def test_every_page_of_a_long_list_is_read_by_following_mollies_next_link(httpserver, mollie):
    first = load("mollie/refunds_list")
    second = copy.deepcopy(first)
    first["_embedded"]["refunds"] = first["_embedded"]["refunds"][:1]
    first["_links"]["next"] = {
        "href": f"https://api.mollie.com{REFUNDS}?from=re_Uz5XWpMMsA&limit=250",
        "type": "application/hal+json",
    }
    second["_embedded"]["refunds"] = second["_embedded"]["refunds"][1:]
    httpserver.expect_ordered_request(REFUNDS, query_string="limit=250").respond_with_json(first)
    httpserver.expect_ordered_request(REFUNDS, query_string="limit=250&from=re_Uz5XWpMMsA").respond_with_json(second)
    httpserver.expect_ordered_request(CHARGEBACKS).respond_with_json(no_chargebacks())

    adjustments = mollie.list_adjustments(provider_reference=PAYMENT)

    assert [a.provider_reference for a in adjustments] == ["re_4qqhO89gsT", "re_Uz5XWpMMsA"]
    httpserver.check_assertions()


@pytest.mark.parametrize("status", [500, 503, 429, 401])
def test_a_list_mollie_does_not_answer_is_an_error_not_an_empty_list(httpserver, mollie, status):
    httpserver.expect_request(REFUNDS).respond_with_json(load("mollie/refunds_list"))
    httpserver.expect_request(CHARGEBACKS).respond_with_data("", status=status)

    with pytest.raises(ProviderUnreachableError):
        mollie.list_adjustments(provider_reference=PAYMENT)


def test_a_list_that_times_out_is_an_error(httpserver, mollie):
    httpserver.expect_request(REFUNDS).respond_with_handler(slow())

    with pytest.raises(ProviderUnreachableError):
        mollie.list_adjustments(provider_reference=PAYMENT)
    finished(httpserver)


def test_something_that_is_not_a_mollie_payment_id_is_not_asked_about(httpserver, mollie):
    with pytest.raises(ProviderUnreachableError):
        mollie.list_adjustments(provider_reference="re_4qqhO89gsT")

    assert httpserver.log == []


def test_the_webhook_event_and_fetch_carry_the_refunded_and_charged_back_totals(httpserver, mollie):
    paid = load(
        "mollie/payment_paid",
        amountRefunded={"value": "5.00", "currency": "EUR"},
        amountChargedBack={"value": "37.50", "currency": "EUR"},
    )
    httpserver.expect_request(f"/v2/payments/{PAYMENT}").respond_with_json(paid)

    [event] = mollie.parse_webhook(body=f"id={PAYMENT}".encode(), headers={})
    fetched = mollie.fetch(reference="PAY-7Q2K9X", provider_reference=PAYMENT)

    assert (event.refunded_total, event.charged_back_total) == (eur("5.00"), eur("37.50"))
    assert (fetched.refunded_total, fetched.charged_back_total) == (eur("5.00"), eur("37.50"))


def test_a_payment_without_refunds_says_nothing_of_chargebacks(httpserver, mollie):
    httpserver.expect_request(f"/v2/payments/{PAYMENT}").respond_with_json(load("mollie/payment_paid"))

    [event] = mollie.parse_webhook(body=f"id={PAYMENT}".encode(), headers={})

    assert (event.refunded_total, event.charged_back_total) == (eur("0.00"), None)
