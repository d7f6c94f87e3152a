"""Returns: the buyer asks to send goods back, staff approve or reject, then receive the parcel.

Every service here locks the order row first (comptoir/orders/locks.py), then the return row, then
stock levels through inventory's services: the global lock order of comptoir/core/locks.py. Under the
order's lock the quantities a buyer may still return cannot change, so two requests for the same units
cannot both pass. Refunds are in `refunds.py`.

How many units of a line may still be asked for: shipped, less what was received back
(`OrderLine.quantity_returned`, counted when a return is received), less what sits in returns still open
(requested or approved). Received and refunded returns count through `quantity_returned`, so nothing
is counted twice; units of a rejected or cancelled return may be asked for again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import F, Prefetch
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from comptoir.catalog.kinds import rules_for
from comptoir.core.errors import ConflictError, InvalidInputError
from comptoir.core.events import record_event
from comptoir.inventory.models import Location, MovementReason
from comptoir.inventory.services import remove_stock, restock_return
from comptoir.orders import locks
from comptoir.orders.errors import InvalidOrderLinesError, ReturnNotAllowedError, ReturnNotFoundError
from comptoir.orders.models import (
    Order,
    OrderEventKind,
    OrderLine,
    ReturnLine,
    ReturnRequest,
    ReturnStatus,
    Shipment,
)
from comptoir.orders.models.returns import RETURNED_TO_SENDER, ReturnReason
from comptoir.orders.services._timeline import log
from comptoir.orders.states import RETURNABLE

MAX_COMMENT = 2000
MAX_NOTE = 2000
# Returns whose units are still on their way or awaited: they hold the units against a new request.
OPEN_STATUSES = (ReturnStatus.REQUESTED, ReturnStatus.APPROVED)


class ReturnStateError(ConflictError):
    """The return is not in a status that allows this step (e.g. receiving a return not yet approved)."""

    code = "return-state"
    title = "The return cannot do that in its current status"


# --- Reads shared by the services and the return pages ------------------------------------------------


def return_window_start(shipments: Iterable[Shipment]) -> datetime | None:
    """When the return window opens: the last shipment's delivery, else the moment it was shipped.

    `shipments` in their usual order (created, then id); pass a prefetched list to spare a query.
    """
    shipments = list(shipments)
    if not shipments:
        return None
    last = shipments[-1]
    return last.delivered_at or last.shipped_at or last.created_at


def return_window_end(order: Order, shipments: Iterable[Shipment] | None = None) -> date | None:
    """The last day (in the shop's time zone) on which the buyer may ask for a return; None before shipping.

    The window is `channel.return_window_days` whole days after the day of delivery: delivered on
    1 March with a 30-day window, a return may be asked for until the end of 31 March.
    """
    start = return_window_start(order.shipments.all() if shipments is None else shipments)
    if start is None:
        return None
    return timezone.localdate(start) + timedelta(days=order.channel.return_window_days)


def returnable_quantities(lines: Iterable[OrderLine], returns: Iterable[ReturnRequest]) -> dict[int, int]:
    """Units of each order line the buyer may still ask to return (order line id -> units, 0 or more).

    `returns` are the order's returns with their `lines` prefetched (no query here).
    """
    held: dict[int, int] = {}
    for ret in returns:
        if ret.status in OPEN_STATUSES:
            for rl in ret.lines.all():
                held[rl.order_line_id] = held.get(rl.order_line_id, 0) + rl.quantity
    return {line.pk: max(line.quantity_fulfilled - line.quantity_returned - held.get(line.pk, 0), 0) for line in lines}


def list_order_returns(*, order_id: int) -> list[ReturnRequest]:
    """The order's returns, newest first, each with its lines and their order lines. Two queries."""
    return list(
        ReturnRequest.objects.filter(order_id=order_id).prefetch_related(
            _lines_with_order_lines(),
        )
    )


def get_order_return(*, order_id: int, number: str) -> ReturnRequest:
    """One return of the order, with its lines; ReturnNotFoundError for another order's return. Two queries."""
    ret = (
        ReturnRequest.objects.filter(order_id=order_id, number=number[:30])
        .prefetch_related(_lines_with_order_lines())
        .first()
    )
    if ret is None:
        raise ReturnNotFoundError(data={"return": number})
    return ret


def _lines_with_order_lines() -> Prefetch:
    return Prefetch("lines", queryset=ReturnLine.objects.select_related("order_line").order_by("pk"))


def check_returnable(order: Order, *, now: datetime | None = None, shipments: Iterable[Shipment] | None = None) -> date:
    """The window's last day, or ReturnNotAllowedError saying why the order cannot be returned now."""
    if order.status not in RETURNABLE:
        raise ReturnNotAllowedError(
            detail=_("Order %(number)s cannot be returned: it is %(status)s.")
            % {"number": order.number, "status": order.get_status_display()},
            data={"order": order.number, "status": order.status},
        )
    end = return_window_end(order, shipments)
    if end is None:
        raise ReturnNotAllowedError(
            detail=_("Nothing of order %(number)s has been shipped yet.") % {"number": order.number},
            data={"order": order.number},
        )
    today = timezone.localdate(now or timezone.now())
    if today > end:
        raise ReturnNotAllowedError(
            detail=_("The return window of order %(number)s closed on %(date)s.")
            % {"number": order.number, "date": formats.date_format(end, "DATE_FORMAT")},
            data={"order": order.number, "window_end": end.isoformat()},
        )
    return end


# --- Writes ---------------------------------------------------------------------------------------------


def request_return(
    *,
    order_id: int,
    lines: Mapping[int, tuple[int, str]],
    comment: str = "",
    now: datetime | None = None,
) -> ReturnRequest:
    """The buyer asks to return units of a shipped order (order line id -> (units, reason code)).

    Allowed while the order is shipped, delivered, completed or partly refunded, up to the end of the
    channel's return window (`return_window_end`). All or nothing: raises ReturnNotAllowedError (with the
    window's end date) or InvalidOrderLinesError naming the lines that are unknown, have an unknown reason,
    or ask for more units than may still be returned; then nothing is written. Numbers the return
    `R-<order number>-<n>`. Adds a public `return_requested` line to the timeline; emits
    `orders.return_requested` (order_id, return_id).
    """
    wanted = _clean_request_lines(lines)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInputError(
            detail=_("Your comment is too long: at most %(max)s characters.") % {"max": MAX_COMMENT},
            data={"field": "comment"},
        )
    with transaction.atomic():
        order = locks.order(order_id=order_id)
        check_returnable(order, now=now)
        order_lines = {line.pk: line for line in order.lines.all()}
        returns = list(ReturnRequest.objects.filter(order=order).prefetch_related("lines"))
        if unknown := sorted(pk for pk in wanted if pk not in order_lines):
            raise InvalidOrderLinesError(
                detail=_("Some items are not on order %(number)s.") % {"number": order.number},
                data={"lines": unknown},
            )
        left = returnable_quantities(order_lines.values(), returns)
        if too_many := sorted(pk for pk, (qty, _reason) in wanted.items() if qty > left[pk]):
            raise InvalidOrderLinesError(
                detail=_("You asked to return more than you can: %(lines)s.")
                % {
                    "lines": "; ".join(
                        _("%(item)s (at most %(count)s)") % {"item": order_lines[pk].label, "count": left[pk]}
                        for pk in too_many
                    )
                },
                data={"lines": too_many, "returnable": {str(pk): left[pk] for pk in too_many}},
            )
        ret = ReturnRequest.objects.create(order=order, number=f"R-{order.number}-{len(returns) + 1}", comment=comment)
        ReturnLine.objects.bulk_create(
            [
                ReturnLine(return_request=ret, order_line_id=pk, quantity=qty, reason=reason)
                for pk, (qty, reason) in sorted(wanted.items())
            ]
        )
        log(
            order,
            OrderEventKind.RETURN_REQUESTED,
            public=True,
            return_id=ret.pk,
            number=ret.number,
            lines={str(pk): qty for pk, (qty, _reason) in sorted(wanted.items())},
        )
        record_event("orders.return_requested", order_id=order.pk, return_id=ret.pk)
    return ret


def _clean_request_lines(lines: Mapping[int, tuple[int, str]]) -> dict[int, tuple[int, str]]:
    if not lines:
        raise InvalidOrderLinesError(detail=_("Choose at least one item to return."), data={"lines": []})
    reasons = set(ReturnReason.values)
    bad_quantity, bad_reason = [], []
    cleaned: dict[int, tuple[int, str]] = {}
    for pk, value in lines.items():
        try:
            qty, reason = value
        except (TypeError, ValueError):
            bad_quantity.append(pk)
            continue
        if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
            bad_quantity.append(pk)
        elif reason not in reasons:
            bad_reason.append(pk)
        else:
            cleaned[pk] = (qty, reason)
    if bad_quantity:
        raise InvalidOrderLinesError(
            detail=_("The number of units to return must be a whole number above zero."),
            data={"lines": sorted(bad_quantity, key=str)},
        )
    if bad_reason:
        raise InvalidOrderLinesError(
            detail=_("Choose a reason for each item you return."), data={"lines": sorted(bad_reason, key=str)}
        )
    return cleaned


def _lock_return(return_id: int) -> tuple[Order, ReturnRequest]:
    """The return's order, then the return itself, both locked (in that order: order first, always)."""
    order_id = ReturnRequest.objects.filter(pk=return_id).values_list("order_id", flat=True).first()
    if order_id is None:
        raise ReturnNotFoundError(data={"return": return_id})
    order = locks.order(order_id=order_id)
    ret = ReturnRequest.objects.select_for_update().get(pk=return_id)
    return order, ret


def _require_status(ret: ReturnRequest, allowed: Iterable[str], detail: str) -> None:
    """ReturnStateError with `detail` (formatted with the return's number and status) unless allowed."""
    if ret.status not in allowed:
        raise ReturnStateError(
            detail=detail % {"number": ret.number, "status": ret.get_status_display()},
            data={"return": ret.number, "status": ret.status},
        )


def _set_status(order: Order, ret: ReturnRequest, status: str, *, actor_id: int | None, message: str = "") -> None:
    old, ret.status = ret.status, status
    ret.save(update_fields=["status", "staff_note", "updated_at"])
    log(
        order,
        OrderEventKind.RETURN_UPDATED,
        message,
        public=True,
        actor_id=actor_id,
        return_id=ret.pk,
        number=ret.number,
        old=old,
        new=status,
    )
    record_event(f"orders.return_{status}", order_id=order.pk, return_id=ret.pk)


def approve_return(*, return_id: int, note: str = "", actor_id: int | None = None) -> ReturnRequest:
    """Staff accept a requested return: the buyer may send the goods. Raises ReturnStateError unless it is
    requested. Emits `orders.return_approved`."""
    with transaction.atomic():
        order, ret = _lock_return(return_id)
        _require_status(
            ret, [ReturnStatus.REQUESTED], "Return %(number)s is %(status)s: only a requested return is approved."
        )
        ret.staff_note = (note or "").strip()[:MAX_NOTE]
        _set_status(order, ret, ReturnStatus.APPROVED, actor_id=actor_id)
    return ret


def reject_return(*, return_id: int, note: str, actor_id: int | None = None) -> ReturnRequest:
    """Staff refuse a requested or approved (not yet received) return, saying why: the note is shown to the
    buyer on the order's timeline. Raises InvalidInputError without a note, ReturnStateError otherwise (and for
    a cash-on-delivery parcel returned to sender, which is received, never rejected).
    Emits `orders.return_rejected`."""
    note = (note or "").strip()
    if not note:
        raise InvalidInputError(detail=_("Say why the return is rejected: the buyer will read it."))
    with transaction.atomic():
        order, ret = _lock_return(return_id)
        _require_status(
            ret, OPEN_STATUSES, "Return %(number)s is %(status)s: only a return not yet received can be rejected."
        )
        if ret.lines.filter(reason=RETURNED_TO_SENDER).exists():
            raise ReturnStateError(
                detail=_(
                    "Return %(number)s is a parcel returned to sender: receive it when it arrives, with its units "
                    "written off if it is damaged or lost."
                )
                % {"number": ret.number},
                data={"return": ret.number, "status": ret.status},
            )
        ret.staff_note = note[:MAX_NOTE]
        _set_status(order, ret, ReturnStatus.REJECTED, actor_id=actor_id, message=ret.staff_note)
    return ret


def cancel_return(*, return_id: int, actor_id: int | None = None) -> ReturnRequest:
    """The buyer withdraws a return not yet approved; its units may be asked for again.
    Raises ReturnStateError once staff have acted on it. Emits `orders.return_cancelled`."""
    with transaction.atomic():
        order, ret = _lock_return(return_id)
        _require_status(
            ret,
            [ReturnStatus.REQUESTED],
            _("Return %(number)s is %(status)s: it can no longer be cancelled. Contact us if you need help."),
        )
        _set_status(order, ret, ReturnStatus.CANCELLED, actor_id=actor_id)
    return ret


def receive_return(
    *,
    return_id: int,
    decisions: Mapping[int, tuple[int, int]],
    location_id: int,
    actor_id: int | None = None,
) -> ReturnRequest:
    """The parcel arrived at `location_id`: per return line id, (units put back on sale, units written off).

    Lines left out received nothing. Restocked units go back on hand through inventory's `restock_return`;
    written-off units are booked in and written off at once (`restock_return`, then `remove_stock` with the
    write-off reason), so the ledger shows they came back and why they are not on sale. Products that keep
    no stock (digital, services) only count as returned. Adds the units to `OrderLine.quantity_returned`.

    All or nothing: raises ReturnStateError unless the return is approved; InvalidOrderLinesError for
    lines not on this return, negative counts, more units than the line holds, or nothing received at all;
    InvalidInputError for an unknown location. Emits `orders.return_received`.
    """
    cleaned: dict[int, tuple[int, int]] = {}
    for pk, value in decisions.items():
        try:
            restocked, written_off = value
        except (TypeError, ValueError):
            raise InvalidOrderLinesError(detail="Give (units restocked, units written off) per line.") from None
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in (restocked, written_off)):
            raise InvalidOrderLinesError(
                detail="Units restocked and written off are whole numbers, zero or more.", data={"lines": [pk]}
            )
        cleaned[pk] = (restocked, written_off)
    if not any(sum(pair) for pair in cleaned.values()):
        raise InvalidOrderLinesError(detail="Nothing was received: reject the return instead.")
    if not Location.objects.filter(pk=location_id).exists():
        raise InvalidInputError(detail="No such stock location.", data={"location": location_id})
    with transaction.atomic():
        order, ret = _lock_return(return_id)
        _require_status(
            ret, [ReturnStatus.APPROVED], "Return %(number)s is %(status)s: approve it before receiving it."
        )
        return_lines = {rl.pk: rl for rl in ret.lines.select_related("order_line")}
        bad = sorted(
            pk for pk, (r, w) in cleaned.items() if pk not in return_lines or r + w > return_lines[pk].quantity
        )
        if bad:
            raise InvalidOrderLinesError(
                detail=f"Some lines are not on return {ret.number}, or more units were counted than it holds.",
                data={"lines": bad},
            )
        actor = f"user:{actor_id}" if actor_id else ""
        for pk, (restocked, written_off) in sorted(cleaned.items()):
            rl = return_lines[pk]
            line = rl.order_line
            received = restocked + written_off
            if not received:
                continue
            if line.variant_id and rules_for(line.product_kind or "physical").tracks_stock:
                restock_return(
                    location_id=location_id,
                    variant_id=line.variant_id,
                    quantity=received,
                    reference=ret.number,
                    actor=actor,
                )
                if written_off:
                    remove_stock(
                        location_id=location_id,
                        variant_id=line.variant_id,
                        quantity=written_off,
                        reason=MovementReason.WRITE_OFF,
                        actor=actor,
                        note=f"Returned unsellable ({rl.get_reason_display()})",
                        reference=ret.number,
                    )
            rl.quantity_restocked, rl.quantity_written_off = restocked, written_off
            rl.save(update_fields=["quantity_restocked", "quantity_written_off"])
            # The CHECK quantity_returned <= quantity stands behind the window of units checked at request.
            OrderLine.objects.filter(pk=line.pk).update(quantity_returned=F("quantity_returned") + received)
        _set_status(order, ret, ReturnStatus.RECEIVED, actor_id=actor_id)
    return ret
