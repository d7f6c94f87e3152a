"""The tax_class column of the product sheet: exported as the class code, imported in any case, refused when
unknown (nothing written), and optional (older sheets without it import as before)."""

import pytest

from comptoir.catalog.exports import export_products
from comptoir.catalog.imports import import_products
from comptoir.catalog.models import Product, Variant
from comptoir.core.models import Event
from comptoir.pricing.models import VariantPrice
from comptoir.taxes.classes import TaxClass
from tests.backoffice.sheets import HEADER, csv_bytes, read_csv, read_xlsx, row, xlsx_bytes
from tests.factories import ProductFactory, sellable_product

pytestmark = pytest.mark.django_db

TAXED_HEADER = [*HEADER, "tax_class"]
SHORT_HEADER = ["product_slug", "product_name", "sku", "tax_class"]  # leaves every other field as it is


def taxed_row(tax_class: str, **cells: object) -> list[object]:
    """A row under TAXED_HEADER (HEADER and a tax_class column at the end)."""
    return [*row(**cells), tax_class]


def test_the_export_has_a_tax_class_column_with_each_products_code(channel):
    book = sellable_product(channel=channel, name="A novel", tax_class=TaxClass.REDUCED)
    shirt = sellable_product(channel=channel, name="A shirt")

    rows = {r["product_slug"]: r for r in read_csv(export_products(file_format="csv"))}

    assert rows[book.slug]["tax_class"] == "reduced"
    assert rows[shirt.slug]["tax_class"] == "standard"


def test_the_xlsx_export_names_the_tax_class_column_among_the_product_columns(channel):
    sellable_product(channel=channel, tax_class=TaxClass.SUPER_REDUCED)

    header, first = read_xlsx(export_products(file_format="xlsx"))[:2]

    assert header.index("tax_class") < header.index("sku")
    assert first[header.index("tax_class")] == "super_reduced"


def test_a_new_product_takes_the_tax_class_of_its_row(channel):
    data = csv_bytes([taxed_row("reduced", product_name="A novel", sku="BOOK-1", price="12")], TAXED_HEADER)

    report = import_products(data=data, file_format="csv")

    assert report.ok, report.errors
    assert Product.objects.get(slug="a-novel").tax_class == TaxClass.REDUCED


@pytest.mark.parametrize("cell", ["Reduced", "  REDUCED ", "reduced"])
def test_the_tax_class_code_is_read_in_any_case_and_with_spaces_around_it(channel, cell):
    data = csv_bytes([taxed_row(cell, product_name="A novel", sku="BOOK-1")], TAXED_HEADER)

    report = import_products(data=data, file_format="csv")

    assert report.ok, report.errors
    assert Product.objects.get(slug="a-novel").tax_class == "reduced"


def test_an_existing_products_tax_class_is_changed_and_counted_as_an_update(channel):
    product = sellable_product(channel=channel, name="A novel")
    sku = product.variants.get().sku
    Event.objects.all().delete()
    data = csv_bytes([[product.slug, "A novel", sku, "reduced"]], SHORT_HEADER)

    report = import_products(data=data, file_format="csv")

    assert report.ok, report.errors
    assert (report.products_updated, report.variants_unchanged) == (1, 1)
    product.refresh_from_db()
    assert product.tax_class == TaxClass.REDUCED
    changed = Event.objects.get(name="catalog.products_changed")
    assert changed.payload["product_ids"] == [product.pk]


def test_an_empty_tax_class_cell_keeps_the_existing_products_class(channel):
    product = sellable_product(channel=channel, name="A novel", tax_class=TaxClass.REDUCED)
    sku = product.variants.get().sku
    data = csv_bytes([[product.slug, "A novel", sku, ""]], SHORT_HEADER)

    report = import_products(data=data, file_format="csv")

    assert report.ok, report.errors
    assert (report.products_unchanged, report.variants_unchanged) == (1, 1)
    product.refresh_from_db()
    assert product.tax_class == TaxClass.REDUCED


def test_an_empty_tax_class_cell_gives_a_new_product_the_standard_class(channel):
    data = csv_bytes([taxed_row("", product_name="A shirt", sku="SHIRT-1")], TAXED_HEADER)

    report = import_products(data=data, file_format="csv")

    assert report.ok, report.errors
    assert Product.objects.get(slug="a-shirt").tax_class == TaxClass.STANDARD


def test_an_unknown_tax_class_refuses_the_whole_file_and_names_the_accepted_codes(channel):
    product = sellable_product(channel=channel, name="A novel", price="12.00")
    sku = product.variants.get().sku
    Event.objects.all().delete()
    rows = [
        taxed_row("zero", product_slug=product.slug, product_name="A novel renamed", sku=sku, price="9.00"),
        taxed_row("luxury", product_name="A watch", sku="WATCH-1", price="900"),
    ]

    report = import_products(data=xlsx_bytes(rows, TAXED_HEADER), file_format="xlsx")

    assert [(e.row, e.column) for e in report.errors] == [(3, "tax_class")]
    message = report.errors[0].message
    assert "luxury" in message
    assert all(code in message for code in TaxClass.values)
    assert "nothing was imported" in report.summary()
    product.refresh_from_db()
    assert (product.name, product.tax_class) == ("A novel", TaxClass.STANDARD)
    assert str(VariantPrice.objects.get(variant__sku=sku).amount) == "12.0000"
    assert not Product.objects.filter(slug="a-watch").exists() and not Variant.objects.filter(sku="WATCH-1").exists()
    assert not Event.objects.exists()


def test_a_later_row_of_the_same_product_may_repeat_its_tax_class_in_another_case(channel):
    rows = [
        taxed_row("Reduced", product_slug="novel", product_name="A novel", sku="BOOK-HB"),
        taxed_row("reduced", product_slug="novel", sku="BOOK-PB"),
    ]

    report = import_products(data=csv_bytes(rows, TAXED_HEADER), file_format="csv")

    assert report.ok, report.errors
    assert Product.objects.get(slug="novel").tax_class == TaxClass.REDUCED


def test_a_later_row_of_the_same_product_with_another_tax_class_is_refused(channel):
    rows = [
        taxed_row("reduced", product_slug="novel", product_name="A novel", sku="BOOK-HB"),
        taxed_row("standard", product_slug="novel", sku="BOOK-PB"),
    ]

    report = import_products(data=csv_bytes(rows, TAXED_HEADER), file_format="csv")

    assert [(e.row, e.column) for e in report.errors] == [(3, "tax_class")]
    assert "row 2" in report.errors[0].message
    assert not Product.objects.exists()


def test_a_sheet_without_the_tax_class_column_leaves_every_class_as_it_is(channel):
    product = sellable_product(channel=channel, name="A novel", tax_class=TaxClass.REDUCED, price="12.00")
    sku = product.variants.get().sku
    assert "tax_class" not in HEADER
    rows = [
        row(product_slug=product.slug, product_name="A novel", sku=sku, price="11.00"),
        row(product_name="A shirt", sku="SHIRT-1", price="20"),
    ]

    report = import_products(data=csv_bytes(rows), file_format="csv")

    assert report.ok, report.errors
    assert (report.products_created, report.variants_updated) == (1, 1)
    product.refresh_from_db()
    assert product.tax_class == TaxClass.REDUCED
    assert Product.objects.get(slug="a-shirt").tax_class == TaxClass.STANDARD


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_exported_sheet_with_every_tax_class_imports_back_unchanged(channel, file_format):
    for tax_class in TaxClass.values:
        sellable_product(channel=channel, tax_class=tax_class)
    ProductFactory(name="Draft without variants", status="draft", tax_class=TaxClass.EXEMPT)
    Event.objects.all().delete()

    report = import_products(data=export_products(file_format=file_format), file_format=file_format)

    assert report.ok, report.errors
    assert (report.products_updated, report.products_unchanged) == (0, len(TaxClass.values) + 1)
    assert not Event.objects.exists()
