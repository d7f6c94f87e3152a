"""The VIES check, against a local server answering as the VIES REST API does (POST /check-vat-number)."""

import json

import pytest

from comptoir.checkout import services
from comptoir.checkout.models import Checkout
from comptoir.taxes.vat_numbers import (
    VatNumberNotRegisteredError,
    validate_vat_number,
    verify_vat_number,
)
from comptoir.taxes.vies import ViesAnswer, check_vat_number
from tests.checkout.factories import ready_checkout


@pytest.fixture
def vies(settings, httpserver):
    settings.COMPTOIR = {
        **settings.COMPTOIR,
        "VIES_CHECK": True,
        "VIES_URL": httpserver.url_for("/rest-api"),
        "VIES_TIMEOUT": 2.0,
    }
    return httpserver


def answer(valid: bool, **extra) -> dict:
    return {
        "countryCode": "FR",
        "vatNumber": "40303265045",
        "requestDate": "2026-11-28T10:00:00.000Z",
        "valid": valid,
        "requestIdentifier": "WAPIAAAAW1234",
        "name": "ACME SARL" if valid else "---",
        "address": "---",
        **extra,
    }


def test_the_request_follows_the_vies_rest_api(vies):
    vies.expect_oneshot_request(
        "/rest-api/check-vat-number",
        method="POST",
        json={"countryCode": "FR", "vatNumber": "40303265045"},
    ).respond_with_json(answer(True))

    result = check_vat_number(validate_vat_number("FR 40 303 265 045"))

    assert (result.answer, result.name, result.request_id) == (ViesAnswer.VALID, "ACME SARL", "WAPIAAAAW1234")
    vies.check_assertions()


def test_a_greek_number_is_asked_with_the_el_prefix(vies):
    vies.expect_oneshot_request(
        "/rest-api/check-vat-number", method="POST", json={"countryCode": "EL", "vatNumber": "094259216"}
    ).respond_with_json(answer(True, countryCode="EL", vatNumber="094259216"))

    result = check_vat_number(validate_vat_number("EL094259216"))

    assert result.answer == ViesAnswer.VALID
    vies.check_assertions()


def test_a_number_vies_does_not_know_is_refused_with_a_clear_message(vies):
    vies.expect_request("/rest-api/check-vat-number", method="POST").respond_with_json(answer(False))

    with pytest.raises(VatNumberNotRegisteredError) as refused:
        verify_vat_number("FR40303265045", country="FR")

    assert "not registered for intra-EU trade in VIES" in str(refused.value.detail)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, {"actionSucceed": False, "errorWrappers": [{"error": "MS_UNAVAILABLE", "message": "down"}]}),
        (200, {"valid": False, "userError": "MS_MAX_CONCURRENT_REQ"}),
        (503, "<html>maintenance</html>"),
        (200, {"nothing": "useful"}),
    ],
)
def test_vies_unavailable_accepts_the_number_as_unconfirmed(vies, status, body):
    payload = json.dumps(body) if isinstance(body, dict) else body
    vies.expect_request("/rest-api/check-vat-number", method="POST").respond_with_data(
        payload, status=status, content_type="application/json"
    )

    checked = verify_vat_number("FR40303265045", country="FR")

    assert (checked.number.number, checked.check) == ("FR40303265045", "unconfirmed")


def test_vies_unreachable_accepts_the_number_as_unconfirmed(settings):
    settings.COMPTOIR = {**settings.COMPTOIR, "VIES_CHECK": True, "VIES_URL": "http://127.0.0.1:9/rest-api"}

    checked = verify_vat_number("FR40303265045", country="FR")

    assert checked.check == "unconfirmed"


def test_vies_off_asks_nothing_and_checks_the_format_only(settings, httpserver):
    settings.COMPTOIR = {**settings.COMPTOIR, "VIES_CHECK": False, "VIES_URL": httpserver.url_for("/rest-api")}

    checked = verify_vat_number("FR40303265045", country="FR")

    assert checked.check == "format"
    assert httpserver.log == []


@pytest.mark.django_db
def test_checkout_records_a_vies_confirmed_number(channel, vies, flat_tax):
    vies.expect_request("/rest-api/check-vat-number", method="POST").respond_with_json(answer(True))
    checkout, _variant = ready_checkout(channel)

    services.set_business_buyer(checkout_id=checkout.pk, vat_number="FR40303265045")

    assert Checkout.objects.get(pk=checkout.pk).vat_check == "vies"


@pytest.mark.django_db
def test_checkout_refuses_a_number_vies_rejects_and_keeps_charging_tax(channel, vies, flat_tax):
    vies.expect_request("/rest-api/check-vat-number", method="POST").respond_with_json(answer(False))
    checkout, _variant = ready_checkout(channel)

    with pytest.raises(VatNumberNotRegisteredError):
        services.set_business_buyer(checkout_id=checkout.pk, vat_number="FR40303265045")

    assert Checkout.objects.get(pk=checkout.pk).vat_number == ""


@pytest.mark.django_db
def test_an_order_keeps_that_vies_could_not_confirm_the_number_for_the_staff(channel, vies, flat_tax):
    vies.expect_request("/rest-api/check-vat-number", method="POST").respond_with_data("", status=503)
    checkout, _variant = ready_checkout(channel)
    services.set_business_buyer(checkout_id=checkout.pk, vat_number="FR40303265045")

    order = services.place_order(checkout_id=checkout.pk)

    assert (order.billing_address["vat_number"], order.billing_address["vat_check"]) == (
        "FR40303265045",
        "unconfirmed",
    )
    note = order.events.get(kind="note")
    assert not note.public
    assert note.message.startswith("VIES was unavailable: the buyer's VAT number FR40303265045 was accepted")
