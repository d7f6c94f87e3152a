import pytest
from bs4 import BeautifulSoup
from django.conf import settings

from comptoir.catalog.search import reindex_products
from tests.factories import BrandFactory, CategoryFactory, sellable_product
from tests.storefront.conftest import add_image

# InnoDB adds rows to a FULLTEXT index only when their transaction commits: on MariaDB these tests commit.
ON_MARIADB = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.mysql"
pytestmark = pytest.mark.django_db(transaction=ON_MARIADB)


def names(response) -> list[str]:
    return [t.get_text(strip=True) for t in BeautifulSoup(response.content, "html.parser").select(".card-title")]


def indexed(*products):
    reindex_products([p.pk for p in products])
    return products


def test_search_lists_the_matching_products_as_cards(client, channel):
    indexed(
        sellable_product(channel=channel, name="Wool sweater"),
        sellable_product(channel=channel, name="Wool socks"),
        sellable_product(channel=channel, name="Cotton shirt"),
    )

    response = client.get("/en/search/?q=wool")

    assert response.status_code == 200
    assert sorted(names(response)) == ["Wool socks", "Wool sweater"]
    assert "Results for “wool”" in response.text
    assert '<meta name="robots" content="noindex">' in response.text


def test_search_only_shows_products_visible_in_the_channel(client, channel, usd_channel):
    indexed(sellable_product(channel=usd_channel, name="Wool hat"), sellable_product(channel=channel, name="Wool cap"))

    response = client.get("/en/search/?q=wool")

    assert names(response) == ["Wool cap"]


def test_an_empty_search_shows_a_helpful_page(client, channel):
    CategoryFactory(slug="kitchen", name="Kitchen")

    response = client.get("/en/search/?q=++")

    assert response.status_code == 200
    assert "Type a product name, a brand or a SKU" in response.text
    assert 'href="/en/c/kitchen/"' in response.text


def test_a_search_with_no_match_suggests_what_to_try(client, channel):
    indexed(sellable_product(channel=channel, name="Teapot"))

    response = client.get("/en/search/?q=zeppelin")

    assert "Nothing matches “zeppelin”" in response.text


def test_search_results_are_paginated_and_keep_the_query_in_the_links(client, channel):
    indexed(*[sellable_product(channel=channel, name=f"Candle {i}") for i in range(5)])

    response = client.get("/en/search/?q=candle&per_page=2&page=3")

    assert len(names(response)) == 1
    assert "Page 3 of 3" in response.text
    assert 'href="?q=candle&amp;per_page=2&amp;page=2"' in response.text


def test_search_results_can_be_filtered_by_brand_with_htmx(client, channel):
    acme = BrandFactory(slug="acme", name="Acme")
    indexed(
        sellable_product(channel=channel, name="Lamp one", brand=acme),
        sellable_product(channel=channel, name="Lamp two"),
    )

    response = client.get("/en/search/?q=lamp&brand=acme", headers={"HX-Request": "true"})

    assert "<html" not in response.text
    assert names(response) == ["Lamp one"]


@pytest.mark.parametrize("query", ["q=" + "a" * 5000, "q=(((", 'q="', "q=*", "q=lamp&page=abc&sort=zzz"])
def test_odd_search_text_never_fails(client, channel, query):
    indexed(sellable_product(channel=channel, name="Lamp"))

    response = client.get(f"/en/search/?{query}")

    assert response.status_code == 200


def test_a_search_with_a_nul_character_is_refused_as_a_bad_request(client, channel):
    response = client.get("/en/search/?q=lamp%00")

    assert response.status_code == 400


# Warm: search ids, then facets 3 + count + page ids + cards + first images.
SEARCH_QUERIES = 8


@pytest.mark.parametrize("count", [1, 30])
def test_search_takes_the_same_queries_for_one_result_as_for_thirty(
    client, channel, warm, django_assert_num_queries, count
):
    products = [sellable_product(channel=channel, name=f"Kettle {i}") for i in range(count)]
    for product in products:
        add_image(product)
    indexed(*products)
    warm("/en/search/?q=kettle")

    with django_assert_num_queries(SEARCH_QUERIES):
        response = client.get("/en/search/?q=kettle")

    assert len(names(response)) == min(count, 24)


def test_an_empty_search_makes_no_catalogue_query(client, channel, warm, django_assert_num_queries):
    warm("/en/")

    with django_assert_num_queries(0):
        client.get("/en/search/?q=")
