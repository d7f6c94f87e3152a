import pytest

from tests.factories import ChannelFactory, VariantPriceFactory, sellable_product

pytestmark = pytest.mark.django_db


def test_switching_channel_sets_the_cookie_and_goes_back(client, channel, usd_channel):
    response = client.post("/en/channel/", {"channel": "web-usd", "next": "/en/c/shoes/?page=2"})

    assert response.status_code == 302
    assert response["Location"] == "/en/c/shoes/?page=2"
    cookie = response.cookies["comptoir_channel"]
    assert cookie.value == "web-usd"
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_after_switching_the_prices_are_in_the_new_currency(client, channel, usd_channel):
    product = sellable_product(channel=channel, price="19.90")
    VariantPriceFactory(variant=product.variants.get(), channel=usd_channel, amount="21.50")
    product.channel_listings.create(channel=usd_channel)
    assert "€19.90" in client.get(f"/en/p/{product.slug}/").text

    client.post("/en/channel/", {"channel": "web-usd", "next": f"/en/p/{product.slug}/"})
    response = client.get(f"/en/p/{product.slug}/")

    assert "$21.50" in response.text and "€19.90" not in response.text


def test_an_unknown_channel_is_refused_and_nothing_is_set(client, channel):
    response = client.post("/en/channel/", {"channel": "web-xyz", "next": "/en/"})

    assert response.status_code == 400
    assert "comptoir_channel" not in response.cookies
    assert "We do not sell in that currency" in response.text


def test_an_inactive_channel_is_refused(client, channel):
    ChannelFactory(slug="closed", is_active=False)

    response = client.post("/en/channel/", {"channel": "closed"})

    assert response.status_code == 400


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "http:///evil.example", "javascript:alert(1)"]
)
def test_an_off_site_next_is_replaced_by_the_home_page(client, channel, usd_channel, target):
    response = client.post("/en/channel/", {"channel": "web-usd", "next": target})

    assert response.status_code == 302
    assert response["Location"] == "/en/"


def test_the_footer_switch_is_a_get_form_that_sets_the_cookie(client, channel, usd_channel):
    response = client.get("/en/channel/", {"channel": "web-usd", "next": "/en/c/shoes/"})

    assert response.status_code == 302 and response["Location"] == "/en/c/shoes/"
    assert response.cookies["comptoir_channel"].value == "web-usd"
    assert "no-store" in response["Cache-Control"]
    assert 'method="get" action="/en/channel/"' in client.get("/en/").text


def test_the_switch_answers_neither_put_nor_delete(client, channel):
    assert client.put("/en/channel/?channel=web-eur").status_code == 405


def test_the_switch_requires_the_csrf_token(channel, usd_channel):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/en/channel/", {"channel": "web-usd"})

    assert response.status_code == 403


def test_the_footer_offers_every_active_channel(client, channel, usd_channel):
    response = client.get("/en/")

    assert '<option value="web-usd">USD · Web USD</option>' in response.text
    assert 'action="/en/channel/"' in response.text
