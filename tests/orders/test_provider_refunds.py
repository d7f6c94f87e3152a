"""The order follows money given back at the provider outside the shop (comptoir/orders/services/provider_refunds.py),
whatever the provider: here the TEST provider's signed webhook, which reports the running total refunded."""

from decimal import Decimal

import pytest

from comptoir.checkout import services as checkout
from comptoir.orders.admin_page import describe_event
from comptoir.orders.models import OrderEvent, OrderEventKind, OrderStatus
from comptoir.orders.services import pay_order
from comptoir.payments.models import Payment, TestCharge
from comptoir.payments.providers.test import TestGateway
from tests.checkout.factories import ready_checkout
from tests.payments.helpers import post_webhook

pytestmark = pytest.mark.django_db
CARD = {"card_number": "4242424242424242"}


def refunded_at_the_provider(payment: Payment, total: str, event_id: str):
    charge = TestCharge.objects.get(reference=payment.reference)
    charge.status, charge.refunded_amount = "refunded", Decimal(total)
    charge.save()
    return TestGateway().signed_event(charge, event_id=event_id)


def test_a_refund_made_in_the_providers_dashboard_moves_the_order_once_and_shows_on_its_timeline(
    channel, client, django_capture_on_commit_callbacks
):
    cart, _ = ready_checkout(channel)
    order = checkout.place_order(checkout_id=cart.pk)
    pay_order(order_id=order.pk, method_code="test:card", data=CARD)
    payment = Payment.objects.get(order_ref=order.ref)
    delivery = refunded_at_the_provider(payment, "5.00", "evt_dash_1")

    with django_capture_on_commit_callbacks(execute=True):
        assert post_webhook(client, *delivery).status_code == 200
        assert post_webhook(client, *delivery).status_code == 200

    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    [event] = OrderEvent.objects.filter(order=order, kind=OrderEventKind.REFUNDED)
    assert event.public and describe_event(event, "EUR") == "Refund of €5.00 made at Test, outside the shop."

    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(client, *refunded_at_the_provider(payment, str(order.total), "evt_dash_2"))

    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert OrderEvent.objects.filter(order=order, kind=OrderEventKind.REFUNDED).count() == 2
