"""Stock-count import: a spreadsheet of what was counted on the shelves, applied all or nothing.

Columns (first row, any order, case-insensitive): `sku`, `location` (the location's slug) and `counted`.
CSV (UTF-8, comma or semicolon) or XLSX. Every row is checked before anything is written; with any bad
row, nothing is applied and the report lists each bad row with its number and the reason.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from comptoir.catalog.models import Variant
from comptoir.core.imports import RowError
from comptoir.inventory.errors import StockCommittedError
from comptoir.inventory.models import Location
from comptoir.inventory.services import apply_stock_counts

REQUIRED = ("sku", "location", "counted")
MAX_ROWS = 100_000


@dataclass
class StockImportReport:
    rows: int = 0
    changed: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _rows_from_csv(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t") if text.strip() else csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def _rows_from_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
    return [["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]


def read_rows(data: bytes, *, filename: str) -> list[list[str]]:
    if filename.lower().endswith(".xlsx"):
        return _rows_from_xlsx(data)
    return _rows_from_csv(data)


def import_stock_counts(*, data: bytes, filename: str, actor: str = "") -> StockImportReport:
    """Apply a stock-count file. Returns the report; writes nothing when it has errors."""
    report = StockImportReport()
    try:
        rows = read_rows(data, filename=filename)
    except (UnicodeDecodeError, csv.Error, OSError, ValueError, KeyError) as exc:
        report.errors.append(RowError(0, f"The file cannot be read as CSV or XLSX ({exc.__class__.__name__})."))
        return report
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        report.errors.append(RowError(0, "The file is empty."))
        return report
    header = [cell.strip().lower() for cell in rows[0]]
    if missing := [name for name in REQUIRED if name not in header]:
        report.errors.append(RowError(1, f"Missing column(s): {', '.join(missing)}."))
        return report
    if len(rows) - 1 > MAX_ROWS:
        report.errors.append(RowError(0, f"At most {MAX_ROWS} rows per file."))
        return report
    at = {name: header.index(name) for name in REQUIRED}
    body = [(number, row) for number, row in enumerate(rows[1:], start=2)]
    skus = {row[at["sku"]].strip() for _, row in body if len(row) > at["sku"]}
    slugs = {row[at["location"]].strip() for _, row in body if len(row) > at["location"]}
    variants = dict(Variant.objects.filter(sku__in=skus).values_list("sku", "pk"))
    locations = dict(Location.objects.filter(slug__in=slugs).values_list("slug", "pk"))

    counts: dict[tuple[int, int], int] = {}
    where: dict[tuple[int, int], int] = {}
    for number, row in body:
        cells = [*row, "", "", ""]
        sku, slug, raw = (cells[at[name]].strip() for name in REQUIRED)
        report.rows += 1
        if sku not in variants:
            report.errors.append(RowError(number, f"Unknown SKU {sku!r}."))
            continue
        if slug not in locations:
            report.errors.append(RowError(number, f"Unknown location {slug!r}."))
            continue
        try:
            counted = int(raw.removesuffix(".0"))
        except ValueError:
            report.errors.append(RowError(number, f"Counted units must be a whole number, not {raw!r}."))
            continue
        if counted < 0:
            report.errors.append(RowError(number, "Counted units cannot be negative."))
            continue
        pair = (locations[slug], variants[sku])
        if pair in counts:
            report.errors.append(RowError(number, f"{sku} at {slug} is already counted on row {where[pair]}."))
            continue
        counts[pair], where[pair] = counted, number
    if report.errors:
        return report
    try:
        report.changed = apply_stock_counts(counts=counts, actor=actor, note="stock-count import")
    except StockCommittedError as exc:
        for item in exc.data["below"]:
            pair = (item["location_id"], item["variant_id"])
            report.errors.append(
                RowError(where[pair], f"{item['counted']} counted, but {item['promised']} are promised to buyers.")
            )
    return report
