"""The same taxes on the cart, the order and the invoice, through the checkout services; the calculator's
queries and cache; a channel without tax settings charges nothing."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from comptoir.checkout import services
from comptoir.checkout.models import Checkout
from comptoir.checkout.queries import summarize
from comptoir.core.money import Money
from comptoir.inventory.queries import forget_locations
from comptoir.orders.invoices import issue_invoice
from comptoir.orders.models import OrderLine
from comptoir.orders.pdf import render_invoice_pdf
from comptoir.orders.services import edit_order, pay_order
from comptoir.pricing.totals import PricedLine, compute_totals
from comptoir.taxes.calculators import REVERSE_CHARGE_GOODS
from comptoir.taxes.models import TaxRate
from comptoir.taxes.zones import forget_tax_config
from tests.checkout.factories import ready_checkout
from tests.factories import sellable_product
from tests.orders.invoice_factories import legal_entity, paid_order
from tests.taxes.factories import standard_zones, tax_settings

pytestmark = pytest.mark.django_db


def rows(breakdown) -> list[tuple[str, str, str]]:
    """(rate, base, tax) of TaxRateTotal rows or of their JSON."""
    if breakdown and isinstance(breakdown[0], dict):
        return [
            (str(Decimal(r["rate"]).normalize()), str(Decimal(r["base"])), str(Decimal(r["amount"]))) for r in breakdown
        ]
    return [(str(r.rate.normalize()), str(r.base.amount), str(r.amount.amount)) for r in breakdown]


def test_the_cart_the_order_and_the_invoice_show_the_same_taxes(channel):
    standard_zones()
    tax_settings(channel, origin="FR")
    legal_entity()
    checkout, _ = ready_checkout(channel, price="24.00")  # standard class, shipping 4.90
    book = sellable_product(channel=channel, price="10.55", tax_class="reduced")
    forget_locations()
    services.add_to_cart(checkout_id=checkout.pk, variant_id=book.variants.get().pk, quantity=2)

    summary = summarize(Checkout.objects.get(pk=checkout.pk))
    order = services.place_order(checkout_id=checkout.pk)
    pay_order(order_id=order.pk, method_code="test:card", data={"card_number": "4242 4242 4242 4242"})
    invoice = issue_invoice(order_id=order.pk)
    order.refresh_from_db()

    # Standard 24.00: 24 * 0.20 / 1.20 = 4.00. Books 2 x 10.55 = 21.10: 21.10 * 0.055 / 1.055 = 1.10.
    # Shipping 4.90 at the main rate (standard: 24.00 > 21.10): 4.90 * 0.20 / 1.20 = 0.8167 -> 0.82.
    # 5.5 %: base 21.10 - 1.10 = 20.00; 20 %: base (24.00 - 4.00) + (4.90 - 0.82) = 24.08, tax 4.82.
    expected = [("0.055", "20.00", "1.10"), ("0.2", "24.08", "4.82")]
    assert rows(summary.totals.tax_breakdown) == expected
    assert rows(order.tax_breakdown) == expected
    assert rows(invoice.content["tax_breakdown"]) == expected
    assert summary.totals.tax.amount == order.tax_total == Decimal(invoice.content["totals"]["tax"]) == Decimal("5.92")
    assert summary.totals.total.amount == order.total == Decimal("50.00")
    lines = {line.tax_class: (line.tax_rate, line.tax_amount) for line in OrderLine.objects.filter(order=order)}
    assert lines == {"standard": (Decimal("0.2"), Decimal("4.00")), "reduced": (Decimal("0.055"), Decimal("1.10"))}
    assert invoice.content["shipping"]["tax"] == "0.82"


def test_an_edited_order_keeps_taxing_each_line_at_its_class(channel):
    standard_zones()
    tax_settings(channel, origin="FR")
    checkout, _ = ready_checkout(channel, price="24.00")
    order = services.place_order(checkout_id=checkout.pk)
    book = sellable_product(channel=channel, price="10.55", tax_class="reduced")
    forget_locations()

    edit_order(order_id=order.pk, add={book.variants.get().pk: 1})

    order.refresh_from_db()
    # 24.00 -> 4.00 at 20 %; 10.55 -> 0.55 at 5.5 %; shipping 4.90 at 20 % -> 0.82: 5.37 in all
    assert order.tax_total == Decimal("5.37")
    assert rows(order.tax_breakdown) == [("0.055", "10.00", "0.55"), ("0.2", "24.08", "4.82")]
    assert OrderLine.objects.get(order=order, variant__product=book).tax_class == "reduced"


def test_a_reverse_charged_invoice_prints_the_legal_mention(channel):
    legal_entity()
    order = paid_order(channel, lines=(("100.00", 1, "0"),), shipping="0", shipping_rate="0")
    order.tax_breakdown = [
        {"rate": "0", "base": "100.00", "amount": "0.00", "treatment": "reverse_charge", "reason": "goods",
         "country": "DE", "reference": "DE136695976"}
    ]  # fmt: skip
    order.save(update_fields=["tax_breakdown"])

    invoice = issue_invoice(order_id=order.pk)

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(render_invoice_pdf(invoice))).pages)
    assert invoice.content["tax_breakdown"][0]["treatment"] == "reverse_charge"
    assert "art. 138 Directive 2006/112/EC" in text and "DE136695976" in text
    assert REVERSE_CHARGE_GOODS.startswith("Exempt intra-Community supply")


def test_a_channel_without_tax_settings_charges_no_tax_even_where_rates_exist(channel):
    standard_zones()

    totals = compute_totals(
        channel=channel,
        lines=[PricedLine(line_id="1", variant_id=1, quantity=1, unit_price=Money(Decimal("12.00"), "EUR"))],
        address={"country_code": "FR", "postal_code": "75002"},
    )

    assert totals.tax.amount == 0 and totals.tax_breakdown == [] and totals.total.amount == Decimal("12.00")


def _totals(channel, n: int):
    return compute_totals(
        channel=channel,
        lines=[
            PricedLine(line_id=str(i), variant_id=i, quantity=1, unit_price=Money(Decimal("12.00"), "EUR"))
            for i in range(n)
        ],
        shipping_price=Money(Decimal("4.90"), "EUR"),
        address={"country_code": "FR", "postal_code": "75002"},
    )


def test_taxes_take_two_queries_on_a_cold_cache_and_none_after_whatever_the_lines(channel, django_assert_num_queries):
    standard_zones()
    tax_settings(channel, origin="FR")

    # The channel's tax settings; the rates of the destination and origin zones.
    with django_assert_num_queries(2):
        _totals(channel, 1)
    with django_assert_num_queries(0):
        many = _totals(channel, 20)

    assert many.tax.amount == Decimal("40.82")  # 20 x 2.00 + 4.90 * 0.2 / 1.2 = 0.82


def test_a_changed_rate_is_used_as_soon_as_it_is_saved(channel):
    standard_zones()
    tax_settings(channel, origin="FR")
    assert _totals(channel, 1).tax.amount == Decimal("2.82")

    TaxRate.objects.filter(zone__country="FR", tax_class="standard").update(rate=Decimal("0.25"))
    forget_tax_config()  # what the admin and the imports do on commit

    # 12.00 * 0.25 / 1.25 = 2.40; 4.90 * 0.25 / 1.25 = 0.98
    assert _totals(channel, 1).tax.amount == Decimal("3.38")
