import io

import pytest
from openpyxl import Workbook

from comptoir.inventory.imports import import_stock_counts
from comptoir.inventory.models import StockLevel, StockMovement
from comptoir.inventory.services import allocate_order, apply_stock_counts, receive_stock
from tests.factories import LocationFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    return LocationFactory(slug="paris"), VariantFactory(sku="TEE-M"), VariantFactory(sku="TEE-L")


def on_hand(variant):
    return StockLevel.objects.get(variant=variant).on_hand


def test_a_csv_count_sets_each_level_and_records_it_in_the_ledger(shop):
    paris, medium, large = shop
    receive_stock(location_id=paris.pk, variant_id=medium.pk, quantity=4)

    report = import_stock_counts(data=b"sku,location,counted\nTEE-M,paris,7\nTEE-L,paris,3\n", filename="count.csv")

    assert (report.ok, report.rows, report.changed) == (True, 2, 2)
    assert (on_hand(medium), on_hand(large)) == (7, 3)
    assert StockMovement.objects.filter(reason="count").count() == 2


def test_an_xlsx_count_with_semicolons_or_columns_in_another_order_works(shop):
    _, medium, _ = shop
    book = Workbook()
    book.active.append(["Counted", "Location", "SKU"])
    book.active.append([5, "paris", "TEE-M"])
    data = io.BytesIO()
    book.save(data)

    report = import_stock_counts(data=data.getvalue(), filename="count.xlsx")

    assert report.ok
    assert on_hand(medium) == 5


def test_a_file_with_bad_rows_writes_nothing_and_names_each_bad_row(shop):
    _, medium, _ = shop
    data = b"sku;location;counted\nTEE-M;paris;5\nNOPE;paris;1\nTEE-L;mars;1\nTEE-L;paris;two\nTEE-M;paris;6\n"

    report = import_stock_counts(data=data, filename="count.csv")

    assert [(e.row, e.message) for e in report.errors] == [
        (3, "Unknown SKU 'NOPE'."),
        (4, "Unknown location 'mars'."),
        (5, "Counted units must be a whole number, not 'two'."),
        (6, "TEE-M at paris is already counted on row 2."),
    ]
    assert not StockLevel.objects.filter(variant=medium).exists()


def test_a_count_below_what_buyers_were_promised_is_reported_on_its_row(shop):
    paris, medium, _ = shop
    receive_stock(location_id=paris.pk, variant_id=medium.pk, quantity=5)
    allocate_order(order_ref="o", quantities={medium.pk: 4})

    report = import_stock_counts(data=b"sku,location,counted\nTEE-M,paris,2\n", filename="c.csv")

    assert [(e.row, e.message) for e in report.errors] == [(2, "2 counted, but 4 are promised to buyers.")]
    assert on_hand(medium) == 5


def test_a_file_without_the_needed_columns_is_refused_on_its_header_row():
    report = import_stock_counts(data=b"product,qty\nx,1\n", filename="c.csv")

    assert [(e.row, e.message) for e in report.errors] == [(1, "Missing column(s): sku, location, counted.")]


def test_a_file_that_is_not_text_is_refused():
    report = import_stock_counts(data=b"\xff\xfe\x00garbage", filename="c.csv")

    assert report.errors[0].row == 0


def test_opening_stock_for_many_variants_is_one_call(shop):
    paris, medium, large = shop

    changed = apply_stock_counts(counts={(paris.pk, medium.pk): 10, (paris.pk, large.pk): 0})

    assert changed == 1
    assert on_hand(medium) == 10
