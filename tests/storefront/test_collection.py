import pytest
from bs4 import BeautifulSoup

from tests.factories import CollectionFactory, add_to_collection, sellable_product
from tests.storefront.conftest import add_image

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [t.get_text(strip=True) for t in BeautifulSoup(response.content, "html.parser").select(".card-title")]


def test_a_collection_page_lists_its_products(client, channel):
    sale = CollectionFactory(slug="sale", name="Sale", description="Last sizes.")
    add_to_collection(sale, sellable_product(channel=channel, name="Parka"))
    sellable_product(channel=channel, name="Not in it")

    response = client.get("/en/collections/sale/")

    assert response.status_code == 200
    assert "<h1>Sale</h1>" in response.text and "Last sizes." in response.text
    assert names(response) == ["Parka"]


def test_an_unpublished_or_unknown_collection_is_not_found(client, channel):
    CollectionFactory(slug="hidden", is_published=False)

    assert client.get("/en/collections/hidden/").status_code == 404
    assert client.get("/en/collections/nope/").status_code == 404


def test_with_htmx_a_collection_answers_with_its_results_only(client, channel):
    sale = CollectionFactory(slug="sale")
    add_to_collection(sale, *[sellable_product(channel=channel, name=f"Item {i}") for i in range(3)])

    response = client.get("/en/collections/sale/?sort=name&per_page=2", headers={"HX-Request": "true"})

    assert "<html" not in response.text
    assert names(response) == ["Item 0", "Item 1"]


# Warm: the collection, facets 3 + count + page ids + cards + first images.
COLLECTION_QUERIES = 8


@pytest.mark.parametrize("count", [1, 30])
def test_a_collection_page_takes_the_same_queries_for_one_product_as_for_thirty(
    client, channel, warm, django_assert_num_queries, count
):
    products = [sellable_product(channel=channel) for _ in range(count)]
    for product in products:
        add_image(product)
    add_to_collection(CollectionFactory(slug="big"), *products)
    warm("/en/collections/big/")

    with django_assert_num_queries(COLLECTION_QUERIES):
        client.get("/en/collections/big/")
