"""The low-stock report: rows at or below their variant's threshold, per location or per variant, and CSV."""

import csv
import io

import pytest

from comptoir.catalog.models import ProductStatus
from comptoir.inventory.models import StockPolicy
from comptoir.inventory.services import receive_stock, reserve_stock
from tests.backoffice.inventory_support import body, count_queries, staff
from tests.factories import LocationFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

REPORT = "/admin/inventory/stocklevel/low-stock/"


def stock(variant, location, units: int) -> None:
    receive_stock(location_id=location.pk, variant_id=variant.pk, quantity=units)


def rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body(response))))


@pytest.fixture
def shop():
    """Paris holds plenty of the shirt and 2 of the mug; Lyon holds 1 shirt; the apron has its own threshold."""
    paris, lyon = LocationFactory(name="Paris", slug="paris", priority=1), LocationFactory(name="Lyon", slug="lyon")
    shirt, mug, apron = VariantFactory(sku="SHIRT"), VariantFactory(sku="MUG"), VariantFactory(sku="APRON")
    stock(shirt, paris, 40)
    stock(shirt, lyon, 1)
    stock(mug, paris, 2)
    stock(apron, paris, 12)
    StockPolicy.objects.create(variant=apron, low_stock_threshold=15)
    return {"paris": paris, "lyon": lyon, "shirt": shirt, "mug": mug, "apron": apron}


def test_the_report_lists_each_location_at_or_below_the_threshold(admin_client, shop):
    page = body(admin_client.get(REPORT))

    assert 'data-sku="MUG" data-location="paris"' in page
    assert 'data-sku="SHIRT" data-location="lyon"' in page
    assert 'data-sku="APRON" data-location="paris"' in page  # 12 is below its own threshold of 15
    assert 'data-sku="SHIRT" data-location="paris"' not in page


def test_units_held_in_checkouts_are_not_free(admin_client, shop):
    reserve_stock(holder="cart-1", quantities={shop["shirt"].pk: 37}, ranking=[shop["paris"].pk])

    page = body(admin_client.get(REPORT))

    assert 'data-sku="SHIRT" data-location="paris"' in page  # 40 - 37 = 3 free there


def test_the_report_for_one_location(admin_client, shop):
    page = body(admin_client.get(f"{REPORT}?location={shop['lyon'].pk}"))

    assert 'data-location="lyon"' in page and 'data-location="paris"' not in page


def test_the_report_per_variant_adds_up_every_location(admin_client, shop):
    never_stocked = VariantFactory(sku="NEW")

    page = body(admin_client.get(f"{REPORT}?view=variants"))

    assert 'data-sku="MUG"' in page and 'data-sku="APRON"' in page and f'data-sku="{never_stocked.sku}"' in page
    assert 'data-sku="SHIRT"' not in page  # 41 over both places


def test_archived_products_and_inactive_locations_are_left_out(admin_client, shop):
    shop["mug"].product.status = ProductStatus.ARCHIVED
    shop["mug"].product.save()
    shop["lyon"].is_active = False
    shop["lyon"].save()

    page = body(admin_client.get(REPORT))

    assert 'data-sku="MUG"' not in page and 'data-location="lyon"' not in page


def test_the_report_is_exported_as_csv(admin_client, shop):
    response = admin_client.get(f"{REPORT}?export=csv")

    assert response["Content-Type"].startswith("text/csv")
    exported = {(row["sku"], row["location"]): row for row in rows(response)}
    assert set(exported) == {("MUG", "paris"), ("SHIRT", "lyon"), ("APRON", "paris")}
    assert exported[("SHIRT", "lyon")]["free"] == "1"
    assert exported[("SHIRT", "lyon")]["free_all_locations"] == "41"
    assert exported[("APRON", "paris")]["threshold"] == "15"


def test_the_per_variant_report_is_exported_as_csv(admin_client, shop):
    exported = rows(admin_client.get(f"{REPORT}?view=variants&export=csv"))

    assert [(row["sku"], row["free_all_locations"]) for row in exported] == [("MUG", "2"), ("APRON", "12")]


def test_the_report_takes_the_same_queries_for_one_row_and_for_many(admin_client, shop):
    urls = [REPORT, f"{REPORT}?view=variants", f"{REPORT}?export=csv", f"{REPORT}?view=variants&export=csv"]
    for url in urls:
        admin_client.get(url)
    one = [count_queries(admin_client, url) for url in urls]

    for i in range(20):
        product = ProductFactory()
        for location in (shop["paris"], shop["lyon"], LocationFactory()):
            stock(VariantFactory(product=product, sku=f"LOW-{i}-{location.pk}"), location, 2)
    many = [count_queries(admin_client, url) for url in urls]

    assert one == many


def test_the_dashboard_low_stock_card_opens_the_report(admin_client, shop):
    page = body(admin_client.get("/admin/"))

    assert f'href="{REPORT}?view=variants"' in page


def test_staff_who_may_see_stock_may_read_the_report_but_not_adjust_from_it(client, shop):
    staff(client, "inventory.view_stocklevel")

    page = body(client.get(REPORT))

    assert 'data-sku="MUG"' in page and "/stocklevel/adjust/" not in page


def test_staff_without_stock_rights_cannot_read_the_report(client, shop):
    staff(client)

    assert client.get(REPORT).status_code == 403
    assert client.get(f"{REPORT}?export=csv").status_code == 403
