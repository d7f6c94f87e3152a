"""E-mails to the buyer on order events.

Each handler runs in the event dispatcher's transaction and only schedules the `send_order_email` task for
after that transaction commits; the task renders the mail in the order's language, sends it and notes it
on the order's timeline, at most once per order, kind and parcel (comptoir.orders.tasks).
"""

from __future__ import annotations

from functools import partial

from django.db import transaction

from comptoir.core.events import handles
from comptoir.orders.tasks import send_order_email


def schedule_order_email(
    *, order_id: int, kind: str, shipment_id: int | None = None, return_id: int | None = None
) -> None:
    """Send the `kind` e-mail of an order once the current transaction commits (now, outside one)."""
    extra = {"return_id": return_id} if return_id else {}
    transaction.on_commit(
        partial(send_order_email.enqueue, order_id=order_id, kind=kind, shipment_id=shipment_id, **extra)
    )


@handles("orders.order_paid")
def email_order_confirmation(event) -> None:
    """Paid, by card, transfer or gift card: the order is confirmed, with its tracking link."""
    schedule_order_email(order_id=event.payload["order_id"], kind="confirmation")


@handles("orders.shipment_created")
def email_shipment_sent(event) -> None:
    schedule_order_email(order_id=event.payload["order_id"], kind="shipped", shipment_id=event.payload["shipment_id"])


@handles("orders.order_delivered")
def email_order_delivered(event) -> None:
    schedule_order_email(order_id=event.payload["order_id"], kind="delivered")


@handles("orders.ready_for_pickup")
def email_ready_for_pickup(event) -> None:
    schedule_order_email(order_id=event.payload["order_id"], kind="ready_for_pickup")


@handles("orders.order_cancelled")
def email_order_cancelled(event) -> None:
    schedule_order_email(order_id=event.payload["order_id"], kind="cancelled")


@handles("orders.return_approved")
def email_return_approved(event) -> None:
    """The return is accepted: where and how to send the goods back."""
    schedule_order_email(
        order_id=event.payload["order_id"], kind="return_approved", return_id=event.payload["return_id"]
    )


@handles("orders.return_rejected")
def email_return_rejected(event) -> None:
    schedule_order_email(
        order_id=event.payload["order_id"], kind="return_rejected", return_id=event.payload["return_id"]
    )


@handles("orders.return_refunded")
def email_return_refunded(event) -> None:
    schedule_order_email(
        order_id=event.payload["order_id"], kind="return_refunded", return_id=event.payload["return_id"]
    )
