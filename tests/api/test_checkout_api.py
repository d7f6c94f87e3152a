"""Buying through the API: checkout details, placing the order (idempotent), paying it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from comptoir.checkout.models import Checkout
from comptoir.inventory.models import StockLevel
from comptoir.orders.models import Order, OrderStatus
from comptoir.payments.models import Payment, PaymentStatus
from comptoir.pricing.models import VariantPrice
from tests.api.buying import DECLINED_CARD, cart_url, open_cart, pay, place, ready_cart, write
from tests.api.helpers import assert_problem
from tests.checkout.factories import ADDRESS_FR, shipping_method
from tests.factories import LocationFactory, sellable_product

pytestmark = pytest.mark.django_db


# --- The whole flow --------------------------------------------------------------------------------


def test_a_buyer_goes_from_an_empty_cart_to_a_paid_order_through_the_api_alone(client, channel):
    product = sellable_product(channel=channel, price="20.00", stock=5)
    variant = product.variants.get()
    method = shipping_method(channel, price="4.90")

    cart = open_cart(client)
    added = write(client, "POST", cart_url(cart, "/lines"), {"variant_id": variant.pk, "quantity": 2})
    emailed = write(client, "PUT", cart_url(cart, "/email"), {"email": "Camille@Example.fr"})
    addressed = write(client, "PUT", cart_url(cart, "/addresses"), {"shipping": ADDRESS_FR})
    options = client.get(cart_url(cart, "/delivery-options"))
    delivered = write(client, "PUT", cart_url(cart, "/delivery"), {"option_id": options.json()[0]["id"]})
    methods = client.get("/api/v1/payment-methods")
    chosen = write(client, "PUT", cart_url(cart, "/payment-method"), {"method": methods.json()[0]["code"]})
    held = write(client, "POST", cart_url(cart, "/hold"))
    placed = place(client, cart)
    paid = pay(client, placed.json())
    order = client.get(f"/api/v1/orders/by-token/{placed.json()['token']}")

    assert [r.status_code for r in (added, emailed, addressed, options, delivered, methods, chosen, held)] == [
        201, 200, 200, 200, 200, 200, 200, 200,
    ]  # fmt: skip
    assert added.json()["lines"][0]["total"]["amount"] == "40.00"
    assert emailed.json()["email"] == "camille@example.fr"
    assert options.json()[0]["id"] == f"method:{method.pk}"
    assert delivered.json()["totals"]["total"]["amount"] == "44.90"
    assert held.json()["reserved_until"]
    assert placed.status_code == 201
    assert placed.json()["amount_due"] == {
        "amount": "44.90",
        "currency": "EUR",
        "formatted": placed.json()["amount_due"]["formatted"],
    }
    assert placed.json()["status"] == "awaiting_payment" and placed.json()["pay_url"].startswith("http://testserver/")
    assert paid.status_code == 201 and paid.json()["status"] == "captured" and paid.json()["order_status"] == "paid"
    body = order.json()
    assert body["status"] == "paid" and body["pay_url"] is None
    assert [e["kind"] for e in body["timeline"]][:1] == ["placed"] and "paid" in [e["kind"] for e in body["timeline"]]
    assert body["lines"][0]["quantity"] == 2 and body["totals"]["total"]["amount"] == "44.90"
    assert StockLevel.objects.get(variant=variant).allocated == 2


def test_the_cart_answers_with_every_step_it_has_been_given(client, channel):
    cart, _variant = ready_cart(client, channel, price="12.50", quantity=2)

    body = client.get(cart_url(cart)).json()

    assert body["email"] == "camille@example.fr"
    assert body["shipping_address"]["country_code"] == "FR" and body["billing_address"] == body["shipping_address"]
    assert body["delivery"]["name"].startswith("Colissimo") and body["delivery"]["price"]["amount"] == "4.90"
    assert body["payment_method"] == "test:card"
    assert body["totals"]["subtotal"]["amount"] == "25.00" and body["totals"]["amount_due"]["amount"] == "29.90"


# --- Placing the order: idempotent ------------------------------------------------------------------


def test_placing_an_order_again_with_the_same_key_replays_the_same_answer(client, channel):
    cart, _ = ready_cart(client, channel)

    first = place(client, cart, key="place-1")
    again = place(client, cart, key="place-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert Order.objects.count() == 1


def test_placing_an_order_without_an_idempotency_key_is_refused_with_428(client, channel):
    cart, _ = ready_cart(client, channel)

    response = place(client, cart, key=None)

    assert_problem(response, status=428, code="idempotency-key-required")
    assert not Order.objects.exists()


def test_a_second_key_on_a_cart_already_ordered_answers_200_with_the_same_order(client, channel):
    cart, _ = ready_cart(client, channel)

    first = place(client, cart, key="tab-1")
    second = place(client, cart, key="tab-2")

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["number"] == first.json()["number"] and second.json()["token"] == first.json()["token"]
    assert Order.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_double_submitted_order_with_two_different_keys_makes_one_order(channel, run_in_threads):
    from django.test import Client

    setup = Client()
    cart, _ = ready_cart(setup, channel)

    responses = run_in_threads(lambda i: place(Client(), cart, key=f"double-{i}"), n=2)

    assert not [r for r in responses if isinstance(r, Exception)], responses
    assert sorted(r.status_code for r in responses) in ([200, 201], [201, 201])
    assert len({r.json()["number"] for r in responses}) == 1
    assert Order.objects.count() == 1


def test_a_total_or_price_sent_by_the_client_changes_nothing(client, channel):
    product = sellable_product(channel=channel, price="30.00")
    variant = product.variants.get()
    cart, _ = ready_cart(client, channel, price="20.00")

    added = write(
        client,
        "POST",
        cart_url(cart, "/lines"),
        {"variant_id": variant.pk, "quantity": 1, "price": "0.01", "unit_price": "0.01", "total": "0.01"},
    )
    placed = place(client, cart, body={"total": "0.01", "amount_due": "0.00", "price": "0.01"})

    assert added.status_code == 201
    assert [line["unit_price"]["amount"] for line in added.json()["lines"]] == ["20.00", "30.00"]
    assert placed.status_code == 201 and placed.json()["totals"]["total"]["amount"] == "54.90"
    assert Order.objects.get().total == Decimal("54.90")


def test_an_incomplete_checkout_is_a_422_naming_each_missing_step(client, channel):
    variant = sellable_product(channel=channel).variants.get()
    cart = open_cart(client)
    write(client, "POST", cart_url(cart, "/lines"), {"variant_id": variant.pk})

    response = place(client, cart)

    body = assert_problem(response, status=422, code="checkout-incomplete")
    assert {"email", "delivery", "payment_method"} <= {e["field"] for e in body["errors"]}
    assert not Order.objects.exists()


def test_stock_sold_meanwhile_is_a_409_with_the_shortages_and_no_order(client, channel):
    cart, variant = ready_cart(client, channel, stock=3, quantity=2)
    StockLevel.objects.filter(variant=variant).update(on_hand=1)

    response = place(client, cart)

    body = assert_problem(response, status=409, code="insufficient-stock")
    assert body["shortages"] == [{"variant_id": variant.pk, "requested": 2, "available": 1}]
    assert not Order.objects.exists()
    assert Checkout.objects.get(token=cart["token"]).completed_at is None


def test_a_changed_price_is_a_409_listing_it_then_the_next_confirmation_places_the_order_at_it(client, channel):
    cart, variant = ready_cart(client, channel, price="20.00")
    VariantPrice.objects.filter(variant=variant).update(amount=Decimal("25.00"))

    refused = place(client, cart, key="confirm-1")
    shown = client.get(cart_url(cart))
    confirmed = place(client, cart, key="confirm-1")

    body = assert_problem(refused, status=409, code="price-changed")
    assert body["changes"] == [
        {"line": cart["lines"][0]["id"], "label": body["changes"][0]["label"], "old": "20.00", "new": "25.00"}
    ]
    assert shown.json()["price_changes"] == []  # now seen
    assert confirmed.status_code == 201 and confirmed.json()["totals"]["subtotal"]["amount"] == "25.00"
    assert Order.objects.get().lines.get().unit_price == Decimal("25.00")


def test_a_price_change_shows_on_the_cart_until_the_buyer_acknowledges_it(client, channel):
    cart, variant = ready_cart(client, channel, price="20.00")
    VariantPrice.objects.filter(variant=variant).update(amount=Decimal("18.00"))

    shown = client.get(cart_url(cart)).json()
    acknowledged = write(client, "POST", cart_url(cart, "/acknowledge-prices"))

    assert (
        shown["price_changes"][0]["old"]["amount"] == "20.00" and shown["price_changes"][0]["new"]["amount"] == "18.00"
    )
    assert shown["lines"][0]["previous_unit_price"]["amount"] == "20.00"
    assert acknowledged.status_code == 200 and acknowledged.json()["price_changes"] == []


def test_writing_to_a_cart_that_became_an_order_is_a_409(client, channel):
    cart, _ = ready_cart(client, channel)
    place(client, cart)

    response = write(client, "PUT", cart_url(cart, "/email"), {"email": "late@example.fr"})

    assert_problem(response, status=409, code="checkout-completed")


# --- Checkout details --------------------------------------------------------------------------------


def test_a_bad_address_is_a_422_naming_each_bad_field_and_changes_nothing(client, channel):
    cart, _ = ready_cart(client, channel)
    bad = {**ADDRESS_FR, "postal_code": "ABC", "city": ""}

    response = write(
        client,
        "PUT",
        cart_url(cart, "/addresses"),
        {"shipping": bad, "billing": {"country_code": "FR"}, "billing_same_as_shipping": False},
    )

    body = assert_problem(response, status=422, code="invalid-address")
    locs = {tuple(e["loc"]) for e in body["errors"]}
    assert {("body", "shipping", "postal_code"), ("body", "shipping", "city")} <= locs
    assert any(loc[:2] == ("body", "billing") for loc in locs)
    assert Checkout.objects.get(token=cart["token"]).shipping_address["postal_code"] == "75002"


def test_a_bad_email_is_a_422_on_the_email_field(client, channel):
    cart = open_cart(client)

    response = write(client, "PUT", cart_url(cart, "/email"), {"email": "not-an-address"})

    body = assert_problem(response, status=422, code="invalid-input")
    assert body["errors"][0]["loc"] == ["body", "email"]


def test_a_body_of_the_wrong_shape_is_a_422_naming_the_field(client, channel):
    cart = open_cart(client)

    response = write(client, "POST", cart_url(cart, "/lines"), {"variant_id": "mug", "quantity": 0})

    body = assert_problem(response, status=422, code="validation-error")
    assert {tuple(e["loc"]) for e in body["errors"]} == {
        ("body", "payload", "variant_id"),
        ("body", "payload", "quantity"),
    }


def test_a_delivery_option_not_offered_is_a_422(client, channel):
    cart, _ = ready_cart(client, channel)

    response = write(client, "PUT", cart_url(cart, "/delivery"), {"option_id": "method:999999"})

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"


def test_the_delivery_options_include_the_stores_that_can_hand_the_cart_over(client, channel):
    from comptoir.inventory.models import LocationKind
    from comptoir.inventory.queries import forget_locations

    cart, variant = ready_cart(client, channel)
    store = LocationFactory(kind=LocationKind.STORE, pickup_enabled=True, name="Paris Rivoli", city="Paris")
    StockLevel.objects.create(location=store, variant=variant, on_hand=3)
    forget_locations()

    options = client.get(cart_url(cart, "/delivery-options")).json()
    chosen = write(client, "PUT", cart_url(cart, "/delivery"), {"option_id": f"collect:{store.pk}"})

    collect = [o for o in options if o["kind"] == "collect"]
    assert collect[0]["store"]["name"] == "Paris Rivoli" and collect[0]["price"]["amount"] == "0.00"
    assert [o["selected"] for o in options if o["kind"] == "shipping"] == [True]
    assert chosen.status_code == 200 and chosen.json()["delivery"]["kind"] == "collect"


def test_the_payment_methods_offered_include_the_test_card(client, channel):
    response = client.get("/api/v1/payment-methods")

    assert response.status_code == 200
    assert response.json()[0]["code"] == "test:card" and response.json()[0]["fields"] == ["card_number"]


def test_an_unknown_payment_method_is_a_422(client, channel):
    cart = open_cart(client)

    response = write(client, "PUT", cart_url(cart, "/payment-method"), {"method": "cash:bag"})

    assert_problem(response, status=422, code="payment-method-unavailable")


def test_an_unknown_voucher_is_a_422_and_the_code_is_not_kept(client, channel):
    cart, _ = ready_cart(client, channel)

    response = write(client, "POST", cart_url(cart, "/voucher"), {"code": "NOPE"})

    assert_problem(response, status=422, code="voucher-not-found")
    assert Checkout.objects.get(token=cart["token"]).voucher_code == ""


def test_a_voucher_takes_its_discount_off_the_total_and_can_be_removed(client, channel):
    from tests.pricing.factories import VoucherFactory

    VoucherFactory(code="TENOFF")
    cart, _ = ready_cart(client, channel, price="20.00")

    applied = write(client, "POST", cart_url(cart, "/voucher"), {"code": "tenoff"})
    removed = write(client, "DELETE", cart_url(cart, "/voucher"))

    assert applied.status_code == 200, applied.content
    assert applied.json()["voucher"] == {"code": "TENOFF", "problem": ""}
    assert applied.json()["totals"]["discount"]["amount"] == "2.00"
    assert applied.json()["discounts"][0]["source"] == "voucher"
    assert removed.json()["voucher"] is None and removed.json()["totals"]["discount"]["amount"] == "0.00"


def test_a_gift_card_pays_part_of_the_order_and_can_be_taken_off(client, channel):
    from comptoir.core.money import Money
    from comptoir.pricing.giftcards import format_gift_card_code, issue_gift_card

    card = issue_gift_card(currency="EUR", amount=Money(Decimal("10.00"), "EUR"))
    cart, _ = ready_cart(client, channel, price="20.00")

    added = write(client, "POST", cart_url(cart, "/gift-cards"), {"code": format_gift_card_code(card.code).lower()})
    removed = write(client, "DELETE", cart_url(cart, "/gift-cards"), {"code": card.code})

    assert added.status_code == 200, added.content
    assert added.json()["gift_cards"] == [f"•••• {card.code[-4:]}"]
    assert added.json()["totals"]["gift_cards"]["amount"] == "10.00"
    assert added.json()["totals"]["amount_due"]["amount"] == "14.90"
    assert removed.json()["gift_cards"] == [] and removed.json()["totals"]["amount_due"]["amount"] == "24.90"


def test_an_unknown_gift_card_is_a_404(client, channel):
    cart = open_cart(client)

    response = write(client, "POST", cart_url(cart, "/gift-cards"), {"code": "AAAA-BBBB-CCCC-DDDD"})

    assert response.status_code == 404


def test_holding_the_items_answers_until_when(client, channel):
    cart, variant = ready_cart(client, channel, quantity=2)

    response = write(client, "POST", cart_url(cart, "/hold"))

    assert response.status_code == 200 and response.json()["reserved_until"] and response.json()["lapsed"] is False
    assert client.get(cart_url(cart)).json()["reserved_until"] == response.json()["reserved_until"]
    assert StockLevel.objects.get(variant=variant).reserved == 2


# --- Paying --------------------------------------------------------------------------------------------


def test_a_declined_card_is_a_402_with_the_providers_message_and_another_card_then_pays(client, channel):
    cart, _ = ready_cart(client, channel)
    order = place(client, cart).json()

    declined = pay(client, order, card=DECLINED_CARD)
    paid = pay(client, order)

    body = assert_problem(declined, status=402, code="payment-declined")
    assert "declined" in body["detail"]
    assert paid.status_code == 201 and paid.json()["order_status"] == "paid"
    assert sorted(Payment.objects.values_list("status", flat=True)) == [PaymentStatus.CAPTURED, PaymentStatus.FAILED]


def test_a_retried_payment_with_the_same_key_charges_once(client, channel):
    cart, _ = ready_cart(client, channel)
    order = place(client, cart).json()

    first = pay(client, order, key="pay-1")
    again = pay(client, order, key="pay-1")

    assert first.json() == again.json()
    assert Payment.objects.count() == 1


def test_paying_an_order_already_paid_is_a_409(client, channel):
    cart, _ = ready_cart(client, channel)
    order = place(client, cart).json()
    pay(client, order)

    response = pay(client, order)

    assert_problem(response, status=409, code="order-state")
    assert Order.objects.get().status == OrderStatus.PAID


def test_paying_an_unknown_order_is_a_404(client, channel):
    response = pay(client, {"token": "no-such-order"})

    assert_problem(response, status=404, code="order-not-found")


def test_payment_attempts_are_rate_limited_per_client_and_order(client, channel):
    cart, _ = ready_cart(client, channel)
    order = place(client, cart).json()

    answers = [pay(client, order, card=DECLINED_CARD).status_code for _ in range(11)]

    assert answers[:10] == [402] * 10
    assert answers[10] == 429
