"""Customers and their orders for the account, tracking and e-mail tests, built row by row through the ORM.

An order is written as `place_order` and `settle_order_payments` leave it: frozen lines, totals that add up
(prices include tax: line totals after discounts, tax per line and on shipping, the breakdown by rate), the
public timeline lines of a paid order. No stock or payment rows: the pages and mails read none.
"""

from __future__ import annotations

import itertools
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone

from comptoir.inventory.models import LocationKind
from comptoir.orders.models import (
    Order,
    OrderEvent,
    OrderEventKind,
    OrderLine,
    OrderStatus,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)
from tests.factories import LocationFactory

_numbers = itertools.count(1)
CENT = Decimal("0.01")
PASSWORD = "correct horse battery staple"

ADDRESS = {
    "full_name": "Ada Lovelace",
    "street_address_1": "12 rue de la Paix",
    "postal_code": "75002",
    "city": "Paris",
    "country_code": "FR",
}
MUG = ("Tin mug", "Blue", 2, "12.50")
BOWL = ("Bowl", "", 1, "8.00")


def make_customer(email: str = "", *, password: str = PASSWORD, first_name: str = "Ada", last_name: str = "Lovelace"):
    """A customer whose login is their e-mail address, as sign-up makes them."""
    email = email or f"customer{next(_numbers)}@example.com"
    return get_user_model().objects.create_user(
        username=email.lower(), email=email.lower(), password=password, first_name=first_name, last_name=last_name
    )


def _tax(amount: Decimal, rate: Decimal) -> Decimal:
    return (amount * rate / (1 + rate)).quantize(CENT)


def make_order(
    channel,
    *,
    user=None,
    email: str = "",
    language: str = "en",
    lines: Sequence[tuple[str, str, int, str]] = (MUG, BOWL),
    discount: str = "0",
    voucher: str = "",
    shipping: str = "4.90",
    tax_rate: str = "0.20",
    gift_card: str = "0",
    status: str = OrderStatus.PAID,
    pickup_store=None,
    placed_at: datetime | None = None,
    tracking_url_template: str = "https://track.example.com/parcel/{tracking_number}",
) -> Order:
    """A paid order in `channel` (prices include tax at `tax_rate`): `lines` are (product, variant, quantity,
    unit price); `discount` comes off the first line (named `voucher`); `gift_card` pays part of the total.
    With `pickup_store`, a click & collect order (no delivery address, no shipping price)."""
    n = next(_numbers)
    rate = Decimal(tax_rate)
    shipping_price = Decimal(0) if pickup_store else Decimal(shipping)
    order = Order.objects.create(
        number=str(90000 + n),
        token=secrets.token_urlsafe(32),
        checkout_token=uuid.uuid4(),
        channel=channel,
        user=user,
        email=email or (user.email if user else f"guest{n}@example.com"),
        language=language,
        currency=channel.currency,
        status=status,
        shipping_address={} if pickup_store else ADDRESS,
        billing_address=ADDRESS,
        delivery_kind="collect" if pickup_store else "shipping",
        delivery_name=f"Click & collect at {pickup_store.name}" if pickup_store else "Colissimo",
        carrier="" if pickup_store else "Colissimo",
        tracking_url_template="" if pickup_store else tracking_url_template,
        pickup_store=pickup_store,
        voucher_code=voucher,
        payment_method="card",
        prices_include_tax=True,
        subtotal=Decimal(0),
        total=Decimal(0),
        shipping_price=shipping_price,
        paid_at=timezone.now() if status != OrderStatus.AWAITING_PAYMENT else None,
    )
    rows = []
    for index, (product, variant, quantity, unit) in enumerate(lines):
        unit_price = Decimal(unit)
        off = Decimal(discount) if index == 0 else Decimal(0)
        total = unit_price * quantity - off
        rows.append(
            OrderLine(
                order=order,
                product_name=product,
                variant_name=variant,
                sku=f"SKU-{n}-{index}",
                product_kind="physical",
                quantity=quantity,
                unit_price=unit_price,
                discount=off,
                tax_rate=rate,
                tax_amount=_tax(total, rate),
                total=total,
            )
        )
    OrderLine.objects.bulk_create(rows)
    subtotal = sum((row.unit_price * row.quantity for row in rows), Decimal(0))
    discount_total = sum((row.discount for row in rows), Decimal(0))
    total = subtotal - discount_total + shipping_price
    taxed = total  # everything is taxed at one rate here, shipping included
    tax_total = sum((row.tax_amount for row in rows), Decimal(0)) + _tax(shipping_price, rate)
    order.subtotal, order.discount_total, order.total, order.tax_total = subtotal, discount_total, total, tax_total
    order.gift_card_total = min(Decimal(gift_card), total)
    order.tax_breakdown = [{"rate": str(rate), "base": str(taxed - tax_total), "amount": str(tax_total)}]
    order.discounts = (
        [{"source": "voucher", "name": voucher, "amount": str(discount_total), "free_shipping": False}]
        if discount_total
        else []
    )
    order.save()
    if placed_at is not None:
        Order.objects.filter(pk=order.pk).update(created_at=placed_at)
        order.created_at = placed_at
    OrderEvent.objects.create(order=order, kind=OrderEventKind.PLACED, public=True)
    if status != OrderStatus.AWAITING_PAYMENT:
        OrderEvent.objects.create(
            order=order,
            kind=OrderEventKind.STATUS_CHANGED,
            public=True,
            data={"old": "awaiting_payment", "new": "paid"},
        )
        OrderEvent.objects.create(order=order, kind=OrderEventKind.PAID, public=True, data={"amount": str(total)})
    return order


def ship(
    order: Order, *, carrier: str = "Colissimo", tracking_number: str = "6A12345678", units: int | None = None
) -> Shipment:
    """A parcel leaves with `units` of every line still to ship (None: all of them), as fulfil_order writes it
    (without the stock moves); the order becomes shipped, or partially shipped."""
    lines = [line for line in order.lines.all() if line.quantity_fulfilled < line.quantity]
    shipment = Shipment.objects.create(
        order=order,
        status=ShipmentStatus.SHIPPED,
        carrier=carrier,
        tracking_number=tracking_number,
        tracking_url=order.tracking_url_template.replace("{tracking_number}", tracking_number),
        shipped_at=timezone.now(),
    )
    for line in lines:
        quantity = (
            line.quantity - line.quantity_fulfilled
            if units is None
            else min(units, line.quantity - line.quantity_fulfilled)
        )
        ShipmentLine.objects.create(shipment=shipment, order_line=line, quantity=quantity)
        OrderLine.objects.filter(pk=line.pk).update(quantity_fulfilled=F("quantity_fulfilled") + quantity)
    everything = not OrderLine.objects.filter(order=order, quantity_fulfilled__lt=F("quantity")).exists()
    old, order.status = order.status, OrderStatus.FULFILLED if everything else OrderStatus.PARTIALLY_FULFILLED
    Order.objects.filter(pk=order.pk).update(status=order.status)
    OrderEvent.objects.create(
        order=order, kind=OrderEventKind.STATUS_CHANGED, public=True, data={"old": old, "new": order.status}
    )
    OrderEvent.objects.create(
        order=order,
        kind=OrderEventKind.SHIPPED,
        public=True,
        data={"shipment_id": shipment.pk, "carrier": carrier, "tracking_number": tracking_number},
    )
    return shipment


def pickup_store(**fields):
    """An active click & collect store, open Monday to Saturday 9 to 7, closed on Sunday."""
    hours = {day: ["09:00", "19:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat")} | {"sun": []}
    values = {
        "name": "Lyon Presqu'île",
        "kind": LocationKind.STORE,
        "pickup_enabled": True,
        "address": "3 rue de la République",
        "postcode": "69002",
        "city": "Lyon",
        "country": "FR",
        "opening_hours": hours,
        **fields,
    }
    return LocationFactory(**values)
