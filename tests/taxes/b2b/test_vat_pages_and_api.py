"""The VAT number through the checkout page (with and without JavaScript) and the buying API."""

from decimal import Decimal

import pytest

from comptoir.checkout.models import Checkout
from comptoir.orders.models import Order
from comptoir.taxes.exemption_models import CustomerTaxProfile
from tests.api.buying import cart_url, place, ready_cart, write
from tests.api.helpers import assert_problem
from tests.checkout.factories import ready_checkout
from tests.orders.account_factories import PASSWORD, make_customer
from tests.storefront.checkout_helpers import HX, checkout_form, oob_ids, soup, text, use_cart

pytestmark = pytest.mark.django_db


def fresh(cart) -> Checkout:
    return Checkout.objects.get(pk=cart.pk)


# --- The page ----------------------------------------------------------------------------------------------


def test_a_valid_vat_number_is_recorded_and_the_summary_drops_the_tax(client, channel, flat_tax):
    cart, _variant = ready_checkout(channel, price="24.00")
    use_cart(client, cart)

    response = client.post(
        "/en/checkout/business/", {"company_name": "Acme SARL", "vat_number": "FR 40 303 265 045"}, headers=HX
    )

    assert response.status_code == 200
    assert set(oob_ids(response)) >= {"section-business", "checkout-summary"}
    assert (fresh(cart).company_name, fresh(cart).vat_number) == ("Acme SARL", "FR40303265045")
    assert "VAT number FR40303265045 recorded" in text(soup(response).select_one("#section-business"))
    assert flat_tax.calls[-1]["customer_tax_id"] == "FR40303265045"


def test_an_invalid_vat_number_comes_back_422_at_its_field_and_tax_is_still_charged(client, channel, flat_tax):
    cart, _variant = ready_checkout(channel, price="24.00")
    use_cart(client, cart)

    response = client.post(
        "/en/checkout/business/", {"company_name": "Acme", "vat_number": "FR40303265046"}, headers=HX
    )

    page = soup(response)
    assert response.status_code == 422
    assert page.select_one("#vat-number")["aria-invalid"] == "true"
    assert page.select_one("#vat-number")["value"] == "FR40303265046"
    assert "FR40303265046 is not a valid EU VAT number" in text(page.select_one("#vat-number-error"))
    assert (fresh(cart).company_name, fresh(cart).vat_number) == ("", "")
    assert flat_tax.calls[-1]["customer_tax_id"] == ""


def test_without_javascript_an_invalid_number_stops_the_order_with_the_message(client, channel, flat_tax):
    cart, _variant = ready_checkout(channel, price="24.00")
    method_id = int(cart.delivery_option_id.split(":")[1])
    use_cart(client, cart)

    response = client.post(
        "/en/checkout/place/", checkout_form(method_id=method_id, company_name="Acme", vat_number="FR123")
    )

    assert response.status_code == 422
    assert "FR123 is not a valid EU VAT number" in text(soup(response).select_one("#section-business"))
    assert not Order.objects.exists()
    assert fresh(cart).vat_number == ""


def test_without_javascript_a_valid_number_is_saved_and_the_order_placed_without_tax(client, channel, flat_tax):
    cart, _variant = ready_checkout(channel, price="24.00")
    method_id = int(cart.delivery_option_id.split(":")[1])
    use_cart(client, cart)

    response = client.post(
        "/en/checkout/place/",
        checkout_form(method_id=method_id, company_name="Acme SARL", vat_number="FR40303265045"),
    )

    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.billing_address["vat_number"], order.billing_address["company"]) == ("FR40303265045", "Acme SARL")
    assert order.tax_total == Decimal("0.00")


def test_a_signed_in_customer_finds_the_company_saved_on_their_account(client, channel, flat_tax):
    customer = make_customer()
    CustomerTaxProfile.objects.create(user=customer, company_name="Acme SARL", vat_number="FR40303265045")
    client.login(username=customer.username, password=PASSWORD)
    cart, _variant = ready_checkout(channel, user=customer)
    use_cart(client, cart)

    page = soup(client.get("/en/checkout/"))

    assert page.select_one("#company-name")["value"] == "Acme SARL"
    assert page.select_one("#vat-number")["value"] == "FR40303265045"
    assert page.select_one("#section-business details").has_attr("open")
    assert fresh(cart).vat_number == ""  # offered, not applied until the buyer says so


def test_the_summary_tells_a_buyer_whose_number_no_longer_matches_the_billing_country(client, channel, flat_tax):
    cart, _variant = ready_checkout(channel)
    Checkout.objects.filter(pk=cart.pk).update(vat_number="DE136695976", vat_check="format")
    use_cart(client, cart)

    page = soup(client.get("/en/checkout/"))

    notice = text(page.select_one("#checkout-summary .tax-notice"))
    assert notice.startswith("Your VAT number DE136695976 does not apply to this billing address")
    assert notice.endswith("tax is charged.")


# --- The API -----------------------------------------------------------------------------------------------


def test_the_api_records_a_valid_number_and_the_cart_says_it_applies(client, channel, flat_tax):
    cart, _variant = ready_cart(client, channel, price="24.00")

    response = write(
        client, "PUT", cart_url(cart, "/business"), {"company_name": "Acme SARL", "vat_number": "FR40303265045"}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["business"] == {
        "company_name": "Acme SARL",
        "vat_number": "FR40303265045",
        "vat_check": "format",
        "applies": True,
    }
    assert body["totals"]["tax"]["amount"] == "0.00"
    order = place(client, cart).json()
    assert Order.objects.get(number=order["number"]).billing_address["vat_number"] == "FR40303265045"


def test_the_api_refuses_an_invalid_number_with_a_problem_and_changes_nothing(client, channel, flat_tax):
    cart, _variant = ready_cart(client, channel, price="24.00")

    response = write(client, "PUT", cart_url(cart, "/business"), {"vat_number": "FR40303265046"})

    body = assert_problem(response, status=422, code="invalid-vat-number")
    assert body["errors"][0]["loc"] == ["body", "vat_number"]
    assert "FR40303265046 is not a valid EU VAT number" in body["detail"]
    cart_now = client.get(cart_url(cart)).json()
    assert cart_now["business"] is None
    assert cart_now["totals"]["tax"]["amount"] == "4.82"


def test_the_api_answers_why_an_expired_certificate_does_not_apply(client, channel, flat_tax):
    from datetime import timedelta

    from tests.taxes.b2b.certificates import certificate, today

    customer = make_customer()
    certificate(customer, number="EX-OLD", valid_until=today() - timedelta(days=1), valid_from=today() - timedelta(90))
    client.login(username=customer.username, password=PASSWORD)
    cart, _variant = ready_cart(client, channel, price="24.00")

    body = client.get(cart_url(cart)).json()

    assert body["tax_exemption"] == ""
    assert body["tax_notices"][0].startswith("Your exemption certificate EX-OLD expired on")
    assert body["totals"]["tax"]["amount"] == "4.82"
