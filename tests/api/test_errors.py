import logging

import pytest
from django.http import Http404

from comptoir.core.errors import ConflictError
from tests.api.helpers import assert_problem
from tests.factories import sellable_product

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/v2/products", "/api/v1/products/", "/api/", "/api"])
def test_an_unknown_api_address_is_a_404_problem_not_a_page(client, channel, path):
    response = client.get(path)

    body = assert_problem(response, status=404, code="not-found")
    assert body["instance"] == path


def test_a_wrong_method_is_a_405_problem_that_says_which_methods_work(client, channel):
    response = client.post("/api/v1/products", {"name": "x"})

    body = assert_problem(response, status=405, code="method-not-allowed")
    assert response["Allow"] == "GET"
    assert "POST" in body["detail"]


def test_a_domain_error_keeps_its_type_status_and_data(client, channel, monkeypatch):
    def refuse(**kwargs):
        raise ConflictError("This product is being edited.", data={"slug": kwargs["slug"]})

    monkeypatch.setattr("comptoir.catalog.api.get_product_detail", refuse)

    body = assert_problem(client.get("/api/v1/products/mug"), status=409, code="conflict")
    assert body["detail"] == "This product is being edited."
    assert body["slug"] == "mug"
    assert body["instance"] == "/api/v1/products/mug"


def test_an_http404_raised_inside_an_endpoint_is_a_404_problem_without_its_internal_text(client, channel, monkeypatch):
    def missing(**kwargs):
        raise Http404("Product matching query does not exist.")

    monkeypatch.setattr("comptoir.catalog.api.get_product_detail", missing)

    body = assert_problem(client.get("/api/v1/products/mug"), status=404, code="not-found")
    assert "matching query" not in body["detail"]


def test_an_unexpected_error_is_a_500_problem_that_leaks_nothing_and_is_logged(client, channel, monkeypatch, caplog):
    def crash(**kwargs):
        raise RuntimeError("password=hunter2 at db.internal:5432")

    monkeypatch.setattr("comptoir.catalog.api.get_product_detail", crash)

    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/api/v1/products/mug")

    assert_problem(response, status=500, code="server-error")
    assert b"hunter2" not in response.content and b"RuntimeError" not in response.content
    logged = [record for record in caplog.records if record.name == "django.request"]
    assert len(logged) == 1 and logged[0].exc_info[0] is RuntimeError


def test_a_validation_problem_lists_every_bad_field_with_where_and_why(client, channel):
    response = client.get("/api/v1/products", {"limit": "0", "price_min": "abc", "sort": "best"})

    body = assert_problem(response, status=422, code="validation-error")
    assert {tuple(error["loc"]) for error in body["errors"]} == {
        ("query", "limit"),
        ("query", "price_min"),
        ("query", "sort"),
    }
    assert all(set(error) == {"loc", "message", "type"} for error in body["errors"])
    assert "limit" in body["detail"] and "price_min" in body["detail"]


def test_a_bad_limit_on_a_collection_is_a_422_problem(client, channel):
    response = client.get("/api/v1/collections/summer", {"limit": "many"})

    body = assert_problem(response, status=422, code="validation-error")
    assert body["errors"][0]["loc"] == ["query", "limit"]


def test_a_shop_without_any_channel_answers_404_problems_not_errors(client, db):
    response = client.get("/api/v1/products")

    assert_problem(response, status=404, code="not-found")


def test_the_storefront_keeps_its_own_404_page(client, channel):
    sellable_product(channel=channel)

    response = client.get("/en/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
