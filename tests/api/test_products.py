from decimal import Decimal

import pytest

from comptoir.catalog import search
from comptoir.catalog.models import Product, ProductStatus
from comptoir.catalog.services import add_product_image
from comptoir.pricing.models import VariantPrice
from tests.api.helpers import assert_problem
from tests.factories import (
    AttributeValueFactory,
    BrandFactory,
    CategoryFactory,
    CollectionFactory,
    ProductFactory,
    VariantFactory,
    VariantPriceFactory,
    add_to_collection,
    image_bytes,
    sellable_product,
)

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products"


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["items"]]


# --- Listing ------------------------------------------------------------------------------------


def test_a_listed_product_shows_its_price_as_a_decimal_string_with_its_currency(client, channel):
    sellable_product(channel=channel, price="19.9", stock=3, slug="mug", name="Mug", brand__slug="acme")

    response = client.get(PRODUCTS)

    assert response.status_code == 200
    item = response.json()["items"][0]
    assert item["price"]["amount"] == "19.90"
    assert item["price"]["currency"] == "EUR"
    assert item["compare_at_price"] is None
    assert item["stock"] == {"code": "low_stock", "quantity": 3, "expected_on": None, "label": "Only 3 left"}
    assert item["brand"]["slug"] == "acme"
    assert item["kind"] == "physical"
    assert item["url"] == "http://testserver/en/p/mug/"
    assert response.json()["next_cursor"] is None


def test_a_discounted_product_shows_its_former_price_and_is_on_sale(client, channel):
    product = sellable_product(channel=channel, price="15.00")
    VariantPrice.objects.filter(variant__product=product).update(compare_at_amount=Decimal("20"))

    item = client.get(PRODUCTS).json()["items"][0]

    assert item["compare_at_price"]["amount"] == "20.00"
    assert item["on_sale"] is True


def test_a_product_image_comes_with_absolute_urls_and_its_size(client, channel):
    product = sellable_product(channel=channel)
    add_product_image(product_id=product.pk, filename="mug.png", data=image_bytes(400, 300), alt="A mug")

    image = client.get(PRODUCTS).json()["items"][0]["image"]

    assert image["url"].startswith("http://testserver/media/products/")
    assert image["srcset"].startswith("http://testserver/media/") and image["srcset"].endswith(" 400w")
    assert (image["width"], image["height"], image["alt"]) == (400, 300, "A mug")


def test_prices_are_formatted_in_the_language_the_client_asks_for(client, channel):
    sellable_product(channel=channel, price="1234.50", slug="desk")

    response = client.get(PRODUCTS, headers={"Accept-Language": "fr"})

    item = response.json()["items"][0]
    assert item["price"]["amount"] == "1234.50"
    assert item["price"]["formatted"].replace("\u202f", " ").replace("\xa0", " ") == "1 234,50 €"
    assert item["url"] == "http://testserver/fr/p/desk/"
    assert response["Content-Language"] == "fr"


def test_the_channel_parameter_reads_another_channels_products_and_prices(client, channel, usd_channel):
    sellable_product(channel=channel, slug="eur-only")
    sellable_product(channel=usd_channel, slug="usd-only", price="25.00")

    response = client.get(PRODUCTS, {"channel": "web-usd"})

    assert slugs(response) == ["usd-only"]
    assert response.json()["items"][0]["price"]["currency"] == "USD"


def test_without_a_channel_parameter_the_default_channel_is_read(client, channel, usd_channel):
    sellable_product(channel=channel, slug="eur-only")
    sellable_product(channel=usd_channel, slug="usd-only")

    assert slugs(client.get(PRODUCTS)) == ["eur-only"]


def test_an_unknown_channel_is_a_404_problem(client, channel):
    response = client.get(PRODUCTS, {"channel": "nowhere"})

    assert_problem(response, status=404, code="not-found")


def test_draft_products_are_not_listed(client, channel):
    sellable_product(channel=channel, status=ProductStatus.DRAFT)

    assert slugs(client.get(PRODUCTS)) == []


# --- Filters ------------------------------------------------------------------------------------


def test_a_category_filter_includes_products_of_its_sub_categories(client, channel):
    clothes = CategoryFactory(slug="clothes")
    shirts = CategoryFactory(slug="shirts", parent=clothes)
    sellable_product(channel=channel, slug="shirt", name="Shirt", category=shirts)
    sellable_product(channel=channel, slug="coat", name="Coat", category=clothes)
    sellable_product(channel=channel, slug="lamp", name="Lamp")

    response = client.get(PRODUCTS, {"category": "clothes", "sort": "name"})

    assert slugs(response) == ["coat", "shirt"]


def test_an_unknown_category_filter_matches_nothing(client, channel):
    sellable_product(channel=channel)

    assert slugs(client.get(PRODUCTS, {"category": "no-such-category"})) == []


def test_a_collection_filter_keeps_its_products_only(client, channel):
    summer = CollectionFactory(slug="summer")
    add_to_collection(summer, sellable_product(channel=channel, slug="hat"))
    sellable_product(channel=channel, slug="scarf")

    assert slugs(client.get(PRODUCTS, {"collection": "summer"})) == ["hat"]


def test_several_brands_can_be_asked_for_at_once(client, channel):
    for brand in ("acme", "globex", "initech"):
        sellable_product(channel=channel, slug=f"by-{brand}", name=f"By {brand}", brand=BrandFactory(slug=brand))

    response = client.get(PRODUCTS, {"brand": ["acme", "initech"], "sort": "name"})

    assert slugs(response) == ["by-acme", "by-initech"]


def test_attribute_filters_are_alternatives_within_an_attribute_and_all_apply_across(client, channel):
    blue = AttributeValueFactory(attribute__slug="colour", slug="blue")
    red = AttributeValueFactory(attribute=blue.attribute, slug="red")
    cotton = AttributeValueFactory(attribute__slug="material", slug="cotton")
    for slug, values in {"blue-cotton": [blue, cotton], "red-cotton": [red, cotton], "blue-wool": [blue]}.items():
        sellable_product(channel=channel, slug=slug, name=slug).attribute_values.set(values)

    response = client.get(PRODUCTS, {"attr": ["colour:blue", "colour:red", "material:cotton"], "sort": "name"})

    assert slugs(response) == ["blue-cotton", "red-cotton"]


def test_a_price_range_keeps_products_whose_price_is_inside_it(client, channel):
    for price in ("5.00", "10.00", "15.50", "20.00"):
        sellable_product(channel=channel, slug=f"at-{price}", price=price)

    response = client.get(PRODUCTS, {"price_min": "10", "price_max": "15.50", "sort": "price_asc"})

    assert slugs(response) == ["at-10.00", "at-15.50"]


def test_the_in_stock_filter_hides_what_cannot_be_bought(client, channel):
    sellable_product(channel=channel, slug="sold-out", stock=0)
    sellable_product(channel=channel, slug="available", stock=4)

    assert slugs(client.get(PRODUCTS, {"in_stock": "true"})) == ["available"]


# Committed data: InnoDB's FULLTEXT index (MariaDB/MySQL) sees rows only once their transaction commits.
@pytest.mark.django_db(transaction=True)
def test_a_search_returns_only_matching_products(client, channel):
    teapot = sellable_product(channel=channel, slug="teapot", name="Blue teapot")
    lamp = sellable_product(channel=channel, slug="lamp", name="Desk lamp")
    search.reindex_products([teapot.pk, lamp.pk])  # factories write rows directly, around the services

    assert slugs(client.get(PRODUCTS, {"q": "teapot"})) == ["teapot"]


def test_search_results_keep_the_search_ranking_by_default(client, channel, monkeypatch):
    products = [sellable_product(channel=channel, slug=f"p{i}") for i in range(3)]
    ranking = [products[2].pk, products[0].pk, products[1].pk]
    monkeypatch.setattr("comptoir.catalog.search.search_product_ids", lambda query, *, limit: ranking[:limit])

    assert slugs(client.get(PRODUCTS, {"q": "anything"})) == ["p2", "p0", "p1"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "1000"}, "limit"),
        ({"price_min": "abc"}, "price_min"),
        ({"price_min": "NaN"}, "price_min"),
        ({"price_min": "-1"}, "price_min"),
        ({"price_min": "20", "price_max": "10"}, "price_max"),
        ({"sort": "cheapest"}, "sort"),
        ({"attr": "colour"}, "attr"),
        ({"in_stock": "perhaps"}, "in_stock"),
    ],
)
def test_a_bad_listing_parameter_is_a_422_problem_naming_it(client, channel, params, field):
    response = client.get(PRODUCTS, params)

    body = assert_problem(response, status=422, code="validation-error")
    assert [error["loc"] for error in body["errors"]] == [["query", field]]
    assert all(error["message"] for error in body["errors"])


# --- Product detail -----------------------------------------------------------------------------


def test_a_product_shows_its_variants_options_attributes_and_breadcrumbs(client, channel):
    home = CategoryFactory(slug="home", name="Home")
    kitchen = CategoryFactory(slug="kitchen", name="Kitchen", parent=home)
    size_s = AttributeValueFactory(attribute__slug="size", attribute__name="Size", slug="s", name="S")
    size_m = AttributeValueFactory(attribute=size_s.attribute, slug="m", name="M", position=1)
    material = AttributeValueFactory(attribute__name="Material", name="Stoneware")
    product = sellable_product(channel=channel, slug="mug", variants=2, stock=7, category=kitchen)
    product.attribute_values.add(material)
    small, medium = product.variants.order_by("position")
    small.option_values.add(size_s)
    medium.option_values.add(size_m)

    response = client.get("/api/v1/products/mug")

    assert response.status_code == 200
    body = response.json()
    assert [v["sku"] for v in body["variants"]] == [small.sku, medium.sku]
    assert body["variants"][1]["options"] == {"size": "m"}
    assert body["variants"][0]["price"]["amount"] == "19.90"
    assert body["variants"][0]["stock"]["code"] == "in_stock"
    assert body["options"] == [
        {
            "slug": "size",
            "name": "Size",
            "choices": [{"slug": "s", "name": "S", "swatch": ""}, {"slug": "m", "name": "M", "swatch": ""}],
        }
    ]
    assert body["attributes"] == [{"name": "Material", "value": "Stoneware"}]
    assert [c["slug"] for c in body["breadcrumbs"]] == ["home", "kitchen"]
    assert body["category"]["slug"] == "kitchen"
    assert body["price_min"]["amount"] == body["price_max"]["amount"] == "19.90"
    assert body["url"] == "http://testserver/en/p/mug/"


def test_a_product_description_is_served_without_scripts(client, channel):
    sellable_product(channel=channel, slug="mug", description='<p onclick="x()">Nice</p><script>alert(1)</script>')

    description = client.get("/api/v1/products/mug").json()["description"]

    assert description == "<p>Nice</p>"


def test_a_product_lists_its_images_with_ids_that_variants_refer_to(client, channel):
    product = sellable_product(channel=channel, slug="mug")
    variant = product.variants.get()
    media = add_product_image(
        product_id=product.pk, filename="m.png", data=image_bytes(80, 60), variant_ids=[variant.pk]
    )

    body = client.get("/api/v1/products/mug").json()

    assert [image["id"] for image in body["images"]] == [media.pk]
    assert body["variants"][0]["image_ids"] == [media.pk]


def test_an_unknown_product_is_a_404_problem(client, channel):
    response = client.get("/api/v1/products/nothing-here")

    assert_problem(response, status=404, code="product-not-found")


def test_an_unpublished_product_is_a_404_problem(client, channel):
    sellable_product(channel=channel, slug="secret", status=ProductStatus.DRAFT)

    assert_problem(client.get("/api/v1/products/secret"), status=404, code="product-not-found")


def test_a_product_sold_only_in_another_channel_is_a_404_in_this_one(client, channel, usd_channel):
    sellable_product(channel=usd_channel, slug="us-only", price="12.00")

    assert_problem(client.get("/api/v1/products/us-only"), status=404, code="product-not-found")
    response = client.get("/api/v1/products/us-only", {"channel": "web-usd"})
    assert response.json()["variants"][0]["price"]["currency"] == "USD"


# --- Query counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 30])
def test_a_listing_page_takes_five_queries_however_many_products_it_shows(
    client, channel, count, django_assert_num_queries
):
    for i in range(count):
        product = sellable_product(channel=channel, price=f"{10 + i}.00")
        if i < 3:
            add_product_image(product_id=product.pk, filename="p.png", data=image_bytes(64, 48))

    # channels and the channel's stock locations (both cached afterwards), the page, its cards, the images
    with django_assert_num_queries(5):
        response = client.get(PRODUCTS, {"limit": 100, "sort": "price_desc"})

    assert len(response.json()["items"]) == count


@pytest.mark.parametrize("count", [1, 30])
def test_a_filtered_search_page_after_a_cursor_takes_a_fixed_number_of_queries(
    client, channel, count, django_assert_num_queries, monkeypatch
):
    summer = CollectionFactory(slug="summer")
    category = CategoryFactory(slug="hats")
    products = [sellable_product(channel=channel, name=f"Hat {i}", category=category) for i in range(count + 1)]
    add_to_collection(summer, *products)
    ids = [product.pk for product in products]
    # The search backend's own query count is its tests' business; one query stands in for it here.
    monkeypatch.setattr(
        "comptoir.catalog.search.search_product_ids",
        lambda query, *, limit: list(Product.objects.filter(pk__in=ids).values_list("pk", flat=True)[:limit]),
    )
    params = {"q": "hat", "collection": "summer", "category": "hats", "sort": "name", "limit": 1}
    cursor = client.get(PRODUCTS, params).json()["next_cursor"]

    # the collection, the search, the page, its cards, the images (channels and the category tree are cached)
    with django_assert_num_queries(5):
        response = client.get(PRODUCTS, {**params, "limit": 100, "cursor": cursor})

    assert len(response.json()["items"]) == count


@pytest.mark.parametrize("variants", [1, 8])
def test_a_product_page_takes_the_same_queries_for_one_variant_and_for_eight(
    client, channel, variants, django_assert_num_queries
):
    product = sellable_product(channel=channel, slug="shirt", variants=variants)
    size = AttributeValueFactory(attribute__slug="size")
    for variant in product.variants.all():
        variant.option_values.add(size)
        add_product_image(product_id=product.pk, filename="v.png", data=image_bytes(64, 48), variant_ids=[variant.pk])
    client.get("/api/v1/products/shirt")  # fills the channel and category caches

    # the product; variants, their options, its attributes, images and their variants; prices; stock
    with django_assert_num_queries(8):
        response = client.get("/api/v1/products/shirt")

    assert len(response.json()["variants"]) == variants


def test_a_variant_without_a_price_in_the_channel_has_no_price(client, channel):
    product = ProductFactory(channels=[channel], slug="partly-priced")
    VariantPriceFactory(variant=VariantFactory(product=product, position=0), channel=channel)
    VariantFactory(product=product, position=1)

    body = client.get("/api/v1/products/partly-priced").json()

    assert [v["price"] is None for v in body["variants"]] == [False, True]
