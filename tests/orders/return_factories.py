"""Paid, shipped orders for the returns and refunds tests, built row by row and paid for real.

The order and its lines are written through the ORM (as `place_order` would leave them); everything after
goes through the services: stock received and allocated (inventory), the gift card spent (pricing), the
card payment captured by the built-in test provider (payments), the order settled, shipped and delivered
(orders).
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model

from comptoir.core.money import Money
from comptoir.inventory.models import Location, StockLevel
from comptoir.inventory.services import allocate_order, receive_stock
from comptoir.orders.models import LegalEntity, Order, OrderLine, OrderStatus, Shipment
from comptoir.orders.services import fulfil_order, mark_shipment_delivered, settle_order_payments
from comptoir.payments.models import Payment
from comptoir.payments.services import confirm_payment, create_payment
from comptoir.pricing.giftcards import debit_gift_card, issue_gift_card
from tests.factories import LocationFactory, ProductFactory, VariantFactory

CARD = {"card_number": "4242424242424242"}
_numbers = itertools.count(1)


@dataclass
class PaidOrder:
    order: Order
    location: Location
    lines: list[OrderLine]
    variants: list
    payment: Payment | None
    gift_card_code: str = ""
    shipments: list[Shipment] = field(default_factory=list)

    def refresh(self) -> Order:
        self.order.refresh_from_db()
        for line in self.lines:
            line.refresh_from_db()
        return self.order

    def on_hand(self, index: int = 0) -> int:
        return StockLevel.objects.get(location=self.location, variant=self.variants[index]).on_hand


def make_user(email: str = ""):
    n = next(_numbers)
    return get_user_model().objects.create_user(
        username=f"buyer{n}", email=email or f"buyer{n}@example.com", password="a long passphrase"
    )


def legal_entity(channel) -> LegalEntity:
    """The company that issues invoices and credit notes for `channel`."""
    entity, _created = LegalEntity.objects.get_or_create(
        is_default=True, defaults={"name": "Comptoir SAS", "address": "1 rue de la Paix, 75002 Paris"}
    )
    entity.channels.add(channel)
    return entity


def paid_order(
    channel,
    *,
    lines: list[tuple[str, int]] = (("20.00", 2),),
    totals: list[str] | None = None,
    tax_rate: str = "0",
    shipping: str = "4.90",
    shipping_tax: str = "0",
    prices_include_tax: bool = True,
    gift_card: str | None = None,
    user=None,
    stock: int = 10,
    ship: bool = True,
    deliver: bool = True,
    delivered_at: datetime | None = None,
) -> PaidOrder:
    """An order of `lines` ((unit price, quantity) each) in `channel`, paid by card (and by a gift card for
    `gift_card` of it), shipped from one warehouse and delivered, unless told otherwise.

    `totals` overrides line totals (a discounted line); `tax_rate` is a fraction, its tax included in the
    line total when prices include tax and added to it otherwise.
    """
    currency = channel.currency
    legal_entity(channel)
    location = LocationFactory()
    variants = []
    for _ in lines:
        variant = VariantFactory(product=ProductFactory(channels=[channel]))
        receive_stock(location_id=location.pk, variant_id=variant.pk, quantity=stock, reference="test")
        variants.append(variant)
    n = next(_numbers)
    order = Order.objects.create(
        number=f"{100000 + n}",
        token=uuid.uuid4().hex + uuid.uuid4().hex,
        checkout_token=uuid.uuid4(),
        channel=channel,
        user=user,
        email=user.email if user else f"guest{n}@example.com",
        language="en",
        currency=currency,
        prices_include_tax=prices_include_tax,
        subtotal=Decimal(0),
        total=Decimal(0),
        shipping_price=Decimal(shipping),
    )
    rate = Decimal(tax_rate)
    order_lines = []
    for i, ((unit, qty), variant) in enumerate(zip(lines, variants, strict=True)):
        total = Decimal(totals[i]) if totals else Decimal(unit) * qty
        tax = (total * rate / (1 + rate) if prices_include_tax else total * rate).quantize(Decimal("0.01"))
        order_lines.append(
            OrderLine.objects.create(
                order=order,
                variant=variant,
                product_name=variant.product.name,
                variant_name="",
                sku=variant.sku,
                product_kind="physical",
                quantity=qty,
                unit_price=Decimal(unit),
                discount=Decimal(unit) * qty - total,
                tax_rate=rate,
                tax_amount=tax,
                total=total,
            )
        )
    subtotal = sum((line.unit_price * line.quantity for line in order_lines), Decimal(0))
    discount = sum((line.discount for line in order_lines), Decimal(0))
    tax_total = sum((line.tax_amount for line in order_lines), Decimal(0)) + Decimal(shipping_tax)
    total = subtotal - discount + Decimal(shipping) + (0 if prices_include_tax else tax_total)
    Order.objects.filter(pk=order.pk).update(
        subtotal=subtotal, discount_total=discount, tax_total=tax_total, total=total
    )
    order.refresh_from_db()
    allocate_order(
        order_ref=order.ref,
        quantities={v.pk: qty for v, (_unit, qty) in zip(variants, lines, strict=True)},
        location_ids=[location.pk],
    )
    code = ""
    if gift_card:
        card = issue_gift_card(currency=currency, amount=Money(Decimal("500"), currency))
        code = card.code
        taken = debit_gift_card(code=code, amount=Money(Decimal(gift_card), currency), order_ref=order.ref)
        Order.objects.filter(pk=order.pk).update(gift_card_total=taken.amount)
        order.refresh_from_db()
    payment = None
    if order.amount_due.amount > 0:
        payment = create_payment(order_ref=order.ref, method_code="test:card", amount=order.amount_due)
        payment = confirm_payment(reference=payment.reference, data=CARD)
    settle_order_payments(order_id=order.pk)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    result = PaidOrder(order, location, order_lines, variants, payment, code)
    if ship:
        shipment = fulfil_order(order_id=order.pk, location_id=location.pk)
        result.shipments.append(shipment)
        if deliver:
            mark_shipment_delivered(shipment_id=shipment.pk)
            if delivered_at is not None:
                Shipment.objects.filter(pk=shipment.pk).update(delivered_at=delivered_at, shipped_at=delivered_at)
    result.refresh()
    return result
