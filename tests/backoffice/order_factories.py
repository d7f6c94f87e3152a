"""Orders for the back-office tests, built through the ORM with consistent totals (no tax: the zero-tax default),
paid through the payment services and the test provider, with stock allocated through the inventory services."""

from __future__ import annotations

import itertools
import secrets
import uuid
from collections.abc import Sequence
from decimal import Decimal

from comptoir.catalog.models import Variant
from comptoir.core.models import Channel
from comptoir.inventory.models import Location
from comptoir.inventory.services import allocate_order, receive_stock
from comptoir.orders.models import (
    LegalEntity,
    Order,
    OrderEvent,
    OrderEventKind,
    OrderLine,
    OrderStatus,
    ReturnLine,
    ReturnRequest,
    ReturnStatus,
)
from comptoir.orders.services import settle_order_payments
from comptoir.payments.models import Payment
from comptoir.payments.providers.test import SUCCESS_CARD
from comptoir.payments.services import confirm_payment, create_payment
from tests.factories import LocationFactory, VariantFactory, VariantPriceFactory

_numbers = itertools.count(10001)

ADDRESS = {
    "full_name": "Ada Lovelace",
    "street_address_1": "12 rue de la Paix",
    "postal_code": "75002",
    "city": "Paris",
    "country_code": "FR",
    "phone": "+33612345678",
}


def priced_variant(channel: Channel, price: str = "20.00", **kwargs) -> Variant:
    variant = VariantFactory(**kwargs)
    VariantPriceFactory(variant=variant, channel=channel, amount=Decimal(price))
    return variant


def make_order(
    channel: Channel,
    lines: Sequence[tuple[Variant, int, str]] | None = None,
    *,
    shipping: str = "5.00",
    email: str = "ada@example.com",
    number: str | None = None,
    address: dict | None = None,
    **fields,
) -> Order:
    """An order awaiting payment: `lines` are (variant, quantity, unit price); one line of 2 x 20.00 by default."""
    if lines is None:
        lines = [(priced_variant(channel), 2, "20.00")]
    subtotal = sum((Decimal(price) * quantity for _v, quantity, price in lines), Decimal(0))
    shipping_price = Decimal(shipping)
    order = Order.objects.create(
        number=number or f"C-{next(_numbers)}",
        token=secrets.token_hex(16),
        checkout_token=uuid.uuid4(),
        channel=channel,
        email=email,
        language="en",
        currency=channel.currency,
        shipping_address=address if address is not None else ADDRESS,
        delivery_kind=fields.pop("delivery_kind", "shipping"),
        delivery_name=fields.pop("delivery_name", "Colissimo"),
        carrier=fields.pop("carrier", "Colissimo"),
        tracking_url_template=fields.pop("tracking_url_template", "https://track.example/{tracking_number}"),
        payment_method=fields.pop("payment_method", "test:card"),
        subtotal=subtotal,
        shipping_price=shipping_price,
        total=subtotal + shipping_price,
        **fields,
    )
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                variant=variant,
                product_name=variant.product.name,
                variant_name=variant.name,
                sku=variant.sku,
                product_kind=variant.product.kind,
                quantity=quantity,
                unit_price=Decimal(price),
                total=Decimal(price) * quantity,
            )
            for variant, quantity, price in lines
        ]
    )
    OrderEvent.objects.create(order=order, kind=OrderEventKind.PLACED, public=True)
    return order


def stock_for(order: Order, location: Location | None = None, *, extra: int = 10) -> Location:
    """Receive the order's units (plus `extra`) at `location` and allocate them to the order."""
    location = location or LocationFactory()
    quantities = {line.variant_id: line.quantity for line in order.lines.all()}
    for variant_id, quantity in quantities.items():
        receive_stock(location_id=location.pk, variant_id=variant_id, quantity=quantity + extra)
    allocate_order(order_ref=order.number, quantities=quantities, ranking=[location.pk])
    return location


def pay(order: Order) -> Payment:
    """Pay the amount due with the test provider's card: the order becomes paid."""
    payment = create_payment(order_ref=order.number, method_code="test:card", amount=order.amount_due)
    payment = confirm_payment(reference=payment.reference, data={"card_number": SUCCESS_CARD})
    settle_order_payments(order_id=order.pk)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return payment


def paid_order(channel: Channel, **kwargs) -> tuple[Order, Location]:
    """A paid order whose units are allocated at a warehouse of their own."""
    order = make_order(channel, **kwargs)
    location = stock_for(order)
    pay(order)
    order.refresh_from_db()
    return order, location


def legal_entity() -> LegalEntity:
    """The company that issues invoices and credit notes (refunds need one for their credit note)."""
    return LegalEntity.objects.create(name="Comptoir SAS", address="1 rue du Commerce, Paris", is_default=True)


def return_request(
    order: Order, *, units: int = 1, status: str = ReturnStatus.REQUESTED, number: str = ""
) -> ReturnRequest:
    """A buyer's return of `units` of the order's first line (built through the ORM, as the buyer's request left it)."""
    line = order.lines.order_by("pk").first()
    request = ReturnRequest.objects.create(order=order, number=number or f"R-{order.number}", status=status)
    ReturnLine.objects.create(return_request=request, order_line=line, quantity=units, reason="wrong_size")
    return request
