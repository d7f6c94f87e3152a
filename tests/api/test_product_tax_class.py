"""The product's tax class on the catalogue API's reads: its code and its name in the client's language."""

import pytest

from comptoir.catalog.models import Product
from comptoir.taxes.classes import TaxClass
from tests.factories import CollectionFactory, add_to_collection, sellable_product

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products"


def test_a_listed_product_shows_its_tax_class_code_and_label(client, channel):
    sellable_product(channel=channel, slug="novel", tax_class=TaxClass.REDUCED)
    sellable_product(channel=channel, slug="shirt")

    items = {item["slug"]: item for item in client.get(PRODUCTS).json()["items"]}

    assert items["novel"]["tax_class"] == {"code": "reduced", "label": str(TaxClass.REDUCED.label)}
    assert items["shirt"]["tax_class"] == {"code": "standard", "label": "Standard rate"}


def test_a_product_page_shows_its_tax_class_code_and_label(client, channel):
    sellable_product(channel=channel, slug="ebook", tax_class=TaxClass.ELECTRONIC_SERVICES)

    body = client.get(f"{PRODUCTS}/ebook").json()

    assert body["tax_class"]["code"] == "electronic_services"
    assert body["tax_class"]["label"] == str(TaxClass.ELECTRONIC_SERVICES.label)


def test_a_collections_products_show_their_tax_class(client, channel):
    collection = CollectionFactory(slug="books")
    add_to_collection(collection, sellable_product(channel=channel, tax_class=TaxClass.ZERO))

    items = client.get("/api/v1/collections/books").json()["products"]["items"]

    assert [item["tax_class"]["code"] for item in items] == ["zero"]


def test_the_tax_class_label_is_in_the_language_the_client_asks_for(client, channel):
    sellable_product(channel=channel, slug="shirt")

    body = client.get(f"{PRODUCTS}/shirt", headers={"Accept-Language": "fr"}).json()

    assert body["tax_class"] == {"code": "standard", "label": "Taux normal"}


def test_a_stored_code_that_is_no_class_is_shown_as_is_rather_than_failing(client, channel):
    product = sellable_product(channel=channel, slug="legacy")
    Product.objects.filter(pk=product.pk).update(tax_class="old_reduced")  # a row written around the services

    response = client.get(f"{PRODUCTS}/legacy")

    assert response.status_code == 200
    assert response.json()["tax_class"] == {"code": "old_reduced", "label": "old_reduced"}


def test_the_openapi_document_describes_the_tax_class_of_product_reads(client):
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]

    for name in ("ProductCardOut", "ProductDetailOut"):
        assert "tax_class" in schemas[name]["required"]
        assert schemas[name]["properties"]["tax_class"]["$ref"] == "#/components/schemas/TaxClassOut"
    tax_class = schemas["TaxClassOut"]
    assert set(tax_class["required"]) == {"code", "label"}
    assert all(code in tax_class["properties"]["code"]["description"] for code in TaxClass.values)
