"""Payment settled, cancellation, expiry of unpaid orders, completion, notes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from comptoir.core.events import record_event
from comptoir.core.money import Money
from comptoir.fulfillment.services import request_partner_fulfilment
from comptoir.inventory.models import Allocation, LocationKind
from comptoir.inventory.services import deallocate_order
from comptoir.orders import locks
from comptoir.orders.errors import OrderStateError
from comptoir.orders.models import Order, OrderEventKind, OrderStatus
from comptoir.orders.services._timeline import log, move
from comptoir.orders.states import PAID_STATES
from comptoir.payments import queries as payment_queries
from comptoir.payments.instalments.queries import outstanding_on_plan
from comptoir.payments.instalments.services import cancel_instalment_plan
from comptoir.payments.offline_services import cancel_offline_payments
from comptoir.payments.services import refund_payment


def settle_order_payments(*, order_id: int) -> Order:
    """Mark the order paid once its payments (and gift cards) cover the total; otherwise leave it as it is.

    An order paid in instalments is settled once its first instalment is captured and an active plan
    covers the rest (captured + still scheduled >= amount due): the merchant ships it, and the plan's
    outstanding balance is collected by the instalment job (comptoir/payments/instalments/).

    Idempotent: called after a synchronous payment and again by the `payments.payment_captured` handler.
    On the move to paid, partner locations (dropship suppliers, 3PLs) are asked to ship their part.
    """
    with transaction.atomic():
        order = locks.order(order_id=order_id)
        if order.status != OrderStatus.AWAITING_PAYMENT:
            return order
        # Captured, or authorised and captured when the order ships (the shop's capture-at-fulfilment setting),
        # plus what an active instalment plan has still to collect (the first instalment was captured).
        captured = payment_queries.secured_total(order_ref=order.ref, currency=order.currency)
        on_plan = outstanding_on_plan(order_ref=order.ref) if captured < order.amount_due else None
        if captured + (on_plan or Money.zero(order.currency)) < order.amount_due:
            return order
        move(order, OrderStatus.PAID)
        extra = {"instalments_outstanding": str(on_plan.amount)} if on_plan else {}
        log(order, OrderEventKind.PAID, public=True, amount=str(captured.amount), **extra)
        cancel_offline_payments(order_ref=order.ref)  # paid another way: no transfer is awaited any more
        _catch_up_handed_over(order)
        _request_partner_shipments(order)
    return order


def _catch_up_handed_over(order: Order) -> None:
    """An order paid on handover (cash on delivery, in store) may have shipped, even been delivered, while it
    awaited payment: once paid, its status follows what its parcels did."""
    from comptoir.orders.models import ShipmentStatus

    lines = list(order.lines.all())
    if not any(line.quantity_fulfilled for line in lines):
        return
    if all(line.quantity_fulfilled == line.quantity for line in lines):
        move(order, OrderStatus.FULFILLED)
        if not order.shipments.exclude(status=ShipmentStatus.DELIVERED).exists():
            move(order, OrderStatus.DELIVERED)
    else:
        move(order, OrderStatus.PARTIALLY_FULFILLED)


def _request_partner_shipments(order: Order) -> None:
    allocations = (
        Allocation.objects.filter(order_ref=order.ref, stock_level__location__kind__in=_PARTNER_KINDS)
        .values_list("stock_level__location_id", "stock_level__variant_id", "quantity")
        .order_by("pk")
    )
    by_location: dict[int, dict[int, int]] = {}
    for location_id, variant_id, quantity in allocations:
        lines = by_location.setdefault(location_id, {})
        lines[variant_id] = lines.get(variant_id, 0) + quantity
    for location_id, quantities in sorted(by_location.items()):
        request_partner_fulfilment(
            order_ref=order.ref, location_id=location_id, quantities=quantities, ship_to=order.shipping_address
        )


_PARTNER_KINDS = [LocationKind.SUPPLIER, LocationKind.THIRD_PARTY]


def cancel_order(*, order_id: int, actor_id: int | None = None, reason: str = "") -> Order:
    """Cancel an order nothing of which has shipped: its stock goes back on sale, the voucher use is
    given back, gift cards are credited and what was paid is refunded in full. All or nothing.
    Raises OrderStateError for an order already shipped, cancelled or refunded."""
    with transaction.atomic():
        order = locks.order(order_id=order_id)
        if order.status not in (OrderStatus.AWAITING_PAYMENT, OrderStatus.PAID) or any(
            line.quantity_fulfilled for line in order.lines.all()
        ):
            raise OrderStateError(
                detail=f"Order {order.number} is {order.get_status_display()}: only unshipped orders can be "
                "cancelled. Use a return instead.",
                data={"status": order.status},
            )
        was_paid = order.status in PAID_STATES
        release_order_commitments(order)
        cancel_offline_payments(order_ref=order.ref)
        if was_paid:
            for payment in payment_queries.refundable_payments(order_ref=order.ref):
                refund_payment(
                    reference=payment.reference, amount=payment.refundable, key=f"cancel:{payment.reference}"
                )
            credit_cancelled_invoice(order)
        move(order, OrderStatus.CANCELLED, actor_id=actor_id)
        log(order, OrderEventKind.CANCELLED, reason, public=True, actor_id=actor_id)
    return order


def release_order_commitments(order: Order) -> None:
    """What a cancelled order gives back, under its lock (taken by the caller): the stock still promised to it,
    its voucher use, what gift cards paid, and the instalments not charged yet. In the global lock order of
    comptoir/core/locks.py: stock, then vouchers and gift cards, then the instalment plan (payments' level);
    the caller deals with the order's payments after this."""
    from comptoir.pricing.giftcards import credit_gift_card
    from comptoir.pricing.models import GiftCardTransaction
    from comptoir.pricing.vouchers import release_voucher

    deallocate_order(order_ref=order.ref)
    release_voucher(order_ref=order.ref)
    # What each card still has to get back: its debits for this order less what was credited already.
    owed: dict[str, Decimal] = {}
    for code, amount in (
        GiftCardTransaction.objects.filter(order_ref=order.ref, kind__in=["debit", "credit"])
        .order_by("pk")
        .values_list("gift_card__code", "amount")
    ):
        owed[code] = owed.get(code, Decimal(0)) - amount  # debits are negative, credits positive
    for code, amount in owed.items():
        if amount > 0:
            credit_gift_card(
                code=code, amount=Money(amount, order.currency), order_ref=order.ref, reason="cancellation"
            )
    # Instalments not charged yet never will be (one in flight is refunded when it lands). The plan row
    # is locked at the payments' level of the global lock order, after stock and gift cards.
    cancel_instalment_plan(order_ref=order.ref, reason="order cancelled")


def credit_cancelled_invoice(order: Order) -> None:
    """An invoice already issued is never deleted: a credit note for its whole amount cancels it."""
    from comptoir.orders.invoices import CreditLine, issue_credit_note
    from comptoir.orders.models import Invoice, InvoiceKind

    invoice = Invoice.objects.filter(order=order, kind=InvoiceKind.INVOICE).first()
    if invoice is None:
        return
    credited = sum(
        Invoice.objects.filter(order=order, kind=InvoiceKind.CREDIT_NOTE).values_list("total", flat=True), Decimal(0)
    )
    left = invoice.total - credited
    if left > 0:
        zero = Money.zero(order.currency)
        issue_credit_note(
            order_id=order.pk,
            source=f"cancel:{order.ref}",
            lines=[
                CreditLine(
                    order_line_id=None,
                    label="Order cancelled",
                    quantity=0,
                    amount=Money(left, order.currency),
                    tax_rate=Decimal(0),
                    tax=zero,
                )
            ],
            shipping=zero,
            reason="Order cancelled",
        )


def expire_unpaid_orders(*, now=None, batch: int = 100) -> int:
    """Cancel card orders left unpaid past `UNPAID_ORDER_MINUTES`, so their stock goes back on sale; and bank
    transfer orders left unpaid past their channel's deadline in days (comptoir/orders/services/offline.py).
    Cash on delivery and in-store orders never expire: their goods leave before the money comes."""
    from comptoir.orders.services.offline import expire_unpaid_bank_transfers

    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.COMPTOIR["UNPAID_ORDER_MINUTES"])
    stale = list(
        Order.objects.filter(status=OrderStatus.AWAITING_PAYMENT, created_at__lt=cutoff)
        .exclude(payment_method__in=_OFFLINE_METHODS)
        # A payment the provider has not decided yet (pending) may still capture: reconciliation settles it first.
        .exclude(number__in=payment_queries.pending_order_refs_query())
        .values_list("pk", flat=True)[:batch]
    )
    cancelled = 0
    for order_id in stale:
        try:
            cancel_order(order_id=order_id, reason="Not paid in time.")
            cancelled += 1
        except OrderStateError:  # paid or cancelled meanwhile
            continue
    return cancelled + expire_unpaid_bank_transfers(now=now, batch=batch)


# Methods whose payment takes days (bank transfer) or happens later (on delivery, in store): their
# orders wait; bank transfers have their own deadline (expire_unpaid_bank_transfers).
_OFFLINE_METHODS = ["offline:bank_transfer", "offline:cash_on_delivery", "offline:in_store"]


def complete_order(*, order_id: int, actor_id: int | None = None) -> Order:
    with transaction.atomic():
        order = locks.order(order_id=order_id)
        move(order, OrderStatus.COMPLETED, actor_id=actor_id)
    return order


def add_order_note(*, order_id: int, text: str, actor_id: int | None = None, public: bool = False) -> Order:
    """A note on the order's timeline: internal by default, or shown to the buyer."""
    text = (text or "").strip()
    if not text:
        from comptoir.core.errors import InvalidInputError

        raise InvalidInputError(detail="A note cannot be empty.")
    with transaction.atomic():
        order = locks.order(order_id=order_id)
        log(order, OrderEventKind.NOTE, text[:5000], public=public, actor_id=actor_id)
        record_event("orders.note_added", order_id=order.pk, public=public)
    return order
