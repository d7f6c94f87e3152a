"""manage.py import_products FILE: import a product sheet (CSV or XLSX) from the command line.

Prints the report; with any bad row, prints each one (row, column, reason), saves nothing and exits 1.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from comptoir.catalog.imports import import_products
from comptoir.catalog.product_sheet import FORMATS, UnreadableSheetError, format_from_filename


class Command(BaseCommand):
    help = "Create or update products from a CSV or XLSX product sheet, all or nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="The .csv or .xlsx product sheet.")
        parser.add_argument(
            "--format", choices=sorted(FORMATS), help="Read the file as this format (default: from its name)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report, save nothing.")

    def handle(self, *args, file: Path, format: str | None, dry_run: bool, **options) -> None:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror or exc}.") from exc
        try:
            report = import_products(data=data, file_format=format or format_from_filename(file.name), dry_run=dry_run)
        except UnreadableSheetError as exc:
            raise CommandError(str(exc.detail)) from exc
        for error in report.errors:
            where = f"row {error.row}" if error.row else "file"
            column = f" [{error.column}]" if error.column else ""
            self.stderr.write(f"{where}{column}: {error.message}")
        if not report.ok:
            raise CommandError(report.summary())
        self.stdout.write(self.style.SUCCESS(report.summary()))
