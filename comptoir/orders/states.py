"""The order state machine: which status may follow which. Services move orders only along these arrows."""

from __future__ import annotations

from comptoir.orders.models import OrderStatus as S
from comptoir.payments.providers.offline import PAID_ON_HANDOVER

TRANSITIONS: dict[str, frozenset[str]] = {
    S.AWAITING_PAYMENT: frozenset({S.PAID, S.CANCELLED}),
    S.PAID: frozenset({S.PARTIALLY_FULFILLED, S.FULFILLED, S.CANCELLED, S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.PARTIALLY_FULFILLED: frozenset({S.FULFILLED, S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.FULFILLED: frozenset({S.DELIVERED, S.COMPLETED, S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.DELIVERED: frozenset({S.COMPLETED, S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.COMPLETED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    # A partly refunded order may still ship its remaining lines and be delivered; its status then stays
    # "partially refunded" (the shipments tell the rest), until it is refunded in full.
    S.PARTIALLY_REFUNDED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.REFUNDED: frozenset(),
    S.CANCELLED: frozenset(),
}

# Orders whose lines and shipping staff may still edit: paid or not, nothing shipped yet.
EDITABLE = frozenset({S.AWAITING_PAYMENT, S.PAID})
# Orders whose goods may be shipped.
SHIPPABLE = frozenset({S.PAID, S.PARTIALLY_FULFILLED, S.PARTIALLY_REFUNDED})
# Orders a buyer may ask to return goods from (once something was shipped).
RETURNABLE = frozenset({S.PARTIALLY_FULFILLED, S.FULFILLED, S.DELIVERED, S.COMPLETED, S.PARTIALLY_REFUNDED})
# Orders that took money.
PAID_STATES = frozenset(
    {S.PAID, S.PARTIALLY_FULFILLED, S.FULFILLED, S.DELIVERED, S.COMPLETED, S.PARTIALLY_REFUNDED, S.REFUNDED}
)


def may_ship(order) -> bool:
    """Whether the order's goods may leave: paid, or paid on handover. An order paid in cash on delivery or
    in store is shipped (or collected) while it awaits payment; its status stays "awaiting payment" until the
    money is recorded, then catches up with what was shipped (settle_order_payments). PAID_STATES keeps
    meaning "took money", which refunds, cancellation and the order_payments invariant rely on."""
    return order.status in SHIPPABLE or (
        order.status == S.AWAITING_PAYMENT and order.payment_method in PAID_ON_HANDOVER
    )


def can_move(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())
