"""manage.py import_bank_statement FILE [--format csv|camt053]: reconcile bank transfers from a statement."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from comptoir.core.errors import DomainError
from comptoir.payments.offline_services import import_bank_statement
from comptoir.payments.statements import MAX_BYTES


class Command(BaseCommand):
    help = (
        "Import a bank statement (CSV export or CAMT.053 XML): each credit is stored once, transfers whose "
        "reference and amount match an order awaiting payment mark it paid, the others are flagged for staff. "
        "All or nothing; importing a file again changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the statement file")
        parser.add_argument("--format", choices=["csv", "camt053"], default="", help="default: recognised")
        parser.add_argument("--currency", default="", help="CSV: the currency of lines without one (default EUR)")
        parser.add_argument("--date-format", default="", help="CSV: strptime format of the date column")
        for name in ("date", "amount", "credit", "debit", "currency", "reference", "counterparty", "id"):
            parser.add_argument(f"--{name}-column", default="", help=f"CSV: the header of the {name} column")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if path.stat().st_size > MAX_BYTES:
            raise CommandError(f"{path} is larger than 20 MB.")
        columns = dict(settings.COMPTOIR.get("BANK_CSV_COLUMNS", {}))
        columns.update(
            {
                name: options[f"{name}_column"]
                for name in ("date", "amount", "credit", "debit", "currency", "reference", "counterparty", "id")
                if options[f"{name}_column"]
            }
        )
        csv_options: dict = {"columns": columns, "date_format": options["date_format"]}
        if options["currency"]:
            csv_options["default_currency"] = options["currency"].upper()
        try:
            summary = import_bank_statement(
                raw=path.read_bytes(), filename=path.name, format=options["format"], csv_options=csv_options
            )
        except DomainError as exc:
            raise CommandError(f"{path.name}: {exc.detail} Nothing was imported.") from exc
        counts = summary.as_dict()
        self.stdout.write(
            f"{path.name}: {counts['lines']} new lines: {counts['matched']} matched, {counts['partial']} partial, "
            f"{counts['over']} over-paid, {counts['unmatched']} unmatched; {counts['duplicates']} already imported "
            f"(duplicates), {counts['debits']} debits skipped."
        )
        if summary.flagged:
            self.stdout.write(f"{summary.flagged} lines to check in the back office: Payments > Bank statement lines.")
