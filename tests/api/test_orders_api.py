"""Orders through the API, as their buyer sees them: by tracking token or, signed in, by number; returns."""

from __future__ import annotations

import pytest
from django.test import Client

from comptoir.checkout import services
from comptoir.orders.models import Order, ReturnRequest, ReturnStatus
from comptoir.orders.services import fulfil_order, pay_order
from tests.api.buying import TEST_CARD, pay, place, ready_cart, write
from tests.api.helpers import assert_problem
from tests.checkout.factories import ready_checkout

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer(django_user_model):
    return django_user_model.objects.create_user("camille", "camille@example.fr", "pw-123456789")


def placed_order(channel, *, user=None, quantity: int = 1, lines: int = 1) -> Order:
    """An order placed through the checkout services (a guest's, or `user`'s), awaiting payment."""
    from comptoir.inventory.queries import forget_locations
    from tests.factories import sellable_product

    forget_locations()  # each product comes with a warehouse of its own: read the locations afresh
    checkout, _ = ready_checkout(channel, quantity=quantity, user=user)
    extra = [sellable_product(channel=channel).variants.get() for _ in range(lines - 1)]
    forget_locations()
    for variant in extra:
        services.add_to_cart(checkout_id=checkout.pk, variant_id=variant.pk)
    return services.place_order(checkout_id=checkout.pk)


def shipped_order(channel, **kwargs) -> Order:
    order = placed_order(channel, **kwargs)
    pay_order(order_id=order.pk, method_code="test:card", data={"card_number": TEST_CARD})
    fulfil_order(order_id=order.pk, carrier="Colissimo", tracking_number="6A123456789")
    return Order.objects.get(pk=order.pk)


# --- By tracking token -----------------------------------------------------------------------------


def test_a_guests_token_opens_its_order_with_status_lines_totals_and_timeline(client, channel):
    order = placed_order(channel, quantity=2)

    response = client.get(f"/api/v1/orders/by-token/{order.token}")

    body = response.json()
    assert response.status_code == 200
    assert (body["number"], body["status"], body["email"]) == (order.number, "awaiting_payment", order.email)
    assert [(line["sku"], line["quantity"]) for line in body["lines"]] == [(order.lines.get().sku, 2)]
    assert body["totals"]["total"]["amount"] == "44.90" and body["totals"]["amount_due"]["amount"] == "44.90"
    assert [event["kind"] for event in body["timeline"]] == ["placed"]
    assert body["pay_url"].endswith(f"/checkout/pay/{order.token}/")
    assert body["delivery"]["carrier"] == "Colissimo" and body["shipments"] == []


def test_a_token_opens_only_its_own_order(client, channel):
    mine, theirs = placed_order(channel), placed_order(channel)

    response = client.get(f"/api/v1/orders/by-token/{mine.token}")

    assert response.json()["number"] == mine.number != theirs.number


def test_an_unknown_token_is_a_404(client, channel):
    placed_order(channel)

    assert_problem(client.get("/api/v1/orders/by-token/not-a-real-token"), status=404, code="order-not-found")


def test_the_timeline_shows_only_what_the_buyer_may_see(client, channel):
    from comptoir.orders.services import add_order_note

    order = placed_order(channel)
    add_order_note(order_id=order.pk, text="Buyer sounds upset, be gentle.")
    add_order_note(order_id=order.pk, text="Your parcel leaves tomorrow.", public=True)

    body = client.get(f"/api/v1/orders/by-token/{order.token}").json()

    messages = [event["message"] for event in body["timeline"]]
    assert "Your parcel leaves tomorrow." in messages
    assert "Buyer sounds upset" not in str(body["timeline"])


def test_a_shipped_order_shows_its_parcel_with_carrier_tracking_number_and_link(client, channel):
    order = shipped_order(channel)

    body = client.get(f"/api/v1/orders/by-token/{order.token}").json()

    assert body["status"] == "fulfilled"
    shipment = body["shipments"][0]
    assert (shipment["carrier"], shipment["tracking_number"]) == ("Colissimo", "6A123456789")
    assert shipment["tracking_url"] == "https://track.example/6A123456789"
    assert shipment["lines"] == [{"line_id": body["lines"][0]["id"], "quantity": 1}]
    assert body["lines"][0]["quantity_shipped"] == 1
    assert {"placed", "paid", "shipped"} <= {event["kind"] for event in body["timeline"]}


def test_reading_an_order_by_token_takes_six_queries_with_one_line_or_ten(client, channel, django_assert_num_queries):
    one, ten = shipped_order(channel), shipped_order(channel, lines=10)

    # The order with its channel and pickup store; its lines; shipments; their lines; public events; returns.
    with django_assert_num_queries(6):
        with_one = client.get(f"/api/v1/orders/by-token/{one.token}")
    with django_assert_num_queries(6):
        with_ten = client.get(f"/api/v1/orders/by-token/{ten.token}")

    assert (len(with_one.json()["lines"]), len(with_ten.json()["lines"])) == (1, 10)


# --- The signed-in customer --------------------------------------------------------------------------


def test_a_customer_reads_their_order_by_number(client, channel, buyer):
    order = placed_order(channel, user=buyer)
    client.force_login(buyer)

    response = client.get(f"/api/v1/orders/{order.number}")

    assert response.status_code == 200 and response.json()["token"] == order.token


def test_another_customers_order_is_a_404_not_a_403(client, channel, buyer, django_user_model):
    other = django_user_model.objects.create_user("dominique", "dominique@example.fr", "pw-123456789")
    order = placed_order(channel, user=other)
    client.force_login(buyer)

    response = client.get(f"/api/v1/orders/{order.number}")

    assert_problem(response, status=404, code="order-not-found")


def test_a_guests_order_is_a_404_by_number(client, channel, buyer):
    order = placed_order(channel)
    client.force_login(buyer)

    assert_problem(client.get(f"/api/v1/orders/{order.number}"), status=404, code="order-not-found")


def test_orders_by_number_need_a_session(client, channel):
    order = placed_order(channel)

    assert_problem(client.get(f"/api/v1/orders/{order.number}"), status=401, code="unauthorized")
    assert_problem(client.get("/api/v1/orders"), status=401, code="unauthorized")


def test_a_customers_orders_are_listed_newest_first_one_page_at_a_time(client, channel, buyer, django_user_model):
    orders = [placed_order(channel, user=buyer) for _ in range(3)]
    placed_order(channel, user=django_user_model.objects.create_user("other", "o@example.fr", "pw-123456789"))
    client.force_login(buyer)

    first = client.get("/api/v1/orders", {"limit": 2}).json()
    second = client.get("/api/v1/orders", {"limit": 2, "cursor": first["next_cursor"]}).json()

    numbers = [o["number"] for o in first["items"] + second["items"]]
    assert numbers == [o.number for o in reversed(orders)]
    assert second["next_cursor"] is None
    assert first["items"][0]["total"]["amount"] == "24.90"


def test_an_order_placed_by_a_signed_in_customer_is_added_to_their_account(client, channel, buyer):
    client.force_login(buyer)
    cart, _ = ready_cart(client, channel)

    placed = place(client, cart)
    listed = client.get("/api/v1/orders").json()

    assert Order.objects.get().user_id == buyer.pk
    assert [o["number"] for o in listed["items"]] == [placed.json()["number"]]


def test_a_guest_order_placed_while_signed_in_joins_the_account(channel, buyer):
    guest = Client()
    cart, _ = ready_cart(guest, channel)
    signed_in = Client()
    signed_in.force_login(buyer)

    placed = place(signed_in, cart)

    assert placed.status_code == 201
    assert Order.objects.get().user_id == buyer.pk


def test_paying_then_reading_the_order_shows_it_paid(client, channel):
    cart, _ = ready_cart(client, channel)
    placed = place(client, cart).json()

    pay(client, placed)
    body = client.get(f"/api/v1/orders/by-token/{placed['token']}").json()

    assert body["status"] == "paid" and body["paid_at"] and body["pay_url"] is None


# --- Returns -----------------------------------------------------------------------------------------


def test_a_guest_asks_to_return_an_item_by_token_then_reads_the_return(client, channel):
    order = shipped_order(channel, quantity=2)
    line = order.lines.get()

    created = write(
        client,
        "POST",
        f"/api/v1/orders/by-token/{order.token}/returns",
        {"lines": [{"line_id": line.pk, "quantity": 1, "reason": "wrong_size"}], "comment": "Too small."},
    )
    read = client.get(f"/api/v1/orders/by-token/{order.token}/returns/{created.json()['number']}")
    on_order = client.get(f"/api/v1/orders/by-token/{order.token}").json()

    assert created.status_code == 201, created.content
    assert created.json()["status"] == ReturnStatus.REQUESTED and created.json()["comment"] == "Too small."
    assert created.json()["lines"] == [
        {
            "line_id": line.pk,
            "product_name": line.product_name,
            "variant_name": line.variant_name,
            "quantity": 1,
            "reason": "wrong_size",
            "reason_label": created.json()["lines"][0]["reason_label"],
        }
    ]
    assert read.json() == created.json()
    assert on_order["returns"] == [{"number": created.json()["number"], "status": "requested"}]
    assert "return_requested" in [event["kind"] for event in on_order["timeline"]]


def test_returning_an_order_not_shipped_yet_is_a_409_and_writes_nothing(client, channel):
    order = placed_order(channel)

    response = write(
        client,
        "POST",
        f"/api/v1/orders/by-token/{order.token}/returns",
        {"lines": [{"line_id": order.lines.get().pk, "quantity": 1, "reason": "changed_mind"}]},
    )

    assert_problem(response, status=409, code="return-not-allowed")
    assert not ReturnRequest.objects.exists()


def test_returning_more_than_was_shipped_is_a_422(client, channel):
    order = shipped_order(channel)

    response = write(
        client,
        "POST",
        f"/api/v1/orders/by-token/{order.token}/returns",
        {"lines": [{"line_id": order.lines.get().pk, "quantity": 2, "reason": "changed_mind"}]},
    )

    assert_problem(response, status=422, code="invalid-order-lines")


def test_an_unknown_return_reason_is_a_422_naming_the_field(client, channel):
    order = shipped_order(channel)

    response = write(
        client,
        "POST",
        f"/api/v1/orders/by-token/{order.token}/returns",
        {"lines": [{"line_id": order.lines.get().pk, "quantity": 1, "reason": "bored"}]},
    )

    body = assert_problem(response, status=422, code="validation-error")
    assert body["errors"][0]["loc"][-1] == "reason"


def test_a_customer_asks_for_a_return_by_number_and_withdraws_it(client, channel, buyer):
    order = shipped_order(channel, user=buyer)
    client.force_login(buyer)

    created = write(
        client,
        "POST",
        f"/api/v1/orders/{order.number}/returns",
        {"lines": [{"line_id": order.lines.get().pk, "quantity": 1, "reason": "damaged"}]},
    )
    cancelled = write(client, "POST", f"/api/v1/orders/{order.number}/returns/{created.json()['number']}/cancel")
    again = write(client, "POST", f"/api/v1/orders/{order.number}/returns/{created.json()['number']}/cancel")

    assert created.status_code == 201
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    body = assert_problem(again, status=409, code="return-state")
    assert body["current_status"] == "cancelled"


def test_another_customers_return_is_a_404(client, channel, buyer, django_user_model):
    other = django_user_model.objects.create_user("dominique", "dominique@example.fr", "pw-123456789")
    order = shipped_order(channel, user=other)
    client.force_login(buyer)

    response = write(
        client,
        "POST",
        f"/api/v1/orders/{order.number}/returns",
        {"lines": [{"line_id": order.lines.get().pk, "quantity": 1, "reason": "damaged"}]},
    )

    assert_problem(response, status=404, code="order-not-found")
    assert not ReturnRequest.objects.exists()


def test_a_return_of_another_order_is_not_found_through_this_ones_token(client, channel):
    mine, theirs = shipped_order(channel), shipped_order(channel)
    from comptoir.orders.services.returns import request_return

    ret = request_return(order_id=theirs.pk, lines={theirs.lines.get().pk: (1, "damaged")})

    response = client.get(f"/api/v1/orders/by-token/{mine.token}/returns/{ret.number}")

    assert_problem(response, status=404, code="return-not-found")
