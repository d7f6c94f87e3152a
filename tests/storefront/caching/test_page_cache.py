import re

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from comptoir.catalog.models import ProductStatus
from comptoir.catalog.services import categories_changed, set_products_status
from comptoir.inventory.services.holds import reserve_stock
from comptoir.pricing.services import set_variant_prices
from tests.factories import CategoryFactory, VariantPriceFactory, sellable_product
from tests.orders.account_factories import make_customer

pytestmark = pytest.mark.django_db


def price_of(response) -> str:
    return BeautifulSoup(response.content, "html.parser").select_one("#variant-summary .now").get_text(strip=True)


def stock_of(response) -> str:
    return BeautifulSoup(response.content, "html.parser").select_one("#variant-summary .stock").get_text(strip=True)


def test_a_second_anonymous_visit_of_a_product_page_runs_no_query(client, channel, django_assert_num_queries):
    product = sellable_product(channel=channel)
    first = client.get(f"/en/p/{product.slug}/")

    with django_assert_num_queries(0):
        second = client.get(f"/en/p/{product.slug}/")

    assert first["X-Cache"] == "miss" and second["X-Cache"] == "hit"
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]


def test_listing_pages_are_served_from_the_cache_too(client, channel, django_assert_num_queries):
    product = sellable_product(channel=channel, category=CategoryFactory(slug="mugs"))
    urls = ["/en/", "/en/c/mugs/", f"/en/search/?q={product.name.split()[0]}"]
    for url in urls:
        assert client.get(url).status_code == 200

    with django_assert_num_queries(0):
        hits = [client.get(url) for url in urls]

    assert [r["X-Cache"] for r in hits] == ["hit"] * len(urls)


def test_a_new_price_shows_on_the_next_visit(client, channel, commit):
    product = sellable_product(channel=channel, price="19.90")
    variant = product.variants.get()
    assert price_of(client.get(f"/en/p/{product.slug}/")) == "€19.90"

    commit(set_variant_prices, variant_id=variant.pk, prices={channel.pk: "24.50"})
    response = client.get(f"/en/p/{product.slug}/")

    assert response["X-Cache"] == "miss"
    assert price_of(response) == "€24.50"


def test_a_new_price_shows_on_the_category_page_too(client, channel, commit):
    product = sellable_product(channel=channel, price="19.90", category=CategoryFactory(slug="mugs"))
    assert "€19.90" in client.get("/en/c/mugs/").text

    commit(set_variant_prices, variant_id=product.variants.get().pk, prices={channel.pk: "24.50"})

    assert "€24.50" in client.get("/en/c/mugs/").text


def test_selling_one_unit_among_many_keeps_the_cached_page(client, channel, commit):
    product = sellable_product(channel=channel, stock=100)
    client.get(f"/en/p/{product.slug}/")

    commit(reserve_stock, holder="checkout:1", quantities={product.variants.get().pk: 1})
    response = client.get(f"/en/p/{product.slug}/")

    assert response["X-Cache"] == "hit"
    assert stock_of(response) == "In stock"


def test_the_last_units_change_the_stock_line_at_once(client, channel, commit):
    product = sellable_product(channel=channel, stock=10)
    variant = product.variants.get()
    assert stock_of(client.get(f"/en/p/{product.slug}/")) == "In stock"

    commit(reserve_stock, holder="checkout:1", quantities={variant.pk: 7})
    low = client.get(f"/en/p/{product.slug}/")
    commit(reserve_stock, holder="checkout:2", quantities={variant.pk: 3})
    sold_out = client.get(f"/en/p/{product.slug}/")

    assert stock_of(low) == "Only 3 left"
    assert stock_of(sold_out) == "Out of stock"
    assert "cannot be added to the cart" in sold_out.text


def test_an_unpublished_product_is_gone_on_the_next_visit_and_never_cached(client, channel, commit):
    product = sellable_product(channel=channel)
    assert client.get(f"/en/p/{product.slug}/").status_code == 200

    commit(set_products_status, product_ids=[product.pk], status=ProductStatus.DRAFT)
    gone = client.get(f"/en/p/{product.slug}/")
    again = client.get(f"/en/p/{product.slug}/")

    assert gone.status_code == again.status_code == 404
    assert "X-Cache" not in again


def test_a_new_category_shows_in_the_menu_of_cached_pages(client, channel, commit):
    product = sellable_product(channel=channel)
    client.get(f"/en/p/{product.slug}/")

    def add_category():
        CategoryFactory(name="Teapots", slug="teapots")
        categories_changed()

    commit(add_category)

    assert 'href="/en/c/teapots/"' in client.get(f"/en/p/{product.slug}/").text


def test_a_page_built_while_the_catalogue_changed_is_not_kept(client, channel, commit, monkeypatch):
    product = sellable_product(channel=channel, price="19.90")
    from comptoir.storefront.views import product as product_view

    real = product_view.get_product_detail

    def changed_meanwhile(**kwargs):
        detail = real(**kwargs)  # read before the change...
        commit(set_variant_prices, variant_id=product.variants.get().pk, prices={channel.pk: "24.50"})
        return detail

    monkeypatch.setattr(product_view, "get_product_detail", changed_meanwhile)
    stale = client.get(f"/en/p/{product.slug}/")
    monkeypatch.setattr(product_view, "get_product_detail", real)
    fresh = client.get(f"/en/p/{product.slug}/")

    assert price_of(stale) == "€19.90"
    assert fresh["X-Cache"] == "miss" and price_of(fresh) == "€24.50"


def test_a_buyer_with_a_cart_gets_the_cached_page_and_their_own_count(client, channel):
    product = sellable_product(channel=channel)
    variant = product.variants.get()
    Client().get(f"/en/p/{product.slug}/")  # someone else cached it
    client.post("/en/cart/add/", {"variant": variant.pk, "quantity": "2"}, headers={"HX-Request": "true"})

    page = client.get(f"/en/p/{product.slug}/")
    count = client.get("/en/cart/count/")

    assert page["X-Cache"] == "hit"
    assert "2" in count.text
    assert "no-cache" in count["Cache-Control"] or "no-store" in count["Cache-Control"]


def test_a_visitor_without_a_cart_gets_the_count_without_a_query(client, channel, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/en/cart/count/")

    assert response.status_code == 200


def test_browsing_pages_set_no_cookie_and_carry_no_csrf_token(client, channel):
    product = sellable_product(channel=channel, category=CategoryFactory(slug="mugs"))
    urls = ["/en/", "/en/c/mugs/", f"/en/p/{product.slug}/", "/en/search/?q=mug", "/en/cart/count/"]

    for url in urls:
        for _ in range(2):  # the live page and the cached one
            response = client.get(url)
            assert response.status_code == 200, url
            assert not response.cookies, (url, response.cookies)
            assert "csrfmiddlewaretoken" not in response.text, url
    assert not client.cookies


def test_a_known_page_is_answered_304_by_etag_and_by_date(client, channel):
    product = sellable_product(channel=channel)
    first = client.get(f"/en/p/{product.slug}/")

    by_etag = client.get(f"/en/p/{product.slug}/", headers={"If-None-Match": first["ETag"]})
    by_date = client.get(f"/en/p/{product.slug}/", headers={"If-Modified-Since": first["Last-Modified"]})
    other = client.get(f"/en/p/{product.slug}/", headers={"If-None-Match": '"something-else"'})

    assert by_etag.status_code == by_date.status_code == 304
    assert by_etag.content == b""
    assert other.status_code == 200


def test_a_changed_page_is_not_answered_304(client, channel, commit):
    product = sellable_product(channel=channel, price="19.90")
    first = client.get(f"/en/p/{product.slug}/")

    commit(set_variant_prices, variant_id=product.variants.get().pk, prices={channel.pk: "24.50"})
    response = client.get(f"/en/p/{product.slug}/", headers={"If-None-Match": first["ETag"]})

    assert response.status_code == 200 and price_of(response) == "€24.50"


def test_public_pages_tell_browsers_and_cdns_how_long_to_keep_them(client, channel):
    product = sellable_product(channel=channel)

    response = client.get(f"/en/p/{product.slug}/")

    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"public", "max-age=30", "s-maxage=60", "stale-while-revalidate=30"} <= directives
    vary = {v.strip().lower() for v in response["Vary"].split(",")}
    assert {"cookie", "hx-request"} <= vary and "accept-language" not in vary
    assert f"comptoir-product-{product.pk}" in response["Surrogate-Key"].split()
    assert "comptoir-site" in response["Cache-Tag"].split(",")


def test_a_page_with_a_click_and_collect_line_is_kept_only_briefly(client, channel):
    from tests.factories import LocationFactory, StockLevelFactory

    product = sellable_product(channel=channel)
    store = LocationFactory(slug="lyon", pickup_enabled=True)
    StockLevelFactory(variant=product.variants.get(), location=store, on_hand=3)

    response = client.get(f"/en/p/{product.slug}/")

    assert response["X-Cache"] == "miss"
    assert "s-maxage=60" in response["Cache-Control"]


def test_a_signed_in_customer_gets_a_live_private_page(client, channel):
    product = sellable_product(channel=channel)
    Client().get(f"/en/p/{product.slug}/")
    client.force_login(make_customer())

    response = client.get(f"/en/p/{product.slug}/")

    assert "X-Cache" not in response
    assert response["Cache-Control"] == "private, no-store"
    assert "Surrogate-Key" not in response


@pytest.mark.parametrize("cookie", ["comptoir_store", "messages"])
def test_a_personal_cookie_bypasses_the_cache(client, channel, cookie):
    product = sellable_product(channel=channel)
    Client().get(f"/en/p/{product.slug}/")
    client.cookies[cookie] = "x"

    response = client.get(f"/en/p/{product.slug}/")

    assert "X-Cache" not in response and response["Cache-Control"] == "private, no-store"


def test_staff_never_get_or_leave_a_public_page(client, channel):
    from django.contrib.auth import get_user_model

    product = sellable_product(channel=channel)
    staff = get_user_model().objects.create_user("staff", "staff@example.com", "x", is_staff=True)
    client.force_login(staff)

    staff_view = client.get(f"/en/p/{product.slug}/")
    public_view = Client().get(f"/en/p/{product.slug}/")

    assert staff_view["Cache-Control"] == "private, no-store"
    assert public_view["X-Cache"] == "miss"  # the staff page was not stored for the public


@pytest.mark.parametrize("cached_first", ["en", "fr"])
def test_languages_are_never_mixed_up(client, channel, cached_first):
    product = sellable_product(channel=channel)
    other = "fr" if cached_first == "en" else "en"
    client.get(f"/{cached_first}/p/{product.slug}/")

    response = client.get(f"/{other}/p/{product.slug}/")

    assert response["X-Cache"] == "miss"
    assert re.search(rf'<html lang="{other}"', response.text)
    assert response["Content-Language"] == other


def test_currencies_are_never_mixed_up(channel, usd_channel):
    product = sellable_product(channel=channel, price="19.90")
    VariantPriceFactory(variant=product.variants.get(), channel=usd_channel, amount="21.50")
    product.channel_listings.create(channel=usd_channel)
    euro_buyer, dollar_buyer = Client(), Client()
    dollar_buyer.cookies["comptoir_channel"] = "web-usd"

    euros = [euro_buyer.get(f"/en/p/{product.slug}/") for _ in range(2)]
    dollars = [dollar_buyer.get(f"/en/p/{product.slug}/") for _ in range(2)]

    assert [price_of(r) for r in euros] == ["€19.90", "€19.90"]
    assert [price_of(r) for r in dollars] == ["$21.50", "$21.50"]
    assert dollars[1]["X-Cache"] == "hit"


def test_an_htmx_region_and_the_whole_page_are_kept_apart(client, channel):
    product = sellable_product(channel=channel)
    url = f"/en/p/{product.slug}/"
    whole = client.get(url)

    region = client.get(url, headers={"HX-Request": "true"})
    whole_again = client.get(url)

    assert region["X-Cache"] == "miss" and "<html" not in region.text
    assert whole_again["X-Cache"] == "hit" and whole_again.content == whole.content


def test_query_order_and_tracking_parameters_share_one_entry(client, channel):
    product = sellable_product(channel=channel, category=CategoryFactory(slug="mugs"))
    client.get("/en/c/mugs/?sort=name&page=1")

    response = client.get("/en/c/mugs/?page=1&sort=name&utm_source=newsletter&fbclid=abc")

    assert product and response["X-Cache"] == "hit"


def test_without_the_page_cache_pages_keep_their_headers_but_are_not_stored(client, channel, settings):
    settings.COMPTOIR = {**settings.COMPTOIR, "PAGE_CACHE": False}
    product = sellable_product(channel=channel)

    responses = [client.get(f"/en/p/{product.slug}/") for _ in range(2)]

    assert all("X-Cache" not in r for r in responses)
    assert responses[1]["Cache-Control"].startswith("public") and responses[1]["ETag"]


@pytest.mark.parametrize("url", ["/en/cart/", "/en/cart/count/", "/en/account/sign-in/", "/en/account/sign-up/"])
def test_personal_pages_are_private_and_never_stored(client, channel, url):
    responses = [client.get(url) for _ in range(2)]

    for response in responses:
        assert response.status_code == 200, url
        control = response["Cache-Control"]
        assert "private" in control and "no-store" in control and "public" not in control
        assert "X-Cache" not in response


def test_an_address_taken_over_by_another_product_shows_that_product(client, channel, commit):
    from comptoir.catalog.models import Product
    from comptoir.catalog.services import products_changed

    first = sellable_product(channel=channel, name="Old mug", slug="mug")
    client.get("/en/p/mug/")
    client.get("/en/p/mug/")  # a hit: this process now expects the old product's tags for the address

    def swap():
        Product.objects.filter(pk=first.pk).update(slug="old-mug")
        second = sellable_product(channel=channel, name="New mug", slug="mug")
        products_changed([first.pk, second.pk])

    commit(swap)
    response = client.get("/en/p/mug/")

    assert response["X-Cache"] == "miss"
    assert "New mug" in response.text and "Old mug" not in response.text
