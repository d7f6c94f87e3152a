"""The "Returned to sender" action of the order page: a cash-on-delivery parcel refused or not collected, recorded
by staff who may change orders, confirmed, then booked back in from its return's page."""

import pytest

from comptoir.orders.models import OrderStatus, ReturnRequest, ReturnStatus, ShipmentStatus
from comptoir.orders.services import fulfil_order
from comptoir.payments.models import PaymentStatus
from tests.backoffice.inventory_support import body, count_queries, messages_of, staff
from tests.orders.cod_factories import cod_order, violations
from tests.orders.return_factories import paid_order

pytestmark = pytest.mark.django_db

ORDERS = "/admin/orders/order/"
RETURNS = "/admin/orders/returnrequest/"
CONFIRMED = {"outcome": "refused", "note": "Refused at the door", "confirm": "on"}


@pytest.fixture(autouse=True)
def _offline_provider_on(settings):
    settings.PAYMENT_PROVIDERS = ["test", "offline"]


def page_of(order) -> str:
    return f"{ORDERS}{order.pk}/change/"


def returned_url(order) -> str:
    return f"{ORDERS}{order.pk}/returned-to-sender/"


def test_the_action_is_offered_on_a_shipped_cash_on_delivery_order_only(admin_client, channel):
    shipped = cod_order(channel)
    waiting = cod_order(channel, ship=0)
    by_card = paid_order(channel, deliver=False)

    assert returned_url(shipped.order) in body(admin_client.get(page_of(shipped.order)))
    assert returned_url(waiting.order) not in body(admin_client.get(page_of(waiting.order)))
    assert returned_url(by_card.order) not in body(admin_client.get(page_of(by_card.order)))


def test_staff_confirm_the_parcel_came_back_and_the_order_is_cancelled_with_its_cash_voided(admin_client, channel):
    cod = cod_order(channel)
    delivered_url = f"{ORDERS}{cod.order.pk}/shipments/{cod.shipments[0].pk}/delivered/"
    assert delivered_url in body(admin_client.get(page_of(cod.order)))

    form = admin_client.get(returned_url(cod.order))
    response = admin_client.post(returned_url(cod.order), CONFIRMED, follow=True)

    assert form.status_code == 200 and "Refused by the buyer on delivery" in body(form)
    ret = ReturnRequest.objects.get(order=cod.order)
    assert messages_of(response) == [
        f"Order {cod.order.number} cancelled: its parcel is returned to sender. When it arrives, receive return "
        f"{ret.number} to put the units back on sale or write them off."
    ]
    order = cod.refresh()
    assert order.status == OrderStatus.CANCELLED and cod.payment.status == PaymentStatus.CANCELLED
    page = body(response)
    assert "Returned to sender" in page and ret.number in page
    assert delivered_url not in page and returned_url(cod.order) not in page
    assert order.events.get(kind="cancelled").actor.username == "admin"
    assert violations() == []


def test_the_returned_parcel_is_received_from_its_return_page_and_never_refunded_or_rejected(admin_client, channel):
    cod = cod_order(channel, quantity=2)
    admin_client.post(returned_url(cod.order), CONFIRMED)
    ret = ReturnRequest.objects.get(order=cod.order)
    line = ret.lines.get()
    level = cod.level()

    page = body(admin_client.get(f"{RETURNS}{ret.pk}/change/"))
    response = admin_client.post(
        f"{RETURNS}{ret.pk}/receive/",
        {"location": level.location_id, f"restock_{line.pk}": 1, f"write_off_{line.pk}": 1},
        follow=True,
    )

    assert 'id="returned-to-sender"' in page and "Returned to sender (cash on delivery)" in page
    assert f"{RETURNS}{ret.pk}/receive/" in page
    assert f"{RETURNS}{ret.pk}/reject/" not in page and f"{RETURNS}{ret.pk}/refund/" not in page
    assert messages_of(response) == [f"Return {ret.number} received: 1 unit(s) back on sale."]
    on_hand = level.on_hand
    level.refresh_from_db()
    assert level.on_hand == on_hand + 1
    assert f"{RETURNS}{ret.pk}/refund/" not in body(response)
    assert violations() == []


def test_without_the_confirmation_nothing_is_recorded(admin_client, channel):
    cod = cod_order(channel)

    response = admin_client.post(returned_url(cod.order), {"outcome": "refused"})

    assert response.context["form"].errors["confirm"]
    assert cod.refresh().status == OrderStatus.AWAITING_PAYMENT
    assert not ReturnRequest.objects.exists()


def test_a_double_submitted_form_records_the_parcel_once_and_says_why(admin_client, channel):
    cod = cod_order(channel)

    admin_client.post(returned_url(cod.order), CONFIRMED, follow=True)
    second = admin_client.post(returned_url(cod.order), CONFIRMED, follow=True)

    assert messages_of(second) == [f"Order {cod.order.number} was already returned to sender."]
    assert ReturnRequest.objects.filter(order=cod.order).count() == 1
    assert cod.order.shipments.get().status == ShipmentStatus.RETURNED


def test_an_order_not_shipped_yet_is_refused_with_a_message(admin_client, channel):
    cod = cod_order(channel, ship=0)

    response = admin_client.post(returned_url(cod.order), CONFIRMED)

    assert messages_of(response) == [f"Nothing of order {cod.order.number} has shipped yet: cancel the order instead."]
    assert cod.refresh().status == OrderStatus.AWAITING_PAYMENT


def test_staff_who_may_only_look_at_orders_cannot_record_a_returned_parcel(client, channel):
    cod = cod_order(channel)
    staff(client, "orders.view_order")

    page = body(client.get(page_of(cod.order)))
    responses = [client.get(returned_url(cod.order)), client.post(returned_url(cod.order), CONFIRMED)]

    assert cod.order.number in page and returned_url(cod.order) not in page
    assert [r.status_code for r in responses] == [403, 403]
    assert cod.refresh().status == OrderStatus.AWAITING_PAYMENT and not ReturnRequest.objects.exists()


def test_staff_who_may_change_orders_record_a_returned_parcel(client, channel):
    cod = cod_order(channel)
    staff(client, "orders.view_order", "orders.change_order")

    assert returned_url(cod.order) in body(client.get(page_of(cod.order)))
    response = client.post(returned_url(cod.order), CONFIRMED)

    assert response.status_code == 302
    assert cod.refresh().status == OrderStatus.CANCELLED
    assert ReturnRequest.objects.get(order=cod.order).status == ReturnStatus.APPROVED


def test_the_order_page_takes_the_same_queries_for_one_parcel_and_for_three(admin_client, channel):
    small, large = cod_order(channel), cod_order(channel, quantity=3, ship=1)
    line = large.order.lines.get()
    fulfil_order(order_id=large.order.pk, quantities={line.pk: 1})
    fulfil_order(order_id=large.order.pk, quantities={line.pk: 1})
    admin_client.get(page_of(small.order))  # warm the caches

    shipped = [count_queries(admin_client, page_of(cod.order)) for cod in (small, large)]
    for cod in (small, large):
        admin_client.post(returned_url(cod.order), CONFIRMED)
    returned = [count_queries(admin_client, page_of(cod.order)) for cod in (small, large)]

    assert large.order.shipments.count() == 3
    assert shipped[0] == shipped[1] and returned[0] == returned[1]
    assert returned[0] == shipped[0] + 1  # the returned parcel's lines, read once its return exists
