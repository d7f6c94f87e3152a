"""Business buyers end to end with the real rates calculator: the VAT number taken at checkout decides the tax
on the order and on the invoice (the B2B tests elsewhere use a stand-in calculator)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from comptoir.checkout import services
from comptoir.checkout.models import Checkout
from comptoir.orders.invoices import issue_invoice
from comptoir.orders.models import LegalEntity
from comptoir.orders.pdf import render_invoice_pdf
from comptoir.orders.services import pay_order
from comptoir.taxes.vat_numbers import InvalidVatNumberError
from tests.checkout.factories import ready_checkout, shipping_method
from tests.taxes.factories import standard_zones, tax_settings

ADDRESS_DE = {
    "full_name": "Jonas Weber",
    "street_address_1": "Hauptstrasse 5",
    "city": "Berlin",
    "postal_code": "10115",
    "country_code": "DE",
}


@pytest.fixture
def french_shop(channel):
    """The EUR channel sells from France, prices including tax, destination taxation in the EU (OSS)."""
    standard_zones()
    tax_settings(channel, origin="FR", eu_destination_taxation=True)
    LegalEntity.objects.create(name="Shop SAS", address="Paris", vat_number="FR40303265045", is_default=True)
    return channel


def _words(invoice) -> str:
    pages = PdfReader(io.BytesIO(render_invoice_pdf(invoice))).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def _to_germany(channel, *, vat_number: str = ""):
    method = shipping_method(channel, price="0", countries=("FR", "DE"))
    checkout, _variant = ready_checkout(channel, price="24.00", method=method)
    services.set_addresses(checkout_id=checkout.pk, shipping=ADDRESS_DE, billing_same_as_shipping=True)
    services.set_delivery(checkout_id=checkout.pk, option_id=f"method:{method.pk}")  # new address: chosen again
    if vat_number:
        services.set_business_buyer(checkout_id=checkout.pk, company_name="Weber GmbH", vat_number=vat_number)
    Checkout.objects.filter(pk=checkout.pk).update(language="en")
    return checkout


@pytest.mark.django_db
def test_goods_sent_to_a_german_business_with_a_valid_vat_number_are_reverse_charged(french_shop):
    checkout = _to_germany(french_shop, vat_number="DE136695976")

    order = services.place_order(checkout_id=checkout.pk)

    assert order.tax_total == Decimal("0.00")
    assert order.total == Decimal("24.00")  # the displayed price, with no tax in it
    assert [row["treatment"] for row in order.tax_breakdown] == ["reverse_charge"]
    pay_order(order_id=order.pk, method_code="test:card", data={"card_number": "4242 4242 4242 4242"})
    invoice = issue_invoice(order_id=order.pk)
    words = _words(invoice)
    assert "VAT number: DE136695976" in words
    assert words.lower().count("reverse charge") == 1  # the breakdown's mention, not a second general one
    assert invoice.content["reverse_charge"] is False


@pytest.mark.django_db
def test_the_same_german_consumer_pays_german_vat_at_destination(french_shop):
    order = services.place_order(checkout_id=_to_germany(french_shop).pk)

    # 24.00 including 19 %: tax = 24.00 * 0.19 / 1.19 = 3.8319... -> 3.83
    assert order.tax_total == Decimal("3.83")
    assert [(Decimal(row["rate"]), row["country"]) for row in order.tax_breakdown] == [(Decimal("0.19"), "DE")]


@pytest.mark.django_db
def test_a_french_business_buyer_pays_french_vat(french_shop):
    checkout, _variant = ready_checkout(
        french_shop, price="24.00", method=shipping_method(french_shop, price="0", countries=("FR", "DE"))
    )
    services.set_business_buyer(checkout_id=checkout.pk, company_name="Acme SARL", vat_number="FR40303265045")

    order = services.place_order(checkout_id=checkout.pk)

    # Domestic B2B is charged: 24.00 * 0.20 / 1.20 = 4.00
    assert order.tax_total == Decimal("4.00")
    assert order.billing_address["vat_number"] == "FR40303265045"


@pytest.mark.django_db
def test_an_invalid_vat_number_is_refused_and_the_buyer_pays_vat(french_shop):
    checkout = _to_germany(french_shop)

    with pytest.raises(InvalidVatNumberError) as refused:
        services.set_business_buyer(checkout_id=checkout.pk, company_name="Weber GmbH", vat_number="DE136695977")
    assert "not a valid EU VAT number" in str(refused.value.detail)

    order = services.place_order(checkout_id=checkout.pk)
    assert order.tax_total == Decimal("3.83")
    assert "vat_number" not in order.billing_address
