"""Invoice numbers under concurrent payments: no gap, no duplicate, one invoice per order, on every database."""

from decimal import Decimal

import pytest

from comptoir.core.money import Money
from comptoir.orders.invoices import CreditLine, issue_credit_note, issue_invoice
from comptoir.orders.models import Invoice, InvoiceKind, InvoiceSequence
from tests.orders.invoice_factories import legal_entity, paid_order

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_orders_paid_at_once_get_numbers_one_to_twenty(channel, run_in_threads):
    entity = legal_entity()
    orders = [paid_order(channel) for _ in range(20)]

    results = run_in_threads(lambda i: issue_invoice(order_id=orders[i].pk), n=20)

    assert [r for r in results if isinstance(r, Exception)] == []
    assert sorted(invoice.sequence for invoice in results) == list(range(1, 21))
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [f"INV-{n:06d}" for n in range(1, 21)]
    assert {invoice.order_id for invoice in results} == {order.pk for order in orders}
    assert InvoiceSequence.objects.get(legal_entity=entity, kind=InvoiceKind.INVOICE).last_number == 20


def test_eight_retries_of_one_payment_issue_one_invoice(channel, run_in_threads):
    entity = legal_entity()
    order = paid_order(channel)

    results = run_in_threads(lambda i: issue_invoice(order_id=order.pk), n=8)

    assert [r for r in results if isinstance(r, Exception)] == []
    assert {invoice.pk for invoice in results} == {Invoice.objects.get().pk}
    assert InvoiceSequence.objects.get(legal_entity=entity).last_number == 1


def test_invoices_and_credit_notes_issued_together_keep_both_series_whole(channel, run_in_threads):
    entity = legal_entity()
    refunded = [paid_order(channel) for _ in range(5)]
    for order in refunded:
        issue_invoice(order_id=order.pk)
    newly_paid = [paid_order(channel) for _ in range(5)]
    lines = {order.pk: order.lines.order_by("pk").first() for order in refunded}

    def work(i: int):
        if i % 2:
            return issue_invoice(order_id=newly_paid[i // 2].pk)
        order = refunded[i // 2]
        line = lines[order.pk]
        return issue_credit_note(
            order_id=order.pk,
            source=f"refund:R{i}",
            lines=[
                CreditLine(
                    order_line_id=line.pk,
                    label=line.label,
                    quantity=1,
                    amount=Money(Decimal("20.00"), "EUR"),
                    tax_rate=Decimal("0.2"),
                    tax=Money(Decimal("3.33"), "EUR"),
                )
            ],
            shipping=Money(Decimal("0"), "EUR"),
            reason="",
        )

    results = run_in_threads(work, n=10)

    assert [r for r in results if isinstance(r, Exception)] == []
    invoices = Invoice.objects.filter(kind=InvoiceKind.INVOICE).values_list("sequence", flat=True)
    notes = Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).values_list("sequence", flat=True)
    assert sorted(invoices) == list(range(1, 11))
    assert sorted(notes) == list(range(1, 6))
    counters = dict(InvoiceSequence.objects.filter(legal_entity=entity).values_list("kind", "last_number"))
    assert counters == {InvoiceKind.INVOICE: 10, InvoiceKind.CREDIT_NOTE: 5}
