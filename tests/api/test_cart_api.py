"""The cart through the API: opening it, its lines, what it shows, and who may use it."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.utils.crypto import get_random_string

from comptoir.catalog.models import Product
from comptoir.checkout import services
from comptoir.checkout.models import Checkout, CheckoutLine
from comptoir.inventory.models import StockLevel
from tests.api.buying import cart_url, open_cart, write
from tests.api.helpers import assert_problem
from tests.factories import sellable_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def variant(channel):
    return sellable_product(channel=channel, price="19.90", stock=5).variants.get()


@pytest.fixture
def buyer(django_user_model):
    return django_user_model.objects.create_user("camille", "camille@example.fr", "pw-123456789")


def test_a_new_cart_is_empty_priced_in_the_channels_currency_and_has_a_token(client, channel):
    response = write(client, "POST", "/api/v1/carts")

    body = response.json()
    assert response.status_code == 201
    assert uuid.UUID(body["token"]) == Checkout.objects.get().token
    assert (body["channel"], body["currency"], body["lines"]) == ("web-eur", "EUR", [])
    assert body["totals"]["total"] == {
        "amount": "0.00",
        "currency": "EUR",
        "formatted": body["totals"]["total"]["formatted"],
    }


def test_a_cart_opens_in_the_channel_named_by_its_slug(client, channel, usd_channel):
    body = open_cart(client, channel="web-usd")

    assert (body["channel"], body["currency"]) == ("web-usd", "USD")


def test_opening_a_cart_in_an_unknown_channel_is_a_404(client, channel):
    response = write(client, "POST", "/api/v1/carts?channel=nowhere")

    assert_problem(response, status=404, code="not-found")
    assert not Checkout.objects.exists()


def test_opening_a_cart_without_an_idempotency_key_is_a_428(client, channel):
    response = write(client, "POST", "/api/v1/carts", key=None)

    assert_problem(response, status=428, code="idempotency-key-required")
    assert not Checkout.objects.exists()


def test_opening_a_cart_again_with_the_same_key_gives_the_same_cart(client, channel):
    first = write(client, "POST", "/api/v1/carts", key="open-1")
    again = write(client, "POST", "/api/v1/carts", key="open-1")

    assert again.json()["token"] == first.json()["token"]
    assert Checkout.objects.count() == 1


def test_an_item_is_added_at_the_servers_price_with_its_line_total(client, channel, variant):
    cart = open_cart(client)

    response = write(client, "POST", cart_url(cart, "/lines"), {"variant_id": variant.pk, "quantity": 2})

    line = response.json()["lines"][0]
    assert response.status_code == 201
    assert (line["variant_id"], line["sku"], line["quantity"]) == (variant.pk, variant.sku, 2)
    assert line["unit_price"]["amount"] == "19.90" and line["total"]["amount"] == "39.80"
    assert (line["available"], line["problem"]) == (5, "")
    assert response.json()["totals"]["subtotal"]["amount"] == "39.80"


def test_adding_the_same_item_again_adds_to_its_line(client, channel, variant):
    cart = open_cart(client)

    write(client, "POST", cart_url(cart, "/lines"), {"variant_id": variant.pk, "quantity": 1})
    response = write(client, "POST", cart_url(cart, "/lines"), {"variant_id": variant.pk, "quantity": 2})

    assert [line["quantity"] for line in response.json()["lines"]] == [3]


def test_a_retried_add_with_the_same_key_adds_the_units_once(client, channel, variant):
    cart = open_cart(client)

    write(client, "POST", cart_url(cart, "/lines"), {"variant_id": variant.pk, "quantity": 2}, key="add-1")
    write(client, "POST", cart_url(cart, "/lines"), {"variant_id": variant.pk, "quantity": 2}, key="add-1")

    assert CheckoutLine.objects.get().quantity == 2


def test_adding_more_than_is_left_is_a_409_naming_the_shortage(client, channel, variant):
    cart = open_cart(client)

    response = write(client, "POST", cart_url(cart, "/lines"), {"variant_id": variant.pk, "quantity": 6})

    body = assert_problem(response, status=409, code="insufficient-stock")
    assert body["shortages"] == [{"variant_id": variant.pk, "requested": 6, "available": 5}]
    assert not CheckoutLine.objects.exists()


def test_adding_an_item_not_sold_in_the_channel_is_a_422(client, channel, usd_channel):
    other = sellable_product(channel=usd_channel).variants.get()
    cart = open_cart(client)

    response = write(client, "POST", cart_url(cart, "/lines"), {"variant_id": other.pk})

    assert_problem(response, status=422, code="product-unavailable")


def test_changing_a_lines_quantity_reprices_it(client, channel, variant):
    cart = open_cart(client)
    line_id = write(client, "POST", cart_url(cart, "/lines"), {"variant_id": variant.pk}).json()["lines"][0]["id"]

    response = write(client, "PATCH", cart_url(cart, f"/lines/{line_id}"), {"quantity": 3})

    assert response.status_code == 200
    assert response.json()["lines"][0]["total"]["amount"] == "59.70"


def test_a_quantity_of_zero_or_a_delete_removes_the_line(client, channel, variant):
    other = sellable_product(channel=channel).variants.get()
    cart = open_cart(client)
    write(client, "POST", cart_url(cart, "/lines"), {"variant_id": variant.pk})
    lines = write(client, "POST", cart_url(cart, "/lines"), {"variant_id": other.pk}).json()["lines"]

    zeroed = write(client, "PATCH", cart_url(cart, f"/lines/{lines[0]['id']}"), {"quantity": 0})
    deleted = write(client, "DELETE", cart_url(cart, f"/lines/{lines[1]['id']}"))

    assert [line["variant_id"] for line in zeroed.json()["lines"]] == [other.pk]
    assert deleted.status_code == 200 and deleted.json()["lines"] == []


def test_changing_a_line_of_another_cart_is_a_404(client, channel, variant):
    mine, theirs = open_cart(client), open_cart(client)
    line_id = write(client, "POST", cart_url(theirs, "/lines"), {"variant_id": variant.pk}).json()["lines"][0]["id"]

    response = write(client, "PATCH", cart_url(mine, f"/lines/{line_id}"), {"quantity": 2})

    assert_problem(response, status=404, code="cart-not-found")
    assert CheckoutLine.objects.get().quantity == 1


def test_a_negative_quantity_is_a_422_naming_the_field(client, channel, variant):
    cart = open_cart(client)

    response = write(client, "POST", cart_url(cart, "/lines"), {"variant_id": variant.pk, "quantity": -1})

    body = assert_problem(response, status=422, code="validation-error")
    assert body["errors"][0]["loc"][-1] == "quantity"


def test_an_unknown_cart_is_a_404(client, channel):
    assert_problem(client.get(cart_url(str(uuid.uuid4()))), status=404, code="cart-not-found")


def test_a_malformed_cart_token_is_a_404(client, channel):
    assert_problem(client.get("/api/v1/carts/not-a-token"), status=404, code="cart-not-found")


def test_a_line_no_longer_for_sale_is_shown_with_its_problem_and_left_out_of_the_total(client, channel, variant):
    other = sellable_product(channel=channel, price="5.00").variants.get()
    cart = open_cart(client)
    write(client, "POST", cart_url(cart, "/lines"), {"variant_id": variant.pk})
    write(client, "POST", cart_url(cart, "/lines"), {"variant_id": other.pk})
    Product.objects.filter(pk=variant.product_id).update(status="draft")

    body = client.get(cart_url(cart)).json()

    gone = next(line for line in body["lines"] if line["variant_id"] == variant.pk)
    assert (gone["problem"], gone["unit_price"], gone["total"]) == ("unavailable", None, None)
    assert gone["problem_message"]
    assert body["totals"]["subtotal"]["amount"] == "5.00"


def test_a_line_beyond_the_stock_left_says_how_many_are_left(client, channel, variant):
    cart = open_cart(client)
    write(client, "POST", cart_url(cart, "/lines"), {"variant_id": variant.pk, "quantity": 4})
    StockLevel.objects.filter(variant=variant).update(on_hand=2)

    line = client.get(cart_url(cart)).json()["lines"][0]

    assert (line["problem"], line["available"]) == ("insufficient_stock", 2)
    assert "2" in line["problem_message"]


def _cart_with_lines(channel, count: int) -> Checkout:
    from comptoir.inventory.queries import forget_locations

    variants = [sellable_product(channel=channel).variants.get() for _ in range(count)]
    forget_locations()  # each product came with a warehouse of its own
    cart = services.open_cart(channel=channel)
    for variant in variants:
        services.add_to_cart(checkout_id=cart.pk, variant_id=variant.pk, quantity=1)
    return cart


def test_reading_a_cart_takes_seven_queries_with_one_line_or_ten(client, channel, django_assert_num_queries):
    one, ten = _cart_with_lines(channel, 1), _cart_with_lines(channel, 10)
    client.get(cart_url(str(one.token)))  # warm the channel and location caches

    # The cart; its lines with variants and products; collections; option names; the sellable variants' prices;
    # stock; promotions.
    with django_assert_num_queries(7):
        with_one = client.get(cart_url(str(one.token)))
    with django_assert_num_queries(7):
        with_ten = client.get(cart_url(str(ten.token)))

    assert (len(with_one.json()["lines"]), len(with_ten.json()["lines"])) == (1, 10)


# --- Who may use a cart --------------------------------------------------------------------------------


def test_a_signed_in_customers_cart_is_theirs_and_found_at_carts_mine(client, channel, buyer):
    client.force_login(buyer)

    opened = open_cart(client)
    mine = client.get("/api/v1/carts/mine")

    assert Checkout.objects.get().user_id == buyer.pk
    assert mine.status_code == 200 and mine.json()["token"] == opened["token"]


def test_carts_mine_without_a_session_is_a_401(client, channel):
    assert_problem(client.get("/api/v1/carts/mine"), status=401, code="unauthorized")


def test_carts_mine_is_a_404_when_the_customer_has_no_open_cart(client, channel, buyer):
    client.force_login(buyer)

    assert_problem(client.get("/api/v1/carts/mine"), status=404, code="cart-not-found")


def test_a_customers_cart_is_not_found_with_its_token_alone(client, channel, buyer):
    cart = services.open_cart(channel=channel, user_id=buyer.pk)
    stranger = Client()

    read = stranger.get(cart_url(str(cart.token)))
    written = write(stranger, "PUT", cart_url(str(cart.token), "/email"), {"email": "thief@example.fr"})

    assert_problem(read, status=404, code="cart-not-found")
    assert_problem(written, status=404, code="cart-not-found")
    assert Checkout.objects.get().email == ""


def test_a_customer_writing_to_their_cart_without_the_csrf_token_is_refused(channel, buyer, variant):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(buyer)
    cart = services.open_cart(channel=channel, user_id=buyer.pk)

    response = write(browser, "POST", cart_url(str(cart.token), "/lines"), {"variant_id": variant.pk})

    assert_problem(response, status=403, code="forbidden")
    assert not CheckoutLine.objects.exists()


def test_a_customer_writing_with_the_csrf_token_is_served(channel, buyer, variant):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(buyer)
    secret = get_random_string(32)  # what the storefront's CSRF cookie holds
    browser.cookies["csrftoken"] = secret
    cart = services.open_cart(channel=channel, user_id=buyer.pk)

    response = write(
        browser, "POST", cart_url(str(cart.token), "/lines"), {"variant_id": variant.pk}, **{"X-CSRFToken": secret}
    )

    assert response.status_code == 201, response.content


def test_an_anonymous_cart_needs_no_csrf_token_even_from_a_browser(channel, variant):
    browser = Client(enforce_csrf_checks=True)
    cart = open_cart(browser)

    response = write(browser, "POST", cart_url(cart, "/lines"), {"variant_id": variant.pk})

    assert response.status_code == 201
