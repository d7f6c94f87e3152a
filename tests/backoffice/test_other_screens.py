from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comptoir.catalog.models import Category, CollectionProduct
from comptoir.core.models import Channel, Event
from comptoir.core.queries import list_active_channels
from comptoir.pricing.models import VariantPrice
from tests.backoffice.forms import management
from tests.factories import (
    AttributeFactory,
    BrandFactory,
    CategoryFactory,
    CollectionFactory,
    ProductFactory,
    StockLevelFactory,
    VariantFactory,
    add_to_collection,
    sellable_product,
)

pytestmark = pytest.mark.django_db

SCREENS = [
    "catalog/category",
    "catalog/brand",
    "catalog/attribute",
    "catalog/collection",
    "core/channel",
    "pricing/variantprice",
    "inventory/location",
    "inventory/stocklevel",
    "inventory/stockmovement",
]


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("screen", SCREENS)
def test_every_list_takes_the_same_queries_for_one_row_and_for_many(admin_client, channel, screen):
    sellable_product(channel=channel)
    url = f"/admin/{screen}/"
    admin_client.get(url)
    one = count_queries(admin_client, url)

    for _ in range(12):
        sellable_product(channel=channel, variants=2)
        AttributeFactory()
        CollectionFactory()
    many = count_queries(admin_client, url)

    assert one == many


def test_categories_are_listed_as_an_indented_tree(admin_client):
    clothing = CategoryFactory(name="Clothing", position=1)
    CategoryFactory(name="Shirts", parent=clothing)
    CategoryFactory(name="Aprons", position=0)

    page = admin_client.get("/admin/catalog/category/").content.decode()

    assert page.index("Aprons") < page.index("Clothing") < page.index("— Shirts")


def test_saving_a_category_refreshes_the_category_tree(admin_client):
    category = CategoryFactory(name="Shirts", slug="shirts")
    data = {"name": "Tops", "slug": "shirts", "parent": "", "position": 0, "description": ""}

    response = admin_client.post(f"/admin/catalog/category/{category.pk}/change/", data)

    assert response.status_code == 302
    assert Event.objects.filter(name="catalog.categories_changed").exists()


def test_a_category_cannot_be_moved_under_its_own_subcategory(admin_client):
    parent = CategoryFactory(slug="clothing")
    child = CategoryFactory(parent=parent)
    data = {"name": parent.name, "slug": "clothing", "parent": child.pk, "position": 0, "description": ""}

    response = admin_client.post(f"/admin/catalog/category/{parent.pk}/change/", data)

    assert response.status_code == 200
    assert Category.objects.get(pk=parent.pk).parent is None


def test_renaming_a_brand_reindexes_its_products(admin_client):
    brand = BrandFactory(name="Atelier", slug="atelier")
    product = ProductFactory(brand=brand)

    admin_client.post(f"/admin/catalog/brand/{brand.pk}/change/", {"name": "Atelier B", "slug": "atelier"})

    assert Event.objects.get(name="catalog.products_changed").payload["product_ids"] == [product.pk]


def test_an_attribute_is_saved_with_its_values(admin_client):
    data = {
        "name": "Size",
        "slug": "size",
        "is_variant_option": "on",
        "is_filterable": "on",
        "position": 0,
        **management("values", 2, 0),
        "values-0-name": "S",
        "values-0-slug": "s",
        "values-0-position": 0,
        "values-1-name": "M",
        "values-1-slug": "m",
        "values-1-position": 1,
    }

    response = admin_client.post("/admin/catalog/attribute/add/", data)

    assert response.status_code == 302
    assert [v.name for v in AttributeFactory._meta.model.objects.get(slug="size").values.all()] == ["S", "M"]


def test_a_collection_page_takes_the_same_queries_for_one_product_and_for_many(admin_client, channel):
    collection = CollectionFactory()
    add_to_collection(collection, sellable_product(channel=channel))
    url = f"/admin/catalog/collection/{collection.pk}/change/"
    admin_client.get(url)
    one = count_queries(admin_client, url)

    CollectionProduct.objects.all().delete()
    add_to_collection(collection, *[sellable_product(channel=channel) for _ in range(15)])
    many = count_queries(admin_client, url)

    assert one == many
    assert "Product" in admin_client.get(url).content.decode()


def test_reordering_a_collection_reindexes_its_products(admin_client, channel):
    collection = CollectionFactory(name="Summer", slug="summer")
    first, second = sellable_product(channel=channel), sellable_product(channel=channel)
    add_to_collection(collection, first, second)
    rows = CollectionProduct.objects.order_by("position")
    data = {
        "name": "Summer",
        "slug": "summer",
        "description": "",
        "is_published": "on",
        "position": 0,
        "seo_title": "",
        "seo_description": "",
        **management("collectionproduct_set", 2, 2),
    }
    for i, (row, position) in enumerate(zip(rows, [1, 0], strict=True)):
        data |= {
            f"collectionproduct_set-{i}-id": row.pk,
            f"collectionproduct_set-{i}-collection": collection.pk,
            f"collectionproduct_set-{i}-product": row.product_id,
            f"collectionproduct_set-{i}-position": position,
        }

    response = admin_client.post(f"/admin/catalog/collection/{collection.pk}/change/", data)

    assert response.status_code == 302
    assert list(CollectionProduct.objects.order_by("position").values_list("product_id", flat=True)) == [
        second.pk,
        first.pk,
    ]
    assert Event.objects.filter(name="catalog.products_changed").last().payload["product_ids"] == sorted(
        [first.pk, second.pk]
    )


def channel_form(**fields):
    return {
        "name": "Web GBP",
        "slug": "web-gbp",
        "is_active": "on",
        "position": 0,
        "currency": "gbp",
        "prices_include_tax": "on",
        "default_language": "en",
        "default_country": "GB",
        "domain": "",
        "return_window_days": 30,
        **fields,
    }


def test_a_new_default_channel_takes_the_default_from_the_old_one(
    admin_client, channel, django_capture_on_commit_callbacks
):
    list_active_channels()  # cached

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/core/channel/add/", channel_form(is_default="on"))

    assert response.status_code == 302
    assert Channel.objects.get(is_default=True).slug == "web-gbp"
    assert Channel.objects.get(slug="web-gbp").currency == "GBP"
    assert list_active_channels()[0].slug == "web-gbp"  # the cache was dropped


def test_changing_the_currency_of_a_channel_with_prices_is_refused(admin_client, channel):
    sellable_product(channel=channel)
    data = channel_form(name=channel.name, currency="USD", is_default="on", default_country="FR")

    response = admin_client.post(f"/admin/core/channel/{channel.pk}/change/", data)

    assert response.status_code == 200
    assert Channel.objects.get(pk=channel.pk).currency == "EUR"


def test_a_price_entered_on_the_prices_screen_is_rounded_by_the_pricing_service(admin_client, channel):
    variant = VariantFactory()

    response = admin_client.post(
        "/admin/pricing/variantprice/add/",
        {"variant": variant.pk, "channel": channel.pk, "amount": "12.345", "compare_at_amount": ""},
    )

    assert response.status_code == 302
    price = VariantPrice.objects.get()
    assert (price.amount, price.currency) == (Decimal("12.35"), "EUR")
    assert Event.objects.filter(name="pricing.prices_changed").exists()


def test_a_negative_price_is_refused_on_the_prices_screen(admin_client, channel):
    variant = VariantFactory()

    response = admin_client.post(
        "/admin/pricing/variantprice/add/",
        {"variant": variant.pk, "channel": channel.pk, "amount": "-1", "compare_at_amount": ""},
    )

    assert response.status_code == 200
    assert not VariantPrice.objects.exists()


def test_stock_levels_can_be_looked_at_but_not_edited(admin_client):
    level = StockLevelFactory(on_hand=10)
    url = f"/admin/inventory/stocklevel/{level.pk}/change/"

    page = admin_client.get(url)
    attempt = admin_client.post(url, {"on_hand": 999})

    assert page.status_code == 200 and 'name="on_hand"' not in page.content.decode()
    assert attempt.status_code == 403
    level.refresh_from_db()
    assert level.on_hand == 10


def test_the_return_window_is_set_per_channel_and_nonsense_is_refused(admin_client, channel):
    admin_client.post("/admin/core/channel/add/", channel_form(return_window_days=14))
    response = admin_client.post("/admin/core/channel/add/", channel_form(slug="web-gbp-2", return_window_days=-3))

    assert Channel.objects.get(slug="web-gbp").return_window_days == 14
    assert response.status_code == 200 and not Channel.objects.filter(slug="web-gbp-2").exists()
