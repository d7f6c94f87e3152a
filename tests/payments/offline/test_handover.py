"""Cash on delivery and payment in store: offered where they fit, goods leave unpaid, the money is recorded
when the carrier delivers or the store takes it; bank transfers wait days, not minutes."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from comptoir.checkout import services as checkout
from comptoir.core.invariants import registered_checks
from comptoir.core.money import Money
from comptoir.inventory.models import StockLevel
from comptoir.orders.errors import OrderStateError
from comptoir.orders.models import Order, OrderStatus
from comptoir.orders.services import expire_unpaid_orders, fulfil_order, mark_shipment_delivered, pay_order
from comptoir.orders.services.offline import record_in_store_payment
from comptoir.payments.errors import PaymentMethodUnavailableError, PaymentStateError
from comptoir.payments.models import Payment, PaymentStatus
from tests.checkout.factories import ready_checkout
from tests.payments.offline.helpers import bank_transfer_order, collect_order, offline_settings, place

pytestmark = pytest.mark.django_db


def violations() -> list:
    return [v for check in registered_checks().values() for v in check().violations]


def test_cash_on_delivery_adds_its_fee_to_shipping_and_the_totals_still_add_up(channel):
    offline_settings(channel, cod_fee=Decimal("3.50"))

    order, _variant = place(channel, method="offline:cash_on_delivery")

    assert (order.shipping_price, order.total) == (Decimal("8.40"), Decimal("28.40"))  # 4.90 + 3.50 fee
    assert violations() == []


def test_cash_on_delivery_is_refused_above_its_maximum_and_for_click_and_collect(channel):
    offline_settings(channel, cod_max_amount=Decimal("50.00"))
    cart, _variant = ready_checkout(channel, price="60.00")

    with pytest.raises(PaymentMethodUnavailableError, match="up to"):
        checkout.set_payment_method(checkout_id=cart.pk, method="offline:cash_on_delivery")
    with pytest.raises(PaymentMethodUnavailableError, match="delivery to your address"):
        collect_order(channel, method="offline:cash_on_delivery")


def test_a_method_the_channel_has_not_switched_on_is_refused(channel):
    offline_settings(channel, bank_transfer_enabled=False, in_store_enabled=False)
    cart, _variant = ready_checkout(channel)

    with pytest.raises(PaymentMethodUnavailableError, match="not offered"):
        checkout.set_payment_method(checkout_id=cart.pk, method="offline:bank_transfer")


def test_paying_in_store_is_only_for_click_and_collect(channel):
    offline_settings(channel)
    cart, _variant = ready_checkout(channel)

    with pytest.raises(PaymentMethodUnavailableError, match="collect your order"):
        checkout.set_payment_method(checkout_id=cart.pk, method="offline:in_store")


def test_a_cash_on_delivery_order_ships_unpaid_and_is_paid_when_the_carrier_delivers(
    channel, django_capture_on_commit_callbacks
):
    offline_settings(channel)
    order, variant = place(channel, method="offline:cash_on_delivery")
    with django_capture_on_commit_callbacks(execute=True):
        pay_order(order_id=order.pk, method_code="offline:cash_on_delivery", data={})

    shipment = fulfil_order(order_id=order.pk, carrier="Colissimo", tracking_number="6A1")
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert StockLevel.objects.get(variant=variant).allocated == 0
    assert expire_unpaid_orders(now=timezone.now() + timedelta(days=60)) == 0

    with django_capture_on_commit_callbacks(execute=True):
        mark_shipment_delivered(shipment_id=shipment.pk)

    order.refresh_from_db()
    payment = Payment.objects.get(order_ref=order.number)
    assert (payment.status, payment.captured_amount) == (PaymentStatus.CAPTURED, order.total)
    assert order.status == OrderStatus.DELIVERED and order.paid_at is not None
    assert violations() == []
    sent = list(order.events.filter(kind="email_sent").values_list("data__email", flat=True))
    assert "payment_instructions" in sent and "delivered" in sent
    assert "confirmation" not in sent  # the goods were already with the buyer


def test_a_card_order_still_cannot_ship_unpaid(channel):
    offline_settings(channel)
    cart, _variant = ready_checkout(channel)
    order = checkout.place_order(checkout_id=cart.pk)

    with pytest.raises(OrderStateError):
        fulfil_order(order_id=order.pk)


def test_store_staff_record_a_payment_at_pickup_and_the_order_is_paid(channel):
    offline_settings(channel)
    order, _variant = collect_order(channel)

    record_in_store_payment(order_id=order.pk, amount=Money(Decimal("10.00"), "EUR"), kind="cash", key="a")
    record_in_store_payment(order_id=order.pk, amount=Money(Decimal("10.00"), "EUR"), kind="cash", key="a")
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert Payment.objects.get(order_ref=order.number).captured_amount == Decimal("10.00")  # the same form twice

    payment = record_in_store_payment(order_id=order.pk, amount=Money(Decimal("10.00"), "EUR"), kind="card", key="b")

    order.refresh_from_db()
    assert (payment.status, payment.captured_amount) == (PaymentStatus.CAPTURED, Decimal("20.00"))
    assert order.status == OrderStatus.PAID
    fulfil_order(order_id=order.pk)  # handed over at the counter
    assert violations() == []


def test_more_than_left_to_pay_in_store_is_refused_and_records_nothing(channel):
    offline_settings(channel)
    order, _variant = collect_order(channel)

    with pytest.raises(PaymentStateError, match="left to pay"):
        record_in_store_payment(order_id=order.pk, amount=Money(Decimal("25.00"), "EUR"), kind="cash")

    assert not Payment.objects.filter(order_ref=order.number, captured_amount__gt=0).exists()


def test_a_click_and_collect_order_paid_in_store_may_be_made_ready_and_collected_unpaid(channel):
    from comptoir.orders.services import mark_ready_for_pickup

    offline_settings(channel)
    order, _variant = collect_order(channel)

    mark_ready_for_pickup(order_id=order.pk)
    fulfil_order(order_id=order.pk)
    record_in_store_payment(order_id=order.pk, amount=Money(Decimal("20.00"), "EUR"), kind="cash")

    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED and order.paid_at is not None


def test_a_bank_transfer_order_waits_for_its_deadline_then_is_cancelled_and_its_stock_released(
    channel, django_capture_on_commit_callbacks
):
    offline_settings(channel, transfer_deadline_days=5)
    order, payment = bank_transfer_order(channel)
    variant_id = order.lines.get().variant_id

    assert expire_unpaid_orders(now=timezone.now() + timedelta(hours=3)) == 0
    assert expire_unpaid_orders(now=timezone.now() + timedelta(days=4)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_unpaid_orders(now=timezone.now() + timedelta(days=5, minutes=1)) == 1

    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert payment.status == PaymentStatus.CANCELLED
    assert StockLevel.objects.get(variant_id=variant_id).allocated == 0
    assert [m.to for m in mail.outbox] == [[order.email]]  # told it is cancelled
    assert order.events.filter(kind="email_sent", data__email="cancelled").exists()


def test_a_bank_transfer_order_with_part_of_the_money_received_is_left_for_staff(channel):
    from comptoir.payments.offline_services import capture_offline_payment

    offline_settings(channel, transfer_deadline_days=5)
    order, payment = bank_transfer_order(channel)
    capture_offline_payment(reference=payment.reference, amount=Money(Decimal("5.00"), "EUR"), source="bank:x")

    assert expire_unpaid_orders(now=timezone.now() + timedelta(days=6)) == 0
    assert Order.objects.get(pk=order.pk).status == OrderStatus.AWAITING_PAYMENT


def test_the_same_money_recorded_twice_is_recorded_once(channel):
    from comptoir.payments.offline_services import capture_offline_payment

    offline_settings(channel)
    _order, payment = bank_transfer_order(channel)

    first = capture_offline_payment(reference=payment.reference, amount=Money(Decimal("5.00"), "EUR"), source="bank:1")
    again = capture_offline_payment(reference=payment.reference, amount=Money(Decimal("5.00"), "EUR"), source="bank:1")

    assert first.pk == again.pk
    assert Payment.objects.get(pk=payment.pk).captured_amount == Decimal("5.00")
