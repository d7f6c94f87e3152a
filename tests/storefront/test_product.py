import json
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup

from comptoir.catalog.models import ProductStatus
from comptoir.pricing.models import VariantPrice
from tests.factories import (
    AttributeFactory,
    AttributeValueFactory,
    CategoryFactory,
    LocationFactory,
    ProductFactory,
    StockLevelFactory,
    VariantFactory,
    VariantPriceFactory,
    sellable_product,
)
from tests.storefront.conftest import add_image

pytestmark = pytest.mark.django_db


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def json_ld(response) -> dict:
    script = soup(response).select_one('script[type="application/ld+json"]')
    return json.loads(script.string)


def shirt(channel, *, images: bool = False):
    """A shirt in sizes S and M and colours navy and red: six variants, each its own price and stock.

    Prices: S-navy 20, S-red 21, M-navy 22, M-red 23, L-navy 24, L-red 25. Stock: the variant at position i
    has 3 * i units (so S-navy is sold out, S-red has 3 left, the others are in stock).
    """
    size = AttributeFactory(slug="size", name="Size", is_variant_option=True, position=0)
    colour = AttributeFactory(slug="colour", name="Colour", is_variant_option=True, position=1)
    sizes = [AttributeValueFactory(attribute=size, slug=s, name=s.upper(), position=i) for i, s in enumerate("sml")]
    colours = [
        AttributeValueFactory(attribute=colour, slug="navy", name="Navy", swatch="#1B2A4A", position=0),
        AttributeValueFactory(attribute=colour, slug="red", name="Red", swatch="#C0392B", position=1),
    ]
    product = ProductFactory(
        channels=[channel], slug="shirt", name="Oxford shirt", category=CategoryFactory(slug="shirts", name="Shirts")
    )
    location = LocationFactory()
    variants = []
    for position, (s, c) in enumerate((s, c) for s in sizes for c in colours):
        variant = VariantFactory(product=product, position=position, sku=f"OX-{s.slug}-{c.slug}".upper())
        variant.option_values.set([s, c])
        VariantPriceFactory(variant=variant, channel=channel, amount=Decimal(20 + position))
        StockLevelFactory(variant=variant, location=location, on_hand=3 * position)
        variants.append(variant)
        if images:
            add_image(product, alt=f"{s.name} {c.name}", variant_ids=[variant.pk])
    return product, variants


def test_the_product_page_shows_name_brand_price_stock_description_and_breadcrumbs(client, channel):
    parent = CategoryFactory(slug="clothing", name="Clothing")
    product = sellable_product(
        channel=channel,
        name="Linen apron",
        price="19.90",
        stock=12,
        category=CategoryFactory(slug="aprons", name="Aprons", parent=parent),
        description="<p>Washed <strong>linen</strong>.</p>",
    )

    response = client.get(f"/en/p/{product.slug}/")

    page = soup(response)
    assert response.status_code == 200
    assert page.h1.get_text() == "Linen apron"
    assert page.select_one(".product-info .brand").get_text() == product.brand.name
    assert page.select_one("#variant-summary .now").get_text() == "€19.90"
    assert page.select_one("#variant-summary .stock").get_text() == "In stock"
    assert "<p>Washed <strong>linen</strong>.</p>" in response.text
    crumbs = [li.get_text(strip=True) for li in page.select(".breadcrumbs li")]
    assert crumbs == ["Home", "Clothing", "Aprons", "Linen apron"]


def test_the_product_page_lists_its_attributes_in_a_table(client, channel):
    product = sellable_product(channel=channel)
    product.attribute_values.add(
        AttributeValueFactory(name="Cotton", attribute__name="Material"),
    )

    response = client.get(f"/en/p/{product.slug}/")

    rows = [(tr.th.get_text(), tr.td.get_text()) for tr in soup(response).select("table.attributes tr")]
    assert rows == [("Material", "Cotton")]


def test_a_low_stock_product_says_how_many_are_left(client, channel):
    product = sellable_product(channel=channel, stock=3)

    response = client.get(f"/en/p/{product.slug}/")

    assert soup(response).select_one("#variant-summary .stock").get_text() == "Only 3 left"


def test_a_sold_out_product_says_so(client, channel):
    product = sellable_product(channel=channel, stock=0)

    response = client.get(f"/en/p/{product.slug}/")

    assert soup(response).select_one("#variant-summary .stock").get_text() == "Out of stock"


def test_a_product_on_sale_shows_the_compare_at_price_struck_through(client, channel):
    product = sellable_product(channel=channel, price="15.00")
    VariantPrice.objects.filter(variant__product=product).update(compare_at_amount=Decimal("20.00"))

    response = client.get(f"/en/p/{product.slug}/")

    assert soup(response).select_one("#variant-summary s.was").get_text(" ", strip=True) == "Was €20.00"


def test_the_page_offers_one_fieldset_of_radio_buttons_per_option(client, channel):
    shirt(channel)

    response = client.get("/en/p/shirt/")

    fieldsets = soup(response).select("form.picker fieldset")
    assert [f.legend.get_text() for f in fieldsets] == ["Size", "Colour"]
    assert [i["value"] for i in fieldsets[0].select("input[type=radio]")] == ["s", "m", "l"]
    assert fieldsets[1].select_one("svg circle")["fill"] == "#1B2A4A"
    assert "Add to cart" not in response.text and "coming soon" not in response.text.lower()


def test_before_a_choice_the_page_shows_the_price_range_of_the_variants(client, channel):
    shirt(channel)

    response = client.get("/en/p/shirt/")

    assert soup(response).select_one("#variant-summary .now").get_text() == "€20.00 \u2013 €25.00"


def test_choosing_options_without_javascript_reloads_the_page_with_that_variant(client, channel):
    shirt(channel)

    response = client.get("/en/p/shirt/?size=m&colour=red")

    page = soup(response)
    assert "<html" in response.text
    assert page.select_one("#variant-summary .now").get_text() == "€23.00"
    assert page.select_one("#variant-summary .sku").get_text() == "SKU: OX-M-RED"
    assert page.select_one("#opt-size-m").has_attr("checked") and page.select_one("#opt-colour-red").has_attr("checked")


def test_the_variant_picker_partial_returns_the_chosen_variants_price_stock_and_sku(client, channel):
    shirt(channel)

    response = client.get("/en/p/shirt/?size=l&colour=navy", headers={"HX-Request": "true"})

    page = soup(response)
    assert "<html" not in response.text
    assert page.select_one(".now").get_text() == "€24.00"
    assert page.select_one(".stock").get_text() == "In stock"
    assert page.select_one(".sku").get_text() == "SKU: OX-L-NAVY"
    assert page.select_one("#gallery")["hx-swap-oob"] == "true"


def test_the_variant_partial_says_when_the_chosen_variant_is_sold_out(client, channel):
    shirt(channel)

    response = client.get("/en/p/shirt/?size=s&colour=navy", headers={"HX-Request": "true"})

    assert soup(response).select_one(".stock").get_text() == "Out of stock"


def test_a_variant_can_be_chosen_by_its_id(client, channel):
    _, variants = shirt(channel)

    response = client.get(f"/en/p/shirt/?variant={variants[1].pk}", headers={"HX-Request": "true"})

    assert soup(response).select_one(".sku").get_text() == "SKU: OX-S-RED"


def test_choosing_one_option_narrows_the_price_range_to_the_matching_variants(client, channel):
    shirt(channel)

    response = client.get("/en/p/shirt/?size=m", headers={"HX-Request": "true"})

    assert soup(response).select_one(".now").get_text() == "€22.00 \u2013 €23.00"


def test_a_combination_that_does_not_exist_is_reported_as_unavailable(client, channel):
    _, variants = shirt(channel)
    variants[5].delete()  # no L in red

    response = client.get("/en/p/shirt/?size=l&colour=red", headers={"HX-Request": "true"})

    assert "This combination is not available" in response.text


def test_the_chosen_variants_own_image_becomes_the_main_image(client, channel):
    shirt(channel, images=True)

    response = client.get("/en/p/shirt/?size=m&colour=red", headers={"HX-Request": "true"})

    assert soup(response).select_one("#gallery img")["alt"] == "M Red"


@pytest.mark.parametrize(
    "query", ["variant=abc", "variant=-1", "variant=99999999", "size=xxl", "colour=", "size=s&size=m"]
)
def test_a_malformed_variant_choice_is_ignored(client, channel, query):
    shirt(channel)

    response = client.get(f"/en/p/shirt/?{query}")

    assert response.status_code == 200


def test_a_product_with_unnamed_options_offers_its_variants_by_name(client, channel):
    product = sellable_product(channel=channel, variants=2)
    first, second = product.variants.order_by("position")
    first.name, second.name = "Small pot", "Large pot"
    first.save()
    second.save()

    response = client.get(f"/en/p/{product.slug}/?variant={second.pk}")

    radios = soup(response).select("form.picker input[name=variant]")
    assert [r["value"] for r in radios] == [str(first.pk), str(second.pk)]
    assert radios[1].has_attr("checked")


def test_an_unknown_product_is_not_found(client, channel):
    response = client.get("/en/p/no-such-product/")

    assert response.status_code == 404


def test_a_draft_product_is_not_found(client, channel):
    product = sellable_product(channel=channel, status=ProductStatus.DRAFT)

    assert client.get(f"/en/p/{product.slug}/").status_code == 404


def test_the_json_ld_describes_the_product_with_its_offer(client, channel):
    product = sellable_product(channel=channel, price="19.90", stock=12, name="Tin mug")
    variant = product.variants.get()
    variant.gtin = "4006381333931"
    variant.save()
    add_image(product)

    response = client.get(f"/en/p/{product.slug}/")

    data = json_ld(response)
    assert data["@type"] == "Product" and data["name"] == "Tin mug"
    assert data["sku"] == variant.sku and data["gtin13"] == "4006381333931"
    assert data["brand"] == {"@type": "Brand", "name": product.brand.name}
    assert data["image"][0].startswith("http://testserver/media/")
    assert data["offers"]["price"] == "19.90" and data["offers"]["priceCurrency"] == "EUR"
    assert data["offers"]["availability"] == "https://schema.org/InStock"
    assert data["offers"]["url"] == f"http://testserver/en/p/{product.slug}/?variant={variant.pk}"


def test_the_json_ld_lists_one_offer_per_variant(client, channel):
    shirt(channel)

    response = client.get("/en/p/shirt/")

    offers = json_ld(response)["offers"]
    assert [(o["sku"], o["price"]) for o in offers][:2] == [("OX-S-NAVY", "20.00"), ("OX-S-RED", "21.00")]
    assert offers[0]["availability"] == "https://schema.org/OutOfStock"


def test_the_json_ld_cannot_close_its_script_element(client, channel):
    product = sellable_product(channel=channel, name="</script><script>alert(1)</script>")

    response = client.get(f"/en/p/{product.slug}/")

    assert "</script><script>alert(1)" not in response.text
    assert json_ld(response)["name"] == "</script><script>alert(1)</script>"


def test_the_json_ld_data_block_needs_no_nonce_so_the_page_has_none(client, channel):
    # A data block is never run, so CSP does not apply to it; a nonce would make every page view different.
    product = sellable_product(channel=channel)

    response = client.get(f"/en/p/{product.slug}/")

    assert not soup(response).select_one('script[type="application/ld+json"]').has_attr("nonce")
    assert "'nonce-" not in response["Content-Security-Policy"]


def test_the_page_has_open_graph_twitter_canonical_and_hreflang_links(client, channel):
    product = sellable_product(channel=channel, name="Tin mug")
    add_image(product)

    response = client.get(f"/en/p/{product.slug}/?size=m")

    page = soup(response)
    url = f"http://testserver/en/p/{product.slug}/"
    assert page.select_one('link[rel="canonical"]')["href"] == url
    assert page.select_one('link[hreflang="fr"]')["href"] == f"http://testserver/fr/p/{product.slug}/"
    assert page.select_one('link[hreflang="en"]')["href"] == url
    assert page.select_one('meta[property="og:title"]')["content"] == "Tin mug"
    assert page.select_one('meta[property="og:url"]')["content"] == url
    assert page.select_one('meta[property="og:image"]')["content"].startswith("http://testserver/media/")
    assert page.select_one('meta[name="twitter:card"]')["content"] == "summary_large_image"


# Warm: product, variants, option values, attribute values, media, media variants, prices, stock.
PRODUCT_QUERIES = 8


def test_the_product_page_takes_the_same_queries_for_one_variant_as_for_six_with_images(
    client, channel, warm, django_assert_num_queries
):
    simple = sellable_product(channel=channel)
    add_image(simple)
    shirt(channel, images=True)
    warm(f"/en/p/{simple.slug}/")

    with django_assert_num_queries(PRODUCT_QUERIES):
        client.get(f"/en/p/{simple.slug}/")
    with django_assert_num_queries(PRODUCT_QUERIES):
        client.get("/en/p/shirt/")
    with django_assert_num_queries(PRODUCT_QUERIES):
        client.get("/en/p/shirt/?size=m&colour=red", headers={"HX-Request": "true"})
