"""The tax report on a handful of orders whose figures are worked out by hand below.

First quarter of 2026, a French shop (channel web-eur), prices including tax:

order  paid        destination  buyer               frozen breakdown (rate: taxable / tax)
A      15 Jan      DE           consumer            19 %: 100.00 / 19.00
B      10 Feb      DE           consumer            19 %: 50.00 / 9.50;  7 %: 20.00 / 1.40
C      11 Feb      FR           consumer            20 %: 10.00 / 2.00
D      1 Mar       DE           VAT number          0 %: 200.00 / 0.00   (reverse charge)
E      20 Mar      IT           exempt (EX-1)       0 %: 30.00 / 0.00
H      20 Jan      ES           consumer            no breakdown frozen: one line 121.00 with 21.00 tax at
                                                    21 %, shipping 12.10, tax total 23.10, so 21 %:
                                                    (121.00 - 21.00) + (12.10 - 2.10) = 110.00 / 23.10
F      2 Apr       DE           consumer            outside the quarter
G      not paid    DE           consumer            never counts
credit note on B, issued 5 Mar: 19 %: 10.00 / 1.90 (counted negative)

So for the quarter: DE 19 % = 100 + 50 - 10 = 140.00 taxable, 19.00 + 9.50 - 1.90 = 26.60 tax, 3 documents.
"""

import csv
import io
import secrets
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from comptoir.orders.models import Invoice, InvoiceKind, LegalEntity, Order, OrderLine
from comptoir.taxes.reports import (
    InvalidReportPeriodError,
    TaxReportRow,
    oss_rows,
    tax_report,
    to_csv,
    to_xlsx,
)

D = Decimal


def _order(channel, number, *, paid, country, breakdown, vat_number="", exemption="", tax_total="0", **fields):
    address = {"full_name": "Buyer", "country_code": country, "city": "X"}
    billing = {**address, "vat_number": vat_number} if vat_number else address
    return Order.objects.create(
        number=number,
        token=secrets.token_urlsafe(16),
        checkout_token=uuid.uuid4(),
        channel=channel,
        email=f"{number}@example.com",
        language="en",
        currency="EUR",
        status="paid" if paid else "awaiting_payment",
        shipping_address=address,
        billing_address=billing,
        subtotal=D("0"),
        total=D("0"),
        tax_total=D(tax_total),
        tax_breakdown=[{"rate": r, "base": b, "amount": a} for r, b, a in breakdown],
        tax_exemption=exemption,
        paid_at=datetime(*paid, 12, 0, tzinfo=UTC) if paid else None,
        **fields,
    )


@pytest.fixture
def quarter(channel):
    orders = {
        "A": _order(channel, "A", paid=(2026, 1, 15), country="DE", breakdown=[("0.19", "100.00", "19.00")]),
        "B": _order(
            channel,
            "B",
            paid=(2026, 2, 10),
            country="DE",
            breakdown=[("0.19", "50.00", "9.50"), ("0.07", "20.00", "1.40")],
        ),
        "C": _order(channel, "C", paid=(2026, 2, 11), country="FR", breakdown=[("0.20", "10.00", "2.00")]),
        "D": _order(
            channel,
            "D",
            paid=(2026, 3, 1),
            country="DE",
            breakdown=[("0", "200.00", "0.00")],
            vat_number="DE136695976",
        ),
        "E": _order(
            channel, "E", paid=(2026, 3, 20), country="IT", breakdown=[("0", "30.00", "0.00")], exemption="EX-1"
        ),
        "F": _order(channel, "F", paid=(2026, 4, 2), country="DE", breakdown=[("0.19", "80.00", "15.20")]),
        "G": _order(channel, "G", paid=None, country="DE", breakdown=[("0.19", "80.00", "15.20")]),
        "H": _order(
            channel,
            "H",
            paid=(2026, 1, 20),
            country="ES",
            breakdown=[],
            tax_total="23.10",
            shipping_price=D("12.10"),
            prices_include_tax=True,
        ),
    }
    OrderLine.objects.create(
        order=orders["H"],
        product_name="Lamp",
        quantity=1,
        unit_price=D("121.00"),
        tax_rate=D("0.21"),
        tax_amount=D("21.00"),
        total=D("121.00"),
    )
    entity = LegalEntity.objects.create(name="Shop SAS", address="Paris", is_default=True)
    note = Invoice.objects.create(
        legal_entity=entity,
        kind=InvoiceKind.CREDIT_NOTE,
        sequence=1,
        number="CN-000001",
        order=orders["B"],
        source="refund:B-1",
        currency="EUR",
        total=D("11.90"),
        content={"tax_breakdown": [{"rate": "0.19", "base": "10.00", "amount": "1.90"}]},
    )
    Invoice.objects.filter(pk=note.pk).update(issued_at=datetime(2026, 3, 5, 12, 0, tzinfo=UTC))
    return orders


def row(period, country, kind, rate, taxable, tax, documents, channel="web-eur"):
    return TaxReportRow(period, channel, country, D(rate), kind, "EUR", D(taxable), D(tax), documents)


EXPECTED_Q1 = [
    row("2026-Q1", "DE", "b2c", "0.07", "20.00", "1.40", 1),
    row("2026-Q1", "DE", "b2c", "0.19", "140.00", "26.60", 3),
    row("2026-Q1", "DE", "b2b", "0", "200.00", "0.00", 1),
    row("2026-Q1", "ES", "b2c", "0.21", "110.00", "23.10", 1),
    row("2026-Q1", "FR", "b2c", "0.2", "10.00", "2.00", 1),
    row("2026-Q1", "IT", "exempt", "0", "30.00", "0.00", 1),
]


@pytest.mark.django_db
def test_the_quarter_adds_up_paid_orders_less_credit_notes_per_country_rate_and_kind(
    quarter, django_assert_num_queries
):
    with django_assert_num_queries(3):
        report = tax_report(start="2026-01-01", end="2026-03-31", grouping="quarter")

    assert report.rows == EXPECTED_Q1
    assert report.totals() == {"EUR": (D("510.00"), D("53.10"))}


@pytest.mark.django_db
def test_by_month_the_credit_note_counts_in_the_month_it_was_issued(quarter):
    report = tax_report(start=date(2026, 1, 1), end=date(2026, 3, 31), grouping="month")

    germany_19 = [
        (r.period, r.taxable, r.tax, r.documents) for r in report.rows if r.country == "DE" and r.rate == D("0.19")
    ]
    assert germany_19 == [
        ("2026-01", D("100.00"), D("19.00"), 1),
        ("2026-02", D("50.00"), D("9.50"), 1),
        ("2026-03", D("-10.00"), D("-1.90"), 1),
    ]


@pytest.mark.django_db
def test_the_oss_rows_are_consumer_sales_to_other_member_states(quarter):
    report = tax_report(start="2026-01-01", end="2026-03-31", grouping="quarter")

    rows = oss_rows(report, home_country="FR")

    assert [(r.country, r.rate, r.taxable, r.tax) for r in rows] == [
        ("DE", D("0.07"), D("20.00"), D("1.40")),
        ("DE", D("0.19"), D("140.00"), D("26.60")),
        ("ES", D("0.21"), D("110.00"), D("23.10")),
    ]


@pytest.mark.django_db
def test_a_channel_filter_keeps_that_channels_orders_only(quarter, usd_channel):
    _order(usd_channel, "U", paid=(2026, 2, 1), country="US", breakdown=[("0.0725", "100.00", "7.25")])

    usd = tax_report(start="2026-01-01", end="2026-03-31", grouping="quarter", channel_id=usd_channel.pk)
    eur = tax_report(start="2026-01-01", end="2026-03-31", grouping="quarter", channel_id=quarter["A"].channel_id)

    assert [(r.channel, r.country, r.rate_percent) for r in usd.rows] == [("web-usd", "US", D("7.25"))]
    assert eur.rows == EXPECTED_Q1


@pytest.mark.django_db
def test_the_csv_reads_back_with_the_same_figures(quarter):
    report = tax_report(start="2026-01-01", end="2026-03-31", grouping="quarter")

    lines = list(csv.reader(io.StringIO(to_csv(report.rows))))

    assert lines[0] == [
        "period", "channel", "country", "kind", "tax_rate_percent", "currency", "taxable_amount", "tax", "documents"
    ]  # fmt: skip
    assert lines[2] == ["2026-Q1", "web-eur", "DE", "b2c", "19", "EUR", "140.00", "26.60", "3"]
    assert len(lines) == 1 + len(EXPECTED_Q1)


@pytest.mark.django_db
def test_the_xlsx_reads_back_with_numbers_not_text(quarter):
    from openpyxl import load_workbook

    report = tax_report(start="2026-01-01", end="2026-03-31", grouping="quarter")

    sheet = load_workbook(io.BytesIO(to_xlsx(report.rows))).active
    values = list(sheet.iter_rows(values_only=True))

    assert values[0][:3] == ("period", "channel", "country")
    assert values[2][:6] == ("2026-Q1", "web-eur", "DE", "b2c", 19, "EUR")
    assert values[2][6:] == (140, 26.6, 3)
    assert sum(v[7] for v in values[1:]) == pytest.approx(53.10)


@pytest.mark.parametrize(
    ("start", "end", "grouping", "field"),
    [
        ("2026-13-01", "2026-03-31", "month", "from"),
        ("2026-01-01", "yesterday", "month", "to"),
        ("2026-03-31", "2026-01-01", "month", "to"),
        ("2020-01-01", "2026-01-01", "month", "to"),
        ("2026-01-01", "2026-03-31", "week", "group"),
        ("", "", "month", "from"),
    ],
)
def test_bad_dates_or_grouping_are_refused_naming_the_field(start, end, grouping, field):
    with pytest.raises(InvalidReportPeriodError) as refused:
        tax_report(start=start, end=end, grouping=grouping)

    assert field in [e["field"] for e in refused.value.errors]


@pytest.mark.django_db
def test_the_command_writes_csv_and_xlsx_files(quarter, tmp_path):
    from openpyxl import load_workbook

    call_command("tax_report", "--from", "2026-01-01", "--to", "2026-03-31", "--group", "quarter",
                 "--format", "csv", "--out", str(tmp_path / "q1.csv"))  # fmt: skip
    call_command("tax_report", "--from", "2026-01-01", "--to", "2026-03-31", "--group", "quarter",
                 "--format", "xlsx", "--oss", "--home-country", "FR", "--out", str(tmp_path / "oss.xlsx"))  # fmt: skip

    assert (tmp_path / "q1.csv").read_text().splitlines()[2] == "2026-Q1,web-eur,DE,b2c,19,EUR,140.00,26.60,3"
    sheet = load_workbook(tmp_path / "oss.xlsx").active
    assert [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["DE", "DE", "ES"]


@pytest.mark.django_db
def test_the_command_refuses_bad_dates_with_a_message_and_writes_nothing(tmp_path):
    out = tmp_path / "report.csv"

    with pytest.raises(CommandError, match="Enter a date as YYYY-MM-DD"):
        call_command("tax_report", "--from", "2026-02-30", "--to", "2026-03-31", "--out", str(out))

    assert not out.exists()


@pytest.mark.django_db
def test_the_command_refuses_an_unknown_channel(tmp_path):
    with pytest.raises(CommandError, match="No sales channel"):
        call_command("tax_report", "--from", "2026-01-01", "--to", "2026-03-31", "--channel", "nope",
                     "--out", str(tmp_path / "r.csv"))  # fmt: skip


@pytest.mark.django_db
def test_the_shops_home_country_is_the_setting_else_the_default_channels(settings, channel):
    from comptoir.taxes.reports import home_country

    assert home_country() == "FR"
    settings.COMPTOIR = {**settings.COMPTOIR, "TAX_ORIGIN_COUNTRY": "be"}
    assert home_country() == "BE"
