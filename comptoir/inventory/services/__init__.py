"""Stock writes: every change to on hand, allocated and reserved units, each with its ledger line.

Contract shared by every service here: all or nothing (a shortage raises and writes nothing); stock levels
are locked through `inventory.locks` in primary-key order before any write; each counter change is one
`StockMovement` row; the database CHECK constraints are the backstop, never the first line of defence.
"""

from comptoir.inventory.services.holds import (
    DEFAULT_HOLD,
    allocate_order,
    expire_reservations,
    release_reservation,
    reserve_stock,
)
from comptoir.inventory.services.orders import deallocate_order, ship_order
from comptoir.inventory.services.stock import (
    apply_stock_counts,
    count_stock,
    receive_goods,
    receive_stock,
    remove_stock,
    restock_return,
    set_backorder_limit,
    set_stock_policy,
)
from comptoir.inventory.services.transfers import cancel_transfer, receive_transfer, send_transfer

__all__ = [
    "DEFAULT_HOLD",
    "allocate_order",
    "apply_stock_counts",
    "cancel_transfer",
    "count_stock",
    "deallocate_order",
    "expire_reservations",
    "receive_goods",
    "receive_stock",
    "receive_transfer",
    "release_reservation",
    "remove_stock",
    "reserve_stock",
    "restock_return",
    "send_transfer",
    "set_backorder_limit",
    "set_stock_policy",
    "ship_order",
]
