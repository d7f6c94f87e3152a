"""A cash-on-delivery parcel the buyer refused or never collected comes back: the order is cancelled, the cash is no
longer awaited and can never be recorded, and the units come back on sale (or are written off) once, when the
parcel is booked in."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from comptoir.core.errors import InvalidInputError
from comptoir.core.money import Money
from comptoir.inventory.models import MovementReason, StockLevel, StockMovement
from comptoir.orders.errors import OrderStateError
from comptoir.orders.models import (
    Order,
    OrderEvent,
    OrderEventKind,
    OrderStatus,
    ReturnRequest,
    ReturnStatus,
    Shipment,
    ShipmentStatus,
)
from comptoir.orders.services import cancel_order, fulfil_order, mark_shipment_delivered, receive_return, reject_return
from comptoir.orders.services.offline import collect_cash_on_delivery, mark_cash_on_delivery_returned
from comptoir.orders.services.returns import ReturnStateError
from comptoir.payments.errors import PaymentStateError
from comptoir.payments.models import Payment, PaymentStatus, PaymentTransaction, TransactionKind
from comptoir.payments.offline_services import capture_offline_payment
from tests.orders.cod_factories import cod_order, violations
from tests.orders.return_factories import paid_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _offline_provider_on(settings):
    settings.PAYMENT_PROVIDERS = ["test", "offline"]


def book(ret: ReturnRequest, *, restocked: int, written_off: int = 0) -> ReturnRequest:
    """The parcel arrived back at the warehouse it left from."""
    line = ret.lines.select_related("order_line").get()
    location_id = StockLevel.objects.get(variant_id=line.order_line.variant_id).location_id
    return receive_return(return_id=ret.pk, decisions={line.pk: (restocked, written_off)}, location_id=location_id)


def test_a_refused_parcel_cancels_the_order_voids_the_cash_and_awaits_the_goods_as_a_return(channel):
    cod = cod_order(channel, quantity=2)
    on_hand = cod.level().on_hand  # the two units left with the carrier

    ret = mark_cash_on_delivery_returned(order_id=cod.order.pk, note="Carrier: refused at the door")

    order = cod.refresh()
    assert order.status == OrderStatus.CANCELLED and order.cancelled_at is not None and order.paid_at is None
    assert (cod.payment.status, cod.payment.captured_amount) == (PaymentStatus.CANCELLED, Decimal(0))
    void = PaymentTransaction.objects.get(payment=cod.payment, kind=TransactionKind.VOID)
    assert (void.captured_delta, void.refunded_delta, void.message) == (0, 0, "Carrier: refused at the door")
    assert order.shipments.get().status == ShipmentStatus.RETURNED
    assert (ret.number, ret.status, ret.order_id) == (f"R-{order.number}-1", ReturnStatus.APPROVED, order.pk)
    assert [(rl.quantity, rl.reason) for rl in ret.lines.all()] == [(2, "returned_to_sender")]
    assert cod.level().on_hand == on_hand  # still in the van: nothing back on sale yet
    cancelled = OrderEvent.objects.get(order=order, kind=OrderEventKind.CANCELLED)
    assert cancelled.public and cancelled.data["cash_on_delivery"] == "refused"
    # In the order's language (the channel's, French here), as the buyer reads it on their order's page.
    assert cancelled.message == "Le colis a été refusé à la livraison et nous a été retourné."
    note = OrderEvent.objects.get(order=order, kind=OrderEventKind.NOTE, message="Carrier: refused at the door")
    assert not note.public
    assert violations() == []


def test_units_received_back_in_good_condition_go_back_on_sale_once(channel):
    cod = cod_order(channel, quantity=2)
    on_hand = cod.level().on_hand
    ret = mark_cash_on_delivery_returned(order_id=cod.order.pk)

    book(ret, restocked=2)
    with pytest.raises(ReturnStateError):  # the same parcel booked again (a retry, a second tab)
        book(ret, restocked=2)

    assert cod.level().on_hand == on_hand + 2
    assert StockMovement.objects.filter(reference=ret.number, reason=MovementReason.RETURN).count() == 1
    assert cod.order.lines.get().quantity_returned == 2
    assert ReturnRequest.objects.get(pk=ret.pk).status == ReturnStatus.RECEIVED
    assert violations() == []


def test_units_damaged_on_the_way_back_are_written_off(channel):
    cod = cod_order(channel, quantity=2)
    on_hand = cod.level().on_hand
    ret = mark_cash_on_delivery_returned(order_id=cod.order.pk, outcome="not_collected")

    book(ret, restocked=1, written_off=1)

    assert cod.level().on_hand == on_hand + 1
    assert StockMovement.objects.filter(reference=ret.number, reason=MovementReason.WRITE_OFF).count() == 1
    assert OrderEvent.objects.get(order=cod.order, kind=OrderEventKind.CANCELLED).message == (
        "Le colis n'a pas pu être livré ou n'a pas été retiré, et nous a été retourné."
    )
    assert violations() == []


def test_cash_reported_after_the_parcel_came_back_is_refused(channel):
    cod = cod_order(channel)
    mark_cash_on_delivery_returned(order_id=cod.order.pk)

    with pytest.raises(OrderStateError, match="returned to sender"):
        mark_shipment_delivered(shipment_id=cod.shipments[0].pk)
    with pytest.raises(PaymentStateError):
        capture_offline_payment(
            reference=cod.payment.reference, amount=Money(cod.payment.amount, "EUR"), source="cod:late"
        )
    collect_cash_on_delivery(order=cod.refresh())  # what the carrier integration would call: nothing happens

    order = cod.refresh()
    assert order.status == OrderStatus.CANCELLED and cod.payment.captured_amount == 0
    assert Shipment.objects.get(pk=cod.shipments[0].pk).status == ShipmentStatus.RETURNED
    assert violations() == []


def test_units_not_shipped_yet_go_back_on_sale_at_once(channel):
    cod = cod_order(channel, quantity=3, ship=1)
    level = cod.level()
    assert level.allocated == 2

    ret = mark_cash_on_delivery_returned(order_id=cod.order.pk)

    level.refresh_from_db()
    assert level.allocated == 0  # the two units never left
    assert [rl.quantity for rl in ret.lines.all()] == [1]  # the one in the parcel comes back later
    assert violations() == []


def test_the_buyer_is_told_why_in_the_cancellation_email_and_on_the_tracking_page(
    channel, client, django_capture_on_commit_callbacks
):
    cod = cod_order(channel)
    Order.objects.filter(pk=cod.order.pk).update(language="en")  # told in their language; English here
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        ret = mark_cash_on_delivery_returned(order_id=cod.order.pk, note="internal: rude on the phone")

    cancellation = [m for m in mail.outbox if "cancelled" in m.subject]
    assert len(cancellation) == 1 and cancellation[0].to == [cod.order.email]
    assert "Reason: The parcel was refused on delivery and has been returned to us." in cancellation[0].body
    page = client.get(f"/en/orders/track/{cod.order.token}/").content.decode()
    assert "Cancelled" in page and "The parcel was refused on delivery and has been returned to us." in page
    assert "Returned to sender" in page  # the parcel
    assert "rude on the phone" not in page and "rude on the phone" not in cancellation[0].body
    parcel_back = client.get(reverse("returns:guest_detail", args=[cod.order.token, ret.number]))
    assert parcel_back.status_code == 200 and "Returned to sender (cash on delivery)" in parcel_back.content.decode()


# --- what is refused, writing nothing ---------------------------------------------------------------------


def assert_unchanged(cod) -> None:
    order = cod.refresh()
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert cod.payment.status == PaymentStatus.PENDING
    assert not ReturnRequest.objects.filter(order=order).exists()
    assert not PaymentTransaction.objects.filter(kind=TransactionKind.VOID).exists()
    assert not order.shipments.filter(status=ShipmentStatus.RETURNED).exists()


def test_an_order_paid_by_card_is_refused(channel):
    paid = paid_order(channel, deliver=False)

    with pytest.raises(OrderStateError, match="not paid cash on delivery") as caught:
        mark_cash_on_delivery_returned(order_id=paid.order.pk)

    assert caught.value.status == 409
    assert paid.refresh().status == OrderStatus.FULFILLED
    assert not ReturnRequest.objects.exists()


def test_an_order_not_shipped_yet_is_refused_cancel_it_instead(channel):
    cod = cod_order(channel, ship=0)

    with pytest.raises(OrderStateError, match="has shipped yet: cancel the order instead"):
        mark_cash_on_delivery_returned(order_id=cod.order.pk)

    assert_unchanged(cod)
    assert cod.level().allocated == 1


def test_an_order_whose_cash_was_collected_is_refused(channel):
    cod = cod_order(channel)
    mark_shipment_delivered(shipment_id=cod.shipments[0].pk)

    with pytest.raises(OrderStateError, match="is paid: the carrier collected the cash") as caught:
        mark_cash_on_delivery_returned(order_id=cod.order.pk)

    assert caught.value.to_problem()["status"] == 409
    order = cod.refresh()
    assert order.status == OrderStatus.DELIVERED and cod.payment.status == PaymentStatus.CAPTURED
    assert violations() == []


def test_a_parcel_returned_twice_is_refused_the_second_time_and_changes_nothing_more(channel):
    cod = cod_order(channel)
    first = mark_cash_on_delivery_returned(order_id=cod.order.pk)

    with pytest.raises(OrderStateError, match="already returned to sender"):
        mark_cash_on_delivery_returned(order_id=cod.order.pk)

    assert list(ReturnRequest.objects.filter(order=cod.order)) == [first]
    assert PaymentTransaction.objects.filter(kind=TransactionKind.VOID).count() == 1
    assert OrderEvent.objects.filter(order=cod.order, kind=OrderEventKind.CANCELLED).count() == 1


def test_an_order_cancelled_before_shipping_is_refused(channel):
    cod = cod_order(channel, ship=0)
    cancel_order(order_id=cod.order.pk, reason="Asked by phone")

    with pytest.raises(OrderStateError, match="is cancelled"):
        mark_cash_on_delivery_returned(order_id=cod.order.pk)

    assert not ReturnRequest.objects.exists()


def test_an_order_with_a_parcel_already_delivered_is_refused(channel):
    cod = cod_order(channel, quantity=2, ship=1)
    mark_shipment_delivered(shipment_id=cod.shipments[0].pk)  # first parcel handed over; the cash waits for the last
    fulfil_order(order_id=cod.order.pk)

    with pytest.raises(OrderStateError, match="was delivered: the buyer has those goods"):
        mark_cash_on_delivery_returned(order_id=cod.order.pk)

    assert_unchanged(cod)


def test_an_order_on_which_money_was_recorded_is_refused(channel):
    cod = cod_order(channel)
    capture_offline_payment(reference=cod.payment.reference, amount=Money(Decimal("5.00"), "EUR"), source="bank:1")

    with pytest.raises(OrderStateError, match="Money was already recorded"):
        mark_cash_on_delivery_returned(order_id=cod.order.pk)

    assert cod.refresh().status == OrderStatus.AWAITING_PAYMENT
    assert Payment.objects.get(pk=cod.payment.pk).captured_amount == Decimal("5.00")
    assert not ReturnRequest.objects.exists()


def test_an_unknown_outcome_or_a_note_too_long_is_refused(channel):
    cod = cod_order(channel)

    with pytest.raises(InvalidInputError):
        mark_cash_on_delivery_returned(order_id=cod.order.pk, outcome="stolen")
    with pytest.raises(InvalidInputError, match="too long"):
        mark_cash_on_delivery_returned(order_id=cod.order.pk, note="x" * 2001)

    assert_unchanged(cod)


def test_a_parcel_returned_to_sender_is_received_not_rejected(channel):
    cod = cod_order(channel)
    ret = mark_cash_on_delivery_returned(order_id=cod.order.pk)

    with pytest.raises(ReturnStateError, match="returned to sender: receive it"):
        reject_return(return_id=ret.pk, note="Lost")

    assert ReturnRequest.objects.get(pk=ret.pk).status == ReturnStatus.APPROVED


def test_a_parcel_lost_on_the_way_back_is_received_with_every_unit_written_off(channel):
    cod = cod_order(channel, quantity=2)
    on_hand = cod.level().on_hand
    ret = mark_cash_on_delivery_returned(order_id=cod.order.pk)

    book(ret, restocked=0, written_off=2)

    assert cod.level().on_hand == on_hand
    assert violations() == []
