from decimal import Decimal

import pytest

from comptoir.catalog.exports import export_products
from comptoir.catalog.imports import import_products
from comptoir.catalog.models import AttributeValue, Brand, Product, ProductChannelListing, Variant
from comptoir.catalog.product_sheet import UnreadableSheetError
from comptoir.core.models import Event
from comptoir.pricing.models import VariantPrice
from tests.backoffice.sheets import HEADER, csv_bytes, row, xlsx_bytes
from tests.factories import (
    AttributeFactory,
    AttributeValueFactory,
    CategoryFactory,
    ProductFactory,
    VariantFactory,
    VariantPriceFactory,
    sellable_product,
)

pytestmark = pytest.mark.django_db

VALID_GTIN = "4006381333931"


@pytest.fixture
def catalogue(channel):
    """What the sheets below refer to: a category, size and colour options with a value each."""
    CategoryFactory(slug="shirts", name="Shirts")
    size = AttributeFactory(slug="size", name="Size", is_variant_option=True)
    AttributeValueFactory(attribute=size, name="M", slug="m")
    AttributeFactory(slug="colour", name="Colour", is_variant_option=True)
    return channel


def shirt_rows(price_m: str = "19.90") -> list[list[object]]:
    common = dict(product_slug="linen-shirt", product_name="Linen shirt", kind="physical", status="published")
    return [
        row(
            **common,
            category_slug="shirts",
            brand="Atelier",
            description="<p>Soft <script>alert(1)</script>linen</p>",
            sku="SHIRT-M",
            gtin=VALID_GTIN,
            variant_name="M / Blue",
            options="size:M|colour:Blue",
            weight_grams="250",
            price=price_m,
            compare_at="25.00",
        ),
        row(product_slug="linen-shirt", sku="SHIRT-L", options="size:L|colour:Blue", price="21.90"),
    ]


def test_a_csv_sheet_creates_products_variants_and_prices(catalogue):
    report = import_products(data=csv_bytes(shirt_rows()), file_format="csv")

    assert report.ok, report.errors
    assert (report.products_created, report.variants_created) == (1, 2)
    product = Product.objects.get(slug="linen-shirt")
    assert product.status == "published" and product.published_from is not None
    assert product.category.slug == "shirts" and product.brand.name == "Atelier"
    assert "<script>" not in product.description
    medium = Variant.objects.get(sku="SHIRT-M")
    assert (medium.gtin, medium.weight_grams, medium.name) == (VALID_GTIN, 250, "M / Blue")
    assert sorted(v.name for v in medium.option_values.all()) == ["Blue", "M"]
    price = VariantPrice.objects.get(variant=medium, channel=catalogue)
    assert (price.amount, price.compare_at_amount, price.currency) == (Decimal("19.90"), Decimal("25.00"), "EUR")
    assert ProductChannelListing.objects.filter(product=product, channel=catalogue).exists()


def test_an_xlsx_sheet_creates_the_same_products(catalogue):
    report = import_products(data=xlsx_bytes(shirt_rows()), file_format="xlsx")

    assert report.ok, report.errors
    assert Variant.objects.filter(product__slug="linen-shirt").count() == 2
    assert VariantPrice.objects.get(variant__sku="SHIRT-L").amount == Decimal("21.90")


def test_a_new_brand_and_a_new_option_value_are_created_but_not_a_new_attribute(catalogue):
    import_products(data=csv_bytes(shirt_rows()), file_format="csv")

    assert Brand.objects.filter(name="Atelier").exists()
    assert sorted(AttributeValue.objects.values_list("attribute__slug", "name")) == [
        ("colour", "Blue"),
        ("size", "L"),
        ("size", "M"),
    ]


def test_importing_the_file_again_updates_prices_without_duplicating_anything(catalogue):
    import_products(data=csv_bytes(shirt_rows()), file_format="csv")

    report = import_products(data=csv_bytes(shirt_rows(price_m="17.50")), file_format="csv")

    assert report.ok, report.errors
    assert (report.products_created, report.products_unchanged) == (0, 1)
    assert (report.variants_created, report.variants_updated, report.variants_unchanged) == (0, 1, 1)
    assert Product.objects.count() == 1 and Variant.objects.count() == 2
    assert VariantPrice.objects.get(variant__sku="SHIRT-M").amount == Decimal("17.50")


def test_a_successful_import_records_products_changed_for_the_touched_products(catalogue):
    untouched = sellable_product(channel=catalogue)
    Event.objects.all().delete()

    import_products(data=csv_bytes(shirt_rows()), file_format="csv")

    events = Event.objects.filter(name="catalog.products_changed")
    assert [e.payload["product_ids"] for e in events] == [[Product.objects.get(slug="linen-shirt").pk]]
    assert untouched.pk not in events[0].payload["product_ids"]


def test_a_dry_run_reports_what_would_change_and_writes_nothing(catalogue):
    report = import_products(data=csv_bytes(shirt_rows()), file_format="csv", dry_run=True)

    assert report.ok and report.dry_run
    assert (report.products_created, report.variants_created) == (1, 2)
    assert not Product.objects.exists() and not Brand.objects.exists() and not Event.objects.exists()


def test_a_file_with_three_bad_rows_writes_nothing_and_names_each_row_and_reason(catalogue):
    rows = [
        *shirt_rows(),  # rows 2 and 3 are fine
        row(product_slug="no-name", sku="X-1", price="5"),  # row 4: no name
        row(product_name="Cap", category_slug="hats", sku="CAP-1"),  # row 5: unknown category
        row(product_name="Mug", sku="MUG-1", gtin="4006381333932"),  # row 6: wrong check digit
        row(product_name="Bowl", sku="BOWL-1", price="4.50"),  # row 7 is fine
    ]

    report = import_products(data=csv_bytes(rows), file_format="csv")

    assert not report.ok
    assert report.error_rows == [4, 5, 6]
    assert [(e.row, e.column) for e in report.errors] == [(4, "product_name"), (5, "category_slug"), (6, "gtin")]
    assert "hats" in report.errors[1].message
    assert not Product.objects.exists() and not Brand.objects.exists() and not Event.objects.exists()


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        (dict(price="-3"), "price_web-eur", "negative"),
        (dict(price="cheap"), "price_web-eur", "not a price"),
        (dict(price="1e12"), "price_web-eur", "too large"),
        (dict(kind="spaceship"), "kind", "Unknown kind"),
        (dict(status="live"), "status", "Unknown status"),
        (dict(weight_grams="1.5kg"), "weight_grams", "whole grams"),
        (dict(weight_grams="12.5"), "weight_grams", "whole grams"),
        (dict(product_slug="no spaces"), "product_slug", "not a valid slug"),
        (dict(options="fabric:linen"), "options", "no attribute fabric"),
        (dict(price="10", compare_at="9"), "compare_at_web-eur", "higher than the price"),
    ],
)
def test_a_bad_cell_is_reported_with_its_row_and_column(catalogue, cells, column, reason):
    rows = [row(product_name="Good", sku="GOOD-1"), row(product_name="Bad", sku="BAD-1", **cells)]

    report = import_products(data=csv_bytes(rows), file_format="csv")

    assert [(e.row, e.column) for e in report.errors] == [(3, column)]
    assert reason in report.errors[0].message
    assert not Product.objects.exists()


def test_a_sku_twice_in_the_file_is_reported_on_its_second_row(catalogue):
    rows = [row(product_name="One", sku="SAME"), row(product_name="Two", sku="SAME")]

    report = import_products(data=csv_bytes(rows), file_format="csv")

    assert [(e.row, e.column) for e in report.errors] == [(3, "sku")]
    assert "row 2" in report.errors[0].message


def test_a_sku_of_another_product_is_refused(catalogue):
    VariantFactory(sku="TAKEN", product=ProductFactory(slug="other"))

    report = import_products(data=csv_bytes([row(product_name="New", sku="TAKEN")]), file_format="csv")

    assert [(e.row, e.column) for e in report.errors] == [(2, "sku")]
    assert "other" in report.errors[0].message


def test_a_price_column_for_an_unknown_channel_is_reported_on_the_header_row(catalogue):
    header = [*HEADER, "price_mars"]

    report = import_products(data=csv_bytes([[*row(product_name="A", sku="A-1"), "3"]], header), file_format="csv")

    assert [(e.row, e.column) for e in report.errors] == [(1, "price_mars")]
    assert "web-eur" in report.errors[0].message


def test_an_empty_price_cell_leaves_the_price_as_it_is(catalogue):
    product = sellable_product(channel=catalogue, price="30.00", name="Kept")
    sku = product.variants.get().sku
    data = csv_bytes([row(product_slug=product.slug, product_name="Kept", sku=sku)])

    report = import_products(data=data, file_format="csv")

    assert report.ok, report.errors
    assert VariantPrice.objects.get(variant__sku=sku).amount == Decimal("30.00")


def test_a_french_csv_with_semicolons_and_decimal_commas_is_read(catalogue):
    data = "product_name;sku;price_web-eur\nBol;BOL-1;12,50\n".encode("cp1252")

    report = import_products(data=data, file_format="csv")

    assert report.ok, report.errors
    assert VariantPrice.objects.get(variant__sku="BOL-1").amount == Decimal("12.50")


def test_a_row_without_sku_creates_a_product_without_variants(catalogue):
    report = import_products(data=csv_bytes([row(product_name="Coming soon")]), file_format="csv")

    assert report.ok, report.errors
    assert Product.objects.get().slug == "coming-soon"
    assert not Variant.objects.exists()


def test_a_file_that_is_not_a_workbook_is_refused(catalogue):
    with pytest.raises(UnreadableSheetError):
        import_products(data=b"not a zip", file_format="xlsx")


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_exported_catalogue_imports_back_without_any_change(catalogue, usd_channel, file_format):
    shirt = sellable_product(channel=catalogue, variants=2, price="19.90")
    blue = AttributeValueFactory(attribute__slug="tint", name="Blue, light")
    first = shirt.variants.first()
    first.option_values.add(blue)
    first.gtin = VALID_GTIN
    first.save()
    VariantPriceFactory(variant=first, channel=usd_channel, amount=Decimal("21"), compare_at_amount=Decimal("30"))
    ProductFactory(name="Draft without variants", status="draft", brand=None, category=None)
    Event.objects.all().delete()

    report = import_products(data=export_products(file_format=file_format), file_format=file_format)

    assert report.ok, report.errors
    assert (report.products_created, report.products_updated, report.products_unchanged) == (0, 0, 2)
    assert (report.variants_created, report.variants_updated, report.variants_unchanged) == (0, 0, 2)
    assert not Event.objects.exists()


def test_a_sku_taken_between_the_checks_and_the_writes_leaves_nothing_written(catalogue, monkeypatch):
    from comptoir.catalog.import_plan import Planner

    VariantFactory(sku="RACE", product=ProductFactory(slug="first"))
    load = Planner._load_catalogue

    def load_before_the_other_import_committed(self):  # as if the SKU was created just after the checks
        load(self)
        self.variants.clear()

    monkeypatch.setattr(Planner, "_load_catalogue", load_before_the_other_import_committed)
    rows = [row(product_name="Fresh", sku="FRESH-1"), row(product_name="Late", sku="RACE")]

    report = import_products(data=csv_bytes(rows), file_format="csv")

    assert not report.ok
    assert "Nothing was imported" in report.errors[0].message
    assert report.products_created == 0
    assert not Product.objects.filter(slug__in=["fresh", "late"]).exists()
