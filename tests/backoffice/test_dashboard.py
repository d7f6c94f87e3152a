import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comptoir.backoffice.dashboard import load_dashboard
from comptoir.catalog.models import ProductStatus
from comptoir.catalog.services import add_product_image
from tests.factories import ProductFactory, StockLevelFactory, VariantFactory, image_bytes, sellable_product

pytestmark = pytest.mark.django_db


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_dashboard_counts_what_needs_attention(channel):
    ready = sellable_product(channel=channel, stock=50)
    add_product_image(product_id=ready.pk, filename="p.png", data=image_bytes(400, 300))
    sellable_product(channel=channel, stock=3, name="Nearly gone")
    ProductFactory(status=ProductStatus.DRAFT)
    sellable_product(channel=channel, status=ProductStatus.ARCHIVED, stock=0)

    dashboard = load_dashboard()

    assert (dashboard.published, dashboard.draft, dashboard.archived) == (2, 1, 1)
    assert dashboard.without_price == 1  # the draft; the archived one is not to-do
    assert dashboard.without_image == 2
    assert dashboard.low_stock_count == 1
    assert [(row.product_name, row.available) for row in dashboard.low_stock] == [("Nearly gone", 3)]


def test_a_variant_of_a_product_that_does_not_count_stock_is_never_low(channel):
    sellable_product(channel=channel, kind="digital", stock=0)

    assert load_dashboard().low_stock_count == 0


def test_a_variant_with_no_stock_row_at_all_is_low(channel):
    VariantFactory(sku="NEVER-STOCKED")

    assert [row.sku for row in load_dashboard().low_stock] == ["NEVER-STOCKED"]


def test_the_admin_home_page_shows_the_dashboard(admin_client, channel):
    sellable_product(channel=channel, stock=2, name="Nearly gone")

    page = admin_client.get("/admin/").content.decode()

    assert 'id="comptoir-dashboard"' in page
    assert "Nearly gone" in page
    assert '?missing=image"' in page


def test_the_admin_home_page_takes_the_same_queries_for_one_product_and_for_many(admin_client, channel):
    sellable_product(channel=channel, stock=2)
    admin_client.get("/admin/")
    one = count_queries(admin_client, "/admin/")

    for _ in range(20):
        product = sellable_product(channel=channel, stock=1, variants=2)
        StockLevelFactory(variant=VariantFactory(product=product), on_hand=4)
    many = count_queries(admin_client, "/admin/")

    assert one == many


def test_a_variant_with_its_own_low_stock_threshold_is_low_below_it(channel):
    from comptoir.inventory.models import StockPolicy

    product = sellable_product(channel=channel, stock=15)
    StockPolicy.objects.create(variant=product.variants.get(), low_stock_threshold=20)
    sellable_product(channel=channel, stock=15)

    assert [row.product_name for row in load_dashboard().low_stock] == [product.name]
