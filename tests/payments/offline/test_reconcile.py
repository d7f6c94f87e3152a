"""Bank statements reconciled with the transfers awaited: exact, partial, over, unknown, twice, by hand."""

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from comptoir.orders.models import OrderStatus
from comptoir.orders.services.offline import match_statement_line
from comptoir.payments.models import Payment, PaymentStatus, PaymentTransaction, TransactionKind
from comptoir.payments.offline_services import (
    StatementLineStateError,
    import_bank_statement,
    mark_excess_refunded,
    record_partial_payment,
)
from comptoir.payments.statement_models import BankStatement, LineStatus, StatementLine
from comptoir.payments.statements import StatementFileError
from tests.payments.offline.helpers import bank_transfer_order, csv_lines, offline_settings

FIXTURES = Path(__file__).parent / "fixtures"


def comma(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


@pytest.fixture
def awaited(channel):
    """An order of 24.90 (20.00 + 4.90 shipping) waiting for a bank transfer."""
    offline_settings(channel)
    order, payment = bank_transfer_order(channel)
    assert (order.status, payment.status, order.total) == (OrderStatus.AWAITING_PAYMENT, "pending", Decimal("24.90"))
    return order, payment


def test_a_transfer_of_the_exact_amount_with_the_reference_pays_the_order(awaited, django_capture_on_commit_callbacks):
    order, payment = awaited
    raw = csv_lines(("27/11/2026", f"VIR SEPA MARTIN {payment.provider_reference.lower()}", "24,90"))

    with django_capture_on_commit_callbacks(execute=True):
        summary = import_bank_statement(raw=raw, filename="releve.csv")

    assert (summary.lines, summary.matched, summary.flagged) == (1, 1, 0)
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, payment.captured_amount) == (PaymentStatus.CAPTURED, Decimal("24.90"))
    assert order.status == OrderStatus.PAID
    line = StatementLine.objects.get()
    capture = PaymentTransaction.objects.get(payment=payment, kind=TransactionKind.CAPTURE)
    assert capture.provider_event_id == f"bank:{line.entry_id}"
    assert (line.status, line.order_ref, line.applied_amount) == (LineStatus.MATCHED, order.number, Decimal("24.90"))


def test_importing_the_same_file_again_changes_nothing(awaited):
    _order, payment = awaited
    raw = csv_lines(("27/11/2026", payment.provider_reference, "24,90"), ("27/11/2026", "INTERETS", "0,12"))
    import_bank_statement(raw=raw, filename="releve.csv")

    again = import_bank_statement(raw=raw, filename="releve-copie.csv")

    assert (again.lines, again.duplicates, again.statement_id) == (0, 2, None)
    assert BankStatement.objects.count() == 1
    assert StatementLine.objects.count() == 2
    assert PaymentTransaction.objects.filter(kind=TransactionKind.CAPTURE).count() == 1


def test_less_than_due_is_flagged_then_recorded_as_a_part_payment_and_the_rest_pays_the_order(
    awaited, django_capture_on_commit_callbacks
):
    order, payment = awaited
    first = import_bank_statement(raw=csv_lines(("27/11/2026", payment.provider_reference, "20,00")), filename="a.csv")
    line = StatementLine.objects.get()
    assert (first.partial, line.status) == (1, LineStatus.PARTIAL)
    assert Payment.objects.get(pk=payment.pk).captured_amount == 0

    record_partial_payment(line_id=line.pk)

    payment.refresh_from_db()
    assert (payment.status, payment.captured_amount) == (PaymentStatus.PENDING, Decimal("20.00"))
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT

    with django_capture_on_commit_callbacks(execute=True):
        rest = import_bank_statement(
            raw=csv_lines(("29/11/2026", payment.provider_reference, "4,90")), filename="b.csv"
        )

    assert rest.matched == 1
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, payment.captured_amount, order.status) == ("captured", Decimal("24.90"), "paid")


def test_more_than_due_pays_the_order_and_flags_the_excess_to_refund(awaited, django_capture_on_commit_callbacks):
    order, payment = awaited

    with django_capture_on_commit_callbacks(execute=True):
        summary = import_bank_statement(
            raw=csv_lines(("27/11/2026", payment.provider_reference, "30,00")), filename="a.csv"
        )

    line = StatementLine.objects.get()
    order.refresh_from_db()
    assert summary.over == 1 and order.status == OrderStatus.PAID
    assert (line.status, line.applied_amount, line.excess_amount) == (
        LineStatus.OVER,
        Decimal("24.90"),
        Decimal("5.10"),
    )

    mark_excess_refunded(line_id=line.pk)

    line.refresh_from_db()
    assert line.status == LineStatus.REFUNDED
    with pytest.raises(StatementLineStateError):
        record_partial_payment(line_id=line.pk)


def test_two_transfers_for_one_reference_pay_once_and_flag_the_second_as_over_payment(awaited):
    _order, payment = awaited
    raw = csv_lines(
        ("27/11/2026", payment.provider_reference, "24,90"),
        ("28/11/2026", f"again {payment.provider_reference}", "24,90"),
    )

    summary = import_bank_statement(raw=raw, filename="a.csv")

    assert (summary.matched, summary.over) == (1, 1)
    payment.refresh_from_db()
    assert payment.captured_amount == Decimal("24.90")
    over = StatementLine.objects.get(status=LineStatus.OVER)
    assert (over.applied_amount, over.excess_amount) == (0, Decimal("24.90"))


def test_a_transfer_without_a_known_reference_is_flagged_and_staff_match_it_to_the_order(
    awaited, django_capture_on_commit_callbacks
):
    order, _payment = awaited
    summary = import_bank_statement(
        raw=csv_lines(("27/11/2026", f"commande {order.number}", "24,90")), filename="a.csv"
    )
    line = StatementLine.objects.get()
    assert (summary.unmatched, line.status) == (1, LineStatus.UNMATCHED)

    with django_capture_on_commit_callbacks(execute=True):
        match_statement_line(line_id=line.pk, order_number=order.number)

    line.refresh_from_db()
    order.refresh_from_db()
    assert (line.status, line.order_ref, order.status) == (LineStatus.MATCHED, order.number, OrderStatus.PAID)


def test_a_file_with_one_bad_line_imports_nothing(awaited):
    _order, payment = awaited
    raw = csv_lines(("27/11/2026", payment.provider_reference, "24,90"), ("28/11/2026", "VIR", "vingt"))

    with pytest.raises(StatementFileError):
        import_bank_statement(raw=raw, filename="a.csv")

    assert not StatementLine.objects.exists() and not BankStatement.objects.exists()
    assert Payment.objects.get(pk=payment.pk).captured_amount == 0


def test_a_camt_053_statement_pays_the_orders_it_names(channel, django_capture_on_commit_callbacks):
    offline_settings(channel)
    first, first_payment = bank_transfer_order(channel, price="55.00")  # 59.90 with shipping
    second, second_payment = bank_transfer_order(channel, price="20.10")  # 25.00
    xml = (FIXTURES / "camt053_v02.xml").read_text()
    xml = xml.replace("rf82 0000 0001 0042", first_payment.provider_reference.lower())
    xml = xml.replace("RF55000000010043", second_payment.provider_reference)

    with django_capture_on_commit_callbacks(execute=True):
        summary = import_bank_statement(raw=xml.encode(), filename="camt.xml")

    assert summary.as_dict() == {
        "lines": 4,
        "matched": 2,
        "partial": 0,
        "over": 0,
        "unmatched": 2,
        "duplicates": 0,
        "debits": 1,
    }
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == OrderStatus.PAID


def test_the_command_prints_a_summary_and_refuses_a_bad_file_clearly(awaited, tmp_path):
    _order, payment = awaited
    good = tmp_path / "releve.csv"
    good.write_bytes(csv_lines(("27/11/2026", payment.provider_reference, "24,90"), ("27/11/2026", "X", "3,00")))
    out = StringIO()

    call_command("import_bank_statement", str(good), "--format", "csv", stdout=out)

    assert "2 new lines: 1 matched, 0 partial, 0 over-paid, 1 unmatched; 0 already imported" in out.getvalue()
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<Document><oops>")
    with pytest.raises(CommandError, match=r"not well-formed XML.*Nothing was imported"):
        call_command("import_bank_statement", str(bad))
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_bank_statement", str(tmp_path / "missing.csv"))
