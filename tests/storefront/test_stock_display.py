"""What a buyer is told about stock, on the product page and on cards, in English and French."""

import json
import re
from datetime import date
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from comptoir.inventory.models import StockPolicy
from comptoir.inventory.services import set_backorder_limit
from tests.factories import CategoryFactory, sellable_product

pytestmark = pytest.mark.django_db

CSS = Path(__file__).resolve().parents[2] / "comptoir/storefront/static/storefront/storefront.css"
RESTOCK = date(2027, 3, 1)


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def product_in(channel, status: str, *, expected_on=RESTOCK, **kwargs):
    """A one-variant product whose stock status is `status` (pre-orders and backorders expected `expected_on`)."""
    units = {"in_stock": 12, "low_stock": 3}.get(status, 0)
    product = sellable_product(channel=channel, stock=units, **kwargs)
    variant = product.variants.get()
    if status in {"backorder", "preorder"}:
        StockPolicy.objects.create(variant=variant, oversell=status, expected_on=expected_on)
        set_backorder_limit(location_id=variant.stock_levels.get().location_id, variant_id=variant.pk, limit=20)
    return product


LABELS = {
    "in_stock": ("In stock", "En stock"),
    "low_stock": ("Only 3 left", "Plus que 3 en stock"),
    "out_of_stock": ("Out of stock", "Épuisé"),
    "backorder": ("Backorder, ships by March 1, 2027", "En réapprovisionnement, expédié d\u2019ici le 1 mars 2027"),
    "preorder": ("Pre-order, ships March 1, 2027", "Précommande, expédié le 1 mars 2027"),
}


@pytest.mark.parametrize("status", list(LABELS))
def test_the_product_page_states_each_stock_status_in_english(client, channel, status):
    product = product_in(channel, status)

    response = client.get(f"/en/p/{product.slug}/")

    line = soup(response).select_one("#variant-summary .stock")
    assert line.get_text() == LABELS[status][0]
    assert f"stock-{status}" in line["class"]


@pytest.mark.parametrize("status", list(LABELS))
def test_the_product_page_states_each_stock_status_in_french_with_a_french_date(client, channel, status):
    product = product_in(channel, status)

    response = client.get(f"/fr/p/{product.slug}/")

    assert soup(response).select_one("#variant-summary .stock").get_text() == LABELS[status][1]


@pytest.mark.parametrize(
    ("status", "english", "french"),
    [("backorder", "Backorder", "En réapprovisionnement"), ("preorder", "Pre-order", "Précommande")],
)
def test_without_an_expected_date_a_backorder_or_pre_order_says_only_that(client, channel, status, english, french):
    product = product_in(channel, status, expected_on=None)

    en = client.get(f"/en/p/{product.slug}/")
    fr = client.get(f"/fr/p/{product.slug}/")

    assert soup(en).select_one("#variant-summary .stock").get_text() == english
    assert soup(fr).select_one("#variant-summary .stock").get_text() == french


@pytest.mark.parametrize("status", list(LABELS))
def test_a_product_card_states_its_stock_status_in_both_languages(client, channel, status):
    product_in(channel, status, category=CategoryFactory(slug="bols"))

    en = client.get("/en/c/bols/")
    fr = client.get("/fr/c/bols/")

    assert soup(en).select_one(".card .stock").get_text() == LABELS[status][0]
    assert soup(fr).select_one(".card .stock").get_text() == LABELS[status][1]
    assert f"stock-{status}" in soup(fr).select_one(".card .stock")["class"]


@pytest.mark.parametrize("status", list(LABELS))
def test_every_status_has_its_own_colour_and_sign_not_colour_alone(status):
    css = CSS.read_text()

    colour = re.search(rf"\.stock-{status}\b[^{{]*\{{[^}}]*color:", css)
    sign = re.search(rf"\.stock-{status}::before[^{{]*\{{[^}}]*content:", css)

    assert colour and sign, status


@pytest.mark.parametrize(
    ("status", "availability"),
    [
        ("preorder", "https://schema.org/PreOrder"),
        ("backorder", "https://schema.org/BackOrder"),
        ("low_stock", "https://schema.org/LimitedAvailability"),
        ("out_of_stock", "https://schema.org/OutOfStock"),
    ],
)
def test_the_json_ld_offer_tells_search_engines_the_same_availability(client, channel, status, availability):
    product = product_in(channel, status)

    response = client.get(f"/en/p/{product.slug}/")

    data = json.loads(soup(response).select_one('script[type="application/ld+json"]').string)
    assert data["offers"]["availability"] == availability
