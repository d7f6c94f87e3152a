"""Shipping an order's goods, parcels delivered, click & collect orders ready."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from django.db import transaction
from django.utils import timezone

from comptoir.catalog.kinds import rules_for
from comptoir.core.events import record_event
from comptoir.inventory.services import ship_order
from comptoir.orders import locks
from comptoir.orders.errors import InvalidOrderLinesError, OrderStateError
from comptoir.orders.models import (
    Order,
    OrderEventKind,
    OrderLine,
    OrderStatus,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)
from comptoir.orders.services._timeline import log, move
from comptoir.orders.states import may_ship


def tracking_url(template: str, tracking_number: str) -> str:
    if not template or not tracking_number:
        return ""
    return template.replace("{tracking_number}", quote(tracking_number, safe=""))


def fulfil_order(
    *,
    order_id: int,
    quantities: Mapping[int, int] | None = None,
    location_id: int | None = None,
    carrier: str = "",
    tracking_number: str = "",
    actor_id: int | None = None,
    stock_already_shipped: bool = False,
    expected_shipments: int | None = None,
) -> Shipment:
    """Ship lines of a paid order (order line id -> units; None ships everything not yet shipped).

    Takes the units off the shelf through inventory (allocated → shipped), records a shipment with its
    tracking link, and moves the order to partially shipped or shipped. All or nothing: raises
    InvalidOrderLinesError for unknown lines or more units than remain, OrderStateError for an order
    not paid, and inventory's NotOnShelfError for backordered units not yet received. With
    `expected_shipments` (the parcels the person saw), a submit made stale by another parcel recorded
    meanwhile (a double click, two tabs) raises OrderStateError instead of shipping twice.
    Emits `orders.shipment_created`.
    """
    with transaction.atomic():
        order = locks.order(order_id=order_id)
        if not may_ship(order):
            raise OrderStateError(
                detail=f"Order {order.number} is {order.get_status_display()}: only paid orders are shipped.",
                data={"status": order.status},
            )
        if expected_shipments is not None and order.shipments.count() != expected_shipments:
            raise OrderStateError(
                detail=f"Order {order.number} got another parcel since this form was opened: check what is left "
                "to ship and try again.",
                data={"shipments": order.shipments.count()},
            )
        lines = {line.pk: line for line in order.lines.all()}
        wanted = (
            {pk: line.quantity - line.quantity_fulfilled for pk, line in lines.items()}
            if quantities is None
            else dict(quantities)
        )
        wanted = {pk: q for pk, q in wanted.items() if q}
        bad = [
            pk
            for pk, q in wanted.items()
            if pk not in lines
            or not isinstance(q, int)
            or q < 0
            or q > lines[pk].quantity - lines[pk].quantity_fulfilled
        ]
        if bad or not wanted:
            raise InvalidOrderLinesError(
                detail="Nothing to ship, or more units than remain to ship on some lines.", data={"lines": bad}
            )
        by_variant: dict[int, int] = {}
        for pk, q in wanted.items():
            line = lines[pk]
            if line.variant_id and rules_for(line.product_kind or "physical").tracks_stock:
                by_variant[line.variant_id] = by_variant.get(line.variant_id, 0) + q
        if by_variant and not stock_already_shipped:
            ship_order(order_ref=order.ref, quantities=by_variant, location_id=location_id, actor=f"user:{actor_id}")
        now = timezone.now()
        shipment = Shipment.objects.create(
            order=order,
            location_id=location_id,
            status=ShipmentStatus.SHIPPED,
            carrier=carrier or order.carrier,
            tracking_number=tracking_number,
            tracking_url=tracking_url(order.tracking_url_template, tracking_number),
            shipped_at=now,
        )
        ShipmentLine.objects.bulk_create(
            [ShipmentLine(shipment=shipment, order_line_id=pk, quantity=q) for pk, q in sorted(wanted.items())]
        )
        for pk, q in wanted.items():
            lines[pk].quantity_fulfilled += q
        OrderLine.objects.bulk_update([lines[pk] for pk in wanted], ["quantity_fulfilled"])
        everything_shipped = all(line.quantity_fulfilled == line.quantity for line in lines.values())
        # Paid on handover and not paid yet: the status waits for the money (settle_order_payments catches up).
        if order.status not in (OrderStatus.PARTIALLY_REFUNDED, OrderStatus.AWAITING_PAYMENT):
            move(
                order,
                OrderStatus.FULFILLED if everything_shipped else OrderStatus.PARTIALLY_FULFILLED,
                actor_id=actor_id,
            )
        log(
            order,
            OrderEventKind.SHIPPED,
            public=True,
            actor_id=actor_id,
            shipment_id=shipment.pk,
            carrier=shipment.carrier,
            tracking_number=tracking_number,
        )
        record_event("orders.shipment_created", order_id=order.pk, shipment_id=shipment.pk)
    return shipment


def mark_shipment_delivered(*, shipment_id: int, actor_id: int | None = None) -> Shipment:
    """The carrier delivered a parcel; when every parcel of a fully shipped order is delivered, so is the order.
    For cash on delivery, the last parcel delivered records the money the carrier collected (the order is then
    paid and moves on to delivered). A parcel returned to sender is refused (OrderStateError)."""
    shipment = Shipment.objects.filter(pk=shipment_id).only("order_id").first()
    if shipment is None:
        raise InvalidOrderLinesError(detail="No such shipment.", data={"shipment": shipment_id})
    with transaction.atomic():
        order = locks.order(order_id=shipment.order_id)
        shipment = Shipment.objects.select_for_update().get(pk=shipment_id)
        if shipment.status == ShipmentStatus.DELIVERED:
            return shipment
        if shipment.status == ShipmentStatus.RETURNED:
            # Refused or not collected, and brought back (cash on delivery): the order is cancelled.
            raise OrderStateError(
                detail=f"This parcel of order {order.number} was returned to sender: it cannot be delivered.",
                data={"status": order.status, "shipment": shipment.pk},
            )
        shipment.status, shipment.delivered_at = ShipmentStatus.DELIVERED, timezone.now()
        shipment.save(update_fields=["status", "delivered_at"])
        log(order, OrderEventKind.DELIVERED, public=True, actor_id=actor_id, shipment_id=shipment.pk)
        all_delivered = not order.shipments.exclude(status=ShipmentStatus.DELIVERED).exists()
        if order.status == OrderStatus.FULFILLED and all_delivered:
            move(order, OrderStatus.DELIVERED, actor_id=actor_id)
        elif order.status == OrderStatus.AWAITING_PAYMENT and all_delivered:
            from comptoir.orders.services.offline import collect_cash_on_delivery

            collect_cash_on_delivery(order=order, actor_id=actor_id)
    return shipment


def mark_ready_for_pickup(*, order_id: int, actor_id: int | None = None) -> Order:
    """Click & collect: the store has prepared the order; the buyer is told to come and collect it."""
    with transaction.atomic():
        order: Order = locks.order(order_id=order_id)
        if not may_ship(order) or not order.pickup_store_id:
            raise OrderStateError(
                detail="Only paid click & collect orders can be made ready for pickup.", data={"status": order.status}
            )
        log(order, OrderEventKind.READY_FOR_PICKUP, public=True, actor_id=actor_id, store_id=order.pickup_store_id)
        record_event("orders.ready_for_pickup", order_id=order.pk)
    return order
