"""Fragments a page rendered anyway reuses: the category menu and a product's detail."""

import pytest

from comptoir.catalog.services import categories_changed
from comptoir.pricing.services import set_variant_prices
from tests.factories import CategoryFactory, sellable_product
from tests.orders.account_factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer_client(client):
    client.force_login(make_customer())
    return client


def test_a_signed_in_customers_page_reuses_the_product_detail_fragment(
    customer_client, channel, django_assert_num_queries
):
    product = sellable_product(channel=channel)
    customer_client.get(f"/en/p/{product.slug}/")
    customer_client.get(f"/en/p/{product.slug}/")  # the session row is read again, nothing else

    with django_assert_num_queries(2):  # the session and the customer; the product comes from the cache
        response = customer_client.get(f"/en/p/{product.slug}/")

    assert response.status_code == 200 and "X-Cache" not in response


def test_a_variant_choice_reuses_the_detail_read_for_the_whole_page(client, channel, django_assert_num_queries):
    product = sellable_product(channel=channel, variants=2)
    client.get(f"/en/p/{product.slug}/")
    variant = product.variants.order_by("position").last()

    with django_assert_num_queries(0):
        response = client.get(f"/en/p/{product.slug}/", {"variant": variant.pk}, headers={"HX-Request": "true"})

    assert response["X-Cache"] == "miss" and variant.sku in response.text


def test_the_detail_fragment_follows_a_price_change(customer_client, channel, commit):
    product = sellable_product(channel=channel, price="19.90")
    customer_client.get(f"/en/p/{product.slug}/")

    commit(set_variant_prices, variant_id=product.variants.get().pk, prices={channel.pk: "24.50"})
    response = customer_client.get(f"/en/p/{product.slug}/")

    assert "€24.50" in response.text and "€19.90" not in response.text


def test_the_menu_fragment_follows_a_new_category(customer_client, channel, commit):
    product = sellable_product(channel=channel)
    customer_client.get(f"/en/p/{product.slug}/")

    def add_category():
        CategoryFactory(name="Teapots", slug="teapots")
        categories_changed()

    commit(add_category)

    assert 'href="/en/c/teapots/"' in customer_client.get(f"/en/p/{product.slug}/").text


def test_the_menu_fragment_is_kept_per_language_and_current_category(client, channel):
    CategoryFactory(name="Mugs", slug="mugs")
    sellable_product(channel=channel, category=CategoryFactory(name="Cups", slug="cups"))

    english = client.get("/en/c/cups/").text
    french = client.get("/fr/c/cups/").text
    other = client.get("/en/c/mugs/").text

    assert 'href="/en/c/cups/" aria-current="page"' in english
    assert 'href="/fr/c/cups/" aria-current="page"' in french and 'href="/en/c/' not in french
    assert 'href="/en/c/mugs/" aria-current="page"' in other and 'href="/en/c/cups/" aria-current' not in other


def test_the_home_shelves_are_reused_and_follow_a_price_change(customer_client, channel, commit):
    from tests.factories import CollectionFactory, add_to_collection

    product = sellable_product(channel=channel, price="19.90")
    add_to_collection(CollectionFactory(is_published=True), product)
    assert "€19.90" in customer_client.get("/en/").text

    commit(set_variant_prices, variant_id=product.variants.get().pk, prices={channel.pk: "24.50"})

    assert "€24.50" in customer_client.get("/en/").text


def test_a_category_page_rendered_again_reuses_its_cards_and_follows_a_price_change(
    customer_client, channel, commit, django_assert_num_queries
):
    product = sellable_product(channel=channel, price="19.90", category=CategoryFactory(slug="mugs"))
    customer_client.get("/en/c/mugs/")
    customer_client.get("/en/c/mugs/")

    with django_assert_num_queries(0):  # rendered again (the customer's page is not cached), from fragments
        again = customer_client.get("/en/c/mugs/")
    commit(set_variant_prices, variant_id=product.variants.get().pk, prices={channel.pk: "24.50"})
    after = customer_client.get("/en/c/mugs/")

    assert "X-Cache" not in again and "€19.90" in again.text
    assert "€24.50" in after.text and "€19.90" not in after.text


def test_listing_fragments_are_kept_apart_by_filter_sort_and_page(client, channel):
    category = CategoryFactory(slug="mugs")
    cheap = sellable_product(channel=channel, name="Cheap mug", price="5.00", category=category)
    dear = sellable_product(channel=channel, name="Dear mug", price="50.00", category=category)

    ascending = client.get("/en/c/mugs/", {"sort": "price_asc"}).text
    descending = client.get("/en/c/mugs/", {"sort": "price_desc"}).text

    assert ascending.index(cheap.name) < ascending.index(dear.name)
    assert descending.index(dear.name) < descending.index(cheap.name)
