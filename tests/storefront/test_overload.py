"""Load shedding: a request that waited too long in front of the app is answered 503 with Retry-After at once,
without a query or a session; cached pages, the back office, webhooks and admitted buyers are never shed."""

import json
import time
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client

from comptoir.checkout import admission
from comptoir.checkout.models import Checkout
from comptoir.storefront.overload import HEADER
from tests.api.buying import write
from tests.factories import sellable_product

pytestmark = pytest.mark.django_db


def waited(seconds: float) -> dict[str, str]:
    """The proxy's stamp for a request that arrived `seconds` ago (nginx writes t=<seconds>.<millis>)."""
    return {"X-Request-Start": f"t={time.time() - seconds:.3f}"}


@pytest.fixture
def shedding(settings):
    settings.COMPTOIR = {**settings.COMPTOIR, "SHED_QUEUE_MS": 1000, "SHED_RETRY_SECONDS": 4}


@pytest.fixture
def product(channel):
    return sellable_product(channel=channel)


def assert_shed(response, *, retry_between=(4, 8)):
    assert response.status_code == 503
    assert response[HEADER] == "shed"
    assert retry_between[0] <= int(response["Retry-After"]) <= retry_between[1]
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies  # no session, no CSRF cookie


def test_off_by_default_a_late_request_is_served(client, product):
    response = client.get(f"/en/p/{product.slug}/", headers=waited(30))

    assert response.status_code == 200


def test_a_page_asked_for_after_a_long_wait_is_answered_busy_without_a_query(
    client, product, shedding, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get(f"/en/p/{product.slug}/", headers=waited(1.5))

    assert_shed(response)
    page = response.content.decode()
    assert f'<meta http-equiv="refresh" content="{response["Retry-After"]}">' in page
    assert "The shop is very busy" in page
    assert f"load again by itself in {response['Retry-After']} seconds" in page


def test_a_request_that_did_not_wait_long_or_carries_no_stamp_is_served(client, product, shedding):
    assert client.get(f"/en/p/{product.slug}/", headers=waited(0.2)).status_code == 200
    assert client.get(f"/en/p/{product.slug}/").status_code == 200
    assert client.get(f"/en/p/{product.slug}/", headers={"X-Request-Start": "not a time"}).status_code == 200


def test_the_busy_page_speaks_the_language_of_the_address(client, product, shedding):
    response = client.get(f"/fr/p/{product.slug}/", headers=waited(3))

    assert_shed(response)
    page = response.content.decode()
    assert '<html lang="fr">' in page
    assert "La boutique est très sollicitée" in page


def test_a_form_sent_late_changes_nothing_and_the_page_does_not_send_it_again(client, product, shedding):
    response = client.post("/en/cart/add/", {"variant": product.variants.get().pk, "quantity": "1"}, headers=waited(2))

    assert_shed(response)
    assert 'http-equiv="refresh"' not in response.content.decode()
    assert "nothing was changed" in response.content.decode()
    assert not Checkout.objects.exists()


def test_the_api_gets_a_problem_body(client, channel, shedding):
    response = client.post("/api/v1/carts", data="{}", content_type="application/json", headers=waited(5))

    assert_shed(response)
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["status"] == 503 and body["type"].endswith("overloaded")
    assert body["retry_after"] == int(response["Retry-After"])
    assert not Checkout.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/login/",
        "/payments/webhooks/test/",
        "/en/checkout/pay/some-order-token/",
        "/fr/checkout/done/some-order-token/",
        "/api/v1/orders/by-token/some-order-token",
    ],
)
def test_the_back_office_webhooks_and_paying_a_placed_order_are_never_shed(client, path, shedding):
    response = client.get(path, headers=waited(10))

    assert HEADER not in response
    assert response.status_code != 503


def test_an_api_cart_the_waiting_room_admitted_is_not_shed_but_another_is(client, channel, shedding):
    admitted, other = (write(client, "POST", "/api/v1/carts").json()["token"] for _ in range(2))
    cache.set(f"admission:cart:{admitted}", {"number": 1, "until": time.time() + 600})

    assert client.get(f"/api/v1/carts/{admitted}/delivery-options", headers=waited(4)).status_code == 200
    assert_shed(client.get(f"/api/v1/carts/{other}/delivery-options", headers=waited(4)))


def test_a_page_in_the_page_cache_is_served_even_late(client, product, shedding, settings):
    settings.COMPTOIR = {**settings.COMPTOIR, "PAGE_CACHE": True}
    cache.clear()
    client.get(f"/en/p/{product.slug}/")

    response = client.get(f"/en/p/{product.slug}/", headers=waited(5))

    assert response.status_code == 200
    assert response["X-Cache"] == "hit"


def test_a_buyer_admitted_by_the_waiting_room_finishes_but_a_forged_or_lapsed_pass_does_not(product, shedding):
    def visit(cookie: str) -> int:
        buyer = Client()
        buyer.cookies[admission.COOKIE] = cookie
        return buyer.get(f"/en/p/{product.slug}/", headers=waited(3)).status_code

    admitted = admission.Ticket(number=3, until=time.time() + 600).dumps()
    lapsed = admission.Ticket(number=3, until=time.time() - 1).dumps()

    assert visit(admitted) == 200
    assert visit(lapsed) == 503
    assert visit(admitted[:-2] + "xx") == 503
    assert visit("anything") == 503


def test_with_the_waiting_room_on_a_buyer_entering_checkout_takes_a_place_in_its_queue_not_a_busy_page(
    client, product, shedding, settings
):
    client.post("/en/cart/add/", {"variant": product.variants.get().pk, "quantity": "1"})
    cache.clear()

    assert_shed(client.get("/en/checkout/", headers=waited(3)))  # the waiting room off: shed like the rest

    settings.COMPTOIR = {**settings.COMPTOIR, "WAITING_ROOM": {"MODE": "on", "RATE": 1}}
    other = Client()
    other.post("/en/cart/add/", {"variant": product.variants.get().pk, "quantity": "1"})
    stopped = SimpleNamespace(time=lambda: 1_900_000_000.0, monotonic=lambda: 1_900_000_000.0)
    with mock.patch("comptoir.checkout.admission.time", stopped):  # the queue's clock, stopped: no refill
        first = client.get("/en/checkout/", headers=waited(3))
        second = other.get("/en/checkout/", headers=waited(3))

    assert first.status_code == 200 and HEADER not in first
    assert second.status_code == 200 and second["Comptoir-Waiting-Room"] == "1"  # queued, first in line
    assert_shed(other.get("/en/cart/", headers=waited(3)))  # elsewhere the shop still sheds
