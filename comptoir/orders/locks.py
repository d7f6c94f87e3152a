"""Every row lock the orders domain takes. Orders are locked one at a time, by primary key, after the
checkout and before stock (comptoir/core/locks.py); invoice counters last of all."""

from __future__ import annotations

from comptoir.orders.errors import OrderNotFoundError
from comptoir.orders.models import Order


def order(*, order_id: int) -> Order:
    locked = Order.objects.select_for_update().filter(pk=order_id).first()
    if locked is None:
        raise OrderNotFoundError(data={"order": order_id})
    return locked
