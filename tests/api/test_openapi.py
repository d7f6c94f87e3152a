import json
import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

CATALOGUE_PATHS = {
    "/api/v1/products",
    "/api/v1/products/{slug}",
    "/api/v1/categories",
    "/api/v1/categories/{slug}",
    "/api/v1/collections",
    "/api/v1/collections/{slug}",
}


def test_the_openapi_document_is_json_listing_every_catalogue_path(client):
    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "Comptoir API"
    assert document["info"]["version"] == "1"
    assert set(document["paths"]) >= CATALOGUE_PATHS


def test_the_openapi_document_says_errors_are_problem_details(client):
    document = client.get("/api/openapi.json").json()

    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "errors"} <= set(problem["properties"])
    for path in CATALOGUE_PATHS:
        responses = document["paths"][path]["get"]["responses"]
        assert "application/problem+json" in responses["4XX"]["content"]


def test_the_listing_parameters_are_documented(client):
    operation = client.get("/api/openapi.json").json()["paths"]["/api/v1/products"]["get"]

    names = {parameter["name"] for parameter in operation["parameters"]}

    assert {"channel", "category", "collection", "brand", "attr", "price_min", "price_max"} <= names
    assert {"in_stock", "q", "sort", "limit", "cursor"} <= names


def test_every_internal_reference_in_the_openapi_document_resolves(client):
    document = client.get("/api/openapi.json").json()

    references = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(document)))

    assert references and references <= set(document["components"]["schemas"])


def test_the_docs_page_is_served_by_the_shop_with_nothing_loaded_from_elsewhere(client):
    response = client.get("/api/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"(?:src|href)=\"(?:https?:)?//", html)
    assert "http://" not in html and "https://" not in html
    for asset in re.findall(r"(?:src|href)=\"/static/([^\"]+)\"", html):
        assert finders.find(asset), asset


def test_the_docs_page_has_a_policy_that_lets_swagger_run_from_our_own_files_only(client):
    policy = client.get("/api/docs")["Content-Security-Policy"]

    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self' 'unsafe-inline'"
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"


def test_api_answers_keep_the_shops_strict_policy(client, channel):
    policy = client.get("/api/v1/products")["Content-Security-Policy"]

    assert "'unsafe-inline'" not in policy
