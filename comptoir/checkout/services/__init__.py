"""Checkout writes: the cart's lines, the checkout's details, the stock hold, and placing the order."""

from comptoir.checkout.services.business import set_business_buyer
from comptoir.checkout.services.cart import (
    add_to_cart,
    delete_stale_carts,
    merge_carts,
    open_cart,
    remove_cart_line,
    set_cart_line_quantity,
)
from comptoir.checkout.services.details import (
    acknowledge_prices,
    add_gift_card,
    apply_voucher,
    remove_gift_card,
    remove_voucher,
    set_addresses,
    set_delivery,
    set_email,
    set_payment_method,
)
from comptoir.checkout.services.hold import HoldResult, hold_stock
from comptoir.checkout.services.place import place_order

__all__ = [
    "HoldResult",
    "acknowledge_prices",
    "add_gift_card",
    "add_to_cart",
    "apply_voucher",
    "delete_stale_carts",
    "hold_stock",
    "merge_carts",
    "open_cart",
    "place_order",
    "remove_cart_line",
    "remove_gift_card",
    "remove_voucher",
    "set_addresses",
    "set_business_buyer",
    "set_cart_line_quantity",
    "set_delivery",
    "set_email",
    "set_payment_method",
]
