"""A cash-on-delivery parcel recorded as returned twice at once (two staff members, a double submit), or while the
carrier reports it delivered: one outcome, one effect, stock counted once. Real threads, on every database."""

import pytest

from comptoir.inventory.models import MovementReason, StockLevel, StockMovement
from comptoir.orders.errors import OrderStateError
from comptoir.orders.models import OrderEvent, OrderEventKind, OrderStatus, ReturnRequest, ReturnStatus
from comptoir.orders.services import mark_shipment_delivered, receive_return
from comptoir.orders.services.offline import mark_cash_on_delivery_returned
from comptoir.orders.services.returns import ReturnStateError
from comptoir.payments.models import PaymentStatus, PaymentTransaction, TransactionKind
from tests.orders.cod_factories import cod_order, violations


@pytest.fixture(autouse=True)
def _offline_provider_on(settings):
    settings.PAYMENT_PROVIDERS = ["test", "offline"]


@pytest.mark.django_db(transaction=True)
def test_two_staff_recording_the_same_returned_parcel_at_once_cancel_and_void_once(channel, run_in_threads):
    cod = cod_order(channel, quantity=2)

    results = run_in_threads(lambda i: mark_cash_on_delivery_returned(order_id=cod.order.pk, note=f"clerk {i}"), n=2)

    errors = [r for r in results if isinstance(r, Exception)]
    assert [type(e) for e in errors] == [OrderStateError], results
    assert "already returned to sender" in errors[0].detail
    assert ReturnRequest.objects.filter(order=cod.order).count() == 1
    assert PaymentTransaction.objects.filter(payment=cod.payment, kind=TransactionKind.VOID).count() == 1
    assert OrderEvent.objects.filter(order=cod.order, kind=OrderEventKind.CANCELLED).count() == 1
    assert cod.refresh().status == OrderStatus.CANCELLED
    assert violations() == []


@pytest.mark.django_db(transaction=True)
def test_the_returned_parcel_booked_twice_at_once_goes_back_on_sale_once(channel, run_in_threads):
    cod = cod_order(channel, quantity=2)
    on_hand = cod.level().on_hand
    ret = mark_cash_on_delivery_returned(order_id=cod.order.pk)
    line = ret.lines.get()
    location_id = StockLevel.objects.get(variant=cod.variant).location_id

    results = run_in_threads(
        lambda i: receive_return(return_id=ret.pk, decisions={line.pk: (2, 0)}, location_id=location_id), n=2
    )

    assert sorted(type(r).__name__ for r in results) == ["ReturnRequest", "ReturnStateError"], results
    assert isinstance(next(r for r in results if isinstance(r, Exception)), ReturnStateError)
    assert cod.level().on_hand == on_hand + 2
    assert StockMovement.objects.filter(reference=ret.number, reason=MovementReason.RETURN).count() == 1
    assert ReturnRequest.objects.get(pk=ret.pk).status == ReturnStatus.RECEIVED
    assert violations() == []


@pytest.mark.django_db(transaction=True)
def test_returned_and_delivered_reported_at_once_end_in_one_consistent_outcome(channel, run_in_threads):
    cod = cod_order(channel)
    shipment_id = cod.shipments[0].pk
    calls = [
        lambda: mark_cash_on_delivery_returned(order_id=cod.order.pk),
        lambda: mark_shipment_delivered(shipment_id=shipment_id),
    ]

    results = run_in_threads(lambda i: calls[i](), n=2)

    errors = [r for r in results if isinstance(r, Exception)]
    assert [type(e) for e in errors] == [OrderStateError], results
    order = cod.refresh()
    if isinstance(results[0], Exception):  # delivered first: the cash was collected, the parcel is not coming back
        assert order.status == OrderStatus.DELIVERED and cod.payment.status == PaymentStatus.CAPTURED
        assert not ReturnRequest.objects.exists()
    else:  # returned first: no cash will ever be recorded
        assert order.status == OrderStatus.CANCELLED and cod.payment.status == PaymentStatus.CANCELLED
        assert cod.payment.captured_amount == 0
    assert violations() == []
