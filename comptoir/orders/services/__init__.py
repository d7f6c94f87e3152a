"""Order writes, one module per part of an order's life.

All or nothing; the order row is locked first (comptoir/orders/locks.py), then stock, vouchers, gift cards,
payments and invoice counters, in the global order of comptoir/core/locks.py. Each change adds a line to the
order's timeline and records a `orders.*` event for emails, invoices and webhooks.
"""

from comptoir.orders.services.editing import edit_order
from comptoir.orders.services.lifecycle import (
    add_order_note,
    cancel_order,
    complete_order,
    expire_unpaid_orders,
    settle_order_payments,
)
from comptoir.orders.services.payment import pay_order
from comptoir.orders.services.refunds import (
    RefundExceedsRefundableError,
    RefundNotAllowedError,
    RefundResult,
    refund_order,
    refund_return,
)
from comptoir.orders.services.returns import (
    ReturnStateError,
    approve_return,
    cancel_return,
    receive_return,
    reject_return,
    request_return,
)
from comptoir.orders.services.shipping import fulfil_order, mark_ready_for_pickup, mark_shipment_delivered

__all__ = [
    "RefundExceedsRefundableError",
    "RefundNotAllowedError",
    "RefundResult",
    "ReturnStateError",
    "add_order_note",
    "approve_return",
    "cancel_order",
    "cancel_return",
    "complete_order",
    "edit_order",
    "expire_unpaid_orders",
    "fulfil_order",
    "mark_ready_for_pickup",
    "mark_shipment_delivered",
    "pay_order",
    "receive_return",
    "refund_order",
    "refund_return",
    "reject_return",
    "request_return",
    "settle_order_payments",
]
