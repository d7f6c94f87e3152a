"""Races between real connections. On PostgreSQL and MariaDB the conditional UPDATEs and row locks decide; on
SQLite the IMMEDIATE transactions queue writers. Either way: a single-use voucher is used once, a customer's
limit holds, a gift card never goes below zero, and every loser is told why."""

from decimal import Decimal

import pytest

from comptoir.core.money import Money
from comptoir.pricing.errors import GiftCardEmptyError, VoucherCustomerLimitError
from comptoir.pricing.giftcards import debit_gift_card
from comptoir.pricing.models import GiftCard, Voucher, VoucherRedemption
from comptoir.pricing.vouchers import redeem_voucher
from tests.pricing.factories import VoucherFactory, eur, gift_card

pytestmark = pytest.mark.django_db(transaction=True)


def failures(results) -> list[str]:
    return sorted(type(r).__name__ for r in results if isinstance(r, Exception))


def test_twenty_buyers_using_a_single_use_voucher_at_once_leave_one_winner_and_nineteen_told_it_is_used_up(
    channel, run_in_threads
):
    VoucherFactory(code="ONCE", usage_limit=1)

    results = run_in_threads(
        lambda i: redeem_voucher(
            code="ONCE",
            channel=channel,
            order_ref=f"O-{i}",
            email=f"buyer{i}@example.com",
            user_id=None,
            amount=eur("5.00"),
        ),
        n=20,
    )

    assert failures(results) == ["VoucherUsedUpError"] * 19
    assert sum(isinstance(r, VoucherRedemption) for r in results) == 1
    assert Voucher.objects.get().used_count == VoucherRedemption.objects.count() == 1


def test_one_customer_placing_ten_orders_at_once_uses_a_once_per_customer_voucher_once(channel, run_in_threads):
    VoucherFactory(code="WELCOME", limit_per_customer=1)

    results = run_in_threads(
        lambda i: redeem_voucher(
            code="WELCOME",
            channel=channel,
            order_ref=f"O-{i}",
            email="ann@example.com",
            user_id=None,
            amount=eur("5.00"),
        ),
        n=10,
    )

    assert failures(results) == ["VoucherCustomerLimitError"] * 9
    assert all(isinstance(r, VoucherRedemption | VoucherCustomerLimitError) for r in results)
    assert VoucherRedemption.objects.count() == Voucher.objects.get().used_count == 1


def test_the_same_order_redeemed_on_five_connections_at_once_counts_one_use(channel, run_in_threads):
    VoucherFactory(code="MANY", usage_limit=100)

    results = run_in_threads(
        lambda i: redeem_voucher(
            code="MANY", channel=channel, order_ref="O-1", email="ann@example.com", user_id=None, amount=eur("5")
        ),
        n=5,
    )

    assert failures(results) == []
    assert len({r.pk for r in results}) == 1
    assert Voucher.objects.get().used_count == VoucherRedemption.objects.count() == 1


def test_twenty_orders_paying_with_one_gift_card_at_once_never_take_it_below_zero(run_in_threads):
    # 100.00 on the card, 20 orders of 30.00 each: three get 30.00, one gets the last 10.00, sixteen are told
    # the card is empty.
    card = gift_card("100.00")

    results = run_in_threads(
        lambda i: debit_gift_card(code=card.code, amount=eur("30.00"), order_ref=f"O-{i}"),
        n=20,
    )

    taken = sorted(r.amount for r in results if isinstance(r, Money))
    assert taken == [Decimal("10.00"), Decimal("30.00"), Decimal("30.00"), Decimal("30.00")]
    assert failures(results) == ["GiftCardEmptyError"] * 16
    assert all(isinstance(r, Money | GiftCardEmptyError) for r in results)
    card.refresh_from_db()
    assert card.balance == 0
    assert sum(card.transactions.values_list("amount", flat=True)) == card.balance


def test_one_order_retried_on_five_connections_at_once_is_paid_once(run_in_threads):
    card = gift_card("100.00")

    results = run_in_threads(
        lambda i: debit_gift_card(code=card.code, amount=eur("30.00"), order_ref="O-1"),
        n=5,
    )

    assert results == [eur("30.00")] * 5
    assert GiftCard.objects.get().current_balance == eur("70.00")
    assert card.transactions.filter(kind="debit").count() == 1
