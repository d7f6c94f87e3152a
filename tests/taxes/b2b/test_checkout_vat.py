"""A business buyer's VAT number at checkout: checked, stored, passed to the tax calculator, frozen on the order."""

from decimal import Decimal

import pytest

from comptoir.checkout import services
from comptoir.checkout.models import Checkout
from comptoir.checkout.queries import summarize
from comptoir.core.errors import InvalidInputError
from comptoir.taxes.vat_numbers import InvalidVatNumberError
from tests.checkout.factories import ADDRESS_FR, ready_checkout

ADDRESS_DE = {
    "full_name": "Jonas Weber",
    "street_address_1": "Hauptstrasse 5",
    "city": "Berlin",
    "postal_code": "10115",
    "country_code": "DE",
}


@pytest.mark.django_db
def test_a_valid_vat_number_is_stored_compact_and_passed_to_the_tax_calculator(channel, flat_tax):
    checkout, _variant = ready_checkout(channel, price="24.00")

    services.set_business_buyer(checkout_id=checkout.pk, company_name="Acme SARL", vat_number="fr 40 303 265 045")

    checkout = Checkout.objects.get(pk=checkout.pk)
    assert (checkout.company_name, checkout.vat_number, checkout.vat_check) == ("Acme SARL", "FR40303265045", "format")
    summary = summarize(checkout)
    assert flat_tax.calls[-1]["customer_tax_id"] == "FR40303265045"
    assert summary.customer_tax_id == "FR40303265045"
    assert summary.totals.tax == summary.totals.tax.zero(channel.currency)


@pytest.mark.django_db
def test_an_invalid_vat_number_is_refused_nothing_changes_and_tax_is_charged(channel, flat_tax):
    checkout, _variant = ready_checkout(channel, price="24.00")
    before = summarize(checkout).totals

    with pytest.raises(InvalidVatNumberError) as refused:
        services.set_business_buyer(checkout_id=checkout.pk, company_name="Acme", vat_number="FR40303265046")

    assert "not a valid EU VAT number" in str(refused.value.detail)
    assert refused.value.errors == [{"field": "vat_number", "message": refused.value.detail}]
    checkout = Checkout.objects.get(pk=checkout.pk)
    assert (checkout.company_name, checkout.vat_number, checkout.vat_check) == ("", "", "")
    after = summarize(checkout).totals
    assert flat_tax.calls[-1]["customer_tax_id"] == ""
    # 24.00 + 4.90 shipping, tax included at 20 %: 4.00 + 0.82.
    assert after.tax.amount == before.tax.amount == Decimal("4.82")


@pytest.mark.django_db
def test_a_vat_number_of_another_country_than_the_billing_address_is_refused(channel, flat_tax):
    checkout, _variant = ready_checkout(channel)

    with pytest.raises(InvalidVatNumberError) as refused:
        services.set_business_buyer(checkout_id=checkout.pk, vat_number="DE136695976")

    assert "issued in DE, not in FR" in str(refused.value.detail)
    assert Checkout.objects.get(pk=checkout.pk).vat_number == ""


@pytest.mark.django_db
def test_a_billing_address_moved_to_another_country_stops_the_number_applying_and_says_so(channel, flat_tax):
    checkout, _variant = ready_checkout(channel, price="24.00")
    services.set_business_buyer(checkout_id=checkout.pk, vat_number="FR40303265045")

    services.set_addresses(checkout_id=checkout.pk, billing=ADDRESS_DE, billing_same_as_shipping=False)
    summary = summarize(Checkout.objects.get(pk=checkout.pk))

    assert summary.customer_tax_id == ""
    assert flat_tax.calls[-1]["customer_tax_id"] == ""
    assert summary.totals.tax.amount == Decimal("4.82")
    assert summary.tax_notices == [
        "Your VAT number FR40303265045 does not apply to this billing address "
        "(This VAT number was issued in FR, not in DE); tax is charged."
    ]


@pytest.mark.django_db
def test_emptying_the_vat_number_makes_the_buyer_a_consumer_again(channel, flat_tax):
    checkout, _variant = ready_checkout(channel)
    services.set_business_buyer(checkout_id=checkout.pk, company_name="Acme", vat_number="FR40303265045")

    services.set_business_buyer(checkout_id=checkout.pk)

    checkout = Checkout.objects.get(pk=checkout.pk)
    assert (checkout.company_name, checkout.vat_number, checkout.vat_check) == ("", "", "")
    assert summarize(checkout).customer_tax_id == ""


@pytest.mark.django_db
def test_the_order_freezes_the_company_and_vat_number_in_its_billing_address(channel, flat_tax):
    checkout, _variant = ready_checkout(channel, price="24.00")
    services.set_business_buyer(checkout_id=checkout.pk, company_name="Acme SARL", vat_number="FR40303265045")

    order = services.place_order(checkout_id=checkout.pk)

    assert order.billing_address["company"] == "Acme SARL"
    assert order.billing_address["vat_number"] == "FR40303265045"
    assert order.billing_address["vat_check"] == "format"
    assert order.billing_address["country_code"] == ADDRESS_FR["country_code"]
    assert order.tax_total == Decimal("0.00")
    assert flat_tax.calls[-1]["customer_tax_id"] == "FR40303265045"


@pytest.mark.django_db
def test_a_consumer_order_has_no_vat_number_and_pays_tax(channel, flat_tax):
    checkout, _variant = ready_checkout(channel, price="24.00")

    order = services.place_order(checkout_id=checkout.pk)

    assert "vat_number" not in order.billing_address
    assert order.tax_total == Decimal("4.82")
    assert [{k: row[k] for k in ("rate", "base", "amount", "treatment")} for row in order.tax_breakdown] == [
        {"rate": "0.20", "base": "24.08", "amount": "4.82", "treatment": "taxed"}
    ]


@pytest.mark.django_db
def test_a_company_name_with_control_characters_is_refused(channel, flat_tax):
    checkout, _variant = ready_checkout(channel)

    with pytest.raises(InvalidInputError) as refused:
        services.set_business_buyer(checkout_id=checkout.pk, company_name="Acme\x00", vat_number="FR40303265045")

    assert refused.value.errors[0]["field"] == "company_name"
    assert Checkout.objects.get(pk=checkout.pk).vat_number == ""


@pytest.mark.django_db
def test_editing_the_order_keeps_the_business_buyers_tax_status(channel, flat_tax):
    from comptoir.orders.services import edit_order

    checkout, _variant = ready_checkout(channel, price="24.00", quantity=2)
    services.set_business_buyer(checkout_id=checkout.pk, vat_number="FR40303265045")
    order = services.place_order(checkout_id=checkout.pk)

    edited = edit_order(order_id=order.pk, quantities={order.lines.get().pk: 1})

    assert flat_tax.calls[-1]["customer_tax_id"] == "FR40303265045"
    assert (edited.subtotal, edited.tax_total) == (Decimal("24.00"), Decimal("0.00"))


def _paid_invoice(order):
    from comptoir.orders.invoices import issue_invoice
    from comptoir.orders.services import pay_order

    pay_order(order_id=order.pk, method_code="test:card", data={"card_number": "4242 4242 4242 4242"})
    return issue_invoice(order_id=order.pk)


@pytest.mark.django_db
def test_an_invoice_to_a_business_in_another_member_state_says_the_reverse_charge_applies(channel, flat_tax):
    import io

    from pypdf import PdfReader

    from comptoir.orders.models import LegalEntity
    from comptoir.orders.pdf import render_invoice_pdf

    LegalEntity.objects.create(name="Shop SAS", address="Paris", vat_number="FR40303265045", is_default=True)
    checkout, _variant = ready_checkout(channel, price="24.00")
    services.set_addresses(checkout_id=checkout.pk, billing=ADDRESS_DE, billing_same_as_shipping=False)
    services.set_business_buyer(checkout_id=checkout.pk, company_name="Weber GmbH", vat_number="DE136695976")
    Checkout.objects.filter(pk=checkout.pk).update(language="en")  # the invoice speaks the order's language

    invoice = _paid_invoice(services.place_order(checkout_id=checkout.pk))

    assert invoice.content["buyer"]["vat_number"] == "DE136695976"
    assert invoice.content["reverse_charge"] is True
    words = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(render_invoice_pdf(invoice))).pages).split()
    )
    assert "VAT number: DE136695976" in words
    assert "Reverse charge: supply to a business registered for VAT in another EU member state" in words


@pytest.mark.django_db
def test_an_invoice_to_a_business_of_the_sellers_own_country_has_no_reverse_charge(channel, flat_tax):
    from comptoir.orders.models import LegalEntity

    LegalEntity.objects.create(name="Shop SAS", address="Paris", vat_number="FR40303265045", is_default=True)
    checkout, _variant = ready_checkout(channel, price="24.00")
    services.set_business_buyer(checkout_id=checkout.pk, vat_number="FR40303265045")

    invoice = _paid_invoice(services.place_order(checkout_id=checkout.pk))

    assert invoice.content["reverse_charge"] is False
