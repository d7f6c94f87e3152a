"""Refunding an order paid in instalments: the instalments not collected yet are lowered first (last
first), then money goes back on what was captured; the books still balance."""

from decimal import Decimal

import pytest

from comptoir.core.invariants import registered_checks
from comptoir.core.money import Money
from comptoir.orders.models import OrderStatus
from comptoir.orders.services import refund_order
from comptoir.payments.instalment_models import InstalmentStatus, PlanStatus
from comptoir.payments.instalments.services import charge_due_instalments
from comptoir.payments.models import Payment, PaymentStatus
from tests.orders.return_factories import legal_entity
from tests.payments.instalments.factories import due, paid_in_instalments, plan_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _invoicing_company(channel):
    legal_entity(channel)  # a refund issues a credit note


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def rows(order):
    return list(plan_of(order).instalments.order_by("sequence").values_list("status", "amount", "reduced"))


def assert_books_balance():
    checks = registered_checks()
    for name in ("order_payments", "instalment_plans"):
        assert checks[name]().violations == []


def test_a_partial_refund_lowers_the_last_instalments_and_takes_no_money_back(channel):
    order = paid_in_instalments(channel)  # 33.34 paid, 33.33 and 33.33 to come

    result = refund_order(order_id=order.pk, amount=eur("50.00"), reason="Returned the lid", key="lid")

    assert result.off_instalments == eur("50.00") and result.to_payments == eur("0")
    assert rows(order) == [
        ("paid", Decimal("33.34"), Decimal("0")),
        ("pending", Decimal("33.33"), Decimal("16.67")),
        ("cancelled", Decimal("33.33"), Decimal("33.33")),
    ]
    assert Payment.objects.get(order_ref=order.ref).refunded_amount == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    charge_due_instalments(today=due(order, 2))
    second = plan_of(order).instalments.get(sequence=2)
    assert second.status == InstalmentStatus.PAID and second.payment.captured_amount == Decimal("16.66")
    assert plan_of(order).status == PlanStatus.COMPLETED
    assert_books_balance()


def test_a_refund_above_what_is_still_to_collect_gives_the_rest_back_on_the_first_instalment(channel):
    order = paid_in_instalments(channel)

    result = refund_order(order_id=order.pk, amount=eur("80.00"), reason="Most of it came back", key="most")

    assert result.off_instalments == eur("66.66") and result.to_payments == eur("13.34")
    assert [status for status, _amount, _reduced in rows(order)] == ["paid", "cancelled", "cancelled"]
    assert plan_of(order).status == PlanStatus.COMPLETED
    assert Payment.objects.get(order_ref=order.ref).refunded_amount == Decimal("13.34")
    assert_books_balance()


def test_refunding_everything_ends_the_plan_and_refunds_what_was_paid(channel):
    order = paid_in_instalments(channel)

    refund_order(order_id=order.pk, amount=eur("100.00"), reason="All returned", key="all")

    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert Payment.objects.get(order_ref=order.ref).status == PaymentStatus.REFUNDED
    assert charge_due_instalments(today=due(order, 3)) == 0
    assert_books_balance()


def test_more_than_the_order_cost_cannot_be_refunded(channel):
    from comptoir.orders.services import RefundExceedsRefundableError

    order = paid_in_instalments(channel)

    with pytest.raises(RefundExceedsRefundableError):
        refund_order(order_id=order.pk, amount=eur("100.01"), reason="Too much", key="too-much")

    assert [reduced for _status, _amount, reduced in rows(order)] == [0, 0, 0]
