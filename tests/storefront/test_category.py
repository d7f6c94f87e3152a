from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache

from tests.factories import (
    AttributeValueFactory,
    BrandFactory,
    CategoryFactory,
    VariantPriceFactory,
    sellable_product,
)
from tests.storefront.conftest import add_image

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    soup = BeautifulSoup(response.content, "html.parser")
    return [tag.get_text(strip=True) for tag in soup.select(".card-title")]


def test_a_category_lists_its_own_products_and_those_of_its_subcategories(client, channel):
    shoes = CategoryFactory(slug="shoes", name="Shoes")
    boots = CategoryFactory(slug="boots", name="Boots", parent=shoes)
    sellable_product(channel=channel, category=shoes, name="Sandal")
    sellable_product(channel=channel, category=boots, name="Ranger")
    sellable_product(channel=channel, name="Hat")

    response = client.get("/en/c/shoes/")

    assert response.status_code == 200
    assert sorted(names(response)) == ["Ranger", "Sandal"]
    assert "<h1>Shoes</h1>" in response.text
    assert 'href="/en/c/boots/"' in response.text


def test_a_card_shows_the_price_the_struck_through_compare_at_price_and_the_stock(client, channel):
    product = sellable_product(channel=channel, price="19.90", stock=3, category=CategoryFactory(slug="tops"))
    VariantPriceFactory._meta.model.objects.filter(variant__product=product).update(compare_at_amount=Decimal("25"))

    response = client.get("/en/c/tops/")

    card = BeautifulSoup(response.content, "html.parser").select_one(".card")
    assert card.select_one(".price .now").get_text() == "€19.90"
    assert card.select_one("s.was").get_text(" ", strip=True) == "Was €25.00"
    assert card.select_one(".stock").get_text() == "Only 3 left"


def test_card_images_are_responsive_and_only_the_first_row_loads_eagerly(client, channel):
    category = CategoryFactory(slug="lamps")
    for i in range(6):
        add_image(sellable_product(channel=channel, category=category, name=f"Lamp {i}"), alt=f"Lamp {i} lit")

    response = client.get("/en/c/lamps/")

    images = BeautifulSoup(response.content, "html.parser").select(".card img")
    assert [img["loading"] for img in images] == ["eager"] * 4 + ["lazy"] * 2
    first = images[0]
    assert first["width"] == "400" and first["height"] == "300"
    assert "320w" in first["srcset"] and "400w" in first["srcset"]
    assert first["sizes"]
    assert first["alt"].startswith("Lamp ") and first["alt"].endswith(" lit")


def test_an_unknown_category_is_not_found(client, channel):
    response = client.get("/en/c/no-such-thing/")

    assert response.status_code == 404
    assert "Page not found" in response.text


def test_the_brand_filter_keeps_only_that_brand(client, channel):
    category = CategoryFactory(slug="bags")
    sellable_product(channel=channel, category=category, name="Tote", brand=BrandFactory(slug="acme"))
    sellable_product(channel=channel, category=category, name="Satchel", brand=BrandFactory(slug="other"))

    response = client.get("/en/c/bags/?brand=acme")

    assert names(response) == ["Tote"]
    assert 'id="brand-acme" name="brand" value="acme" checked' in response.text


def test_an_attribute_filter_keeps_products_with_that_value(client, channel):
    category = CategoryFactory(slug="shirts")
    blue = AttributeValueFactory(slug="blue", name="Blue", attribute__slug="colour", attribute__name="Colour")
    red = AttributeValueFactory(slug="red", name="Red", attribute=blue.attribute)
    sellable_product(channel=channel, category=category, name="Blue shirt").attribute_values.add(blue)
    sellable_product(channel=channel, category=category, name="Red shirt").attribute_values.add(red)

    response = client.get("/en/c/shirts/?colour=blue")

    assert names(response) == ["Blue shirt"]
    assert 'name="colour" value="blue" checked' in response.text


def test_an_unknown_attribute_or_tracking_parameter_does_not_empty_the_listing(client, channel):
    sellable_product(channel=channel, category=CategoryFactory(slug="mugs"), name="Mug")

    response = client.get("/en/c/mugs/?utm_source=newsletter&colour=nope&brand=ghost")

    assert names(response) == ["Mug"]


def test_the_price_range_filter_keeps_prices_inside_it(client, channel):
    category = CategoryFactory(slug="pens")
    for price in ("5.00", "15.00", "25.00"):
        sellable_product(channel=channel, category=category, price=price, name=f"Pen {price}")

    response = client.get("/en/c/pens/?price_min=10&price_max=20")

    assert names(response) == ["Pen 15.00"]


def test_the_in_stock_filter_hides_sold_out_products(client, channel):
    category = CategoryFactory(slug="caps")
    sellable_product(channel=channel, category=category, stock=0, name="Gone")
    sellable_product(channel=channel, category=category, stock=8, name="Here")

    response = client.get("/en/c/caps/?in_stock=1")

    assert names(response) == ["Here"]


def test_sorting_by_price_descending_puts_the_dearest_first(client, channel):
    category = CategoryFactory(slug="rings")
    for price in ("30", "10", "20"):
        sellable_product(channel=channel, category=category, price=price, name=f"Ring {price}")

    response = client.get("/en/c/rings/?sort=price_desc")

    assert names(response) == ["Ring 30", "Ring 20", "Ring 10"]


def test_sorting_by_name_is_alphabetical(client, channel):
    category = CategoryFactory(slug="books")
    for name in ("Moby Dick", "Emma", "Ulysses"):
        sellable_product(channel=channel, category=category, name=name)

    response = client.get("/en/c/books/?sort=name")

    assert names(response) == ["Emma", "Moby Dick", "Ulysses"]


def test_pagination_shows_the_requested_page_and_links_to_the_others(client, channel):
    category = CategoryFactory(slug="socks")
    for i in range(5):
        sellable_product(channel=channel, category=category, name=f"Sock {i}")

    response = client.get("/en/c/socks/?sort=name&per_page=2&page=2")

    assert names(response) == ["Sock 2", "Sock 3"]
    assert "Page 2 of 3" in response.text
    assert 'href="?sort=name&amp;per_page=2&amp;page=1"' in response.text
    assert 'href="?sort=name&amp;per_page=2&amp;page=3"' in response.text


def test_a_page_past_the_end_shows_the_last_page(client, channel):
    category = CategoryFactory(slug="ties")
    for i in range(3):
        sellable_product(channel=channel, category=category, name=f"Tie {i}")

    response = client.get("/en/c/ties/?sort=name&per_page=2&page=999999999999999999999999")

    assert response.status_code == 200
    assert names(response) == ["Tie 2"]


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=-5",
        "page=0",
        "page=%C2%B2",
        "per_page=0",
        "per_page=100000",
        "price_min=xyz&price_max=NaN",
        "price_min=Infinity",
        "price_min=-3",
        "price_max=1e400",
        "price_min=30&price_max=10",
        "sort=drop table",
        "sort=relevance",
        "in_stock=maybe",
        "brand=" + "x" * 5000,
    ],
)
def test_a_malformed_parameter_is_ignored_rather_than_failing(client, channel, query):
    sellable_product(channel=channel, category=CategoryFactory(slug="odd"), name="Still here", price="20")

    response = client.get(f"/en/c/odd/?{query}")

    assert response.status_code == 200
    assert names(response) == ["Still here"]


def test_with_htmx_the_filters_answer_with_the_results_region_only(client, channel):
    category = CategoryFactory(slug="cups")
    sellable_product(channel=channel, category=category, name="Cup", brand=BrandFactory(slug="acme"))
    sellable_product(channel=channel, category=category, name="Bowl", brand=BrandFactory(slug="other"))

    response = client.get("/en/c/cups/?brand=acme", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "<html" not in response.text and "<form" not in response.text
    assert names(response) == ["Cup"]
    assert 'id="result-status" hx-swap-oob="innerHTML">1 product<' in response.text
    assert "HX-Request" in response["Vary"]


def test_without_htmx_the_same_filter_url_answers_with_the_whole_page(client, channel):
    sellable_product(channel=channel, category=CategoryFactory(slug="jugs"), name="Jug")

    response = client.get("/en/c/jugs/?sort=name")

    assert "<html" in response.text
    assert 'hx-get="/en/c/jugs/"' in response.text and 'hx-target="#results"' in response.text
    assert 'hx-push-url="true"' in response.text
    assert 'id="result-status"' in response.text and "hx-swap-oob" not in response.text


def test_with_htmx_pagination_answers_with_the_requested_page_only(client, channel):
    category = CategoryFactory(slug="pots")
    for i in range(3):
        sellable_product(channel=channel, category=category, name=f"Pot {i}")

    response = client.get("/en/c/pots/?sort=name&per_page=2&page=2", headers={"HX-Request": "true"})

    assert "<html" not in response.text
    assert names(response) == ["Pot 2"]
    assert "Page 2 of 2" in response.text


def test_an_htmx_history_restore_gets_the_whole_page(client, channel):
    sellable_product(channel=channel, category=CategoryFactory(slug="vases"), name="Vase")

    response = client.get("/en/c/vases/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})

    assert "<html" in response.text


def make_listing(channel, slug: str, count: int) -> None:
    category = CategoryFactory(slug=slug)
    brand = BrandFactory()
    value = AttributeValueFactory(attribute__slug=f"{slug}-colour")
    for i in range(count):
        product = sellable_product(channel=channel, category=category, brand=brand, name=f"{slug} {i}")
        product.attribute_values.add(value)
        add_image(product)


# Warm (channels, category tree and stock locations cached): facets 3 + count + page ids + cards + first images.
LISTING_QUERIES = 7
CACHED_READS = ("channels", "category tree", "stock locations")


@pytest.mark.parametrize("count", [1, 30])
def test_a_category_page_takes_the_same_queries_for_one_product_as_for_thirty(
    client, channel, warm, django_assert_num_queries, count
):
    make_listing(channel, "many", count)
    warm("/en/c/many/")

    with django_assert_num_queries(LISTING_QUERIES):
        response = client.get("/en/c/many/")

    assert len(names(response)) == min(count, 24)


@pytest.mark.parametrize("query", ["per_page=1", "per_page=24&page=2", "per_page=96", "sort=price_asc&in_stock=1"])
def test_the_category_query_count_does_not_depend_on_page_size_or_filters(
    client, channel, warm, django_assert_num_queries, query
):
    make_listing(channel, "sized", 30)
    warm("/en/c/sized/")

    with django_assert_num_queries(LISTING_QUERIES):
        client.get(f"/en/c/sized/?{query}")


def test_the_first_category_page_after_a_cache_clear_also_loads_channels_and_the_tree(
    client, channel, django_assert_num_queries
):
    make_listing(channel, "cold", 2)
    cache.clear()

    with django_assert_num_queries(LISTING_QUERIES + len(CACHED_READS)):
        client.get("/en/c/cold/")
