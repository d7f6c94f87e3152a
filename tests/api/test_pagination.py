from decimal import Decimal

import pytest

from comptoir.api.pagination import encode_cursor
from tests.api.helpers import assert_problem, walk_pages
from tests.factories import sellable_product

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products"

# Ties on purpose: four products at 20.00, two named Apple and two named Cherry.
CATALOGUE = [
    ("Apple", "10.00"),
    ("Cherry", "20.00"),
    ("Banana", "20.00"),
    ("Cherry", "20.00"),
    ("Date", "5.00"),
    ("Apple", "30.00"),
    ("Elder", "20.00"),
]

EXPECTED_ORDER = {
    "newest": lambda p: (p.created_at, p.pk),
    "price_asc": lambda p: (Decimal(p.test_price), p.pk),
    "price_desc": lambda p: (Decimal(p.test_price), p.pk),
    "name": lambda p: (p.name, p.pk),
}
DESCENDING = {"newest", "price_desc"}


@pytest.fixture
def catalogue(channel):
    products = []
    for i, (name, price) in enumerate(CATALOGUE):
        product = sellable_product(channel=channel, name=name, slug=f"item-{i}", price=price)
        product.test_price = price
        products.append(product)
    return products


@pytest.mark.parametrize("limit", [1, 2, 3])
@pytest.mark.parametrize("sort", ["newest", "price_asc", "price_desc", "name"])
def test_walking_every_page_returns_each_product_once_in_the_sort_order(client, catalogue, sort, limit):
    expected = [p.slug for p in sorted(catalogue, key=EXPECTED_ORDER[sort], reverse=sort in DESCENDING)]

    slugs, pages = walk_pages(client, PRODUCTS, {"sort": sort, "limit": limit})

    assert slugs == expected
    assert pages == -(-len(catalogue) // limit)


def test_walking_search_results_keeps_the_ranking_across_pages(client, catalogue, monkeypatch):
    ranking = [catalogue[i].pk for i in (4, 0, 6, 2, 5)]
    monkeypatch.setattr("comptoir.catalog.search.search_product_ids", lambda query, *, limit: ranking[:limit])

    slugs, pages = walk_pages(client, PRODUCTS, {"q": "fruit", "limit": 2})

    assert slugs == ["item-4", "item-0", "item-6", "item-2", "item-5"]
    assert pages == 3


def test_a_search_can_be_walked_by_price_too(client, catalogue, monkeypatch):
    ranking = [catalogue[i].pk for i in (1, 2, 3, 4)]
    monkeypatch.setattr("comptoir.catalog.search.search_product_ids", lambda query, *, limit: ranking[:limit])

    slugs, _ = walk_pages(client, PRODUCTS, {"q": "fruit", "sort": "price_asc", "limit": 1})

    assert slugs == ["item-4", "item-1", "item-2", "item-3"]


def test_a_product_added_between_two_pages_neither_repeats_nor_shifts_the_next_page(client, channel, catalogue):
    first = client.get(PRODUCTS, {"sort": "newest", "limit": 3}).json()
    sellable_product(channel=channel, slug="brand-new")

    second = client.get(PRODUCTS, {"sort": "newest", "limit": 3, "cursor": first["next_cursor"]}).json()

    assert [item["slug"] for item in second["items"]] == ["item-3", "item-2", "item-1"]


def test_the_last_page_has_no_next_cursor(client, catalogue):
    body = client.get(PRODUCTS, {"limit": len(catalogue)}).json()

    assert len(body["items"]) == len(catalogue)
    assert body["next_cursor"] is None


def test_a_cursor_from_one_sort_is_refused_for_another(client, catalogue):
    cursor = client.get(PRODUCTS, {"sort": "name", "limit": 2}).json()["next_cursor"]

    response = client.get(PRODUCTS, {"sort": "price_asc", "cursor": cursor})

    assert_problem(response, status=400, code="invalid-cursor")


@pytest.mark.parametrize("cursor", ["not-a-cursor", "!!!", "a", "eyJvIjpbXX0", "x" * 2000])
def test_a_malformed_cursor_is_a_400_problem(client, catalogue, cursor):
    response = client.get(PRODUCTS, {"cursor": cursor})

    assert_problem(response, status=400, code="invalid-cursor")


def test_an_edited_cursor_is_a_400_problem(client, catalogue):
    cursor = client.get(PRODUCTS, {"limit": 2}).json()["next_cursor"]
    edited = cursor[:-3] + ("AAA" if cursor[-3:] != "AAA" else "BBB")

    response = client.get(PRODUCTS, {"cursor": edited})

    assert_problem(response, status=400, code="invalid-cursor")


def test_a_cursor_made_with_another_secret_is_a_400_problem(client, catalogue, settings):
    settings.SECRET_KEY = "another-shop"
    foreign = encode_cursor(["-created_at", "-pk"], [catalogue[0].created_at, catalogue[0].pk])
    settings.SECRET_KEY = "comptoir-tests"

    response = client.get(PRODUCTS, {"cursor": foreign})

    assert_problem(response, status=400, code="invalid-cursor")


@pytest.mark.parametrize("values", [[{"t": "yesterday"}, 1], [{"t": "2024-01-01T10:00:00"}, 1], [1.5, 1], ["x"]])
def test_a_signed_cursor_with_values_of_the_wrong_kind_is_a_400_problem(client, catalogue, values):
    # A cursor we signed ourselves but whose values cannot be read back (e.g. after a format change).
    from comptoir.api import pagination

    payload = pagination.json.dumps({"o": ["-created_at", "-pk"], "v": values}).encode()
    token = pagination.base64.urlsafe_b64encode(pagination._mac(payload) + payload).decode().rstrip("=")

    response = client.get(PRODUCTS, {"cursor": token})

    assert_problem(response, status=400, code="invalid-cursor")
