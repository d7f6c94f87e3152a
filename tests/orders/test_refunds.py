"""Refunds through the services, with amounts worked out by hand: returns, shipping, gift cards, goodwill."""

import sys
import types
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

import pytest

from comptoir.core.errors import InvalidInputError
from comptoir.core.models import Event
from comptoir.core.money import CurrencyMismatchError, Money
from comptoir.orders.models import OrderEvent, OrderStatus, ReturnStatus
from comptoir.orders.services import cancel_order
from comptoir.orders.services.refunds import (
    RefundExceedsRefundableError,
    RefundNotAllowedError,
    refund_order,
    refund_return,
    units_value,
)
from comptoir.orders.services.returns import ReturnStateError, approve_return, receive_return, request_return
from comptoir.payments.models import Payment, PaymentStatus
from comptoir.pricing.models import GiftCard
from tests.orders.return_factories import paid_order


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def received(paid, units: dict[int, int], *, written_off: int = 0):
    """Return `units` (line index -> units) of the order, approved and received (the last `written_off` units
    of each line written off)."""
    lines = {paid.lines[i].pk: (n, "changed_mind") for i, n in units.items()}
    ret = request_return(order_id=paid.order.pk, lines=lines)
    approve_return(return_id=ret.pk)
    decisions = {rl.pk: (rl.quantity - written_off, written_off) for rl in ret.lines.all()}
    return receive_return(return_id=ret.pk, decisions=decisions, location_id=paid.location.pk)


def refunded_on_card(paid) -> Decimal:
    return Payment.objects.get(pk=paid.payment.pk).refunded_amount


@pytest.fixture
def credit_notes(monkeypatch):
    """Stands in for comptoir.orders.invoices and records each credit note asked for."""
    calls = []

    @dataclass(frozen=True)
    class CreditLine:
        order_line_id: int
        label: str
        quantity: int
        amount: Money
        tax_rate: Decimal
        tax: Money

    def issue_credit_note(**kwargs):
        calls.append(kwargs)
        return SimpleNamespace(pk=1000 + len(calls))

    module = types.ModuleType("comptoir.orders.invoices")
    module.CreditLine, module.issue_credit_note = CreditLine, issue_credit_note
    monkeypatch.setitem(sys.modules, "comptoir.orders.invoices", module)
    return calls


# --- Amounts --------------------------------------------------------------------------------------------


def test_each_unit_is_worth_the_price_per_unit_and_the_last_unit_takes_the_remainder():
    paid = eur("10.00")

    parts = [units_value(paid, quantity=3, before=n, units=1) for n in range(3)]

    assert parts == [eur("3.33"), eur("3.33"), eur("3.34")]
    assert units_value(paid, quantity=3, before=0, units=3) == paid


def test_tiny_prices_never_give_back_more_than_the_line_cost():
    paid = eur("0.05")

    parts = [units_value(paid, quantity=10, before=n, units=1) for n in range(10)]

    assert sum(p.amount for p in parts) == Decimal("0.05") and min(parts) >= eur("0")


@pytest.mark.django_db
def test_three_returns_of_one_unit_refund_exactly_the_line_total(channel):
    # 3 units at 3.34 with a 0.02 discount: the line cost 10.00.
    paid = paid_order(channel, lines=[("3.34", 3)], totals=["10.00"], shipping="4.90")

    amounts = [refund_return(return_id=received(paid, {0: 1}).pk).refund_amount for _ in range(3)]

    assert amounts == [Decimal("3.33"), Decimal("3.33"), Decimal("3.34")]
    assert refunded_on_card(paid) == Decimal("10.00")
    assert paid.refresh().status == OrderStatus.PARTIALLY_REFUNDED  # the shipping is still theirs


@pytest.mark.django_db
def test_a_whole_return_with_shipping_refunds_the_order_in_full(channel):
    paid = paid_order(channel, lines=[("20.00", 2)], shipping="4.90")  # 44.90
    ret = received(paid, {0: 2})

    refund_return(return_id=ret.pk, include_shipping=True)

    ret.refresh_from_db()
    assert ret.status == ReturnStatus.REFUNDED and ret.refund_amount == Decimal("44.90")
    assert refunded_on_card(paid) == Decimal("44.90")
    assert Payment.objects.get(pk=paid.payment.pk).status == PaymentStatus.REFUNDED
    assert paid.refresh().status == OrderStatus.REFUNDED
    assert Event.objects.filter(name="orders.order_refunded", payload__order_id=paid.order.pk).exists()
    event = OrderEvent.objects.get(order=paid.order, kind="refunded")
    assert event.public and event.data["amount"] == "44.90" and event.data["shipping"] == "4.90"


@pytest.mark.django_db
def test_written_off_units_are_refunded_like_restocked_ones(channel):
    paid = paid_order(channel, lines=[("20.00", 2)])

    ret = refund_return(return_id=received(paid, {0: 2}, written_off=1).pk)

    assert ret.refund_amount == Decimal("40.00")


@pytest.mark.django_db
def test_units_asked_for_but_not_received_are_not_refunded(channel):
    paid = paid_order(channel, lines=[("20.00", 2)])
    ret = request_return(order_id=paid.order.pk, lines={paid.lines[0].pk: (2, "changed_mind")})
    approve_return(return_id=ret.pk)
    receive_return(return_id=ret.pk, decisions={ret.lines.get().pk: (1, 0)}, location_id=paid.location.pk)

    assert refund_return(return_id=ret.pk).refund_amount == Decimal("20.00")


@pytest.mark.django_db
def test_prices_without_tax_refund_the_tax_too(channel):
    # 10.00 + 20 % tax = 12.00 a unit; shipping 5.00 + 1.00 tax.
    paid = paid_order(
        channel, lines=[("10.00", 2)], tax_rate="0.20", shipping="5.00", shipping_tax="1.00", prices_include_tax=False
    )
    assert paid.order.total == Decimal("30.00")

    ret = refund_return(return_id=received(paid, {0: 1}).pk, include_shipping=True)

    assert ret.refund_amount == Decimal("18.00")


@pytest.mark.django_db
def test_the_payment_is_refunded_first_and_the_gift_card_part_last(channel):
    # 30.00 + 20.00 + 4.90 shipping = 54.90: 20.00 by gift card, 34.90 by card.
    paid = paid_order(channel, lines=[("30.00", 1), ("20.00", 1)], shipping="4.90", gift_card="20.00")
    assert paid.payment.captured_amount == Decimal("34.90")
    card_before = GiftCard.objects.get(code=paid.gift_card_code).balance

    refund_return(return_id=received(paid, {0: 1}).pk)

    assert refunded_on_card(paid) == Decimal("30.00")
    assert GiftCard.objects.get(code=paid.gift_card_code).balance == card_before
    assert paid.refresh().status == OrderStatus.PARTIALLY_REFUNDED

    refund_return(return_id=received(paid, {1: 1}).pk, include_shipping=True)  # 24.90: 4.90 card, 20.00 gift

    assert refunded_on_card(paid) == Decimal("34.90")
    assert GiftCard.objects.get(code=paid.gift_card_code).balance == card_before + Decimal("20.00")
    assert paid.refresh().status == OrderStatus.REFUNDED


@pytest.mark.django_db
def test_an_order_paid_only_by_gift_card_is_refunded_onto_the_card(channel):
    paid = paid_order(channel, lines=[("20.00", 1)], shipping="0", gift_card="20.00")
    assert paid.payment is None

    refund_return(return_id=received(paid, {0: 1}).pk)

    assert GiftCard.objects.get(code=paid.gift_card_code).balance == Decimal("500.00")
    assert paid.refresh().status == OrderStatus.REFUNDED


@pytest.mark.django_db
def test_staff_may_refund_a_return_for_less_than_its_value(channel):
    paid = paid_order(channel, lines=[("20.00", 2)])

    ret = refund_return(return_id=received(paid, {0: 2}).pk, amount=eur("35.00"))

    assert ret.refund_amount == Decimal("35.00") and refunded_on_card(paid) == Decimal("35.00")


@pytest.mark.django_db
def test_an_explicit_amount_above_what_is_left_is_refused_and_refunds_nothing(channel):
    paid = paid_order(channel, lines=[("20.00", 2)], shipping="4.90")
    ret = received(paid, {0: 2})

    with pytest.raises(RefundExceedsRefundableError) as exc:
        refund_return(return_id=ret.pk, amount=eur("44.91"))

    assert exc.value.data["refundable"] == "44.90"
    assert refunded_on_card(paid) == 0
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.RECEIVED


@pytest.mark.django_db
def test_the_default_is_capped_at_what_an_earlier_gesture_left(channel):
    paid = paid_order(channel, lines=[("20.00", 2)], shipping="4.90")
    refund_order(order_id=paid.order.pk, amount=eur("40.00"), reason="Late delivery", key="late-1")

    ret = refund_return(return_id=received(paid, {0: 2}).pk)

    assert ret.refund_amount == Decimal("4.90")
    assert paid.refresh().status == OrderStatus.REFUNDED


@pytest.mark.django_db
def test_shipping_is_refunded_once_per_order(channel):
    paid = paid_order(channel, lines=[("20.00", 2)], shipping="4.90")
    refund_return(return_id=received(paid, {0: 1}).pk, include_shipping=True)
    ret = received(paid, {0: 1})

    with pytest.raises(RefundNotAllowedError):
        refund_return(return_id=ret.pk, include_shipping=True)

    assert refunded_on_card(paid) == Decimal("24.90")


@pytest.mark.django_db
def test_a_return_not_yet_received_cannot_be_refunded(channel):
    paid = paid_order(channel)
    ret = request_return(order_id=paid.order.pk, lines={paid.lines[0].pk: (1, "changed_mind")})
    approve_return(return_id=ret.pk)

    with pytest.raises(ReturnStateError):
        refund_return(return_id=ret.pk)

    assert refunded_on_card(paid) == 0


@pytest.mark.django_db
def test_refunding_a_refunded_return_again_gives_nothing_more(channel):
    paid = paid_order(channel, lines=[("20.00", 2)])
    ret = received(paid, {0: 1})
    refund_return(return_id=ret.pk)

    again = refund_return(return_id=ret.pk, include_shipping=True)

    assert again.refund_amount == Decimal("20.00") and refunded_on_card(paid) == Decimal("20.00")
    assert Event.objects.filter(name="orders.return_refunded").count() == 1


# --- Credit notes ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_return_refund_issues_a_credit_note_for_the_units_and_the_shipping(channel, credit_notes):
    paid = paid_order(channel, lines=[("12.00", 2), ("5.00", 1)], tax_rate="0.20", shipping="4.90")
    ret = received(paid, {0: 1})

    refund_return(return_id=ret.pk, include_shipping=True)

    [note] = credit_notes
    assert note["order_id"] == paid.order.pk and note["source"] == f"refund:{ret.number}"
    assert note["shipping"] == eur("4.90")
    [line] = note["lines"]
    assert (line.order_line_id, line.quantity, line.amount, line.tax) == (
        paid.lines[0].pk,
        1,
        eur("12.00"),
        eur("2.00"),  # the line's 4.00 of tax, halved
    )
    assert line.tax_rate == Decimal("0.20")
    assert OrderEvent.objects.get(order=paid.order, kind="refunded").data["credit_note_id"] == 1001


@pytest.mark.django_db
def test_a_gesture_spreads_its_credit_note_over_the_lines_by_what_they_cost(channel, credit_notes):
    paid = paid_order(channel, lines=[("30.00", 1), ("10.00", 1)])

    refund_order(order_id=paid.order.pk, amount=eur("10.00"), reason="Scratched box", key="gesture-7")

    [note] = credit_notes
    assert note["source"] == "refund:gesture-7" and note["reason"] == "Scratched box"
    assert [(c.quantity, c.amount) for c in note["lines"]] == [(0, eur("7.50")), (0, eur("2.50"))]
    assert note["shipping"] == eur("0")


@pytest.mark.django_db
def test_the_credit_note_is_a_numbered_document_of_the_order(channel):
    from comptoir.orders.models import Invoice, InvoiceKind

    paid = paid_order(channel, lines=[("20.00", 2)])
    ret = received(paid, {0: 1})

    refund_return(return_id=ret.pk)

    note = Invoice.objects.get(source=f"refund:{ret.number}")
    assert note.kind == InvoiceKind.CREDIT_NOTE and note.order_id == paid.order.pk


# --- Refunds without a return -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_gesture_refunds_the_card_and_marks_the_order_partially_refunded(channel):
    paid = paid_order(channel, lines=[("20.00", 2)], shipping="4.90")

    result = refund_order(order_id=paid.order.pk, amount=eur("5.00"), reason="Late", key="late-42")

    assert (result.amount, result.to_payments, result.to_gift_cards) == (eur("5.00"), eur("5.00"), eur("0"))
    assert refunded_on_card(paid) == Decimal("5.00")
    assert paid.refresh().status == OrderStatus.PARTIALLY_REFUNDED
    assert Event.objects.filter(name="orders.order_partially_refunded").count() == 1
    assert OrderEvent.objects.get(order=paid.order, kind="refunded").data["amount"] == "5.00"


@pytest.mark.django_db
def test_a_retry_with_the_same_key_refunds_once(channel):
    paid = paid_order(channel, lines=[("20.00", 2)])
    first = refund_order(order_id=paid.order.pk, amount=eur("5.00"), reason="Late", key="late-42")

    again = refund_order(order_id=paid.order.pk, amount=eur("5.00"), reason="Late", key="late-42")

    assert again.replayed and not first.replayed
    assert again.amount == first.amount and again.credit_note_id == first.credit_note_id
    assert refunded_on_card(paid) == Decimal("5.00")
    assert OrderEvent.objects.filter(order=paid.order, kind="refunded").count() == 1


@pytest.mark.django_db
def test_the_same_key_for_another_amount_or_another_order_is_refused(channel):
    paid, other = paid_order(channel), paid_order(channel)
    refund_order(order_id=paid.order.pk, amount=eur("5.00"), reason="Late", key="late-42")

    with pytest.raises(InvalidInputError):
        refund_order(order_id=paid.order.pk, amount=eur("6.00"), reason="Late", key="late-42")
    with pytest.raises(InvalidInputError):
        refund_order(order_id=other.order.pk, amount=eur("5.00"), reason="Late", key="late-42")

    assert refunded_on_card(paid) == Decimal("5.00") and refunded_on_card(other) == 0


@pytest.mark.django_db
def test_a_gesture_with_shipping_adds_what_shipping_cost(channel):
    paid = paid_order(channel, lines=[("20.00", 2)], shipping="4.90")

    result = refund_order(
        order_id=paid.order.pk, amount=eur("0"), include_shipping=True, reason="Late", key="ship-back"
    )

    assert result.amount == eur("4.90") and result.shipping == eur("4.90")


@pytest.mark.django_db
def test_a_gesture_above_what_is_left_is_refused(channel):
    paid = paid_order(channel, lines=[("20.00", 2)], shipping="4.90", gift_card="10.00")  # 34.90 card + 10 gift

    with pytest.raises(RefundExceedsRefundableError):
        refund_order(order_id=paid.order.pk, amount=eur("44.91"), reason="Oops", key="too-much")

    assert refunded_on_card(paid) == 0
    assert paid.refresh().status == OrderStatus.DELIVERED


@pytest.mark.django_db
def test_refunding_everything_by_gesture_refunds_the_order(channel):
    paid = paid_order(channel, lines=[("20.00", 2)], shipping="4.90", gift_card="10.00")

    result = refund_order(order_id=paid.order.pk, amount=eur("44.90"), reason="Lost parcel", key="lost-1")

    assert (result.to_payments, result.to_gift_cards) == (eur("34.90"), eur("10.00"))
    assert paid.refresh().status == OrderStatus.REFUNDED


@pytest.mark.django_db
def test_an_order_refunded_or_cancelled_has_nothing_left_to_refund(channel):
    refunded = paid_order(channel, lines=[("20.00", 1)], shipping="0")
    refund_order(order_id=refunded.order.pk, amount=eur("20.00"), reason="Lost", key="all")
    cancelled = paid_order(channel, ship=False)
    cancel_order(order_id=cancelled.order.pk)

    for paid in (refunded, cancelled):
        with pytest.raises(RefundNotAllowedError):
            refund_order(order_id=paid.order.pk, amount=eur("1.00"), reason="Again", key=f"again-{paid.order.pk}")


@pytest.mark.django_db
def test_a_gesture_needs_a_reason_a_key_and_the_order_currency(channel):
    paid = paid_order(channel)

    for kwargs in (
        {"reason": "", "key": "k1", "amount": eur("1.00")},
        {"reason": "Late", "key": "", "amount": eur("1.00")},
        {"reason": "Late", "key": "k" * 65, "amount": eur("1.00")},
        {"reason": "Late", "key": "k2", "amount": Money(Decimal("1.00"), "USD")},
        {"reason": "Late", "key": "k3", "amount": eur("-1.00")},
    ):
        with pytest.raises((InvalidInputError, CurrencyMismatchError)):
            refund_order(order_id=paid.order.pk, **kwargs)
    with pytest.raises(RefundNotAllowedError):
        refund_order(order_id=paid.order.pk, amount=eur("0"), reason="Late", key="k4")

    assert refunded_on_card(paid) == 0
