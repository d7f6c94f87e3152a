"""Order reads. A buyer reaches an order only through their account or the order's tracking token: someone
else's order is "not found", never "forbidden", so its existence is not revealed."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from comptoir.orders.errors import OrderNotFoundError
from comptoir.orders.models import Order, OrderEvent, Shipment


def _detail() -> QuerySet[Order]:
    return Order.objects.select_related("channel", "pickup_store").prefetch_related(
        "lines",
        Prefetch("shipments", queryset=Shipment.objects.prefetch_related("lines")),
        Prefetch("events", queryset=OrderEvent.objects.filter(public=True), to_attr="public_events"),
    )


def _customer_order(orders: QuerySet[Order], *, user_id: int | None, number: str) -> Order:
    """The order numbered `number` if the signed-in customer `user_id` placed it (the rule for every read
    by number)."""
    if not user_id:
        raise OrderNotFoundError(data={"order": number})
    order = orders.filter(number=number, user_id=user_id).first()
    if order is None:
        raise OrderNotFoundError(data={"order": number})
    return order


def _token_order(orders: QuerySet[Order], *, token: str) -> Order:
    """The order whose tracking token is `token` (the rule for every read by token)."""
    if not token or len(token) > 64:
        raise OrderNotFoundError()
    order = orders.filter(token=token).first()
    if order is None:
        raise OrderNotFoundError()
    return order


def get_order_for_customer(*, user_id: int | None, number: str) -> Order:
    """One of the signed-in customer's orders, with lines, shipments and public timeline. Four queries."""
    return _customer_order(_detail(), user_id=user_id, number=number)


def get_order_by_token(*, token: str) -> Order:
    """The order a guest's tracking link opens. Four queries."""
    return _token_order(_detail(), token=token)


def _to_pay() -> QuerySet[Order]:
    return Order.objects.select_related("channel", "pickup_store").prefetch_related("lines")


def get_order_to_pay(*, token: str) -> Order:
    """The order a guest's payment and confirmation pages show (by its tracking token): with its channel,
    pickup store and lines, without the shipments and timeline they do not show. Two queries."""
    return _token_order(_to_pay(), token=token)


def get_order_to_pay_for_customer(*, user_id: int | None, number: str) -> Order:
    """`get_order_to_pay` for one of the signed-in customer's orders, by number. Two queries."""
    return _customer_order(_to_pay(), user_id=user_id, number=number)


def get_order_row_by_token(*, token: str) -> Order:
    """The order row alone (no lines, parcels or timeline), by tracking token. One query."""
    return _token_order(Order.objects.all(), token=token)


def get_order_row_for_customer(*, user_id: int | None, number: str) -> Order:
    """The order row alone, if the signed-in customer placed it. One query."""
    return _customer_order(Order.objects.all(), user_id=user_id, number=number)


def get_order(*, order_id: int) -> Order:
    order = _detail().filter(pk=order_id).first()
    if order is None:
        raise OrderNotFoundError(data={"order": order_id})
    return order


def list_customer_orders(*, user_id: int) -> QuerySet[Order]:
    """The customer's orders, newest first (a QuerySet: the caller paginates)."""
    return Order.objects.filter(user_id=user_id).order_by("-created_at", "-pk")
