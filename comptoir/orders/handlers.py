"""Order reactions to other domains' events (recorded in their transactions, dispatched after commit)."""

from __future__ import annotations

from functools import partial

from django.db import transaction

from comptoir.core.events import handles
from comptoir.orders.models import Order, OrderStatus


@handles("payments.payment_captured")
@handles("payments.payment_authorized")
def settle_after_capture(event) -> None:
    payload = event.payload
    from comptoir.orders.services import settle_order_payments

    order = Order.objects.filter(number=payload["order_ref"]).only("pk", "status").first()
    if order is None:
        return
    if order.status == OrderStatus.CANCELLED and event.name == "payments.payment_captured":
        # Captured after the order was cancelled (a late webhook, a reconciliation): give the money back.
        from comptoir.payments.models import Payment
        from comptoir.payments.services import refund_payment

        payment = Payment.objects.filter(reference=payload["payment"]).first()
        if payment is not None and payment.refundable.amount > 0:
            refund_payment(reference=payment.reference, amount=payment.refundable, key=f"cancelled:{payment.reference}")
        return
    settle_order_payments(order_id=order.pk)


@handles("payments.provider_refund_recorded")
def follow_provider_refund(event) -> None:
    """Money given back at the provider (its dashboard, a chargeback): the order follows."""
    from comptoir.orders.services.provider_refunds import record_provider_refund

    payload = event.payload
    record_provider_refund(
        order_ref=payload["order_ref"],
        payment=payload["payment"],
        provider=payload["provider"],
        kind=payload["kind"],
        amount=payload["amount"],
        reported=payload.get("reported", payload["amount"]),
        currency=payload["currency"],
        provider_reference=payload["provider_reference"],
        event_id=payload.get("event_id", ""),
    )


@handles("payments.provider_refund_reversed")
def note_provider_refund_reversed(event) -> None:
    """A refund counted as given back failed at the provider, or a chargeback was reversed: staff are told."""
    from comptoir.orders.services.provider_refunds import note_provider_refund_reversed as note

    payload = event.payload
    note(
        **{key: payload[key] for key in ("order_ref", "payment", "provider", "kind", "amount", "currency")},
        provider_reference=payload["provider_reference"],
    )


@handles("fulfillment.partner_shipped")
def record_partner_shipment(event) -> None:
    """A supplier or 3PL shipped its part: inventory already moved the units; record the parcel."""
    from comptoir.fulfillment.models import FulfilmentRequest
    from comptoir.orders.services import fulfil_order

    payload = event.payload
    order = Order.objects.filter(number=payload["order_ref"]).first()
    request = FulfilmentRequest.objects.filter(pk=payload["request_id"]).prefetch_related("lines").first()
    if order is None or request is None:
        return
    wanted = {line.variant_id: line.quantity for line in request.lines.all()}
    quantities = {}
    for line in order.lines.all():
        take = min(wanted.get(line.variant_id, 0), line.quantity - line.quantity_fulfilled)
        if take:
            quantities[line.pk] = take
            wanted[line.variant_id] -= take
    if quantities:
        fulfil_order(
            order_id=order.pk,
            quantities=quantities,
            location_id=request.location_id,
            carrier=payload.get("carrier", ""),
            tracking_number=payload.get("tracking_number", ""),
            stock_already_shipped=True,
        )


@handles("orders.shipment_created")
def capture_when_shipped(event) -> None:
    """Payments held for capture at fulfilment are captured once the order ships (a provider call: after
    this handler's transaction commits, in a task)."""
    from comptoir.payments.tasks import capture_held_payments_task

    number = Order.objects.filter(pk=event.payload["order_id"]).values_list("number", flat=True).first()
    if number:
        transaction.on_commit(partial(capture_held_payments_task.enqueue, order_ref=number))


@handles("orders.order_cancelled")
def release_holds_when_cancelled(event) -> None:
    """A cancelled order's authorised, uncaptured payments are voided (the hold on the card is released)."""
    from comptoir.payments.tasks import void_held_payments_task

    transaction.on_commit(partial(void_held_payments_task.enqueue, order_ref=event.payload["number"]))
