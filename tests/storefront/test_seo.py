import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from comptoir.catalog.models import ProductStatus
from tests.factories import CategoryFactory, CollectionFactory, sellable_product

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


def test_robots_txt_keeps_crawlers_out_of_admin_api_and_search_and_points_to_the_sitemap(client, channel):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert lines[0] == "User-agent: *"
    for rule in ("Disallow: /admin/", "Disallow: /api/", "Disallow: /en/search/", "Disallow: /fr/search/"):
        assert rule in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_the_sitemap_lists_products_categories_and_collections_in_every_language(client, channel):
    product = sellable_product(channel=channel, slug="teapot", category=CategoryFactory(slug="kitchen"))
    CollectionFactory(slug="gifts")

    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    root = ET.fromstring(response.content)
    locations = {loc.text for loc in root.findall("s:url/s:loc", NS)}
    for path in ("p/teapot/", "c/kitchen/", "collections/gifts/", ""):
        assert f"http://testserver/en/{path}" in locations
        assert f"http://testserver/fr/{path}" in locations
    teapot = next(u for u in root.findall("s:url", NS) if u.find("s:loc", NS).text.endswith("/en/p/teapot/"))
    alternates = {link.get("hreflang"): link.get("href") for link in teapot.findall("x:link", NS)}
    assert alternates["fr"] == "http://testserver/fr/p/teapot/"
    assert teapot.find("s:lastmod", NS).text == timezone.localtime(product.updated_at).date().isoformat()


def test_the_sitemap_leaves_out_what_buyers_cannot_see(client, channel, usd_channel):
    sellable_product(channel=channel, slug="draft", status=ProductStatus.DRAFT)
    sellable_product(channel=usd_channel, slug="elsewhere")
    CollectionFactory(slug="secret", is_published=False)

    response = client.get("/sitemap.xml")

    assert "/p/draft/" not in response.text
    assert "/p/elsewhere/" not in response.text
    assert "/collections/secret/" not in response.text


def test_the_sitemap_takes_the_same_queries_for_one_product_as_for_many(client, channel, django_assert_num_queries):
    sellable_product(channel=channel)
    client.get("/sitemap.xml")  # warm the channel and category caches
    with django_assert_num_queries(2) as one:
        client.get("/sitemap.xml")
    for _ in range(10):
        sellable_product(channel=channel)

    with django_assert_num_queries(len(one.captured_queries)):
        client.get("/sitemap.xml")


def test_listing_and_home_pages_carry_hreflang_alternates(client, channel):
    CategoryFactory(slug="kitchen")

    response = client.get("/en/c/kitchen/")

    assert '<link rel="alternate" hreflang="fr" href="http://testserver/fr/c/kitchen/">' in response.text
