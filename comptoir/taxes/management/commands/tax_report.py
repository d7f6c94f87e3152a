"""`manage.py tax_report --from 2026-01-01 --to 2026-03-31 --format csv --out q1.csv`: the tax report
(comptoir.taxes.reports) as a CSV or Excel file, for the accountant or the OSS return."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from comptoir.core.errors import DomainError
from comptoir.taxes.reports import home_country as shop_home_country
from comptoir.taxes.reports import oss_rows, tax_report, to_csv, to_xlsx


class Command(BaseCommand):
    help = "Tax collected by period, country and rate, as CSV or XLSX (add --oss for the OSS return's rows)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="end", required=True, help="Last day (included), YYYY-MM-DD.")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--group", choices=["month", "quarter"], default="month")
        parser.add_argument("--channel", default="", help="A sales channel's slug (default: every channel).")
        parser.add_argument("--oss", action="store_true", help="Only consumer sales to other EU member states.")
        parser.add_argument("--home-country", default="", help="The shop's own country for --oss (e.g. FR).")
        parser.add_argument("--out", required=True, help="The file to write ('-' for standard output, CSV only).")

    def handle(self, *args, start, end, format, group, channel, oss, home_country, out, **options):
        from comptoir.core.models import Channel

        channel_id = None
        if channel:
            found = Channel.objects.filter(slug=channel).first()
            if found is None:
                raise CommandError(f"No sales channel has the slug {channel!r}.")
            channel_id = found.pk
        try:
            report = tax_report(start=start, end=end, grouping=group, channel_id=channel_id)
        except DomainError as error:
            raise CommandError(error.detail) from error
        rows = report.rows
        if oss:
            rows = oss_rows(report, home_country=home_country or shop_home_country())
        if out == "-":
            if format != "csv":
                raise CommandError("Write XLSX to a file (--out report.xlsx), not to the terminal.")
            self.stdout.write(to_csv(rows), ending="")
            return
        path = Path(out)
        if not path.parent.exists():
            raise CommandError(f"The folder {path.parent} does not exist.")
        data = to_xlsx(rows) if format == "xlsx" else to_csv(rows).encode()
        path.write_bytes(data)
        self.stdout.write(f"{len(rows)} rows written to {path}.")
