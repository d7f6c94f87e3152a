import pytest

from tests.api.helpers import assert_problem
from tests.factories import CategoryFactory, CollectionFactory, add_to_collection, sellable_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(db):
    """home > (kitchen > cups, garden); clothes"""
    home = CategoryFactory(slug="home", name="Home", position=0)
    kitchen = CategoryFactory(slug="kitchen", name="Kitchen", parent=home, position=0)
    CategoryFactory(slug="cups", name="Cups", parent=kitchen, description="For tea.")
    CategoryFactory(slug="garden", name="Garden", parent=home, position=1)
    CategoryFactory(slug="clothes", name="Clothes", position=1)


def outline(nodes) -> list:
    return [(node["slug"], outline(node["children"])) for node in nodes]


# --- Categories ---------------------------------------------------------------------------------


def test_the_category_tree_is_nested_in_the_merchants_order(client, tree):
    response = client.get("/api/v1/categories")

    assert response.status_code == 200
    assert outline(response.json()) == [
        ("home", [("kitchen", [("cups", [])]), ("garden", [])]),
        ("clothes", []),
    ]
    assert response.json()[0]["url"] == "http://testserver/en/c/home/"


def test_a_category_shows_its_breadcrumbs_children_and_where_its_products_are(client, tree):
    response = client.get("/api/v1/categories/kitchen", headers={"Accept-Language": "fr"})

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Kitchen"
    assert [crumb["slug"] for crumb in body["breadcrumbs"]] == ["home"]
    assert outline(body["children"]) == [("cups", [])]
    assert body["url"] == "http://testserver/fr/c/kitchen/"
    assert body["products_url"] == "http://testserver/api/v1/products?category=kitchen"


def test_a_categorys_products_url_lists_its_products_and_those_below_it(client, channel, tree):
    from comptoir.catalog.models import Category

    sellable_product(channel=channel, slug="teacup", category=Category.objects.get(slug="cups"))
    products_url = client.get("/api/v1/categories/home").json()["products_url"]

    response = client.get(products_url)

    assert [item["slug"] for item in response.json()["items"]] == ["teacup"]


def test_an_unknown_category_is_a_404_problem(client, tree):
    response = client.get("/api/v1/categories/nowhere")

    assert_problem(response, status=404, code="category-not-found")


@pytest.mark.parametrize("count", [1, 40])
def test_the_category_tree_takes_one_query_however_big_it_is(client, count, django_assert_num_queries):
    parent = None
    for i in range(count):
        parent = CategoryFactory(parent=parent if i % 3 else None)

    with django_assert_num_queries(1):
        response = client.get("/api/v1/categories")
    with django_assert_num_queries(0):  # cached until the catalogue changes
        client.get(f"/api/v1/categories/{parent.slug}")

    assert response.status_code == 200


# --- Collections --------------------------------------------------------------------------------


def test_only_published_collections_are_listed(client, db):
    CollectionFactory(slug="summer", name="Summer", position=1)
    CollectionFactory(slug="new-in", name="New in", position=0, is_featured=False)
    CollectionFactory(slug="hidden", is_published=False)

    response = client.get("/api/v1/collections")

    assert [(c["slug"], c["is_featured"]) for c in response.json()] == [("new-in", False), ("summer", True)]
    assert response.json()[1]["products_url"] == "http://testserver/api/v1/products?collection=summer"
    assert response.json()[1]["url"] == "http://testserver/en/collections/summer/"


def test_a_collection_comes_with_the_first_page_of_its_products_in_the_channel(client, channel, usd_channel):
    summer = CollectionFactory(slug="summer")
    add_to_collection(
        summer,
        sellable_product(channel=channel, slug="hat"),
        sellable_product(channel=channel, slug="sunglasses"),
        sellable_product(channel=usd_channel, slug="us-only"),
    )

    body = client.get("/api/v1/collections/summer", {"limit": 1}).json()

    assert [item["slug"] for item in body["products"]["items"]] == ["sunglasses"]
    next_page = client.get(body["products_url"], {"cursor": body["products"]["next_cursor"], "limit": 1}).json()
    assert [item["slug"] for item in next_page["items"]] == ["hat"]


@pytest.mark.parametrize("slug", ["nowhere", "hidden"])
def test_an_unknown_or_unpublished_collection_is_a_404_problem(client, channel, slug):
    CollectionFactory(slug="hidden", is_published=False)

    assert_problem(client.get(f"/api/v1/collections/{slug}"), status=404, code="not-found")


@pytest.mark.parametrize("count", [1, 30])
def test_collections_take_a_fixed_number_of_queries(client, channel, count, django_assert_num_queries):
    collections = CollectionFactory.create_batch(count)
    add_to_collection(collections[0], *[sellable_product(channel=channel) for _ in range(count)])

    with django_assert_num_queries(1):
        assert len(client.get("/api/v1/collections").json()) == count
    # channels, the collection, the channel's stock locations, its page, the cards, their images
    with django_assert_num_queries(6):
        body = client.get(f"/api/v1/collections/{collections[0].slug}", {"limit": 100}).json()

    assert len(body["products"]["items"]) == count
