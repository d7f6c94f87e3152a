import pytest
from bs4 import BeautifulSoup
from django.test import Client, override_settings

from tests.factories import AttributeFactory, AttributeValueFactory, CategoryFactory, sellable_product
from tests.storefront.conftest import add_image

pytestmark = pytest.mark.django_db

BUDGET = 150 * 1024  # HTML + CSS + JS of a first visit, images aside


def rich_product(channel):
    """A product page near its heaviest: a deep category, six variants with two options, images, attributes."""
    parent = CategoryFactory(slug="home", name="Home and garden")
    category = CategoryFactory(slug="lighting", name="Lighting", parent=parent)
    product = sellable_product(
        channel=channel,
        slug="desk-lamp",
        name="Articulated desk lamp",
        category=category,
        variants=6,
        description="<p>" + "A steady light for long evenings of reading. " * 40 + "</p>",
    )
    size = AttributeFactory(slug="size", name="Size", is_variant_option=True)
    colour = AttributeFactory(slug="colour", name="Colour", is_variant_option=True)
    values = [AttributeValueFactory(attribute=size, slug=s) for s in ("s", "m", "l")]
    swatches = [AttributeValueFactory(attribute=colour, slug=c, swatch="#334455") for c in ("ink", "sand")]
    for i, variant in enumerate(product.variants.order_by("position")):
        variant.option_values.set([values[i // 2], swatches[i % 2]])
        add_image(product, variant_ids=[variant.pk])
    for i in range(8):
        product.attribute_values.add(AttributeValueFactory(attribute__name=f"Property {i}"))
    return product


# WhiteNoise serves static files from the app folders here, as `runserver` does, so the test client can fetch them.
@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_a_first_visit_to_a_product_page_weighs_under_150_kb_without_images(channel):
    rich_product(channel)
    client = Client()  # built inside the override, so its middleware sees the settings

    page = client.get("/en/p/desk-lamp/")
    soup = BeautifulSoup(page.content, "html.parser")
    assets = [link["href"] for link in soup.select('link[rel="stylesheet"]')]
    assets += [script["src"] for script in soup.select("script[src]")]
    sizes = {}
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200, url
        sizes[url] = len(b"".join(response.streaming_content if response.streaming else [response.content]))

    total = len(page.content) + sum(sizes.values())
    assert len(assets) == 3  # the stylesheet, htmx and our own script: nothing else to fetch
    assert total < BUDGET, (len(page.content), sizes)
