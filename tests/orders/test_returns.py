"""Returns through the services: the window, the quantities, approval, rejection, receipt into stock."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from comptoir.core.errors import InvalidInputError
from comptoir.core.models import Event
from comptoir.inventory.models import MovementReason, StockMovement
from comptoir.orders.errors import InvalidOrderLinesError, ReturnNotAllowedError, ReturnNotFoundError
from comptoir.orders.models import OrderEvent, OrderStatus, ReturnStatus, Shipment
from comptoir.orders.services import fulfil_order
from comptoir.orders.services.returns import (
    ReturnStateError,
    approve_return,
    cancel_return,
    receive_return,
    reject_return,
    request_return,
    return_window_end,
)
from tests.orders.return_factories import paid_order

PARIS = ZoneInfo("Europe/Paris")
DELIVERED = datetime(2025, 3, 1, 10, 0, tzinfo=PARIS)


def at(day: int, month: int = 3, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=PARIS)


def received_return(paid, decisions=None, quantity=2):
    """A return of `quantity` units of the first line, approved and received back (restocked unless told)."""
    line = paid.lines[0]
    ret = request_return(order_id=paid.order.pk, lines={line.pk: (quantity, "changed_mind")})
    approve_return(return_id=ret.pk)
    rl = ret.lines.get()
    return receive_return(return_id=ret.pk, decisions=decisions or {rl.pk: (quantity, 0)}, location_id=paid.location.pk)


# --- Asking -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_buyer_returns_delivered_units_within_the_window(channel):
    paid = paid_order(channel, lines=[("20.00", 2), ("5.00", 1)])
    a, b = paid.lines

    ret = request_return(
        order_id=paid.order.pk, lines={a.pk: (1, "wrong_size"), b.pk: (1, "damaged")}, comment="Too small"
    )

    assert ret.number == f"R-{paid.order.number}-1"
    assert ret.status == ReturnStatus.REQUESTED and ret.comment == "Too small"
    assert sorted((rl.order_line_id, rl.quantity, rl.reason) for rl in ret.lines.all()) == [
        (a.pk, 1, "wrong_size"),
        (b.pk, 1, "damaged"),
    ]
    event = OrderEvent.objects.get(order=paid.order, kind="return_requested")
    assert event.public and event.data["return_id"] == ret.pk
    assert Event.objects.get(name="orders.return_requested").payload == {
        "order_id": paid.order.pk,
        "return_id": ret.pk,
    }


@pytest.mark.django_db
def test_the_second_return_of_an_order_is_numbered_two(channel):
    paid = paid_order(channel)
    line = paid.lines[0]
    request_return(order_id=paid.order.pk, lines={line.pk: (1, "changed_mind")})

    second = request_return(order_id=paid.order.pk, lines={line.pk: (1, "changed_mind")})

    assert second.number == f"R-{paid.order.number}-2"


@pytest.mark.django_db
def test_the_window_ends_return_window_days_after_the_day_of_delivery(channel):
    paid = paid_order(channel, delivered_at=DELIVERED)

    assert return_window_end(paid.order).isoformat() == "2025-03-31"


@pytest.mark.django_db
def test_a_return_asked_on_the_last_evening_of_the_window_is_accepted(channel):
    paid = paid_order(channel, delivered_at=DELIVERED)

    ret = request_return(
        order_id=paid.order.pk, lines={paid.lines[0].pk: (1, "changed_mind")}, now=at(31, hour=23, minute=59)
    )

    assert ret.status == ReturnStatus.REQUESTED


@pytest.mark.django_db
def test_a_return_asked_just_after_midnight_past_the_window_is_refused_with_its_end_date(channel):
    paid = paid_order(channel, delivered_at=DELIVERED)

    with pytest.raises(ReturnNotAllowedError) as exc:
        request_return(
            order_id=paid.order.pk, lines={paid.lines[0].pk: (1, "changed_mind")}, now=at(1, month=4, hour=0, minute=1)
        )

    assert exc.value.data["window_end"] == "2025-03-31"
    assert "March 31, 2025" in exc.value.detail
    assert not paid.order.returns.exists()


@pytest.mark.django_db
def test_a_shorter_channel_window_closes_earlier(channel):
    channel.return_window_days = 14
    channel.save()
    paid = paid_order(channel, delivered_at=DELIVERED)

    with pytest.raises(ReturnNotAllowedError):
        request_return(order_id=paid.order.pk, lines={paid.lines[0].pk: (1, "changed_mind")}, now=at(16))
    assert request_return(order_id=paid.order.pk, lines={paid.lines[0].pk: (1, "changed_mind")}, now=at(15))


@pytest.mark.django_db
def test_a_parcel_without_a_delivery_date_opens_the_window_when_it_shipped(channel):
    paid = paid_order(channel, deliver=False)
    Shipment.objects.filter(order=paid.order).update(shipped_at=DELIVERED)

    assert return_window_end(paid.order).isoformat() == "2025-03-31"


@pytest.mark.django_db
def test_the_window_opens_with_the_last_parcel(channel):
    paid = paid_order(channel, lines=[("20.00", 2)], ship=False)
    line = paid.lines[0]
    first = fulfil_order(order_id=paid.order.pk, quantities={line.pk: 1}, location_id=paid.location.pk)
    second = fulfil_order(order_id=paid.order.pk, quantities={line.pk: 1}, location_id=paid.location.pk)
    Shipment.objects.filter(pk=first.pk).update(delivered_at=DELIVERED)
    Shipment.objects.filter(pk=second.pk).update(delivered_at=at(10))

    assert return_window_end(paid.order).isoformat() == "2025-04-09"


@pytest.mark.django_db
def test_an_order_not_yet_shipped_cannot_be_returned(channel):
    paid = paid_order(channel, ship=False)

    with pytest.raises(ReturnNotAllowedError) as exc:
        request_return(order_id=paid.order.pk, lines={paid.lines[0].pk: (1, "changed_mind")})

    assert exc.value.data["status"] == OrderStatus.PAID


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", [0, -1, "1", True, 1.0])
def test_a_quantity_that_is_not_a_whole_number_above_zero_is_refused(channel, quantity):
    paid = paid_order(channel)
    line = paid.lines[0]

    with pytest.raises(InvalidOrderLinesError) as exc:
        request_return(order_id=paid.order.pk, lines={line.pk: (quantity, "changed_mind")})

    assert exc.value.data["lines"] == [line.pk]
    assert not paid.order.returns.exists()


@pytest.mark.django_db
def test_an_unknown_reason_is_refused(channel):
    paid = paid_order(channel)

    with pytest.raises(InvalidOrderLinesError):
        request_return(order_id=paid.order.pk, lines={paid.lines[0].pk: (1, "bored")})


@pytest.mark.django_db
def test_a_line_of_another_order_is_refused(channel):
    paid, other = paid_order(channel), paid_order(channel)

    with pytest.raises(InvalidOrderLinesError) as exc:
        request_return(order_id=paid.order.pk, lines={other.lines[0].pk: (1, "changed_mind")})

    assert exc.value.data["lines"] == [other.lines[0].pk]


@pytest.mark.django_db
def test_more_units_than_shipped_are_refused_naming_the_line(channel):
    paid = paid_order(channel, lines=[("20.00", 2)])
    line = paid.lines[0]

    with pytest.raises(InvalidOrderLinesError) as exc:
        request_return(order_id=paid.order.pk, lines={line.pk: (3, "changed_mind")})

    assert exc.value.data["lines"] == [line.pk]
    assert exc.value.data["returnable"] == {str(line.pk): 2}
    assert line.product_name in exc.value.detail and "at most 2" in exc.value.detail


@pytest.mark.django_db
def test_units_not_shipped_yet_cannot_be_returned(channel):
    paid = paid_order(channel, lines=[("20.00", 3)], ship=False)
    line = paid.lines[0]
    fulfil_order(order_id=paid.order.pk, quantities={line.pk: 1}, location_id=paid.location.pk)

    with pytest.raises(InvalidOrderLinesError):
        request_return(order_id=paid.order.pk, lines={line.pk: (2, "changed_mind")})
    assert request_return(order_id=paid.order.pk, lines={line.pk: (1, "changed_mind")})


@pytest.mark.django_db
def test_units_in_an_open_return_cannot_be_asked_for_again(channel):
    paid = paid_order(channel, lines=[("20.00", 2)])
    line = paid.lines[0]
    first = request_return(order_id=paid.order.pk, lines={line.pk: (1, "changed_mind")})
    approve_return(return_id=first.pk)

    with pytest.raises(InvalidOrderLinesError):
        request_return(order_id=paid.order.pk, lines={line.pk: (2, "changed_mind")})
    assert request_return(order_id=paid.order.pk, lines={line.pk: (1, "changed_mind")})


@pytest.mark.django_db
def test_units_of_a_cancelled_or_rejected_return_can_be_asked_for_again(channel):
    paid = paid_order(channel, lines=[("20.00", 2)])
    line = paid.lines[0]
    cancel_return(return_id=request_return(order_id=paid.order.pk, lines={line.pk: (2, "changed_mind")}).pk)
    reject_return(
        return_id=request_return(order_id=paid.order.pk, lines={line.pk: (2, "changed_mind")}).pk, note="Worn"
    )

    again = request_return(order_id=paid.order.pk, lines={line.pk: (2, "changed_mind")})

    assert again.number.endswith("-3")


@pytest.mark.django_db
def test_units_received_back_cannot_be_returned_again(channel):
    paid = paid_order(channel, lines=[("20.00", 2)])
    received_return(paid, quantity=1)
    line = paid.lines[0]

    with pytest.raises(InvalidOrderLinesError):
        request_return(order_id=paid.order.pk, lines={line.pk: (2, "changed_mind")})
    assert request_return(order_id=paid.order.pk, lines={line.pk: (1, "changed_mind")})


@pytest.mark.django_db
def test_a_comment_longer_than_two_thousand_characters_is_refused(channel):
    paid = paid_order(channel)

    with pytest.raises(InvalidInputError):
        request_return(order_id=paid.order.pk, lines={paid.lines[0].pk: (1, "other")}, comment="x" * 2001)


# --- Staff decisions --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_approving_a_requested_return_tells_the_buyer(channel):
    paid = paid_order(channel)
    ret = request_return(order_id=paid.order.pk, lines={paid.lines[0].pk: (1, "changed_mind")})

    approve_return(return_id=ret.pk, note="Label sent")

    ret.refresh_from_db()
    assert ret.status == ReturnStatus.APPROVED and ret.staff_note == "Label sent"
    assert OrderEvent.objects.filter(order=paid.order, kind="return_updated", public=True).count() == 1
    assert Event.objects.filter(name="orders.return_approved", payload__return_id=ret.pk).exists()


@pytest.mark.django_db
def test_rejecting_needs_a_reason_the_buyer_reads(channel):
    paid = paid_order(channel)
    ret = request_return(order_id=paid.order.pk, lines={paid.lines[0].pk: (1, "changed_mind")})

    with pytest.raises(InvalidInputError):
        reject_return(return_id=ret.pk, note="  ")
    reject_return(return_id=ret.pk, note="Past the hygiene seal")

    ret.refresh_from_db()
    assert ret.status == ReturnStatus.REJECTED
    event = OrderEvent.objects.get(order=paid.order, kind="return_updated")
    assert event.public and event.message == "Past the hygiene seal"
    assert Event.objects.filter(name="orders.return_rejected").count() == 1


@pytest.mark.django_db
def test_the_buyer_cannot_cancel_a_return_once_approved(channel):
    paid = paid_order(channel)
    ret = request_return(order_id=paid.order.pk, lines={paid.lines[0].pk: (1, "changed_mind")})
    approve_return(return_id=ret.pk)

    with pytest.raises(ReturnStateError):
        cancel_return(return_id=ret.pk)

    ret.refresh_from_db()
    assert ret.status == ReturnStatus.APPROVED


@pytest.mark.django_db
def test_a_cancelled_return_cannot_be_approved(channel):
    paid = paid_order(channel)
    ret = request_return(order_id=paid.order.pk, lines={paid.lines[0].pk: (1, "changed_mind")})
    cancel_return(return_id=ret.pk)

    with pytest.raises(ReturnStateError):
        approve_return(return_id=ret.pk)
    assert Event.objects.filter(name="orders.return_cancelled").count() == 1


@pytest.mark.django_db
def test_an_unknown_return_is_not_found():
    with pytest.raises(ReturnNotFoundError):
        approve_return(return_id=987654)


# --- Receiving ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_receiving_puts_sellable_units_back_on_hand_and_writes_off_the_damaged_ones(channel):
    paid = paid_order(channel, lines=[("20.00", 3)], stock=10)
    assert paid.on_hand() == 7
    line = paid.lines[0]
    ret = request_return(order_id=paid.order.pk, lines={line.pk: (3, "damaged")})
    approve_return(return_id=ret.pk)
    rl = ret.lines.get()

    receive_return(return_id=ret.pk, decisions={rl.pk: (2, 1)}, location_id=paid.location.pk, actor_id=None)

    assert paid.on_hand() == 9
    moves = list(
        StockMovement.objects.filter(stock_level__variant=paid.variants[0], reference=ret.number)
        .order_by("pk")
        .values_list("reason", "on_hand_delta")
    )
    assert moves == [(MovementReason.RETURN, 3), (MovementReason.WRITE_OFF, -1)]
    rl.refresh_from_db()
    line.refresh_from_db()
    assert (rl.quantity_restocked, rl.quantity_written_off) == (2, 1)
    assert line.quantity_returned == 3
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.RECEIVED
    assert Event.objects.filter(name="orders.return_received", payload__return_id=ret.pk).exists()


@pytest.mark.django_db
def test_units_all_written_off_leave_stock_on_hand_as_it_was(channel):
    paid = paid_order(channel, lines=[("20.00", 2)], stock=10)
    line = paid.lines[0]
    ret = request_return(order_id=paid.order.pk, lines={line.pk: (2, "damaged")})
    approve_return(return_id=ret.pk)

    receive_return(return_id=ret.pk, decisions={ret.lines.get().pk: (0, 2)}, location_id=paid.location.pk)

    assert paid.on_hand() == 8


@pytest.mark.django_db
def test_receiving_more_units_than_the_return_holds_is_refused_and_moves_no_stock(channel):
    paid = paid_order(channel, lines=[("20.00", 2)])
    ret = request_return(order_id=paid.order.pk, lines={paid.lines[0].pk: (1, "changed_mind")})
    approve_return(return_id=ret.pk)

    with pytest.raises(InvalidOrderLinesError):
        receive_return(return_id=ret.pk, decisions={ret.lines.get().pk: (1, 1)}, location_id=paid.location.pk)

    assert paid.on_hand() == 8
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.APPROVED


@pytest.mark.django_db
def test_a_return_not_yet_approved_cannot_be_received(channel):
    paid = paid_order(channel)
    ret = request_return(order_id=paid.order.pk, lines={paid.lines[0].pk: (1, "changed_mind")})

    with pytest.raises(ReturnStateError):
        receive_return(return_id=ret.pk, decisions={ret.lines.get().pk: (1, 0)}, location_id=paid.location.pk)

    assert paid.on_hand() == 8


@pytest.mark.django_db
def test_receiving_nothing_or_into_an_unknown_location_is_refused(channel):
    paid = paid_order(channel)
    ret = request_return(order_id=paid.order.pk, lines={paid.lines[0].pk: (1, "changed_mind")})
    approve_return(return_id=ret.pk)
    rl = ret.lines.get()

    with pytest.raises(InvalidOrderLinesError):
        receive_return(return_id=ret.pk, decisions={rl.pk: (0, 0)}, location_id=paid.location.pk)
    with pytest.raises(InvalidInputError):
        receive_return(return_id=ret.pk, decisions={rl.pk: (1, 0)}, location_id=987654)
    with pytest.raises(InvalidOrderLinesError):
        receive_return(return_id=ret.pk, decisions={rl.pk: (-1, 2)}, location_id=paid.location.pk)
