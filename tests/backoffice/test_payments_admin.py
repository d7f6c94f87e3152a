"""Payments in the back office: the list with amounts and status, and a payment's read-only ledger."""

from decimal import Decimal

import pytest

from comptoir.core.money import Money
from comptoir.payments.models import Payment
from comptoir.payments.providers.test import DECLINED_CARD
from comptoir.payments.services import confirm_payment, create_payment, refund_payment
from tests.backoffice.inventory_support import body, count_queries, staff
from tests.backoffice.order_factories import make_order, paid_order

pytestmark = pytest.mark.django_db

LIST = "/admin/payments/payment/"


def test_the_list_shows_reference_order_method_amounts_and_status(admin_client, channel):
    order, _location = paid_order(channel)
    payment = Payment.objects.get(order_ref=order.number)
    refund_payment(reference=payment.reference, amount=Money(Decimal("5.00"), "EUR"), key="r-1")

    page = body(admin_client.get(LIST))

    assert payment.reference in page and "test:card" in page
    assert f'href="/admin/orders/order/by-number/{order.number}/">{order.number}</a>' in page
    assert "€45.00" in page and "€5.00" in page and "Partially refunded" in page


def test_the_list_is_filtered_by_status(admin_client, channel):
    paid, _location = paid_order(channel)
    declined_order = make_order(channel)
    declined = create_payment(order_ref=declined_order.number, method_code="test:card", amount=Money("45", "EUR"))
    confirm_payment(reference=declined.reference, data={"card_number": DECLINED_CARD})

    page = body(admin_client.get(f"{LIST}?status__exact=failed"))

    assert declined.reference in page
    assert Payment.objects.get(order_ref=paid.number).reference not in page


def test_the_list_finds_a_payment_by_its_order_number(admin_client, channel):
    order, _location = paid_order(channel)
    other, _location = paid_order(channel)

    page = body(admin_client.get(LIST, {"q": order.number}))

    assert Payment.objects.get(order_ref=order.number).reference in page
    assert Payment.objects.get(order_ref=other.number).reference not in page


def test_a_payment_page_shows_its_ledger_read_only(admin_client, channel):
    order, _location = paid_order(channel)
    payment = Payment.objects.get(order_ref=order.number)
    refund_payment(reference=payment.reference, amount=Money(Decimal("5.00"), "EUR"), key="r-1")

    page = body(admin_client.get(f"{LIST}{payment.pk}/change/"))

    assert "Capture" in page and "Refund" in page and "€45.00" in page
    assert 'name="transactions-0-amount"' not in page and 'name="_save"' not in page


def test_payments_cannot_be_added_changed_or_deleted_here(admin_client, channel):
    order, _location = paid_order(channel)
    payment = Payment.objects.get(order_ref=order.number)

    add = admin_client.get(f"{LIST}add/")
    change = admin_client.post(f"{LIST}{payment.pk}/change/", {"status": "refunded"})
    delete = admin_client.post(f"{LIST}{payment.pk}/delete/", {"post": "yes"})

    assert add.status_code == 403 and delete.status_code == 403 and change.status_code == 403
    payment.refresh_from_db()
    assert payment.status == "captured"


def test_the_list_and_a_payment_take_the_same_queries_for_one_and_for_many(admin_client, channel):
    first, _location = paid_order(channel)
    payment = Payment.objects.get(order_ref=first.number)
    admin_client.get(LIST)
    admin_client.get(f"{LIST}{payment.pk}/change/")
    one = (count_queries(admin_client, LIST), count_queries(admin_client, f"{LIST}{payment.pk}/change/"))

    for _ in range(9):
        paid_order(channel)
    for i in range(4):
        refund_payment(reference=payment.reference, amount=Money(Decimal("1.00"), "EUR"), key=f"r-{i}")
    many = (count_queries(admin_client, LIST), count_queries(admin_client, f"{LIST}{payment.pk}/change/"))

    assert one == many


def test_staff_without_payment_rights_cannot_see_payments(client, channel):
    paid_order(channel)
    staff(client)

    assert client.get(LIST).status_code == 403
