from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.html import escape

from comptoir.catalog.models import Product, Variant
from comptoir.pricing.models import VariantPrice
from comptoir.taxes.classes import TaxClass
from tests.backoffice.sheets import csv_bytes, read_csv, read_xlsx, row, xlsx_bytes
from tests.factories import CategoryFactory, sellable_product

pytestmark = pytest.mark.django_db

IMPORT = "/admin/catalog/product/import/"

GOOD_ROWS = [
    row(product_name="Linen shirt", category_slug="shirts", sku="SHIRT-M", price="19.90"),
    row(product_name="Linen shirt", sku="SHIRT-L", price="21.90"),
]
BAD_ROWS = [
    *GOOD_ROWS,
    row(product_name="", product_slug="nameless", sku="NONAME-1"),
    row(product_name="Cap", category_slug="hats", sku="CAP-1"),
    row(product_name="Mug", sku="MUG-1", price="-2"),
]


@pytest.fixture
def shirts(channel):
    return CategoryFactory(slug="shirts")


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def test_the_import_page_lists_the_columns_with_this_shops_channels(admin_client, channel):
    page = admin_client.get(IMPORT).content.decode()

    assert "price_web-eur" in page and "compare_at_web-eur" in page


def test_the_import_page_explains_the_tax_class_column_with_every_code(admin_client, channel):
    page = admin_client.get(IMPORT).content.decode()

    assert "tax_class" in page
    for code, label in TaxClass.choices:
        assert f"<code>{code}</code>" in page and str(escape(label)) in page


def test_an_unknown_tax_class_is_shown_on_its_row_and_nothing_is_saved(admin_client, shirts):
    header = ["product_name", "sku", "tax_class"]
    rows = [["Linen shirt", "SHIRT-M", "standard"], ["A novel", "BOOK-1", "books"]]

    response = admin_client.post(IMPORT, {"file": upload("catalogue.csv", csv_bytes(rows, header))})

    assert response.status_code == 200
    assert [(e.row, e.column) for e in response.context["report"].errors] == [(3, "tax_class")]
    page = response.content.decode()
    assert "Unknown tax_class books" in page and "super_reduced" in page
    assert not Product.objects.exists()


def test_importing_a_tax_class_sets_it_on_the_product(admin_client, shirts):
    header = ["product_name", "sku", "tax_class"]

    response = admin_client.post(
        IMPORT, {"file": upload("books.csv", csv_bytes([["A novel", "B-1", "Reduced"]], header))}
    )

    assert response.status_code == 302
    assert Product.objects.get(slug="a-novel").tax_class == TaxClass.REDUCED


def test_importing_a_csv_file_creates_the_products_and_returns_to_the_list(admin_client, shirts):
    response = admin_client.post(IMPORT, {"file": upload("catalogue.csv", csv_bytes(GOOD_ROWS))})

    assert response.status_code == 302 and response["Location"] == "/admin/catalog/product/"
    assert Variant.objects.filter(product__slug="linen-shirt").count() == 2
    assert "1 products created, 0 updated" in str(next(iter(get_messages(response.wsgi_request))))


def test_importing_an_xlsx_file_creates_the_products(admin_client, shirts):
    response = admin_client.post(IMPORT, {"file": upload("catalogue.xlsx", xlsx_bytes(GOOD_ROWS))})

    assert response.status_code == 302
    assert VariantPrice.objects.get(variant__sku="SHIRT-L").amount == Decimal("21.90")


def test_a_file_with_bad_rows_shows_each_row_and_reason_and_saves_nothing(admin_client, shirts):
    response = admin_client.post(IMPORT, {"file": upload("catalogue.csv", csv_bytes(BAD_ROWS))})

    assert response.status_code == 200
    assert [(e.row, e.column) for e in response.context["report"].errors] == [
        (4, "product_name"),
        (5, "category_slug"),
        (6, "price_web-eur"),
    ]
    page = response.content.decode()
    assert "3 row(s) have errors; nothing was imported." in page
    assert "There is no category hats." in page
    assert not Product.objects.exists()


def test_a_check_only_import_reports_what_it_would_do_and_saves_nothing(admin_client, shirts):
    response = admin_client.post(IMPORT, {"file": upload("catalogue.csv", csv_bytes(GOOD_ROWS)), "dry_run": "on"})

    assert response.status_code == 200
    assert "Check only, nothing saved." in response.content.decode()
    assert not Product.objects.exists()


def test_a_file_of_another_type_is_refused_on_the_form(admin_client, channel):
    response = admin_client.post(IMPORT, {"file": upload("catalogue.pdf", b"%PDF")})

    assert response.status_code == 200
    assert "Use a .csv or .xlsx file" in response.content.decode()


def test_a_broken_workbook_is_refused_on_the_form(admin_client, channel):
    response = admin_client.post(IMPORT, {"file": upload("catalogue.xlsx", b"not a workbook")})

    assert response.status_code == 200
    assert "not an Excel workbook" in response.content.decode()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_exported_catalogue_imports_back_with_no_change(admin_client, channel, file_format):
    sellable_product(channel=channel, variants=3, name="Linen shirt")
    exported = admin_client.get(f"/admin/catalog/product/export-{file_format}/")

    response = admin_client.post(IMPORT, {"file": upload(f"back.{file_format}", exported.content), "dry_run": "on"})

    report = response.context["report"]
    assert report.ok, report.errors
    assert (report.products_unchanged, report.variants_unchanged) == (1, 3)
    assert report.products_updated == report.variants_updated == 0


def test_the_export_has_one_row_per_variant_with_a_price_column_per_channel(admin_client, channel, usd_channel):
    product = sellable_product(channel=channel, variants=2, name="Linen shirt", price="19.90")

    csv_rows = read_csv(admin_client.get("/admin/catalog/product/export-csv/").content)
    xlsx_rows = read_xlsx(admin_client.get("/admin/catalog/product/export-xlsx/").content)

    assert [r["sku"] for r in csv_rows] == [v.sku for v in product.variants.order_by("position")]
    assert {r["price_web-eur"] for r in csv_rows} == {"19.90"} and {r["price_web-usd"] for r in csv_rows} == {""}
    assert xlsx_rows[0][-4:] == ["price_web-eur", "compare_at_web-eur", "price_web-usd", "compare_at_web-usd"]
    assert len(xlsx_rows) == 3


def test_the_export_writes_each_products_tax_class_code(admin_client, channel):
    sellable_product(channel=channel, name="A novel", tax_class=TaxClass.REDUCED)

    csv_rows = read_csv(admin_client.get("/admin/catalog/product/export-csv/").content)

    assert [r["tax_class"] for r in csv_rows] == ["reduced"]


def test_the_import_command_imports_a_good_file(tmp_path, shirts, capsys):
    path = tmp_path / "catalogue.csv"
    path.write_bytes(csv_bytes(GOOD_ROWS))

    call_command("import_products", str(path))

    assert "1 products created" in capsys.readouterr().out
    assert Variant.objects.count() == 2


def test_the_import_command_lists_bad_rows_and_exits_non_zero_having_saved_nothing(tmp_path, shirts, capsys):
    path = tmp_path / "catalogue.xlsx"
    path.write_bytes(xlsx_bytes(BAD_ROWS))

    with pytest.raises(CommandError) as failure:
        call_command("import_products", str(path))

    assert failure.value.returncode == 1
    assert "3 row(s) have errors" in str(failure.value)
    assert capsys.readouterr().err.splitlines() == [
        "row 4 [product_name]: A product needs a name.",
        "row 5 [category_slug]: There is no category hats.",
        "row 6 [price_web-eur]: A price cannot be negative (-2).",
    ]
    assert not Product.objects.exists()


def test_the_import_command_exits_non_zero_for_a_missing_file(tmp_path, channel):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_products", str(tmp_path / "nowhere.csv"))
