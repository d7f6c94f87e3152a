import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from comptoir.checkout import admission, services
from comptoir.inventory.models import Reservation
from tests.checkout.factories import cart_with, shipping_method
from tests.storefront.checkout_helpers import checkout_form, soup, text, use_cart
from tests.storefront.test_checkout_pages import CHECKOUT_QUERIES, _ready_cart_of

pytestmark = pytest.mark.django_db


def buyer(cart) -> Client:
    client = Client()
    use_cart(client, cart)
    return client


def test_the_buyer_beyond_the_rate_waits_on_a_page_with_their_place_that_refreshes_itself(channel, waiting_room, clock):
    waiting_room(mode="on", rate=1, refresh_seconds=5)
    first, second = buyer(cart_with(channel)[0]), buyer(cart_with(channel)[0])

    admitted = first.get("/en/checkout/")
    queued = second.get("/en/checkout/")

    assert admitted.status_code == 200 and soup(admitted).select_one("#checkout-form") is not None
    page = soup(queued)
    assert queued.status_code == 200 and page.select_one("#checkout-form") is None
    assert queued["Comptoir-Waiting-Room"] == "1" and queued["Retry-After"] == "5"
    assert page.select_one('meta[http-equiv="refresh"]')["content"] == "5"
    assert "Your place in the queue: 1." in text(page.select_one('[role="status"]'))
    assert "no-store" in queued["Cache-Control"]


def test_a_waiting_buyer_keeps_their_place_and_is_let_in_when_their_turn_comes(channel, waiting_room, clock):
    waiting_room(mode="on", rate=1)
    first, second = buyer(cart_with(channel)[0]), buyer(cart_with(channel)[0])
    first.get("/en/checkout/")
    queued = second.get("/en/checkout/")
    number = admission.Ticket.loads(second.cookies[admission.COOKIE].value).number
    clock.now += 1  # a second later: the next number is served

    again = second.get("/en/checkout/")

    assert queued["Comptoir-Waiting-Room"] == "1"
    assert again.status_code == 200 and "Comptoir-Waiting-Room" not in again
    assert admission.Ticket.loads(second.cookies[admission.COOKIE].value).number == number


def test_an_admitted_buyer_is_not_queued_again_and_finds_their_items_held(channel, waiting_room, clock):
    waiting_room(mode="on", rate=1)
    method = shipping_method(channel)
    cart, _variant = cart_with(channel, stock=3)
    client = buyer(cart)
    client.get("/en/checkout/")
    for _ in range(5):  # others queue behind
        buyer(cart_with(channel)[0]).get("/en/checkout/")

    page = client.get("/en/checkout/")
    placed = client.post("/en/checkout/place/", checkout_form(method_id=method.pk))

    assert page.status_code == 200 and "Comptoir-Waiting-Room" not in page
    assert Reservation.objects.filter(holder=cart.holder).exists() or placed.status_code == 302
    assert placed.status_code == 302 and "/checkout/pay/" in placed["Location"]


def test_a_waiting_buyer_whose_item_sold_out_is_told_at_once(channel, waiting_room, clock):
    waiting_room(mode="on", rate=1)
    cart, variant = cart_with(channel, stock=1, name="Limited print")
    late_cart, _ = cart_with(channel)
    services.add_to_cart(checkout_id=late_cart.pk, variant_id=variant.pk, quantity=1)  # before it was held
    buyer(cart).get("/en/checkout/")  # the first buyer is let in, and holds the last unit

    answer = buyer(late_cart).get("/en/checkout/")

    page = soup(answer)
    assert answer["Comptoir-Waiting-Room"] == "sold-out"
    assert "Limited print" in text(page.select_one('[role="alert"]'))
    assert page.select_one('meta[http-equiv="refresh"]') is None


def test_a_form_posted_without_an_admission_goes_back_to_the_waiting_page(channel, waiting_room, clock):
    waiting_room(mode="on", rate=1)
    buyer(cart_with(channel)[0]).get("/en/checkout/")
    late = buyer(cart_with(channel)[0])

    answer = late.post("/en/checkout/place/", checkout_form())

    assert answer.status_code == 302 and answer["Location"] == "/en/checkout/"


def test_switched_off_the_checkout_page_sets_no_cookie_and_takes_no_extra_query(client, channel, waiting_room, clock):
    waiting_room(mode="off")
    use_cart(client, _ready_cart_of(channel, 1, shipping_method(channel)))
    client.get("/en/checkout/")

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/en/checkout/")

    assert response.status_code == 200
    assert len(queries) == CHECKOUT_QUERIES
    assert admission.COOKIE not in response.cookies
