import pytest
from bs4 import BeautifulSoup

from tests.factories import CategoryFactory, sellable_product

pytestmark = pytest.mark.django_db


def test_the_french_product_page_speaks_french_and_formats_the_price_the_french_way(client, channel):
    product = sellable_product(channel=channel, price="19.90", stock=2)

    response = client.get(f"/fr/p/{product.slug}/")

    page = BeautifulSoup(response.content, "html.parser")
    assert page.html["lang"] == "fr"
    assert page.select_one("#variant-summary .now").get_text() == "19,90\xa0€"
    assert page.select_one("#variant-summary .stock").get_text() == "Plus que 2 en stock"
    assert page.select_one(".skip-link").get_text() == "Aller au contenu"
    assert page.select_one(".breadcrumbs li a").get_text() == "Accueil"


def test_the_french_category_page_counts_products_in_french(client, channel):
    category = CategoryFactory(slug="bols")
    for _ in range(2):
        sellable_product(channel=channel, category=category)

    response = client.get("/fr/c/bols/")

    assert "2 produits" in response.text
    assert "Filtrer et trier" in response.text and "Prix croissant" in response.text


def test_the_english_page_links_to_its_french_twin_and_offers_the_language_switch(client, channel):
    product = sellable_product(channel=channel)

    response = client.get(f"/en/p/{product.slug}/")

    assert f'hreflang="fr" href="http://testserver/fr/p/{product.slug}/"' in response.text
    assert 'action="/language/"' in response.text
    assert '<option value="fr" lang="fr">Français</option>' in response.text


def test_the_footer_switch_goes_to_the_same_page_in_the_other_language_and_remembers_it(client, channel):
    product = sellable_product(channel=channel)

    response = client.get("/language/", {"language": "fr", "next": f"/en/p/{product.slug}/?size=m"})

    assert response.status_code == 302
    assert response["Location"] == f"/fr/p/{product.slug}/?size=m"
    assert response.cookies["django_language"].value == "fr"
    assert "no-store" in response["Cache-Control"]


def test_the_footer_switch_refuses_an_unknown_language_and_an_off_site_next(client, channel):
    unknown = client.get("/language/", {"language": "xx", "next": "/en/c/shoes/"})
    off_site = client.get("/language/", {"language": "fr", "next": "https://evil.example/"})

    assert unknown["Location"] == "/en/c/shoes/" and "django_language" not in unknown.cookies
    assert off_site["Location"] == "/fr/"


def test_switching_language_returns_to_the_same_page_in_the_other_language(client, channel):
    product = sellable_product(channel=channel)

    response = client.post("/i18n/setlang/", {"language": "fr", "next": f"/en/p/{product.slug}/?size=m"})

    assert response.status_code == 302
    assert response["Location"] == f"/fr/p/{product.slug}/?size=m"
