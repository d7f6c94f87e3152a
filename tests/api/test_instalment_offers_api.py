"""Instalment offers through the API: a cart's (before the order is placed) and an order's (when paying),
computed by the payments domain's one function under the merchant's rules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from comptoir.checkout import services
from comptoir.core.money import Money
from comptoir.payments.instalments.offers import instalment_offers
from tests.api.buying import cart_url, open_cart, pay, place, ready_cart, write
from tests.api.helpers import assert_problem
from tests.factories import ChannelFactory, sellable_product
from tests.payments.instalments.factories import make_offer

pytestmark = pytest.mark.django_db


def money(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def offers_of(client, cart: dict) -> dict:
    response = client.get(cart_url(cart, "/instalment-offers"))
    assert response.status_code == 200, response.content
    return response.json()


def amounts(offer: dict) -> list[str]:
    return [item["amount"]["amount"] for item in offer["schedule"]]


# --- A cart's offers -------------------------------------------------------------------------------------


def test_an_eligible_cart_is_offered_pay_in_three_with_its_whole_schedule_first_one_due_today(client, channel):
    offer = make_offer(channel, count=3)
    cart, _ = ready_cart(client, channel, price="95.10")  # + 4.90 shipping = 100.00

    body = offers_of(client, cart)

    today = timezone.localdate()
    assert body["amount"]["amount"] == "100.00" and body["amount"]["currency"] == "EUR"
    [shown] = body["offers"]
    assert (shown["id"], shown["label"], shown["count"], shown["interval"]) == (offer.pk, "Pay in 3", 3, "monthly")
    assert (shown["first"]["amount"], shown["then"]["amount"], shown["total"]["amount"]) == ("33.34", "33.33", "100.00")
    assert amounts(shown) == ["33.34", "33.33", "33.33"]
    assert [item["sequence"] for item in shown["schedule"]] == [1, 2, 3]
    assert [item["due_now"] for item in shown["schedule"]] == [True, False, False]
    assert shown["schedule"][0]["due_on"] == today.isoformat()
    assert shown["schedule"][1]["due_on"] > today.isoformat()


def test_the_cart_shows_exactly_what_the_shared_offers_function_computes(client, channel):
    make_offer(channel, count=3)
    make_offer(channel, count=4, interval="14_days")
    make_offer(channel, count=10, interval="30_days", min_amount=Decimal("50"))
    cart, _ = ready_cart(client, channel, price="95.10")

    body = offers_of(client, cart)

    expected = instalment_offers(
        channel_id=channel.pk, amount=money("100.00"), country="FR", product_kinds=["physical"]
    )
    assert [(o["id"], o["count"], amounts(o), [i["due_on"] for i in o["schedule"]]) for o in body["offers"]] == [
        (o.id, o.count, [str(i.amount.amount) for i in o.schedule], [i.due_on.isoformat() for i in o.schedule])
        for o in expected
    ]
    assert len(expected) == 3


def test_a_basket_outside_the_offers_range_is_offered_nothing(client, channel):
    make_offer(channel, min_amount=Decimal("150"))
    make_offer(channel, count=4, max_amount=Decimal("50"))
    cart, _ = ready_cart(client, channel, price="95.10")

    body = offers_of(client, cart)

    assert body == {"amount": body["amount"], "offers": []} and body["amount"]["amount"] == "100.00"


def test_a_buyer_outside_the_offers_countries_is_offered_nothing_until_the_address_is_there(client, channel):
    make_offer(channel, countries=["BE"])
    cart, _ = ready_cart(client, channel, price="95.10")  # a delivery address in France

    assert offers_of(client, cart)["offers"] == []

    belgian = {"full_name": "Camille Martin", "street_address_1": "Rue Neuve 1", "city": "Bruxelles",
               "postal_code": "1000", "country_code": "BE"}  # fmt: skip
    address = write(
        client, "PUT", cart_url(cart, "/addresses"),
        {"shipping": cart["shipping_address"], "billing": belgian, "billing_same_as_shipping": False},
    )  # fmt: skip
    assert address.status_code == 200, address.content
    assert [o["count"] for o in offers_of(client, cart)["offers"]] == [3]  # the billing country counts


def test_a_basket_with_an_excluded_kind_of_product_is_offered_nothing(client, channel):
    make_offer(channel, excluded_kinds=["gift_card"])
    cart, _ = ready_cart(client, channel, price="95.10")
    assert len(offers_of(client, cart)["offers"]) == 1
    gift_card = sellable_product(channel=channel, price="20.00", stock=None, kind="gift_card").variants.get()

    added = write(client, "POST", cart_url(cart, "/lines"), {"variant_id": gift_card.pk})

    assert added.status_code == 201, added.content
    assert offers_of(client, cart)["offers"] == []


def test_an_empty_cart_and_another_channels_offers_give_nothing(client, channel):
    other = ChannelFactory(slug="shop-eur-2", currency="EUR", default_country="FR")
    make_offer(other)
    empty = open_cart(client)
    cart, _ = ready_cart(client, channel, price="95.10")

    assert offers_of(client, empty) == {"amount": offers_of(client, empty)["amount"], "offers": []}
    assert offers_of(client, cart)["offers"] == []


def test_offers_follow_the_carts_amount_due_after_a_gift_card(client, channel):
    """The amount split is what the card will pay: the amount due, after gift cards."""
    from comptoir.pricing.giftcards import issue_gift_card

    make_offer(channel, count=2)
    cart, _ = ready_cart(client, channel, price="95.10")
    card = issue_gift_card(currency="EUR", amount=money("40.00"))
    write(client, "POST", cart_url(cart, "/gift-cards"), {"code": card.code})

    body = offers_of(client, cart)

    assert body["amount"]["amount"] == "60.00"
    assert amounts(body["offers"][0]) == ["30.00", "30.00"]


def test_another_customers_cart_offers_are_a_404(client, channel, django_user_model):
    owner = django_user_model.objects.create_user("dominique", "dominique@example.fr", "pw-123456789")
    make_offer(channel)
    cart = services.open_cart(channel=channel, user_id=owner.pk)

    response = Client().get(cart_url(str(cart.token), "/instalment-offers"))

    assert_problem(response, status=404, code="cart-not-found")


def test_an_unknown_or_malformed_cart_is_a_404(client, channel):
    assert_problem(client.get(cart_url("not-a-uuid", "/instalment-offers")), status=404, code="cart-not-found")
    assert_problem(
        client.get(cart_url("6b3c9e1e-0000-4000-8000-000000000000", "/instalment-offers")),
        status=404,
        code="cart-not-found",
    )


def test_a_carts_offers_take_the_carts_nine_reads_plus_one_query_whatever_the_number_of_offers(
    client, channel, django_assert_num_queries
):
    cart, _ = ready_cart(client, channel, price="95.10")
    client.get(cart_url(cart))  # warm the channel and location caches
    for count in (3, 4, 6, 12):
        make_offer(channel, count=count)

    # GET /carts/{token} reads nine (the cart, its lines, prices, stock, promotions, delivery...);
    # the offers add the channel's offers.
    with django_assert_num_queries(9):
        client.get(cart_url(cart))
    with django_assert_num_queries(10):
        body = offers_of(client, cart)

    assert [o["count"] for o in body["offers"]] == [3, 4, 6, 12]


# --- An order's offers -----------------------------------------------------------------------------------


def test_a_placed_order_is_offered_what_its_cart_was_offered(client, channel):
    make_offer(channel, count=3)
    make_offer(channel, count=4, max_amount=Decimal("50"))
    cart, _ = ready_cart(client, channel, price="95.10")
    before = offers_of(client, cart)
    order = place(client, cart).json()

    after = client.get(f"/api/v1/orders/by-token/{order['token']}/instalment-offers")

    assert after.status_code == 200 and after.json() == before


def test_a_paid_order_is_offered_nothing_more(client, channel):
    make_offer(channel)
    cart, _ = ready_cart(client, channel, price="95.10")
    order = place(client, cart).json()
    assert pay(client, order).status_code == 201

    response = client.get(f"/api/v1/orders/by-token/{order['token']}/instalment-offers")

    assert response.status_code == 200 and response.json()["offers"] == []


def test_an_orders_offers_by_an_unknown_token_are_a_404(client, channel):
    response = client.get("/api/v1/orders/by-token/no-such-order/instalment-offers")

    assert_problem(response, status=404, code="order-not-found")


def test_a_customer_reads_their_orders_offers_by_number_and_no_one_elses(client, channel, django_user_model):
    from tests.payments.instalments.factories import placed

    camille = django_user_model.objects.create_user("camille", "camille@example.fr", "pw-123456789")
    dominique = django_user_model.objects.create_user("dominique", "dominique@example.fr", "pw-123456789")
    make_offer(channel)
    mine, theirs = placed(channel, user=camille), placed(channel, user=dominique)
    client.force_login(camille)

    own = client.get(f"/api/v1/orders/{mine.number}/instalment-offers")
    other = client.get(f"/api/v1/orders/{theirs.number}/instalment-offers")
    anonymous = Client().get(f"/api/v1/orders/{mine.number}/instalment-offers")

    assert own.status_code == 200 and [o["count"] for o in own.json()["offers"]] == [3]
    assert_problem(other, status=404, code="order-not-found")
    assert_problem(anonymous, status=401, code="unauthorized")


def test_an_orders_offers_take_three_queries(client, channel, django_assert_num_queries):
    from tests.payments.instalments.factories import placed

    for count in (3, 4, 6):
        make_offer(channel, count=count)
    order = placed(channel)

    # The order with its channel; its lines (the kinds of products); the channel's offers.
    with django_assert_num_queries(3):
        response = client.get(f"/api/v1/orders/by-token/{order.token}/instalment-offers")

    assert [o["count"] for o in response.json()["offers"]] == [3, 4, 6]
