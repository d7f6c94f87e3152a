"""An order's life through the services: paid, shipped, delivered, cancelled, edited, expired."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from comptoir.checkout import services as checkout
from comptoir.inventory.errors import InsufficientStockError
from comptoir.inventory.models import StockLevel
from comptoir.orders.errors import InvalidOrderLinesError, OrderNotEditableError, OrderStateError
from comptoir.orders.models import Order, OrderStatus
from comptoir.orders.services import (
    cancel_order,
    edit_order,
    expire_unpaid_orders,
    fulfil_order,
    mark_shipment_delivered,
    pay_order,
)
from comptoir.payments.models import Payment
from tests.checkout.factories import ready_checkout

CARD = {"card_number": "4242424242424242"}


def paid_order(channel, **kw) -> tuple[Order, object]:
    cart, variant = ready_checkout(channel, **kw)
    order = checkout.place_order(checkout_id=cart.pk)
    pay_order(order_id=order.pk, method_code="test:card", data=CARD)
    order.refresh_from_db()
    return order, variant


@pytest.mark.django_db
def test_shipping_everything_then_delivering_moves_the_order_along(channel):
    order, variant = paid_order(channel, quantity=2)

    shipment = fulfil_order(order_id=order.pk, carrier="Colissimo", tracking_number="6A123")
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    assert shipment.tracking_url == "https://track.example/6A123"
    level = StockLevel.objects.get(variant=variant)
    assert (level.on_hand, level.allocated) == (8, 0)

    mark_shipment_delivered(shipment_id=shipment.pk)
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert "delivered" in [e.kind for e in order.events.filter(public=True)]


@pytest.mark.django_db
def test_shipping_part_of_an_order_makes_it_partially_shipped(channel):
    order, _ = paid_order(channel, quantity=3)
    line = order.lines.get()

    fulfil_order(order_id=order.pk, quantities={line.pk: 1})

    order.refresh_from_db()
    line.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_FULFILLED and line.quantity_fulfilled == 1


@pytest.mark.django_db
def test_shipping_more_than_ordered_is_refused_and_changes_nothing(channel):
    order, variant = paid_order(channel, quantity=1)
    line = order.lines.get()

    with pytest.raises(InvalidOrderLinesError):
        fulfil_order(order_id=order.pk, quantities={line.pk: 2})

    assert StockLevel.objects.get(variant=variant).allocated == 1
    assert not order.shipments.exists()


@pytest.mark.django_db
def test_an_unpaid_order_cannot_ship(channel):
    cart, _ = ready_checkout(channel)
    order = checkout.place_order(checkout_id=cart.pk)

    with pytest.raises(OrderStateError):
        fulfil_order(order_id=order.pk)


@pytest.mark.django_db
def test_cancelling_a_paid_order_refunds_it_and_puts_the_stock_back(channel):
    order, variant = paid_order(channel, quantity=2)

    cancel_order(order_id=order.pk, reason="Changed my mind")

    order.refresh_from_db()
    payment = Payment.objects.get(order_ref=order.number)
    assert order.status == OrderStatus.CANCELLED
    assert payment.refunded_amount == payment.captured_amount == order.total
    assert StockLevel.objects.get(variant=variant).allocated == 0


@pytest.mark.django_db
def test_a_shipped_order_cannot_be_cancelled(channel):
    order, _ = paid_order(channel)
    fulfil_order(order_id=order.pk)

    with pytest.raises(OrderStateError):
        cancel_order(order_id=order.pk)


@pytest.mark.django_db
def test_unpaid_card_orders_expire_and_free_their_stock(channel):
    cart, variant = ready_checkout(channel)
    order = checkout.place_order(checkout_id=cart.pk)

    assert expire_unpaid_orders() == 0
    assert expire_unpaid_orders(now=timezone.now() + timedelta(hours=2)) == 1

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert StockLevel.objects.get(variant=variant).allocated == 0


@pytest.mark.django_db
def test_staff_lowering_a_quantity_recomputes_totals_stock_and_refunds_the_difference(channel):
    order, variant = paid_order(channel, price="10.00", quantity=3)
    line = order.lines.get()

    edit_order(order_id=order.pk, quantities={line.pk: 1})

    order.refresh_from_db()
    assert (order.subtotal, order.total) == (Decimal("10.00"), Decimal("14.90"))
    assert StockLevel.objects.get(variant=variant).allocated == 1
    assert Payment.objects.get(order_ref=order.number).refunded_amount == Decimal("20.00")


@pytest.mark.django_db
def test_raising_a_paid_orders_total_is_refused_and_changes_nothing(channel):
    order, variant = paid_order(channel, price="10.00", quantity=1)
    line = order.lines.get()

    with pytest.raises(OrderStateError):
        edit_order(order_id=order.pk, quantities={line.pk: 2})

    order.refresh_from_db()
    assert order.total == Decimal("14.90") and order.lines.get().quantity == 1
    assert StockLevel.objects.get(variant=variant).allocated == 1


@pytest.mark.django_db
def test_an_unpaid_order_can_grow_when_stock_allows(channel):
    cart, _variant = ready_checkout(channel, price="10.00", stock=3)
    order = checkout.place_order(checkout_id=cart.pk)
    line = order.lines.get()

    edit_order(order_id=order.pk, quantities={line.pk: 3}, shipping_price=Decimal("0"))
    with pytest.raises(InsufficientStockError):
        edit_order(order_id=order.pk, quantities={line.pk: 4})

    order.refresh_from_db()
    assert (order.total, order.lines.get().quantity) == (Decimal("30.00"), 3)


@pytest.mark.django_db
def test_a_shipped_order_cannot_be_edited(channel):
    order, _ = paid_order(channel)
    fulfil_order(order_id=order.pk)

    with pytest.raises(OrderNotEditableError):
        edit_order(order_id=order.pk, shipping_price=Decimal("1"))


@pytest.mark.django_db
def test_check_invariants_finds_nothing_wrong_after_a_whole_order_life(channel):
    from comptoir.core.invariants import registered_checks

    order, _ = paid_order(channel, quantity=3)
    line = order.lines.get()
    fulfil_order(order_id=order.pk, quantities={line.pk: 1})
    other, _ = paid_order(channel)
    cancel_order(order_id=other.pk)

    violations = [v for check in registered_checks().values() for v in check().violations]

    assert violations == []


@pytest.mark.django_db
def test_check_invariants_reports_an_order_whose_total_does_not_add_up(channel):
    from comptoir.orders.order_invariants import check_order_totals

    order, _ = paid_order(channel)
    Order.objects.filter(pk=order.pk).update(total=order.total + 1)

    (violation,) = check_order_totals().violations

    assert violation.subject == f"order {order.number}" and "parts add up" in violation.message


@pytest.mark.django_db
def test_check_invariants_reports_stock_not_allocated_to_an_order(channel):
    from comptoir.inventory.models import Allocation
    from comptoir.orders.order_invariants import check_order_stock

    order, _ = paid_order(channel, quantity=2)
    Allocation.objects.filter(order_ref=order.number).update(quantity=1)

    (violation,) = check_order_stock().violations

    assert "allocated" in violation.message


@pytest.mark.django_db
def test_cancelling_an_invoiced_order_issues_a_credit_note_for_the_whole_invoice(channel):
    from comptoir.orders.invoices import issue_invoice
    from comptoir.orders.models import Invoice, InvoiceKind
    from tests.orders.invoice_factories import legal_entity

    legal_entity()
    order, _ = paid_order(channel)
    invoice = issue_invoice(order_id=order.pk)

    cancel_order(order_id=order.pk)

    credit_note = Invoice.objects.get(order=order, kind=InvoiceKind.CREDIT_NOTE)
    assert credit_note.total == invoice.total == order.total
