"""`{% payment_instructions order %}`: how the buyer pays an order awaiting an offline payment (bank details
and the reference of a transfer, the amount to hand the carrier or the store), on the pay, confirmation and
tracking pages and in the e-mails. Renders nothing, without a query, for an order not awaiting payment."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string

from comptoir.payments.offline_queries import payment_instructions as load_instructions

register = template.Library()


@register.simple_tag
def payment_instructions(order, as_text: bool = False) -> str:
    if getattr(order, "status", "") != "awaiting_payment":
        return ""
    instructions = load_instructions(order_ref=order.number)
    if instructions is None:
        return ""
    name = "payments/offline_instructions.txt" if as_text else "payments/offline_instructions.html"
    return render_to_string(name, {"instructions": instructions, "order": order})
