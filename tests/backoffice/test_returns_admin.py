"""Returns in the back office: the list, a return's page, and its steps (approve, reject, receive, refund) through
the admin, with the returns service's refusals shown as messages.

The steps call comptoir/orders/services/returns.py and refunds.py; the tests that need them are skipped (and say
so) where those modules are not installed."""

from decimal import Decimal

import pytest

from comptoir.inventory.models import StockLevel
from comptoir.orders.models import OrderStatus, ReturnStatus
from comptoir.payments.models import Payment
from tests.backoffice.inventory_support import body, count_queries, messages_of, staff
from tests.backoffice.order_factories import legal_entity, paid_order, return_request

pytestmark = pytest.mark.django_db

LIST = "/admin/orders/returnrequest/"


def shipped_order(admin_client, channel):
    order, location = paid_order(channel)
    line = order.lines.get()
    admin_client.post(f"/admin/orders/order/{order.pk}/ship/", {"shipments": 0, f"line_{line.pk}": 2}, follow=True)
    order.refresh_from_db()
    return order, location


def step(request, name: str) -> str:
    return f"{LIST}{request.pk}/{name}/"


def test_the_list_shows_each_return_with_its_order_status_and_units(admin_client, channel):
    order, _location = shipped_order(admin_client, channel)
    request = return_request(order, units=2)

    page = body(admin_client.get(LIST))

    assert request.number in page and order.number in page and order.email in page
    assert "Requested" in page


def test_the_list_finds_a_return_by_its_orders_number(admin_client, channel):
    order, _location = shipped_order(admin_client, channel)
    other, _location = shipped_order(admin_client, channel)
    wanted, unwanted = return_request(order), return_request(other)

    page = body(admin_client.get(LIST, {"q": order.number}))

    assert wanted.number in page and unwanted.number not in page


def test_the_return_list_takes_the_same_queries_for_one_return_and_for_many(admin_client, channel):
    order, _location = shipped_order(admin_client, channel)
    return_request(order, number="R-0")
    admin_client.get(LIST)
    one = count_queries(admin_client, LIST)

    for i in range(1, 8):
        return_request(order, number=f"R-{i}")
    many = count_queries(admin_client, LIST)

    assert one == many


def test_a_return_page_shows_its_lines_and_links_its_order(admin_client, channel):
    order, _location = shipped_order(admin_client, channel)
    request = return_request(order)
    line = order.lines.get()

    page = body(admin_client.get(f"{LIST}{request.pk}/change/"))

    assert f'data-sku="{line.sku}"' in page and "Wrong size or fit" in page
    assert f'href="/admin/orders/order/{order.pk}/change/"' in page
    assert step(request, "approve") in page


def test_approving_a_requested_return(admin_client, channel):
    order, _location = shipped_order(admin_client, channel)
    request = return_request(order)

    response = admin_client.post(step(request, "approve"), follow=True)

    assert messages_of(response) == [f"Return {request.number} approved."]
    request.refresh_from_db()
    assert request.status == ReturnStatus.APPROVED
    order_page = body(admin_client.get(f"/admin/orders/order/{order.pk}/change/"))
    assert f"{request.number}: Requested → Approved" in order_page


def test_rejecting_a_return_keeps_the_reason_for_the_buyer(admin_client, channel):
    order, _location = shipped_order(admin_client, channel)
    request = return_request(order)

    response = admin_client.post(step(request, "reject"), {"reason": "Worn and washed"}, follow=True)

    assert messages_of(response) == [f"Return {request.number} rejected."]
    request.refresh_from_db()
    assert (request.status, request.staff_note) == (ReturnStatus.REJECTED, "Worn and washed")


def test_receiving_a_return_puts_the_units_back_on_sale(admin_client, channel):
    order, location = shipped_order(admin_client, channel)
    request = return_request(order, units=2, status=ReturnStatus.APPROVED)
    return_line = request.lines.get()

    response = admin_client.post(
        step(request, "receive"),
        {"location": location.pk, f"restock_{return_line.pk}": 1, f"write_off_{return_line.pk}": 1},
        follow=True,
    )

    assert messages_of(response) == [f"Return {request.number} received: 1 unit(s) back on sale."]
    request.refresh_from_db()
    assert request.status == ReturnStatus.RECEIVED
    assert StockLevel.objects.get(location=location).on_hand == 11  # 10 left after shipping, 1 back on sale


def test_receiving_more_units_than_came_back_is_refused_by_the_form(admin_client, channel):
    order, location = shipped_order(admin_client, channel)
    request = return_request(order, units=1, status=ReturnStatus.APPROVED)
    return_line = request.lines.get()

    response = admin_client.post(
        step(request, "receive"),
        {"location": location.pk, f"restock_{return_line.pk}": 1, f"write_off_{return_line.pk}": 1},
    )

    assert response.context["form"].errors[f"write_off_{return_line.pk}"]
    request.refresh_from_db()
    assert request.status == ReturnStatus.APPROVED


def test_refunding_a_received_return_gives_its_value_back(admin_client, channel):
    order, location = shipped_order(admin_client, channel)
    legal_entity()
    request = return_request(order, units=1, status=ReturnStatus.APPROVED)
    return_line = request.lines.get()
    admin_client.post(step(request, "receive"), {"location": location.pk, f"restock_{return_line.pk}": 1}, follow=True)

    response = admin_client.post(step(request, "refund"), {}, follow=True)

    assert messages_of(response) == [f"Return {request.number} refunded: €20.00."]
    request.refresh_from_db()
    order.refresh_from_db()
    assert request.status == ReturnStatus.REFUNDED and order.status == OrderStatus.PARTIALLY_REFUNDED
    assert Payment.objects.get(order_ref=order.number).refunded_amount == Decimal("20.00")


def test_approving_a_return_twice_is_refused_with_a_message(admin_client, channel):
    order, _location = shipped_order(admin_client, channel)
    request = return_request(order, status=ReturnStatus.APPROVED)

    response = admin_client.post(step(request, "approve"), follow=True)

    assert messages_of(response) == [f"Return {request.number} is Approved: only a requested return is approved."]


def test_a_link_cannot_approve_a_return(admin_client, channel):
    order, _location = shipped_order(admin_client, channel)
    request = return_request(order)

    assert admin_client.get(step(request, "approve")).status_code == 405
    request.refresh_from_db()
    assert request.status == ReturnStatus.REQUESTED


def test_staff_who_may_only_look_at_returns_cannot_act_on_them(client, admin_client, channel):
    order, _location = shipped_order(admin_client, channel)
    request = return_request(order)
    staff(client, "orders.view_returnrequest")

    page = body(client.get(f"{LIST}{request.pk}/change/"))
    approve = client.post(step(request, "approve"))
    reject = client.post(step(request, "reject"), {"reason": "no"})

    assert request.number in page and step(request, "approve") not in page
    assert (approve.status_code, reject.status_code) == (403, 403)
    request.refresh_from_db()
    assert request.status == ReturnStatus.REQUESTED
