import json
import re

import pytest
from bs4 import BeautifulSoup
from django.db import OperationalError
from django.test import RequestFactory
from django.utils import translation

from comptoir.storefront.views.errors import server_error
from tests.factories import (
    AttributeValueFactory,
    CategoryFactory,
    CollectionFactory,
    add_to_collection,
    sellable_product,
)
from tests.storefront.conftest import add_image

pytestmark = pytest.mark.django_db


def test_a_missing_page_is_a_friendly_404_with_search_and_a_way_home(client, channel):
    response = client.get("/en/nothing-here/")

    page = BeautifulSoup(response.content, "html.parser")
    assert response.status_code == 404
    assert page.h1.get_text() == "Page not found"
    assert page.select_one('main form[role="search"] input[name="q"]')
    assert page.select_one('main a[href="/en/"]')


def test_the_404_page_is_translated(client, channel):
    response = client.get("/fr/rien-ici/")

    assert "Page introuvable" in response.text


def test_the_500_page_renders_without_a_request_context_or_the_database(django_assert_num_queries):
    request = RequestFactory().get("/en/")

    with translation.override("en"), django_assert_num_queries(0):
        response = server_error(request)

    assert response.status_code == 500
    assert b"Something went wrong" in response.content


def test_a_page_that_lost_the_database_says_come_back_in_a_few_seconds_with_a_503():
    request = RequestFactory().get("/en/")

    try:
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")
    except OperationalError:
        with translation.override("en"):
            response = server_error(request)

    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert b"Something went wrong" in response.content


def shop_pages(channel) -> list[str]:
    category = CategoryFactory(slug="pots")
    colour = AttributeValueFactory(attribute__slug="colour", swatch="#aa0000")
    product = sellable_product(channel=channel, category=category, variants=2)
    product.variants.first().option_values.add(colour)
    add_image(product)
    add_to_collection(CollectionFactory(slug="new"), product)
    return ["/en/", "/en/c/pots/", "/en/collections/new/", f"/en/p/{product.slug}/", "/en/search/?q=", "/en/nope/"]


def test_no_page_uses_inline_styles_or_inline_event_handlers(client, channel):
    for url in shop_pages(channel):
        html = client.get(url).text

        assert not re.search(r"\sstyle\s*=", html), url
        assert not re.search(r"\son[a-z]+\s*=", html), url


def test_every_script_is_served_by_the_shop_or_carries_the_csp_nonce(client, channel):
    for url in shop_pages(channel):
        response = client.get(url)

        for script in BeautifulSoup(response.content, "html.parser").find_all("script"):
            if script.get("src"):
                assert script["src"].startswith("/static/"), url
            elif script.get("type") == "application/ld+json":
                continue  # a data block: never run, so CSP does not apply to it
            else:
                assert f"'nonce-{script['nonce']}'" in response["Content-Security-Policy"], url


def test_every_form_control_has_a_label(client, channel):
    for url in shop_pages(channel):
        page = BeautifulSoup(client.get(url).content, "html.parser")

        labelled = {label["for"] for label in page.find_all("label") if label.get("for")}
        for control in page.select("input:not([type=hidden]), select"):
            assert control.get("id") in labelled, (url, str(control))


def test_htmx_is_configured_to_swap_conflicts_and_invalid_input_without_inline_styles(client, channel):
    response = client.get("/en/")

    meta = BeautifulSoup(response.content, "html.parser").select_one('meta[name="htmx-config"]')
    config = json.loads(meta["content"])
    assert config["includeIndicatorStyles"] is False
    assert {"code": "409|422", "swap": True} in config["responseHandling"]
