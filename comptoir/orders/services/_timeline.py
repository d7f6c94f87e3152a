"""Status moves and timeline lines, shared by the order services."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from comptoir.core.events import record_event
from comptoir.orders.errors import OrderStateError
from comptoir.orders.models import Order, OrderEvent, OrderEventKind, OrderStatus
from comptoir.orders.states import can_move


def log(
    order: Order, kind: str, message: str = "", *, public: bool = False, actor_id: int | None = None, **data: Any
) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order, kind=kind, message=message, public=public, actor_id=actor_id, data=data
    )


def move(order: Order, new: str, *, actor_id: int | None = None) -> None:
    """Move a locked order to `new` along the state machine, or raise OrderStateError (nothing written)."""
    if order.status == new:
        return
    if not can_move(order.status, new):
        raise OrderStateError(
            detail=f"Order {order.number} is {order.get_status_display()} and cannot become {OrderStatus(new).label}.",
            data={"status": order.status, "requested": new},
        )
    old, order.status = order.status, new
    fields = ["status", "updated_at"]
    if new == OrderStatus.PAID and order.paid_at is None:
        order.paid_at = timezone.now()
        fields.append("paid_at")
    if new == OrderStatus.CANCELLED:
        order.cancelled_at = timezone.now()
        fields.append("cancelled_at")
    order.save(update_fields=fields)
    log(order, OrderEventKind.STATUS_CHANGED, public=True, actor_id=actor_id, old=old, new=new)
    record_event(f"orders.order_{new}", order_id=order.pk, number=order.number)
