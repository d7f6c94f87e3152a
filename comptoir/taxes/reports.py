"""Tax collected, by period, country of destination and rate: the figures of a VAT or OSS return.

Read from what orders froze when they were placed (their tax breakdown: rate, taxable amount, tax), never
recomputed from today's rates. An order counts in the period it was paid (the tax point of a sale paid at
once); a credit note issued for it counts, negative, in the period it was issued. Refunds made without a
credit note (a shop with no legal entity configured issues none) are not known here: the report says so.

Each row is one (period, channel, country, rate, kind, currency), where kind tells the three regimes apart:
"b2c" (a consumer, taxed), "b2b" (a business buyer with a VAT number: usually the reverse charge, so no tax
collected, declared in the domestic return and the EC sales list, not in the OSS) and "exempt" (a sale under
an exemption certificate). `oss_rows` keeps what the OSS quarterly return declares: sales to consumers in
another member state than the shop's, per member state of consumption and rate.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.core.errors import InvalidInputError
from comptoir.core.money import Money
from comptoir.orders.models import Invoice, InvoiceKind, Order, OrderLine

EU_MEMBER_STATES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()  # noqa: SIM905
)
GROUPINGS = ("month", "quarter")
MAX_DAYS = 5 * 366
KINDS = ("b2c", "b2b", "exempt")


class InvalidReportPeriodError(InvalidInputError):
    code = "invalid-report-period"
    title = "The report's period is not valid"


@dataclass(frozen=True, slots=True)
class TaxReportRow:
    period: str
    """"2026-03" (by month) or "2026-Q1" (by quarter)."""
    channel: str
    country: str
    """ISO code of the country of destination (where the goods went, else the billing address's)."""
    rate: Decimal
    """A fraction: 0.2 for 20 %."""
    kind: str
    """b2c, b2b or exempt (see the module's docstring)."""
    currency: str
    taxable: Decimal
    """Taxable amount, without tax; credit notes counted negative."""
    tax: Decimal
    documents: int
    """Orders and credit notes counted in the row."""

    @property
    def rate_percent(self) -> Decimal:
        percent = (self.rate * 100).normalize()
        return percent.quantize(Decimal(1)) if percent == percent.to_integral() else percent


@dataclass(frozen=True, slots=True)
class TaxReport:
    start: date
    end: date
    grouping: str
    rows: list[TaxReportRow]

    def totals(self) -> dict[str, tuple[Decimal, Decimal]]:
        """Taxable amount and tax per currency, over every row."""
        sums: dict[str, tuple[Decimal, Decimal]] = {}
        for row in self.rows:
            taxable, tax = sums.get(row.currency, (Decimal(0), Decimal(0)))
            sums[row.currency] = (taxable + row.taxable, tax + row.tax)
        return sums


def parse_period(start: str | date | None, end: str | date | None, grouping: str = "month") -> tuple[date, date, str]:
    """Check a report's dates (ISO, "2026-01-31") and grouping; InvalidReportPeriodError naming the field."""
    errors = []
    days = {}
    for field, value in (("from", start), ("to", end)):
        if isinstance(value, date) and not isinstance(value, datetime):
            days[field] = value
            continue
        try:
            days[field] = date.fromisoformat(str(value or "").strip())
        except ValueError:
            errors.append({"field": field, "message": _("Enter a date as YYYY-MM-DD.")})
    if not errors and days["to"] < days["from"]:
        errors.append({"field": "to", "message": _("The end date must not come before the start date.")})
    if not errors and (days["to"] - days["from"]).days > MAX_DAYS:
        errors.append({"field": "to", "message": _("A report covers at most five years.")})
    if grouping not in GROUPINGS:
        errors.append({"field": "group", "message": _("Group by month or by quarter.")})
    if errors:
        raise InvalidReportPeriodError(detail=" ".join(e["message"] for e in errors), errors=errors)
    return days["from"], days["to"], grouping


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def _period(moment: datetime, grouping: str) -> str:
    day = timezone.localtime(moment).date()
    if grouping == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


def _decimal(value) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


def _destination(order: Order) -> str:
    for address in (order.shipping_address, order.billing_address):
        if isinstance(address, dict) and address.get("country_code"):
            return str(address["country_code"]).upper()
    return str(order.channel.default_country or "").upper()


def _kind(order: Order) -> str:
    if order.tax_exemption:
        return "exempt"
    billing = order.billing_address if isinstance(order.billing_address, dict) else {}
    return "b2b" if billing.get("vat_number") else "b2c"


def _order_rows(order: Order) -> list[tuple[Decimal, Decimal, Decimal]]:
    """(rate, taxable, tax) per rate, from the order's frozen breakdown; for an order placed without one (no
    tax calculator then), from its lines and shipping."""
    rows = []
    for entry in order.tax_breakdown or []:
        if not isinstance(entry, dict):
            continue
        rate, base, amount = (_decimal(entry.get(key)) for key in ("rate", "base", "amount"))
        if rate is not None and base is not None and amount is not None:
            rows.append((rate, base, amount))
    if rows:
        return rows
    incl = order.prices_include_tax
    by_rate: dict[Decimal, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    lines: list[OrderLine] = order.report_lines
    for line in lines:
        base = line.total - line.tax_amount if incl else line.total
        by_rate[line.tax_rate.normalize()][0] += base
        by_rate[line.tax_rate.normalize()][1] += line.tax_amount
    shipping_tax = order.tax_total - sum((line.tax_amount for line in lines), Decimal(0))
    if order.shipping_price or shipping_tax:
        base = order.shipping_price - shipping_tax if incl else order.shipping_price
        rates = {line.tax_rate.normalize() for line in lines}
        if len(rates) == 1 and (shipping_tax or not next(iter(rates))):
            rate = next(iter(rates))
        else:
            rate = (shipping_tax / base).quantize(Decimal("0.0001")).normalize() if base else Decimal(0)
        by_rate[rate][0] += base
        by_rate[rate][1] += shipping_tax
    return [(rate, base, tax) for rate, (base, tax) in by_rate.items()]


def tax_report(
    *,
    start: str | date,
    end: str | date,
    grouping: str = "month",
    channel_id: int | None = None,
) -> TaxReport:
    """Tax collected from `start` to `end` (dates included, in the shop's time zone), per period, channel,
    country of destination, rate and kind. Raises InvalidReportPeriodError for bad dates or grouping.
    Three queries whatever the number of orders (orders, their lines, credit notes)."""
    start, end, grouping = parse_period(start, end, grouping)
    low, high = _bounds(start, end)
    sums: dict[tuple, list] = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
    orders = (
        Order.objects.filter(paid_at__gte=low, paid_at__lt=high)
        .select_related("channel")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("pk"), to_attr="report_lines"))
        .order_by("paid_at", "pk")
    )
    notes = (
        Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE, issued_at__gte=low, issued_at__lt=high)
        .select_related("order__channel")
        .order_by("issued_at", "pk")
    )
    if channel_id is not None:
        orders = orders.filter(channel_id=channel_id)
        notes = notes.filter(order__channel_id=channel_id)
    for order in orders:
        head = (_period(order.paid_at, grouping), order.channel.slug, _destination(order))
        for rate, base, tax in _order_rows(order):
            entry = sums[(*head, rate.normalize(), _kind(order), order.currency)]
            entry[0] += base
            entry[1] += tax
            entry[2] += 1
    for note in notes:
        order = note.order
        head = (_period(note.issued_at, grouping), order.channel.slug, _destination(order))
        for row in note.content.get("tax_breakdown") or []:
            rate, base, tax = (_decimal(row.get(key)) for key in ("rate", "base", "amount"))
            if rate is None or base is None or tax is None:
                continue
            entry = sums[(*head, rate.normalize(), _kind(order), note.currency)]
            entry[0] -= base
            entry[1] -= tax
            entry[2] += 1
    rows = [
        TaxReportRow(
            period=period,
            channel=channel,
            country=country,
            rate=rate,
            kind=kind,
            currency=currency,
            taxable=Money(taxable, currency).quantize().amount,
            tax=Money(tax, currency).quantize().amount,
            documents=count,
        )
        for (period, channel, country, rate, kind, currency), (taxable, tax, count) in sums.items()
    ]
    rows.sort(key=lambda r: (r.period, r.channel, r.country, KINDS.index(r.kind), r.rate, r.currency))
    return TaxReport(start=start, end=end, grouping=grouping, rows=rows)


def home_country() -> str:
    """The shop's own member state, whose sales go to its domestic return rather than the OSS:
    `COMPTOIR["TAX_ORIGIN_COUNTRY"]` when set, else the default sales channel's country. One query at most."""
    from django.conf import settings

    from comptoir.core.models import Channel

    configured = str(settings.COMPTOIR.get("TAX_ORIGIN_COUNTRY", "") or "")
    if configured:
        return configured.upper()
    channel = Channel.objects.filter(is_default=True).only("default_country").first()
    return channel.default_country.code if channel and channel.default_country else ""


def oss_rows(report: TaxReport, *, home_country: str) -> list[TaxReportRow]:
    """What the OSS return declares: consumer sales (b2c) to the other member states, per period, member
    state of consumption, rate and currency (channels merged). `home_country` is the shop's own state, whose
    sales go to the domestic return instead."""
    home = (home_country or "").upper()
    merged: dict[tuple, list] = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
    for row in report.rows:
        if row.kind != "b2c" or row.country not in EU_MEMBER_STATES or row.country == home:
            continue
        entry = merged[(row.period, row.country, row.rate, row.currency)]
        entry[0] += row.taxable
        entry[1] += row.tax
        entry[2] += row.documents
    return [
        TaxReportRow(period, "", country, rate, "b2c", currency, taxable, tax, count)
        for (period, country, rate, currency), (taxable, tax, count) in sorted(merged.items())
    ]


# --- Exports ----------------------------------------------------------------------------------------------

HEADER = ("period", "channel", "country", "kind", "tax_rate_percent", "currency", "taxable_amount", "tax", "documents")


def _cells(row: TaxReportRow) -> tuple:
    return (
        row.period,
        row.channel,
        row.country,
        row.kind,
        row.rate_percent,
        row.currency,
        row.taxable,
        row.tax,
        row.documents,
    )


def to_csv(rows: Iterable[TaxReportRow]) -> str:
    """The rows as CSV (comma-separated, a header line, amounts with a dot: what accounting tools import)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([str(cell) for cell in _cells(row)])
    return buffer.getvalue()


def to_xlsx(rows: Iterable[TaxReportRow], *, title: str = "Tax report") -> bytes:
    """The rows as an Excel workbook: one sheet, a header row, amounts as numbers with two decimals."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(list(HEADER))
    for row in rows:
        sheet.append(list(_cells(row)))
        for column in (7, 8):
            sheet.cell(row=sheet.max_row, column=column).number_format = "0.00"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
