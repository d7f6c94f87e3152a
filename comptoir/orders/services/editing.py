"""Staff edits an order before anything ships: quantities, added lines, the shipping price."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction

from comptoir.catalog.kinds import rules_for
from comptoir.catalog.models import Variant
from comptoir.core.events import record_event
from comptoir.core.money import Money
from comptoir.inventory.models import Allocation
from comptoir.inventory.queries import location_ids_for_channel
from comptoir.inventory.services import allocate_order, deallocate_order
from comptoir.orders import locks
from comptoir.orders.errors import InvalidOrderLinesError, OrderNotEditableError, OrderStateError
from comptoir.orders.models import Order, OrderEventKind, OrderLine
from comptoir.orders.services._timeline import log
from comptoir.orders.states import EDITABLE, PAID_STATES
from comptoir.orders.totals import order_totals, save_totals
from comptoir.payments import queries as payment_queries
from comptoir.payments.services import refund_payment
from comptoir.pricing.models import VariantPrice


def edit_order(
    *,
    order_id: int,
    quantities: Mapping[int, int] | None = None,
    add: Mapping[int, int] | None = None,
    shipping_price: Decimal | None = None,
    actor_id: int | None = None,
) -> Order:
    """Change line quantities (order line id -> units; 0 removes the line), add variants at today's price
    (variant id -> units) or change the shipping price, then recompute the totals and the stock allocation.

    Only before anything ships. Kept discounts: each line keeps its discount per unit. On a paid order the
    new total may not exceed what was paid (OrderStateError); a lower total refunds the difference.
    All or nothing; stock shortages raise InsufficientStockError.
    """
    quantities, add = dict(quantities or {}), dict(add or {})
    if any(not isinstance(q, int) or q < 0 for q in [*quantities.values(), *add.values()]):
        raise InvalidOrderLinesError(detail="Quantities must be whole numbers, zero or more.")
    if shipping_price is not None and shipping_price < 0:
        raise InvalidOrderLinesError(detail="The shipping price cannot be negative.")
    with transaction.atomic():
        order = locks.order(order_id=order_id)
        lines = {line.pk: line for line in order.lines.all()}
        if order.status not in EDITABLE or any(line.quantity_fulfilled for line in lines.values()):
            raise OrderNotEditableError(data={"status": order.status})
        if unknown := sorted(set(quantities) - set(lines)):
            raise InvalidOrderLinesError(detail="Some lines are not on this order.", data={"lines": unknown})
        before = {pk: line.quantity for pk, line in lines.items()}
        for pk, q in quantities.items():
            line = lines[pk]
            if q == 0:
                line.delete()
                del lines[pk]
                continue
            line.discount = (line.discount / line.quantity * q).quantize(Decimal("0.0001"))
            line.quantity = q
            line.save(update_fields=["quantity", "discount"])
        if add:
            lines.update({line.pk: line for line in _add_lines(order, add, lines)})
        if not lines:
            raise InvalidOrderLinesError(detail="An order needs at least one line; cancel it instead.")
        if shipping_price is not None:
            order.shipping_price = Money(shipping_price, order.currency).quantize().amount
        previous_locations = list(
            Allocation.objects.filter(order_ref=order.ref).values_list("stock_level__location_id", flat=True).distinct()
        )
        deallocate_order(order_ref=order.ref, reason="order_edited")
        stocked = _stocked_quantities(lines.values())
        if stocked:
            others = [pk for pk in location_ids_for_channel(order.channel_id) if pk not in previous_locations]
            allocate_order(
                order_ref=order.ref,
                quantities=stocked,
                line_refs={v: order.ref for v in stocked},
                ranking=[*previous_locations, *others],
            )
        old_total = order.money(order.total)
        save_totals(order, order_totals(order, list(lines.values())))
        paid = payment_queries.captured_total(order_ref=order.ref, currency=order.currency) - (
            payment_queries.refunded_total(order_ref=order.ref, currency=order.currency)
        )
        if order.status in PAID_STATES:
            if order.amount_due > paid:
                raise OrderStateError(
                    detail=f"The new total ({order.money(order.total)}) is more than the buyer paid ({paid}). "
                    "Take the extra payment separately or place a new order.",
                )
            if paid > order.amount_due:
                _refund(order, paid - order.amount_due)
        log(
            order,
            OrderEventKind.EDITED,
            actor_id=actor_id,
            before={str(k): v for k, v in before.items()},
            after={str(k): line.quantity for k, line in lines.items()},
            old_total=str(old_total.amount),
            new_total=str(order.total),
        )
        record_event("orders.order_edited", order_id=order.pk)
    return order


def _add_lines(order: Order, add: Mapping[int, int], lines: Mapping[int, OrderLine]) -> list[OrderLine]:
    existing = {line.variant_id: line for line in lines.values()}
    if clash := sorted(v for v in add if v in existing):
        raise InvalidOrderLinesError(
            detail="These variants are already on the order: change their quantity instead.",
            data={"variants": clash},
        )
    variants = {v.pk: v for v in Variant.objects.select_related("product").filter(pk__in=list(add))}
    prices = dict(
        VariantPrice.objects.filter(variant_id__in=list(add), channel_id=order.channel_id).values_list(
            "variant_id", "amount"
        )
    )
    if missing := sorted(v for v in add if v not in variants or v not in prices):
        raise InvalidOrderLinesError(
            detail="Some variants do not exist or have no price in this order's channel.", data={"variants": missing}
        )
    created = []
    for variant_id, q in sorted(add.items()):
        if q == 0:
            continue
        variant = variants[variant_id]
        unit = Money(prices[variant_id], order.currency).quantize().amount
        created.append(
            OrderLine.objects.create(
                order=order,
                variant=variant,
                product_name=variant.product.name,
                variant_name=variant.name,
                sku=variant.sku,
                product_kind=variant.product.kind,
                tax_class=variant.product.tax_class,
                quantity=q,
                unit_price=unit,
                total=unit * q,
            )
        )
    return created


def _stocked_quantities(lines) -> dict[int, int]:
    stocked: dict[int, int] = {}
    for line in lines:
        if line.variant_id and rules_for(line.product_kind or "physical").tracks_stock:
            stocked[line.variant_id] = stocked.get(line.variant_id, 0) + line.quantity
    return stocked


def _refund(order: Order, amount: Money) -> None:
    remaining = amount
    for payment in payment_queries.refundable_payments(order_ref=order.ref):
        part = min(payment.refundable, remaining)
        if part.amount > 0:
            refund_payment(
                reference=payment.reference,
                amount=part,
                key=f"edit:{order.ref}:{order.updated_at.timestamp()}:{payment.reference}",
            )
            remaining -= part
    if remaining.amount > 0:
        raise OrderStateError(detail="The difference could not be refunded to the buyer's payments.")
    _credit_difference(order, amount)


def _credit_difference(order: Order, amount: Money) -> None:
    """An invoice already issued keeps its total: the edit's difference is credited by a credit note.
    (Not yet invoiced: the invoice, issued later, shows the edited order.)"""
    from comptoir.orders.invoices import CreditLine, issue_credit_note
    from comptoir.orders.models import Invoice, InvoiceKind

    if not Invoice.objects.filter(order=order, kind=InvoiceKind.INVOICE).exists():
        return
    zero = Money.zero(order.currency)
    edits = order.events.filter(kind=OrderEventKind.EDITED).count()
    issue_credit_note(
        order_id=order.pk,
        source=f"edit:{order.ref}:{edits + 1}",
        lines=[
            CreditLine(
                order_line_id=None, label="Order edited", quantity=0, amount=amount, tax_rate=Decimal(0), tax=zero
            )
        ],
        shipping=zero,
        reason="Order edited after payment",
    )
