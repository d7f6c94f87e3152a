"""The product spreadsheet: one row per variant, read and written as CSV or XLSX.

Columns (the header row names them; order does not matter):

    product_slug  product_name  kind  tax_class  status  category_slug  brand  description
    sku  gtin  variant_name  options  weight_grams
    price_<channel-slug>  compare_at_<channel-slug>   (one pair per sales channel)

`tax_class` is a code of `taxes.classes.TaxClass` (standard, reduced, ...), read case-insensitively.
`options` reads `size:M|colour:Blue` (attribute slug or name, then the value's name). Rows of the same
product repeat its slug; its other product columns may be left empty after its first row. Row numbers
are the spreadsheet's: the header is row 1, the first product row is row 2.

`catalog.imports` reads this format and `catalog.exports` writes it, so an export imports back unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from comptoir.catalog.errors import CatalogError

PRODUCT_COLUMNS = (
    "product_slug",
    "product_name",
    "kind",
    "tax_class",
    "status",
    "category_slug",
    "brand",
    "description",
)
VARIANT_COLUMNS = ("sku", "gtin", "variant_name", "options", "weight_grams")
FIXED_COLUMNS = PRODUCT_COLUMNS + VARIANT_COLUMNS
PRICE_PREFIX = "price_"
COMPARE_AT_PREFIX = "compare_at_"
OPTION_SEPARATOR = "|"
OPTION_VALUE_SEPARATOR = ":"

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAX_ROWS = 20_000


class UnreadableSheetError(CatalogError):
    code = "unreadable-sheet"
    title = "The file could not be read"
    status = 422


@dataclass(frozen=True, slots=True)
class Sheet:
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]
    """(spreadsheet row number, column -> stripped cell text), blank rows left out."""


def format_from_filename(filename: str) -> str:
    """'csv' or 'xlsx' from a file name; raises UnreadableSheetError for anything else."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in FORMATS:
        raise UnreadableSheetError(detail=f"Use a .csv or .xlsx file (got {filename!r}).")
    return extension


def read_sheet(data: bytes, *, file_format: str) -> Sheet:
    """Parse a CSV or XLSX product sheet. Raises UnreadableSheetError when the file is not one."""
    if file_format == "csv":
        table = _read_csv(data)
    elif file_format == "xlsx":
        table = _read_xlsx(data)
    else:
        raise UnreadableSheetError(detail=f"Unknown file format {file_format!r}: use csv or xlsx.")
    if not table or not any(table[0]):
        raise UnreadableSheetError(detail="The file is empty: the first row must name the columns.")
    header = [cell.strip().lower() for cell in table[0]]
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        values = {column: (cells[i].strip() if i < len(cells) else "") for i, column in enumerate(header) if column}
        if any(values.values()):
            rows.append((number, values))
    if len(rows) > MAX_ROWS:
        raise UnreadableSheetError(detail=f"The file has {len(rows)} rows; import at most {MAX_ROWS} at a time.")
    return Sheet(header=header, rows=rows)


def _read_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheet programs on Windows still save CSV in the ANSI code page by default.
        text = data.decode("cp1252", errors="replace")
    first_line = text.split("\n", 1)[0]
    # French and German spreadsheets separate CSV cells with semicolons (the comma is their decimal mark).
    delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise UnreadableSheetError(detail=f"The CSV file is malformed: {exc}.") from exc


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, XML and KeyError alike for a file that is not a workbook
        raise UnreadableSheetError(detail="The file is not an Excel workbook (.xlsx).") from exc
    try:
        sheet = workbook.worksheets[0]
        return [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # 19.9 stays "19.9"; a barcode or weight typed as a number (4006381333931.0) loses its ".0".
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def write_sheet(header: Sequence[str], rows: Iterable[Sequence[object]], *, file_format: str) -> bytes:
    """Write rows under `header` as CSV (UTF-8 with a BOM, which spreadsheet programs need) or XLSX."""
    if file_format == "csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if value is None else value for value in row])
        return buffer.getvalue().encode("utf-8-sig")
    if file_format == "xlsx":
        return _write_xlsx(header, rows)
    raise UnreadableSheetError(detail=f"Unknown file format {file_format!r}: use csv or xlsx.")


def _write_xlsx(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("products")
    sheet.append(list(header))
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                # Text stays text: a product name starting with "=" must not become a formula.
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def format_options(pairs: Iterable[tuple[str, str]]) -> str:
    return OPTION_SEPARATOR.join(f"{attribute}{OPTION_VALUE_SEPARATOR}{value}" for attribute, value in pairs)


def parse_options(text: str) -> list[tuple[str, str]]:
    """`size:M|colour:Blue` -> [("size", "M"), ("colour", "Blue")]; raises ValueError on a malformed pair."""
    pairs = []
    for chunk in text.split(OPTION_SEPARATOR):
        if not chunk.strip():
            continue
        attribute, separator, value = chunk.partition(OPTION_VALUE_SEPARATOR)
        if not separator or not attribute.strip() or not value.strip():
            raise ValueError(f"{chunk.strip()!r} is not attribute:value")
        pairs.append((attribute.strip(), value.strip()))
    return pairs
