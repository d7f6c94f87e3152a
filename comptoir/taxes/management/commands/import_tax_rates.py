"""manage.py import_tax_rates FILE: add or update tax rates from a CSV file (all or nothing)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from comptoir.taxes.imports import (
    EU_RATES_FILE,
    RATES_COLUMNS,
    InvalidTaxRatesFileError,
    import_rates,
    parse_rates_csv,
)


class Command(BaseCommand):
    help = (
        "Import tax rates from a CSV file with the columns "
        + ", ".join(RATES_COLUMNS)
        + " (rate_percent as 20 or 5.5). A changed rate starts a new period from its date; the same file twice "
        "changes nothing. Without FILE: the EU VAT rates shipped with Comptoir."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(EU_RATES_FILE), help="CSV file (UTF-8).")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        try:
            summary = import_rates(rows=parse_rates_csv(text, source=path.name))
        except InvalidTaxRatesFileError as error:
            raise CommandError(f"{path}: {error.detail}") from error
        self.stdout.write(self.style.SUCCESS(f"{path.name}: {summary}"))
