"""Product sheets built in memory for the import tests."""

import csv
import io

from openpyxl import Workbook, load_workbook

HEADER = [
    "product_slug",
    "product_name",
    "kind",
    "status",
    "category_slug",
    "brand",
    "description",
    "sku",
    "gtin",
    "variant_name",
    "options",
    "weight_grams",
    "price_web-eur",
    "compare_at_web-eur",
]


def row(*, price: object = "", compare_at: object = "", **cells: object) -> list[object]:
    """A row under HEADER; `price` and `compare_at` go to the web-eur channel's columns."""
    named = {**cells, "price_web-eur": price, "compare_at_web-eur": compare_at}
    return [named.get(column, "") for column in HEADER]


def csv_bytes(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for cells in [header, *rows]:
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def read_xlsx(data: bytes) -> list[list[object]]:
    return [list(r) for r in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]
