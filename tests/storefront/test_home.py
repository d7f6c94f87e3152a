import pytest
from bs4 import BeautifulSoup

from tests.factories import CategoryFactory, CollectionFactory, add_to_collection, sellable_product
from tests.storefront.conftest import add_image

pytestmark = pytest.mark.django_db


def test_the_root_redirects_to_the_home_page_in_the_browsers_language(client, channel):
    response = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})

    assert response.status_code == 302
    assert response["Location"] == "/fr/"
    assert "Accept-Language" in response["Vary"]


def test_the_root_follows_the_language_the_buyer_chose_over_the_browsers(client, channel):
    client.cookies["django_language"] = "en"

    response = client.get("/", headers={"Accept-Language": "fr"})

    assert response["Location"] == "/en/"


def test_the_root_falls_back_to_the_shop_language_for_an_unknown_one(client, channel):
    response = client.get("/", headers={"Accept-Language": "ja"})

    assert response["Location"] == "/en/"


def test_the_home_page_shows_featured_collections_as_shelves_of_cards(client, channel):
    summer = CollectionFactory(name="Summer", slug="summer", position=0)
    winter = CollectionFactory(name="Winter", slug="winter", position=1)
    add_to_collection(summer, sellable_product(channel=channel, name="Sandals"))
    add_to_collection(winter, sellable_product(channel=channel, name="Scarf"))

    response = client.get("/en/")

    page = BeautifulSoup(response.content, "html.parser")
    shelves = page.select("section.shelf")
    assert [s.h2.get_text() for s in shelves] == ["Summer", "Winter"]
    assert [h.get_text() for h in shelves[0].select("h3.card-title")] == ["Sandals"]
    assert shelves[0].select_one('a[href="/en/collections/summer/"]')


def test_the_home_page_links_to_the_top_level_categories(client, channel):
    parent = CategoryFactory(slug="garden", name="Garden")
    CategoryFactory(slug="tools", name="Tools", parent=parent)

    response = client.get("/en/")

    page = BeautifulSoup(response.content, "html.parser")
    assert [a["href"] for a in page.select("section.categories a")] == ["/en/c/garden/"]
    assert page.select_one('nav.menu a[href="/en/c/tools/"]')  # the whole tree is in the menu


def test_the_home_page_of_a_shop_without_channel_says_it_opens_soon(client, db):
    response = client.get("/en/")

    assert response.status_code == 200
    assert "The shop opens soon" in response.text


def test_the_first_shelf_loads_its_images_eagerly_and_the_others_lazily(client, channel):
    for name in ("First", "Second"):
        collection = CollectionFactory(name=name)
        product = sellable_product(channel=channel)
        add_image(product)
        add_to_collection(collection, product)

    response = client.get("/en/")

    loading = [img["loading"] for img in BeautifulSoup(response.content, "html.parser").select(".shelf img")]
    assert loading == ["eager", "lazy"]


# Warm: featured collections, memberships, products, first images.
HOME_QUERIES = 4


@pytest.mark.parametrize(("collections", "per_collection"), [(1, 1), (4, 8)])
def test_the_home_page_takes_the_same_queries_for_one_shelf_as_for_many(
    client, channel, warm, django_assert_num_queries, collections, per_collection
):
    for _ in range(collections):
        products = [sellable_product(channel=channel) for _ in range(per_collection)]
        for product in products:
            add_image(product)
        add_to_collection(CollectionFactory(), *products)
    warm("/en/")

    with django_assert_num_queries(HOME_QUERIES):
        response = client.get("/en/")

    assert response.text.count('class="card"') == collections * per_collection


def test_an_anonymous_visit_does_not_touch_the_session(client, channel):
    client.get("/en/")

    response = client.get("/en/")

    assert "sessionid" not in response.cookies
