"""manage.py import_us_sales_tax FILE: US sales tax rates by ZIP code from a rate table (all or nothing)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from comptoir.taxes.imports import US_COLUMNS, InvalidTaxRatesFileError, import_rates, parse_us_sales_tax_csv


class Command(BaseCommand):
    help = (
        "Import US sales tax rates by ZIP code from a CSV table with the columns "
        + ", ".join(US_COLUMNS)
        + " (a fraction: 0.0725), as in the free tables of tax-rate providers; one file per state or all states. "
        "Rates apply from --valid-from (default today); re-importing the same table changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file (UTF-8).")
        parser.add_argument("--valid-from", default="", help="First day the rates apply (YYYY-MM-DD; default today).")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            valid_from = date.fromisoformat(options["valid_from"]) if options["valid_from"] else timezone.localdate()
        except ValueError as error:
            raise CommandError(f"--valid-from {options['valid_from']!r} is not a date (YYYY-MM-DD).") from error
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        try:
            summary = import_rates(rows=parse_us_sales_tax_csv(text, valid_from=valid_from, source=path.name))
        except InvalidTaxRatesFileError as error:
            raise CommandError(f"{path}: {error.detail}") from error
        self.stdout.write(self.style.SUCCESS(f"{path.name}: {summary}"))
