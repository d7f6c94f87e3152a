import io
from datetime import timedelta
from decimal import Decimal

import pytest
from babel.dates import format_date
from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import gettext, override
from pypdf import PdfReader

from comptoir.core.events import dispatch
from comptoir.core.models import Event
from comptoir.orders import invoices as invoice_services
from comptoir.orders.errors import OrderNotFoundError, OrderStateError
from comptoir.orders.invoices import (
    CreditExceedsInvoiceError,
    CreditLine,
    InvalidCreditNoteError,
    InvoiceNumberingError,
    LegalEntityAmbiguousError,
    LegalEntityMissingError,
    issue_credit_note,
    issue_invoice,
    issue_missing_invoices,
    legal_entity_for,
)
from comptoir.orders.models import Invoice, InvoiceKind, InvoiceSequence, OrderEvent, OrderEventKind, OrderStatus
from comptoir.orders.pdf import render_invoice_pdf
from tests.orders.invoice_factories import FRENCH_MENTIONS, legal_entity, money, paid_order

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    """The PDF's text with its no-break spaces made plain, as a reader would search it."""
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\xa0", " ").replace("\u202f", " ")


def credit(order, *, index: int = 0, quantity: int = 1, amount: str = "20.00", tax: str = "3.33", rate="0.20"):
    line = order.lines.order_by("pk")[index]
    return CreditLine(
        order_line_id=line.pk,
        label=line.label,
        quantity=quantity,
        amount=money(amount, order.currency),
        tax_rate=Decimal(rate),
        tax=money(tax, order.currency),
    )


def counter(entity, kind=InvoiceKind.INVOICE) -> int | None:
    return InvoiceSequence.objects.filter(legal_entity=entity, kind=kind).values_list("last_number", flat=True).first()


# --- numbering ------------------------------------------------------------------------------------------


def test_a_paid_order_gets_the_first_number_of_its_legal_entity(channel):
    entity = legal_entity()
    order = paid_order(channel)

    invoice = issue_invoice(order_id=order.pk)

    assert (invoice.number, invoice.sequence, invoice.kind) == ("INV-000001", 1, InvoiceKind.INVOICE)
    assert invoice.legal_entity == entity
    assert invoice.source == f"order:{order.pk}"
    assert counter(entity) == 1


def test_invoices_follow_each_other_in_each_legal_entity_series(channel, usd_channel):
    france = legal_entity()
    america = legal_entity(name="Comptoir Inc.", is_default=False, channels=[usd_channel], invoice_prefix="US-")

    numbers = [
        issue_invoice(order_id=paid_order(ch).pk).number for ch in (channel, usd_channel, channel, channel, usd_channel)
    ]

    assert numbers == ["INV-000001", "US-000001", "INV-000002", "INV-000003", "US-000002"]
    assert (counter(france), counter(america)) == (3, 2)


def test_issuing_again_returns_the_same_invoice_and_takes_no_second_number(channel):
    entity = legal_entity()
    order = paid_order(channel)
    first = issue_invoice(order_id=order.pk)

    again = issue_invoice(order_id=order.pk)

    assert again.pk == first.pk
    assert Invoice.objects.count() == 1
    assert counter(entity) == 1


def test_an_order_not_paid_is_not_invoiced_and_nothing_is_written(channel):
    entity = legal_entity()
    order = paid_order(channel, status=OrderStatus.AWAITING_PAYMENT)

    with pytest.raises(OrderStateError, match="has not been paid"):
        issue_invoice(order_id=order.pk)

    assert not Invoice.objects.exists()
    assert counter(entity) is None


def test_an_unknown_order_is_not_found(channel):
    legal_entity()

    with pytest.raises(OrderNotFoundError):
        issue_invoice(order_id=987654)


def test_a_failed_issue_gives_its_number_back(channel, monkeypatch):
    entity = legal_entity()
    first, second = paid_order(channel), paid_order(channel)

    def broken(*args, **kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(invoice_services, "record_event", broken)
    with pytest.raises(RuntimeError):
        issue_invoice(order_id=first.pk)
    monkeypatch.undo()
    invoice = issue_invoice(order_id=second.pk)

    assert invoice.number == "INV-000001"
    assert counter(entity) == 1
    assert not Invoice.objects.filter(order=first).exists()


def test_same_prefix_for_invoices_and_credit_notes_is_refused_rather_than_clashing(channel):
    entity = legal_entity(invoice_prefix="DOC-", credit_note_prefix="DOC-")
    order = paid_order(channel)
    issue_invoice(order_id=order.pk)

    with pytest.raises(InvoiceNumberingError, match="DOC-000001 is already used"):
        issue_credit_note(order_id=order.pk, source="refund:R1", lines=[credit(order)], shipping=money("0"), reason="")

    assert counter(entity, InvoiceKind.CREDIT_NOTE) is None
    assert Invoice.objects.count() == 1


# --- which legal entity -----------------------------------------------------------------------------------


def test_the_entity_serving_the_channel_is_chosen_over_the_default(channel):
    legal_entity()
    serving = legal_entity(name="Comptoir Boutique", is_default=False, channels=[channel])

    assert legal_entity_for(channel) == serving


def test_a_channel_no_entity_serves_is_invoiced_by_the_default(channel, usd_channel):
    default = legal_entity()
    legal_entity(name="Comptoir Boutique", is_default=False, channels=[channel])

    assert legal_entity_for(usd_channel) == default


def test_without_a_legal_entity_the_merchant_is_told_to_configure_one(channel):
    order = paid_order(channel)

    with pytest.raises(LegalEntityMissingError, match="Legal entities") as raised:
        issue_invoice(order_id=order.pk)

    assert raised.value.status == 409
    assert not Invoice.objects.exists()
    assert not InvoiceSequence.objects.exists()


def test_two_default_entities_are_reported_as_ambiguous(channel):
    legal_entity(name="One")
    legal_entity(name="Two")

    with pytest.raises(LegalEntityAmbiguousError, match="One, Two are marked as the default"):
        legal_entity_for(channel)


# --- what an invoice says --------------------------------------------------------------------------------


def test_the_invoice_freezes_seller_buyer_lines_taxes_and_totals(channel):
    legal_entity()
    order = paid_order(channel, discounts=["5.00", "0"])

    content = issue_invoice(order_id=order.pk).content

    assert content["seller"] == {
        "name": "Comptoir SAS",
        "address": "1 rue de la Paix\n75002 Paris\nFrance",
        "vat_number": "FR40303265045",
        "registration": "SIRET 303 265 045 00020 — RCS Paris — capital 10 000 €",
        "legal_mentions": FRENCH_MENTIONS,
    }
    assert content["buyer"]["email"] == order.email
    assert {"Ada Lovelace", "Analytical Engines SARL", "75002 PARIS"} <= set(content["buyer"]["address_lines"])
    assert (content["order_number"], content["currency"], content["language"]) == (order.number, "EUR", "en")
    assert content["issue_date"] == timezone.localdate().isoformat()
    first = content["lines"][0]
    assert first["label"].endswith("— Blue")
    assert (first["sku"], first["quantity"], first["unit_price"], first["discount"]) == (
        order.lines.first().sku,
        2,
        "20.00",
        "5.00",
    )
    assert (first["tax_rate"], first["tax"], first["total"]) == ("0.2", "5.83", "35.00")
    assert content["shipping"] == {"label": "Colissimo", "amount": "4.90", "tax_rate": "0.2", "tax": "0.82"}
    assert content["tax_breakdown"] == [
        {"rate": "0.055", "base": "7.11", "amount": "0.39"},
        {"rate": "0.2", "base": "33.25", "amount": "6.65"},
    ]
    assert content["totals"] == {
        "subtotal": "47.50",
        "discount": "5.00",
        "shipping": "4.90",
        "tax": "7.04",
        "total_excl_tax": "40.36",
        "total": "47.40",
        "gift_cards": "0.00",
    }


def test_the_invoice_amounts_are_its_order_total_and_tax(channel):
    legal_entity()
    order = paid_order(channel, prices_include_tax=False)

    invoice = issue_invoice(order_id=order.pk)

    assert (invoice.total, invoice.tax_total, invoice.subtotal) == (order.total, order.tax_total, Decimal("52.40"))
    assert invoice.total == Decimal("61.79")
    assert invoice.currency == "EUR"


def test_an_order_without_a_stored_breakdown_gets_one_computed_from_its_lines(channel):
    legal_entity()
    order = paid_order(channel, with_breakdown=False)

    content = issue_invoice(order_id=order.pk).content

    assert content["tax_breakdown"] == [
        {"rate": "0.055", "base": "7.11", "amount": "0.39"},
        {"rate": "0.2", "base": "37.41", "amount": "7.49"},
    ]


def test_a_later_change_of_the_order_or_the_entity_changes_nothing_in_the_invoice(channel):
    entity = legal_entity()
    order = paid_order(channel)
    invoice = issue_invoice(order_id=order.pk)
    before = render_invoice_pdf(invoice)

    entity.name, entity.legal_mentions = "Renamed SA", "New terms."
    entity.save()
    order.lines.update(product_name="Something else", unit_price=Decimal("99.00"))
    order.billing_address = {"full_name": "Someone Else", "country_code": "FR"}
    order.save()
    invoice.refresh_from_db()

    assert render_invoice_pdf(invoice) == before
    assert invoice.content["seller"]["name"] == "Comptoir SAS"
    assert "Someone Else" not in pdf_text(before)


def test_issuing_adds_a_public_timeline_line_and_records_the_event(channel):
    legal_entity()
    order = paid_order(channel)

    invoice = issue_invoice(order_id=order.pk)

    line = OrderEvent.objects.get(order=order, kind=OrderEventKind.INVOICE_ISSUED)
    assert line.public and line.message == "INV-000001"
    assert line.data == {"invoice_id": invoice.pk, "number": "INV-000001", "document": "invoice"}
    event = Event.objects.get(name="orders.invoice_issued")
    assert event.payload == {"order_id": order.pk, "invoice_id": invoice.pk, "number": "INV-000001"}


# --- the handler -----------------------------------------------------------------------------------------


def order_paid_event(order) -> Event:
    return Event.objects.create(name="orders.order_paid", payload={"order_id": order.pk, "number": order.number})


def test_the_order_paid_event_issues_the_invoice(channel):
    legal_entity()
    order = paid_order(channel)

    assert dispatch(order_paid_event(order).pk) is True

    assert Invoice.objects.get(order=order).number == "INV-000001"


def test_paying_for_real_issues_the_invoice_once_the_payment_commits(channel, django_capture_on_commit_callbacks):
    from comptoir.orders.services import settle_order_payments
    from comptoir.payments.providers.test import SUCCESS_CARD
    from comptoir.payments.services import confirm_payment, create_payment

    legal_entity()
    order = paid_order(channel, status=OrderStatus.AWAITING_PAYMENT)
    payment = create_payment(order_ref=order.ref, method_code="test:card", amount=order.amount_due)

    with django_capture_on_commit_callbacks(execute=True):
        confirm_payment(reference=payment.reference, data={"card_number": SUCCESS_CARD})
        settle_order_payments(order_id=order.pk)

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert Invoice.objects.filter(order=order, kind=InvoiceKind.INVOICE).count() == 1


def test_without_a_legal_entity_the_payment_event_is_still_handled_and_the_invoice_issued_later(channel, caplog):
    order = paid_order(channel)
    event = order_paid_event(order)

    assert dispatch(event.pk) is True
    assert not Invoice.objects.exists()
    assert "not invoiced" in caplog.text

    legal_entity()
    assert issue_missing_invoices() == 1
    assert Invoice.objects.get(order=order).number == "INV-000001"
    assert issue_missing_invoices() == 0


# --- credit notes ----------------------------------------------------------------------------------------


def test_a_credit_note_takes_its_own_series_and_names_the_invoice(channel):
    entity = legal_entity()
    order = paid_order(channel)
    invoice = issue_invoice(order_id=order.pk)
    issue_invoice(order_id=paid_order(channel).pk)

    note = issue_credit_note(
        order_id=order.pk, source="refund:R-1", lines=[credit(order)], shipping=money("4.90"), reason="Returned"
    )

    assert (note.kind, note.number, note.sequence) == (InvoiceKind.CREDIT_NOTE, "CN-000001", 1)
    assert note.content["invoice_number"] == invoice.number
    assert note.content["reason"] == "Returned"
    assert (counter(entity), counter(entity, InvoiceKind.CREDIT_NOTE)) == (2, 1)
    assert (note.total, note.tax_total, note.subtotal) == (Decimal("24.90"), Decimal("4.15"), Decimal("20.75"))
    assert note.content["shipping"] == {"label": "Colissimo", "amount": "4.90", "tax_rate": "0.2", "tax": "0.82"}
    assert Event.objects.filter(name="orders.credit_note_issued", payload__invoice_id=note.pk).exists()


def test_a_credit_note_retried_with_its_source_returns_the_first(channel):
    entity = legal_entity()
    order = paid_order(channel)
    first = issue_credit_note(
        order_id=order.pk, source="refund:R-1", lines=[credit(order)], shipping=money("0"), reason=""
    )

    again = issue_credit_note(
        order_id=order.pk, source="refund:R-1", lines=[credit(order)], shipping=money("0"), reason=""
    )

    assert again.pk == first.pk
    assert counter(entity, InvoiceKind.CREDIT_NOTE) == 1


def test_a_credit_note_for_an_order_not_invoiced_yet_issues_the_invoice_first(channel):
    legal_entity()
    order = paid_order(channel)

    note = issue_credit_note(
        order_id=order.pk, source="refund:R-1", lines=[credit(order)], shipping=money("0"), reason=""
    )

    invoice = Invoice.objects.get(order=order, kind=InvoiceKind.INVOICE)
    assert note.content["invoice_number"] == invoice.number == "INV-000001"


def test_credit_notes_never_give_back_more_than_the_invoice(channel):
    entity = legal_entity()
    order = paid_order(channel)  # 52.40
    issue_credit_note(
        order_id=order.pk,
        source="refund:R-1",
        lines=[credit(order, quantity=2, amount="40.00", tax="6.67")],
        shipping=money("4.90"),
        reason="",
    )

    with pytest.raises(CreditExceedsInvoiceError, match=r"7\.50 EUR left to credit"):
        issue_credit_note(
            order_id=order.pk,
            source="refund:R-2",
            lines=[credit(order, index=1, amount="8.00", tax="0.42")],
            shipping=money("0"),
            reason="",
        )

    assert counter(entity, InvoiceKind.CREDIT_NOTE) == 1
    assert not Invoice.objects.filter(source="refund:R-2").exists()


def test_credit_notes_never_give_back_more_units_than_a_line_had(channel):
    legal_entity()
    order = paid_order(channel)
    issue_credit_note(order_id=order.pk, source="refund:R-1", lines=[credit(order)], shipping=money("0"), reason="")

    with pytest.raises(InvalidCreditNoteError, match="more units"):
        issue_credit_note(
            order_id=order.pk, source="refund:R-2", lines=[credit(order, quantity=2)], shipping=money("0"), reason=""
        )


def test_credit_notes_never_give_back_more_shipping_than_was_charged(channel):
    legal_entity()
    order = paid_order(channel)

    with pytest.raises(InvalidCreditNoteError, match=r"At most 4\.90 EUR of shipping"):
        issue_credit_note(order_id=order.pk, source="refund:R-1", lines=[], shipping=money("5.00"), reason="")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"order_line_id": 10**9}, "not lines of this order"),
        ({"quantity": -1}, "zero or more"),
        ({"amount": money("-1")}, "zero or more"),
        ({"amount": money("20.00", "USD")}, "one currency"),
        ({"tax": money("30.00")}, "tax cannot exceed"),
    ],
)
def test_a_bad_credit_line_is_refused_and_nothing_is_written(channel, change, message):
    legal_entity()
    order = paid_order(channel)
    line = credit(order)
    bad = CreditLine(**{**{f: getattr(line, f) for f in CreditLine.__slots__}, **change})

    with pytest.raises(InvalidCreditNoteError, match=message):
        issue_credit_note(order_id=order.pk, source="refund:R-1", lines=[bad], shipping=money("0"), reason="")

    assert not Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).exists()


def test_a_credit_note_of_nothing_is_refused(channel):
    legal_entity()
    order = paid_order(channel)

    with pytest.raises(InvalidCreditNoteError, match="more than zero"):
        issue_credit_note(order_id=order.pk, source="refund:R-1", lines=[], shipping=money("0"), reason="")


def test_a_source_already_used_for_another_order_is_refused(channel):
    legal_entity()
    first, second = paid_order(channel), paid_order(channel)
    issue_credit_note(order_id=first.pk, source="refund:R-1", lines=[credit(first)], shipping=money("0"), reason="")

    with pytest.raises(InvalidCreditNoteError, match="another document"):
        issue_credit_note(
            order_id=second.pk, source="refund:R-1", lines=[credit(second)], shipping=money("0"), reason=""
        )


def test_an_invoice_source_cannot_name_a_credit_note(channel):
    legal_entity()
    order = paid_order(channel)

    with pytest.raises(InvalidCreditNoteError, match="source"):
        issue_credit_note(
            order_id=order.pk, source=f"order:{order.pk}", lines=[credit(order)], shipping=money("0"), reason=""
        )


# --- the PDF -----------------------------------------------------------------------------------------------


def test_the_pdf_shows_number_parties_lines_amounts_and_legal_mentions_in_english(channel):
    legal_entity()
    order = paid_order(channel, language="en")
    invoice = issue_invoice(order_id=order.pk)

    data = render_invoice_pdf(invoice)

    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for expected in [
        "Invoice",
        "INV-000001",
        "Comptoir SAS",
        "VAT number: FR40303265045",
        "SIRET 303 265 045 00020",
        "Ada Lovelace",
        order.email,
        order.number,
        "Colissimo",
        "€20.00",
        "€52.40",
        "€7.88",
        "Total including tax",
        "Tax breakdown",
        "5.5%",
        "indemnité forfaitaire",
        format_date(timezone.localdate(), format="long", locale="en"),
    ]:
        assert expected in text, expected
    assert PdfReader(io.BytesIO(data)).metadata.title == "INV-000001"


def test_a_french_order_gets_its_invoice_in_french(channel):
    legal_entity()
    order = paid_order(channel, language="fr", lines=[("1234.50", 1, "0.20")])
    invoice = issue_invoice(order_id=order.pk)

    text = pdf_text(render_invoice_pdf(invoice))

    with override("fr"):
        title, total_label = gettext("Invoice"), gettext("Total including tax")
    assert title in text and total_label in text
    assert "1 239,40 €" in text
    assert "20 %" in text
    assert format_date(timezone.localdate(), format="long", locale="fr") in text


def test_the_credit_note_pdf_names_the_invoice_it_credits(channel):
    legal_entity()
    order = paid_order(channel)
    issue_invoice(order_id=order.pk)
    note = issue_credit_note(
        order_id=order.pk, source="refund:R-1", lines=[credit(order)], shipping=money("0"), reason="Damaged"
    )

    text = pdf_text(render_invoice_pdf(note))

    assert "Credit note" in text
    assert "CN-000001" in text
    assert "For invoice INV-000001" in text
    assert "Reason: Damaged" in text
    assert "Total credited" in text and "€20.00" in text


def test_markup_in_a_product_name_is_printed_as_text(channel):
    legal_entity()
    order = paid_order(channel)
    order.lines.update(product_name="<b>Mug</b> & <font>co")

    text = pdf_text(render_invoice_pdf(issue_invoice(order_id=order.pk)))

    assert "<b>Mug</b> & <font>co" in text


def test_a_long_invoice_runs_onto_more_pages_with_the_footer_on_each(channel):
    legal_entity()
    order = paid_order(channel, lines=[("1.00", 1, "0.20")] * 60)

    reader = PdfReader(io.BytesIO(render_invoice_pdf(issue_invoice(order_id=order.pk))))

    assert len(reader.pages) >= 2
    assert "INV-000001 · Page 2" in reader.pages[1].extract_text()


# --- invariants --------------------------------------------------------------------------------------------


def run_invoice_checks(capsys) -> tuple[int, str, str]:
    try:
        call_command("check_invariants", only=["invoice_numbers", "orders_invoiced", "invoice_totals"])
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_documents_issued_by_the_services_break_no_invariant(channel, capsys):
    legal_entity()
    orders = [paid_order(channel, paid_at=timezone.now() - timedelta(hours=1)) for _ in range(3)]
    for order in orders:
        issue_invoice(order_id=order.pk)
    issue_credit_note(
        order_id=orders[0].pk, source="refund:R", lines=[credit(orders[0])], shipping=money("0"), reason=""
    )

    code, out, err = run_invoice_checks(capsys)

    assert code == 0, err
    assert out.strip() == "invariants invoice_numbers_rows=2 invoice_totals_rows=3 orders_invoiced_rows=3 violations=0"


def test_a_gap_in_the_numbers_is_reported(channel, capsys):
    legal_entity()
    invoices = [issue_invoice(order_id=paid_order(channel).pk) for _ in range(3)]
    invoices[1].delete()

    code, _, err = run_invoice_checks(capsys)

    assert code == 1
    assert "invoice series: 2 documents numbered 1..3: numbers are missing" in err


def test_a_counter_that_disagrees_with_the_documents_is_reported(channel, capsys):
    entity = legal_entity()
    issue_invoice(order_id=paid_order(channel).pk)
    InvoiceSequence.objects.filter(legal_entity=entity).update(last_number=5)

    code, _, err = run_invoice_checks(capsys)

    assert code == 1
    assert "counter says 5, 1 documents issued (highest 1)" in err


def test_an_order_paid_long_ago_without_an_invoice_is_reported_but_not_one_just_paid(channel, capsys):
    legal_entity()
    old = paid_order(channel, paid_at=timezone.now() - timedelta(minutes=11))
    paid_order(channel, paid_at=timezone.now() - timedelta(minutes=2))

    code, _, err = run_invoice_checks(capsys)

    assert code == 1
    assert err.strip() == f"orders_invoiced: order {old.number}: paid, with 0 invoices"


def test_an_invoice_whose_total_differs_from_its_order_is_reported(channel, capsys):
    legal_entity()
    order = paid_order(channel)
    invoice = issue_invoice(order_id=order.pk)
    type(order).objects.filter(pk=order.pk).update(total=Decimal("10.00"))

    code, _, err = run_invoice_checks(capsys)

    assert code == 1
    assert f"invoice_totals: invoice {invoice.number}: total 52.4" in err


def test_the_discounts_applied_are_named_on_the_pdf(channel):
    legal_entity()
    order = paid_order(channel, discounts=["5.00", "0"])
    order.discounts = [
        {"source": "voucher", "name": "SUMMER5", "amount": "5.00", "free_shipping": False},
        {"source": "voucher", "name": "FREESHIP", "amount": "0.00", "free_shipping": True},
    ]
    order.save()

    text = pdf_text(render_invoice_pdf(issue_invoice(order_id=order.pk)))

    assert "Discounts applied: SUMMER5 (-€5.00), FREESHIP" in text
