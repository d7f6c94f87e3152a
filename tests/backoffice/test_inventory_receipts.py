"""Receiving a delivery of many SKUs at once in the back office, and the stock-count import."""

import io

import pytest
from openpyxl import Workbook

from comptoir.inventory.models import MovementReason, StockLevel, StockMovement
from comptoir.inventory.services import receive_stock, reserve_stock
from tests.backoffice.inventory_support import body, count_queries, messages_of, staff
from tests.factories import LocationFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

RECEIVE = "/admin/inventory/stocklevel/receive/"
IMPORT = "/admin/inventory/stocklevel/import-counts/"
TEMPLATE = "/admin/inventory/stocklevel/import-counts/template.csv"


def upload(name: str, content: bytes):
    file = io.BytesIO(content)
    file.name = name
    return file


# --- goods receipts ----------------------------------------------------------------------------------------


def test_a_delivery_of_several_skus_is_received_in_one_go_under_its_reference(admin_client, admin_user):
    warehouse = LocationFactory(name="Paris warehouse")
    shirt, apron = VariantFactory(sku="SHIRT-M"), VariantFactory(sku="APRON", gtin="4006381333931")
    receive_stock(location_id=warehouse.pk, variant_id=shirt.pk, quantity=2)

    response = admin_client.post(
        RECEIVE,
        {"location": warehouse.pk, "reference": "DN-981", "note": "", "lines": "SHIRT-M\t12\n4006381333931, 3\n"},
        follow=True,
    )

    assert StockLevel.objects.get(variant=shirt).on_hand == 14
    assert StockLevel.objects.get(variant=apron).on_hand == 3
    lines = StockMovement.objects.filter(reference="DN-981")
    assert sorted((m.stock_level.variant.sku, m.on_hand_delta, m.actor) for m in lines) == [
        ("APRON", 3, admin_user.username),
        ("SHIRT-M", 12, admin_user.username),
    ]
    assert messages_of(response) == ["15 units of 2 SKU(s) received at Paris warehouse."]
    assert response.redirect_chain[-1][0] == "/admin/inventory/stockmovement/?reference=DN-981"


def test_scanned_lines_without_a_quantity_count_one_each_and_add_up(admin_client):
    warehouse, mug = LocationFactory(), VariantFactory(sku="MUG")

    admin_client.post(RECEIVE, {"location": warehouse.pk, "reference": "", "note": "", "lines": "MUG\nMUG\nMUG 2"})

    assert StockLevel.objects.get(variant=mug).on_hand == 4


def test_a_delivery_with_an_unknown_sku_is_refused_line_by_line_and_nothing_is_received(admin_client):
    warehouse, shirt = LocationFactory(), VariantFactory(sku="SHIRT-M")

    response = admin_client.post(
        RECEIVE,
        {"location": warehouse.pk, "reference": "DN-1", "note": "", "lines": "SHIRT-M 5\nNOPE 2\nSHIRT-M two"},
    )

    page = body(response)
    assert response.status_code == 200
    assert "Line 2: no product has the SKU or barcode" in page and "Line 3:" in page
    assert not StockLevel.objects.filter(variant=shirt).exists()
    assert not StockMovement.objects.exists()


def test_a_delivery_with_nothing_to_receive_is_refused(admin_client):
    warehouse = LocationFactory()
    VariantFactory(sku="SHIRT-M")

    response = admin_client.post(RECEIVE, {"location": warehouse.pk, "reference": "", "note": "", "lines": "SHIRT-M 0"})

    assert "at least one SKU with a quantity above zero" in body(response)


def test_the_receipt_of_a_product_starts_with_each_of_its_skus(admin_client):
    product = ProductFactory()
    VariantFactory(product=product, sku="TEE-S", position=0)
    VariantFactory(product=product, sku="TEE-M", position=1)

    form = admin_client.get(f"{RECEIVE}?product={product.pk}").context["form"]

    assert form.initial["lines"] == "TEE-S\t0\nTEE-M\t0"


def test_the_receipt_page_takes_the_same_queries_however_many_locations_there_are(admin_client):
    LocationFactory()
    admin_client.get(RECEIVE)
    one = count_queries(admin_client, RECEIVE)

    LocationFactory.create_batch(10)
    many = count_queries(admin_client, RECEIVE)

    assert one == many


def test_staff_who_may_not_change_stock_cannot_receive_goods(client):
    warehouse, _mug = LocationFactory(), VariantFactory(sku="MUG")
    staff(client, "inventory.view_stocklevel")

    response = client.post(RECEIVE, {"location": warehouse.pk, "reference": "", "note": "", "lines": "MUG 3"})

    assert response.status_code == 403
    assert not StockLevel.objects.exists()


# --- stock-count import ------------------------------------------------------------------------------------


def test_a_stock_count_file_sets_every_row_counted_and_says_how_many_changed(admin_client):
    paris = LocationFactory(slug="paris")
    shirt, apron = VariantFactory(sku="SHIRT-M"), VariantFactory(sku="APRON")
    receive_stock(location_id=paris.pk, variant_id=shirt.pk, quantity=10)
    data = b"sku,location,counted\nSHIRT-M,paris,7\nAPRON,paris,4\n"

    response = admin_client.post(IMPORT, {"file": upload("count.csv", data)}, follow=True)

    assert messages_of(response) == ["2 stock levels updated out of 2 counted."]
    assert StockLevel.objects.get(variant=shirt).on_hand == 7
    assert StockLevel.objects.get(variant=apron).on_hand == 4
    assert set(StockMovement.objects.filter(reason=MovementReason.COUNT).values_list("actor", flat=True)) == {"admin"}


def test_a_stock_count_spreadsheet_is_imported_too(admin_client):
    LocationFactory(slug="paris")
    mug = VariantFactory(sku="MUG")
    book = Workbook()
    book.active.append(["sku", "location", "counted"])
    book.active.append(["MUG", "paris", 9])
    data = io.BytesIO()
    book.save(data)

    admin_client.post(IMPORT, {"file": upload("count.xlsx", data.getvalue())})

    assert StockLevel.objects.get(variant=mug).on_hand == 9


def test_a_stock_count_file_with_bad_rows_is_refused_whole_with_each_row_named(admin_client):
    paris = LocationFactory(slug="paris")
    shirt = VariantFactory(sku="SHIRT-M")
    receive_stock(location_id=paris.pk, variant_id=shirt.pk, quantity=10)
    data = b"sku,location,counted\nSHIRT-M,paris,7\nNOPE,paris,1\nSHIRT-M,lyon,2\nSHIRT-M,paris,-1\n"

    response = admin_client.post(IMPORT, {"file": upload("count.csv", data)})

    page = body(response)
    assert response.status_code == 200
    assert "Nothing was imported: 3 problems to fix." in page
    assert 'data-row="3"' in page and 'data-row="4"' in page and 'data-row="5"' in page
    assert "Unknown SKU &#x27;NOPE&#x27;." in page
    assert StockLevel.objects.get(variant=shirt).on_hand == 10
    assert StockMovement.objects.filter(reason=MovementReason.COUNT).count() == 0


def test_a_count_below_the_units_promised_is_named_by_its_row_and_nothing_is_applied(admin_client):
    paris = LocationFactory(slug="paris")
    shirt, apron = VariantFactory(sku="SHIRT-M"), VariantFactory(sku="APRON")
    receive_stock(location_id=paris.pk, variant_id=shirt.pk, quantity=10)
    reserve_stock(holder="cart-1", quantities={shirt.pk: 5})
    data = b"sku,location,counted\nAPRON,paris,4\nSHIRT-M,paris,2\n"

    page = body(admin_client.post(IMPORT, {"file": upload("count.csv", data)}))

    assert 'data-row="3"' in page and "2 counted, but 5 are promised to buyers." in page
    assert not StockLevel.objects.filter(variant=apron).exists()


def test_a_file_that_is_neither_csv_nor_xlsx_is_refused_on_the_form(admin_client):
    response = admin_client.post(IMPORT, {"file": upload("count.pdf", b"%PDF-1.4")})

    assert response.status_code == 200
    assert response.context["form"].errors["file"]


def test_the_template_lists_todays_stock_ready_to_be_counted(admin_client):
    paris = LocationFactory(slug="paris")
    receive_stock(location_id=paris.pk, variant_id=VariantFactory(sku="MUG").pk, quantity=3)

    response = admin_client.get(TEMPLATE)

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert body(response).splitlines() == ["sku,location,counted", "MUG,paris,3"]


def test_importing_the_template_unchanged_changes_nothing(admin_client):
    paris = LocationFactory(slug="paris")
    receive_stock(location_id=paris.pk, variant_id=VariantFactory(sku="MUG").pk, quantity=3)
    sheet = body(admin_client.get(TEMPLATE)).encode()

    response = admin_client.post(IMPORT, {"file": upload("count.csv", sheet)}, follow=True)

    assert messages_of(response) == ["0 stock levels updated out of 1 counted."]
    assert StockMovement.objects.filter(reason=MovementReason.COUNT).count() == 0


def test_the_import_page_and_template_take_the_same_queries_for_one_row_and_many(admin_client):
    paris = LocationFactory(slug="paris")
    receive_stock(location_id=paris.pk, variant_id=VariantFactory().pk, quantity=3)
    one = (count_queries(admin_client, IMPORT), count_queries(admin_client, TEMPLATE))

    for _ in range(10):
        receive_stock(location_id=LocationFactory().pk, variant_id=VariantFactory().pk, quantity=3)
    many = (count_queries(admin_client, IMPORT), count_queries(admin_client, TEMPLATE))

    assert one == many


def test_staff_who_may_not_change_stock_cannot_import_counts(client):
    staff(client, "inventory.view_stocklevel")

    assert client.get(IMPORT).status_code == 403
    assert client.get(TEMPLATE).status_code == 403
