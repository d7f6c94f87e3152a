"""Refunds racing on one order: never more than was paid, whatever the interleaving."""

from decimal import Decimal

import pytest

from comptoir.core.money import Money
from comptoir.orders.models import Invoice, InvoiceKind, OrderEvent, OrderStatus, ReturnStatus
from comptoir.orders.services.refunds import RefundExceedsRefundableError, refund_order, refund_return
from comptoir.orders.services.returns import approve_return, receive_return, request_return
from comptoir.payments.errors import RefundExceedsCapturedError
from comptoir.payments.models import Payment, PaymentTransaction, TransactionKind
from comptoir.payments.services import confirm_payment, create_payment, refund_payment
from comptoir.pricing.models import GiftCard
from tests.orders.return_factories import CARD, paid_order


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


@pytest.mark.django_db(transaction=True)
def test_ten_partial_refunds_racing_on_one_order_give_back_at_most_what_was_paid(channel, run_in_threads):
    # 100.00: 60.00 by card, 40.00 by gift card. Ten refunds of 15.00: six fit (90.00), four are told no.
    paid = paid_order(channel, lines=[("50.00", 2)], shipping="0", gift_card="40.00")
    assert paid.payment.captured_amount == Decimal("60.00")

    results = run_in_threads(
        lambda i: refund_order(order_id=paid.order.pk, amount=eur("15.00"), reason="Race", key=f"race-{i}"), n=10
    )

    errors = [r for r in results if isinstance(r, Exception)]
    assert sorted(type(e).__name__ for e in errors) == ["RefundExceedsRefundableError"] * 4
    assert all(e.data["refundable"] == "10.00" for e in errors)
    assert Payment.objects.get(pk=paid.payment.pk).refunded_amount == Decimal("60.00")
    assert GiftCard.objects.get(code=paid.gift_card_code).balance == Decimal("490.00")  # 460 + 30 back
    assert OrderEvent.objects.filter(order=paid.order, kind="refunded").count() == 6
    assert Invoice.objects.filter(order=paid.order, kind=InvoiceKind.CREDIT_NOTE).count() == 6
    assert paid.refresh().status == OrderStatus.PARTIALLY_REFUNDED


@pytest.mark.django_db(transaction=True)
def test_ten_refunds_racing_on_one_payment_never_exceed_what_it_captured(run_in_threads):
    payment = create_payment(order_ref="RACE-1", method_code="test:card", amount=eur("100.00"))
    confirm_payment(reference=payment.reference, data=CARD)

    results = run_in_threads(
        lambda i: refund_payment(reference=payment.reference, amount=eur("15.00"), key=f"pay-race-{i}"), n=10
    )

    errors = [r for r in results if isinstance(r, Exception)]
    assert sorted(type(e).__name__ for e in errors) == ["RefundExceedsCapturedError"] * 4
    assert all(isinstance(e, RefundExceedsCapturedError) for e in errors)
    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("90.00")
    assert PaymentTransaction.objects.filter(payment=payment, kind=TransactionKind.REFUND).count() == 6


@pytest.mark.django_db(transaction=True)
def test_five_retries_of_one_refund_racing_each_other_refund_once(channel, run_in_threads):
    paid = paid_order(channel, lines=[("50.00", 2)], shipping="0")

    results = run_in_threads(
        lambda i: refund_order(order_id=paid.order.pk, amount=eur("15.00"), reason="Retry", key="same-key"), n=5
    )

    assert not [r for r in results if isinstance(r, Exception)]
    assert sorted(r.replayed for r in results) == [False, True, True, True, True]
    assert Payment.objects.get(pk=paid.payment.pk).refunded_amount == Decimal("15.00")
    assert OrderEvent.objects.filter(order=paid.order, kind="refunded").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_clicks_on_refund_a_return_refund_it_once(channel, run_in_threads):
    paid = paid_order(channel, lines=[("20.00", 2)], shipping="0")
    ret = request_return(order_id=paid.order.pk, lines={paid.lines[0].pk: (2, "changed_mind")})
    approve_return(return_id=ret.pk)
    receive_return(return_id=ret.pk, decisions={ret.lines.get().pk: (2, 0)}, location_id=paid.location.pk)

    results = run_in_threads(lambda i: refund_return(return_id=ret.pk), n=2)

    assert all(r.status == ReturnStatus.REFUNDED for r in results)
    assert Payment.objects.get(pk=paid.payment.pk).refunded_amount == Decimal("40.00")
    assert paid.refresh().status == OrderStatus.REFUNDED


@pytest.mark.django_db(transaction=True)
def test_two_buyers_tabs_asking_for_the_last_units_create_one_return(channel, run_in_threads):
    paid = paid_order(channel, lines=[("20.00", 2)])
    line = paid.lines[0]

    results = run_in_threads(
        lambda i: request_return(order_id=paid.order.pk, lines={line.pk: (2, "changed_mind")}), n=2
    )

    assert sorted(type(r).__name__ for r in results) == ["InvalidOrderLinesError", "ReturnRequest"]
    assert paid.order.returns.count() == 1


def test_the_refund_error_is_a_conflict():
    assert RefundExceedsRefundableError.status == 409
