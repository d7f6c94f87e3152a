"""Orders in the back office: the list, the order page, and each staff action through the admin (ship, deliver,
ready for pickup, cancel, note, edit, refund, complete), with the services' refusals shown as messages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from comptoir.inventory.models import Allocation, StockLevel
from comptoir.orders.models import (
    Order,
    OrderEvent,
    OrderEventKind,
    OrderStatus,
    ReturnStatus,
    Shipment,
    ShipmentStatus,
)
from comptoir.payments.models import Payment
from tests.backoffice.inventory_support import body, count_queries, messages_of, staff
from tests.backoffice.order_factories import (
    legal_entity,
    make_order,
    paid_order,
    pay,
    priced_variant,
    return_request,
    stock_for,
)
from tests.factories import ChannelFactory, LocationFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/orders/order/"


def page_of(order: Order) -> str:
    return f"{LIST}{order.pk}/change/"


def action(order: Order, name: str) -> str:
    return f"{LIST}{order.pk}/{name}/"


def ship_all(admin_client, order: Order, **extra):
    data = {f"line_{line.pk}": line.quantity - line.quantity_fulfilled for line in order.lines.all()}
    data["shipments"] = order.shipments.count()
    return admin_client.post(action(order, "ship"), {**data, "carrier": "DHL", **extra}, follow=True)


# --- the list ---------------------------------------------------------------------------------------------


def test_the_list_shows_number_customer_status_total_with_currency_channel_and_delivery(admin_client, channel):
    order = make_order(channel, email="grace@example.com", delivery_kind="collect")

    page = body(admin_client.get(LIST))

    assert order.number in page and "grace@example.com" in page
    assert "Awaiting payment" in page and "€45.00" in page
    assert channel.name in page and "Click &amp; collect in store" in page


def test_the_list_is_filtered_by_status_channel_delivery_and_payment_method(admin_client, channel, usd_channel):
    paid, _location = paid_order(channel)
    waiting = make_order(channel, delivery_kind="collect", payment_method="bank_transfer")
    dollars = make_order(usd_channel)

    by_status = body(admin_client.get(f"{LIST}?status__exact=paid"))
    by_channel = body(admin_client.get(f"{LIST}?channel__id__exact={usd_channel.pk}"))
    by_delivery = body(admin_client.get(f"{LIST}?delivery=collect"))
    by_method = body(admin_client.get(f"{LIST}?payment_method=bank_transfer"))

    assert paid.number in by_status and waiting.number not in by_status
    assert dollars.number in by_channel and paid.number not in by_channel
    assert waiting.number in by_delivery and paid.number not in by_delivery
    assert waiting.number in by_method and dollars.number not in by_method


def test_the_list_is_filtered_by_the_day_the_order_was_placed(admin_client, channel):
    today = make_order(channel)
    last_week = make_order(channel)
    Order.objects.filter(pk=last_week.pk).update(created_at=timezone.now() - timedelta(days=7))
    day = timezone.localdate().isoformat()

    page = body(admin_client.get(f"{LIST}?created_at_from={day}&created_at_to={day}"))

    assert today.number in page and last_week.number not in page


@pytest.mark.parametrize("term", ["C-77777", "lovelace@example", "Grace Hopper", "MUG-BLUE"])
def test_the_list_finds_an_order_by_number_email_name_on_the_address_or_sku(admin_client, channel, term):
    address = {"full_name": "Grace Hopper", "city": "Arlington", "country_code": "US"}
    wanted = make_order(
        channel,
        [(priced_variant(channel, sku="MUG-BLUE"), 1, "9.00")],
        number="C-77777",
        email="lovelace@example.com",
        address=address,
    )
    other = make_order(channel, email="someone@example.com")

    page = body(admin_client.get(LIST, {"q": term}))

    assert wanted.number in page and other.number not in page


def test_the_list_takes_the_same_queries_for_one_order_and_for_thirty(admin_client, channel):
    make_order(channel)
    admin_client.get(LIST)  # warm the caches a live shop has (channels, content types)
    one = count_queries(admin_client, LIST)

    for _ in range(29):
        make_order(channel, payment_method="test:card")
    many = count_queries(admin_client, LIST)

    assert one == many


# --- the order page ---------------------------------------------------------------------------------------


def test_the_order_page_shows_customer_addresses_lines_totals_and_payment_ledger(admin_client, channel):
    order, _location = paid_order(channel, email="ada@example.com")
    line = order.lines.get()

    page = body(admin_client.get(page_of(order)))

    assert "ada@example.com" in page and "Ada Lovelace<br>12 rue de la Paix<br>75002 Paris<br>France<br>" in page
    assert f'data-sku="{line.sku}"' in page and "€20.00" in page
    assert (
        '<dd class="text-right whitespace-nowrap font-semibold text-important" data-total="total">€45.00</dd>' in page
    )
    assert 'data-transaction="capture"' in page
    assert 'data-event="placed"' in page and 'data-event="paid"' in page


def test_the_order_page_links_each_parcel_to_its_carriers_tracking_page(admin_client, channel):
    order, location = paid_order(channel)
    ship_all(admin_client, order, tracking_number="TRK 42", location=location.pk)

    page = body(admin_client.get(page_of(order)))

    assert 'href="https://track.example/TRK%2042"' in page
    assert "2 &times; " in page


def test_the_timeline_names_the_staff_member_who_acted(admin_client, channel):
    order = make_order(channel)
    admin_client.post(action(order, "note"), {"text": "Called the buyer about the colour."})

    page = body(admin_client.get(page_of(order)))

    assert "Called the buyer about the colour." in page
    assert '<span data-field="actor">admin</span> · staff only' in page


def test_the_order_page_offers_only_the_actions_the_status_allows(admin_client, channel):
    waiting = make_order(channel)
    paid, _location = paid_order(channel)

    unpaid_page = body(admin_client.get(page_of(waiting)))
    paid_page = body(admin_client.get(page_of(paid)))

    assert action(waiting, "ship") not in unpaid_page and action(waiting, "cancel") in unpaid_page
    assert action(paid, "ship") in paid_page and action(paid, "refund") in paid_page
    assert action(waiting, "refund") not in unpaid_page


def test_the_order_page_takes_the_same_queries_for_a_small_and_a_large_order(admin_client, channel):
    small, location = paid_order(channel)
    ship_all(admin_client, small)
    return_request(small)
    admin_client.get(page_of(small))  # warm the caches
    one = count_queries(admin_client, page_of(small))

    variants = [priced_variant(channel) for _ in range(6)]
    large = make_order(channel, [(variant, 3, "10.00") for variant in variants])
    stock_for(large, location)
    pay(large)
    for line in large.lines.all()[:4]:
        admin_client.post(
            action(large, "ship"),
            {"shipments": large.shipments.count(), f"line_{line.pk}": 1, "tracking_number": f"T{line.pk}"},
            follow=True,
        )
    for i in range(5):
        admin_client.post(action(large, "note"), {"text": f"note {i}", "public": i % 2 == 0}, follow=True)
    return_request(large, number="R-1")
    return_request(large, number="R-2", status=ReturnStatus.APPROVED)
    many = count_queries(admin_client, page_of(large))

    assert Shipment.objects.filter(order=large).count() == 4
    assert one == many


def test_an_unknown_order_is_not_found(admin_client):
    assert admin_client.get(f"{LIST}999999/change/").status_code == 404


def test_an_order_number_leads_to_its_page(admin_client, channel):
    order = make_order(channel, number="C-55555")

    response = admin_client.get(f"{LIST}by-number/C-55555/")

    assert response.status_code == 302 and response["Location"] == page_of(order)


# --- ship, deliver, pickup --------------------------------------------------------------------------------


def test_shipping_every_line_takes_the_units_off_the_shelf_and_marks_the_order_shipped(admin_client, channel):
    order, location = paid_order(channel)

    response = ship_all(admin_client, order, tracking_number="TRK1", location=location.pk)

    assert messages_of(response) == [f"Order {order.number}: 2 units shipped. Tracking number TRK1."]
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    shipment = Shipment.objects.get(order=order)
    assert (shipment.carrier, shipment.tracking_number, shipment.location_id) == ("DHL", "TRK1", location.pk)
    assert StockLevel.objects.get(location=location).on_hand == 10
    assert not Allocation.objects.filter(order_ref=order.number).exists()
    assert OrderEvent.objects.get(order=order, kind=OrderEventKind.SHIPPED).actor.username == "admin"


def test_the_ship_form_offers_the_location_holding_the_order_and_chooses_it_when_alone(admin_client, channel):
    order, location = paid_order(channel)
    LocationFactory(name="Elsewhere")

    form = admin_client.get(action(order, "ship")).context["form"]

    assert [label for _value, label in form.fields["location"].choices][1:] == [location.name]
    assert form["location"].value() == location.pk


def test_shipping_some_units_leaves_the_order_partly_shipped(admin_client, channel):
    order, _location = paid_order(channel)
    line = order.lines.get()

    admin_client.post(
        action(order, "ship"), {"shipments": order.shipments.count(), f"line_{line.pk}": 1, "tracking_number": "TRK1"}
    )

    order.refresh_from_db()
    line.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_FULFILLED and line.quantity_fulfilled == 1


def test_shipping_an_unpaid_order_is_refused_with_a_message_and_ships_nothing(admin_client, channel):
    order = make_order(channel)
    stock_for(order)

    response = ship_all(admin_client, order)

    assert response.status_code == 200
    assert messages_of(response) == [f"Order {order.number} is Awaiting payment: only paid orders are shipped."]
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT and not Shipment.objects.exists()


def test_shipping_more_units_than_remain_is_refused_by_the_form(admin_client, channel):
    order, _location = paid_order(channel)
    line = order.lines.get()

    response = admin_client.post(action(order, "ship"), {"shipments": order.shipments.count(), f"line_{line.pk}": 3})

    assert response.context["form"].errors[f"line_{line.pk}"]
    assert not Shipment.objects.exists()


def test_shipping_nothing_is_refused_by_the_form(admin_client, channel):
    order, _location = paid_order(channel)
    line = order.lines.get()

    response = admin_client.post(action(order, "ship"), {"shipments": order.shipments.count(), f"line_{line.pk}": 0})

    assert response.context["form"].non_field_errors() == ["Choose at least one unit to ship."]


def test_shipping_from_a_location_that_holds_none_of_the_order_is_refused(admin_client, channel):
    order, _location = paid_order(channel)
    elsewhere = LocationFactory()

    response = ship_all(admin_client, order, location=elsewhere.pk)

    assert response.context["form"].errors["location"]
    assert not Shipment.objects.exists()


def test_marking_the_only_parcel_delivered_delivers_the_order(admin_client, channel):
    order, _location = paid_order(channel)
    ship_all(admin_client, order, tracking_number="TRK9")
    shipment = Shipment.objects.get(order=order)

    response = admin_client.post(action(order, f"shipments/{shipment.pk}/delivered"), follow=True)

    assert messages_of(response) == [f"Order {order.number}: parcel TRK9 delivered."]
    shipment.refresh_from_db()
    order.refresh_from_db()
    assert shipment.status == ShipmentStatus.DELIVERED and order.status == OrderStatus.DELIVERED


def test_a_link_cannot_mark_a_parcel_delivered(admin_client, channel):
    order, _location = paid_order(channel)
    ship_all(admin_client, order)
    shipment = Shipment.objects.get(order=order)

    response = admin_client.get(action(order, f"shipments/{shipment.pk}/delivered"))

    assert response.status_code == 405
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.SHIPPED


def test_another_orders_parcel_cannot_be_marked_delivered_from_this_order(admin_client, channel):
    order, _location = paid_order(channel)
    other, _location = paid_order(channel)
    ship_all(admin_client, other)
    shipment = Shipment.objects.get(order=other)

    response = admin_client.post(action(order, f"shipments/{shipment.pk}/delivered"))

    assert response.status_code == 404


def test_a_click_and_collect_order_is_made_ready_for_pickup(admin_client, channel):
    store = LocationFactory(name="Lyon Part-Dieu", pickup_enabled=True)
    order = make_order(channel, delivery_kind="collect", pickup_store=store)
    stock_for(order, store)
    pay(order)

    response = admin_client.post(action(order, "ready-for-pickup"), follow=True)

    assert messages_of(response) == [f"Order {order.number} is ready for pickup at Lyon Part-Dieu; the buyer is told."]
    assert OrderEvent.objects.filter(order=order, kind=OrderEventKind.READY_FOR_PICKUP, public=True).exists()


def test_an_order_shipped_by_carrier_cannot_be_made_ready_for_pickup(admin_client, channel):
    order, _location = paid_order(channel)

    response = admin_client.post(action(order, "ready-for-pickup"), follow=True)

    assert messages_of(response) == ["Only paid click & collect orders can be made ready for pickup."]
    assert not OrderEvent.objects.filter(order=order, kind=OrderEventKind.READY_FOR_PICKUP).exists()


# --- cancel, note, complete -------------------------------------------------------------------------------


def test_cancelling_with_a_reason_and_the_confirmation_refunds_and_frees_the_stock(admin_client, channel):
    order, location = paid_order(channel)

    response = admin_client.post(
        action(order, "cancel"), {"reason": "Out of stock at the supplier", "confirm": "on"}, follow=True
    )

    assert messages_of(response) == [f"Order {order.number} cancelled."]
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert StockLevel.objects.get(location=location).allocated == 0
    event = OrderEvent.objects.get(order=order, kind=OrderEventKind.CANCELLED)
    assert event.message == "Out of stock at the supplier" and event.actor.username == "admin"


def test_cancelling_without_the_confirmation_cancels_nothing(admin_client, channel):
    order = make_order(channel)

    response = admin_client.post(action(order, "cancel"), {"reason": "Asked by phone"})

    assert response.context["form"].errors["confirm"]
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT


def test_cancelling_a_shipped_order_is_refused_with_a_message(admin_client, channel):
    order, _location = paid_order(channel)
    ship_all(admin_client, order)

    response = admin_client.post(action(order, "cancel"), {"reason": "Too late", "confirm": "on"})

    assert messages_of(response)[0].startswith(f"Order {order.number} is Shipped: only unshipped orders can be")
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED


def test_a_note_shown_to_the_buyer_is_a_public_timeline_line(admin_client, channel):
    order = make_order(channel)

    response = admin_client.post(
        action(order, "note"), {"text": "Your parcel leaves tomorrow.", "public": "on"}, follow=True
    )

    assert messages_of(response) == [f"Note added to order {order.number} and shown to the buyer."]
    note = OrderEvent.objects.get(order=order, kind=OrderEventKind.NOTE)
    assert note.public and note.message == "Your parcel leaves tomorrow."


def test_an_internal_note_stays_hidden_from_the_buyer(admin_client, channel):
    order = make_order(channel)

    response = admin_client.post(action(order, "note"), {"text": "Fraud check OK"}, follow=True)

    assert messages_of(response) == [f"Internal note added to order {order.number}."]
    assert not OrderEvent.objects.get(order=order, kind=OrderEventKind.NOTE).public


def test_an_empty_note_is_refused_by_the_form(admin_client, channel):
    order = make_order(channel)

    response = admin_client.post(action(order, "note"), {"text": "  "})

    assert response.context["form"].errors["text"]
    assert not OrderEvent.objects.filter(order=order, kind=OrderEventKind.NOTE).exists()


def test_a_shipped_order_is_completed(admin_client, channel):
    order, _location = paid_order(channel)
    ship_all(admin_client, order)

    response = admin_client.post(action(order, "complete"), follow=True)

    assert messages_of(response) == [f"Order {order.number} completed."]
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED


def test_an_unpaid_order_cannot_be_completed(admin_client, channel):
    order = make_order(channel)

    response = admin_client.post(action(order, "complete"), follow=True)

    assert messages_of(response) == [f"Order {order.number} is Awaiting payment and cannot become Completed."]
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT


# --- edit -------------------------------------------------------------------------------------------------


def test_editing_quantities_recomputes_the_total(admin_client, channel):
    order = make_order(channel)
    stock_for(order)
    line = order.lines.get()

    response = admin_client.post(
        action(order, "edit-lines"), {f"line_{line.pk}": 3, "shipping_price": "5.00"}, follow=True
    )

    assert messages_of(response) == [f"Order {order.number} edited: the total is now €65.00."]
    order.refresh_from_db()
    assert order.total == Decimal("65.00") and order.lines.get().quantity == 3
    assert Allocation.objects.get(order_ref=order.number).quantity == 3


def test_a_variant_is_added_by_sku_at_todays_price_and_shipping_changed(admin_client, channel):
    order = make_order(channel)
    location = stock_for(order)
    mug = priced_variant(channel, price="7.50", sku="MUG-1")
    stock_for(make_order(channel, [(mug, 1, "7.50")]), location)  # puts mugs on the shelf
    line = order.lines.get()

    admin_client.post(
        action(order, "edit-lines"),
        {f"line_{line.pk}": 2, "add_sku": "MUG-1", "add_quantity": 2, "shipping_price": "0"},
    )

    order.refresh_from_db()
    assert sorted(order.lines.values_list("sku", "quantity")) == sorted([(line.sku, 2), ("MUG-1", 2)])
    assert (order.shipping_price, order.total) == (Decimal("0"), Decimal("55.00"))


def test_an_unknown_sku_is_refused_by_the_edit_form(admin_client, channel):
    order = make_order(channel)
    line = order.lines.get()

    response = admin_client.post(
        action(order, "edit-lines"),
        {f"line_{line.pk}": 2, "add_sku": "NOPE", "add_quantity": 1, "shipping_price": "5.00"},
    )

    assert response.context["form"].errors["add_sku"] == ["No variant has the SKU NOPE."]


def test_an_edit_that_changes_nothing_is_refused_by_the_form(admin_client, channel):
    order = make_order(channel)
    line = order.lines.get()

    response = admin_client.post(action(order, "edit-lines"), {f"line_{line.pk}": 2, "shipping_price": "5.00"})

    assert response.context["form"].non_field_errors() == ["Nothing was changed."]


def test_editing_a_shipped_order_is_refused_with_a_message(admin_client, channel):
    order, _location = paid_order(channel)
    line = order.lines.get()
    admin_client.post(action(order, "ship"), {"shipments": order.shipments.count(), f"line_{line.pk}": 1}, follow=True)

    response = admin_client.post(action(order, "edit-lines"), {f"line_{line.pk}": 1, "shipping_price": "5.00"})

    assert messages_of(response) == ["Only orders not yet shipped can be edited"]
    assert order.lines.get().quantity == 2


def test_raising_a_paid_orders_total_above_what_was_paid_is_refused(admin_client, channel):
    order, _location = paid_order(channel)
    line = order.lines.get()

    response = admin_client.post(action(order, "edit-lines"), {f"line_{line.pk}": 2, "shipping_price": "9.00"})

    assert messages_of(response)[0].startswith("The new total")
    order.refresh_from_db()
    assert order.total == Decimal("45.00")


# --- refund -----------------------------------------------------------------------------------------------


def test_a_partial_refund_gives_the_amount_back_to_the_buyers_payment(admin_client, channel):
    order, _location = paid_order(channel)
    legal_entity()

    response = admin_client.post(
        action(order, "refund"), {"amount": "10.00", "reason": "Scratched", "key": "k-1"}, follow=True
    )

    assert messages_of(response) == [f"€10.00 refunded on order {order.number}."]
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    page = body(admin_client.get(page_of(order)))
    assert 'data-event="refunded"' in page and 'data-total="refunded">€10.00<' in page


def test_a_refund_submitted_twice_refunds_once(admin_client, channel):
    order, _location = paid_order(channel)
    legal_entity()
    form = {"amount": "10.00", "reason": "Scratched", "key": "same-key"}

    admin_client.post(action(order, "refund"), form, follow=True)
    second = admin_client.post(action(order, "refund"), form, follow=True)

    assert messages_of(second) == [f"This refund was already made: €10.00 on order {order.number}."]
    assert Payment.objects.get(order_ref=order.number).refunded_amount == Decimal("10.00")


def test_refunding_more_than_was_paid_is_refused_with_a_message(admin_client, channel):
    order, _location = paid_order(channel)
    legal_entity()

    response = admin_client.post(action(order, "refund"), {"amount": "500.00", "reason": "Oops", "key": "k-2"})

    assert response.status_code == 200
    assert messages_of(response) == [f"Only 45.00 EUR is left to refund on order {order.number}; 500.00 EUR was asked."]
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert Payment.objects.get(order_ref=order.number).refunded_amount == 0


def test_a_refund_amount_below_one_cent_is_refused_by_the_form(admin_client, channel):
    order, _location = paid_order(channel)

    response = admin_client.post(action(order, "refund"), {"amount": "0", "reason": "x", "key": "k"})

    assert response.context["form"].errors["amount"]


# --- permissions ------------------------------------------------------------------------------------------


def test_staff_who_may_only_look_at_orders_see_the_page_without_actions_and_cannot_act(client, channel):
    order, _location = paid_order(channel)
    staff(client, "orders.view_order")
    line = order.lines.get()

    page = body(client.get(page_of(order)))
    posts = [
        client.post(action(order, "ship"), {"shipments": 0, f"line_{line.pk}": 2}),
        client.post(action(order, "note"), {"text": "hi"}),
        client.post(action(order, "cancel"), {"reason": "x", "confirm": "on"}),
        client.post(action(order, "complete")),
        client.get(action(order, "edit-lines")),
    ]

    assert order.number in page and action(order, "ship") not in page and 'id="note-form"' not in page
    assert [response.status_code for response in posts] == [403] * 5
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and not Shipment.objects.exists()


def test_staff_without_order_rights_cannot_open_an_order(client, channel):
    order = make_order(channel)
    staff(client)

    assert client.get(page_of(order)).status_code == 403
    assert client.get(LIST).status_code == 403


def test_staff_with_the_right_to_change_orders_can_ship(client, channel):
    order, _location = paid_order(channel)
    staff(client, "orders.change_order")
    line = order.lines.get()

    client.post(action(order, "ship"), {"shipments": 0, f"line_{line.pk}": 2})

    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED


def test_an_order_in_another_currency_shows_its_own_currency(admin_client):
    pounds = ChannelFactory(slug="web-gbp", currency="GBP")
    order = make_order(pounds)

    page = body(admin_client.get(LIST))

    assert "£45.00" in page and order.number in page


def test_a_double_submitted_ship_form_ships_once_and_says_why(admin_client, channel):
    order, _location = paid_order(channel)
    line = order.lines.get()
    form = {"shipments": 0, f"line_{line.pk}": 1, "tracking_number": "TRK1"}

    admin_client.post(action(order, "ship"), form, follow=True)
    second = admin_client.post(action(order, "ship"), form, follow=True)

    line.refresh_from_db()
    assert line.quantity_fulfilled == 1 and Shipment.objects.filter(order=order).count() == 1
    assert any("another parcel since this form was opened" in m for m in messages_of(second))
