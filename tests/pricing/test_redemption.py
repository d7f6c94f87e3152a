"""Redeeming vouchers for orders and giving the uses back: `redeem_voucher`, `release_voucher`, `save_voucher`."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from comptoir.core.models import Event
from comptoir.core.money import CurrencyMismatchError, Money
from comptoir.pricing.errors import (
    InvalidVoucherError,
    VoucherCustomerLimitError,
    VoucherExpiredError,
    VoucherNotFoundError,
    VoucherReleasedError,
    VoucherUsedUpError,
    VoucherWrongChannelError,
)
from comptoir.pricing.models import Voucher, VoucherRedemption
from comptoir.pricing.vouchers import redeem_voucher, release_voucher, save_voucher
from tests.pricing.factories import VoucherFactory, eur

pytestmark = pytest.mark.django_db


def redeem(channel, code="ONCE", order_ref="O-1", email="ann@example.com", user_id=None, amount="5.00", **kwargs):
    return redeem_voucher(
        code=code, channel=channel, order_ref=order_ref, email=email, user_id=user_id, amount=eur(amount), **kwargs
    )


def test_redeeming_counts_a_use_and_records_the_order_and_the_discount(channel):
    voucher = VoucherFactory(code="ONCE", usage_limit=1)

    redemption = redeem(channel, code="once", email="Ann@Example.com", amount="4.5")

    voucher.refresh_from_db()
    assert voucher.used_count == 1
    assert (redemption.order_ref, redemption.email, redemption.discount) == ("O-1", "ann@example.com", eur("4.50"))
    assert Event.objects.filter(name="pricing.voucher_redeemed", payload__order_ref="O-1").count() == 1


def test_redeeming_again_for_the_same_order_returns_the_first_redemption_without_counting_a_use(channel):
    voucher = VoucherFactory(code="ONCE", usage_limit=1)
    first = redeem(channel)

    again = redeem(channel)

    voucher.refresh_from_db()
    assert again.pk == first.pk and voucher.used_count == 1
    assert VoucherRedemption.objects.count() == 1


def test_a_used_up_voucher_is_refused_and_nothing_is_written(channel):
    voucher = VoucherFactory(code="ONCE", usage_limit=1)
    redeem(channel, order_ref="O-1")

    with pytest.raises(VoucherUsedUpError):
        redeem(channel, order_ref="O-2", email="bob@example.com")

    voucher.refresh_from_db()
    assert voucher.used_count == 1
    assert list(VoucherRedemption.objects.values_list("order_ref", flat=True)) == ["O-1"]


def test_a_customer_past_their_limit_is_refused_and_others_are_not(channel):
    VoucherFactory(code="WELCOME", limit_per_customer=1)
    redeem(channel, code="WELCOME", order_ref="O-1", email="ann@example.com")

    with pytest.raises(VoucherCustomerLimitError) as refused:
        redeem(channel, code="WELCOME", order_ref="O-2", email="ANN@example.com")
    redeem(channel, code="WELCOME", order_ref="O-3", email="bob@example.com")

    assert refused.value.status == 409
    assert VoucherRedemption.objects.count() == 2


def test_redeeming_checks_the_dates_again_at_the_time_of_the_order(channel):
    now = timezone.now()
    VoucherFactory(code="ONCE", starts_at=now - timedelta(days=2), ends_at=now + timedelta(minutes=5))

    with pytest.raises(VoucherExpiredError):
        redeem(channel, now=now + timedelta(minutes=10))

    assert VoucherRedemption.objects.count() == 0


def test_redeeming_a_voucher_of_another_channel_is_refused(channel, usd_channel):
    VoucherFactory(code="ONCE", channel=usd_channel)

    with pytest.raises(VoucherWrongChannelError):
        redeem(channel)


def test_redeeming_an_unknown_code_is_refused(channel):
    with pytest.raises(VoucherNotFoundError):
        redeem(channel, code="NOPE")


def test_a_discount_in_another_currency_than_the_channel_is_refused(channel):
    VoucherFactory(code="ONCE")

    with pytest.raises(CurrencyMismatchError):
        redeem_voucher(code="ONCE", channel=channel, order_ref="O-1", email="", user_id=None, amount=Money("1", "USD"))


def test_releasing_a_cancelled_order_gives_the_use_back_once(channel):
    voucher = VoucherFactory(code="ONCE", usage_limit=1)
    redeem(channel, order_ref="O-1")

    released = release_voucher(order_ref="O-1")
    again = release_voucher(order_ref="O-1")

    voucher.refresh_from_db()
    assert (released, again, voucher.used_count) == (1, 0, 0)
    assert VoucherRedemption.objects.get().released_at is not None
    assert Event.objects.filter(name="pricing.voucher_released").count() == 1


def test_a_given_back_use_can_be_used_by_another_order(channel):
    VoucherFactory(code="ONCE", usage_limit=1)
    redeem(channel, order_ref="O-1")
    release_voucher(order_ref="O-1")

    redeem(channel, order_ref="O-2")

    assert Voucher.objects.get().used_count == 1


def test_a_customer_gets_their_use_back_when_their_order_is_cancelled(channel):
    VoucherFactory(code="WELCOME", limit_per_customer=1)
    redeem(channel, code="WELCOME", order_ref="O-1")
    release_voucher(order_ref="O-1")

    redeem(channel, code="WELCOME", order_ref="O-2")

    assert VoucherRedemption.objects.filter(released_at__isnull=True).count() == 1


def test_a_cancelled_orders_redemption_cannot_be_redeemed_again(channel):
    VoucherFactory(code="ONCE")
    redeem(channel, order_ref="O-1")
    release_voucher(order_ref="O-1")

    with pytest.raises(VoucherReleasedError):
        redeem(channel, order_ref="O-1")


def test_releasing_an_order_that_used_no_voucher_does_nothing(channel):
    assert release_voucher(order_ref="never-used") == 0


def test_saving_a_vouchers_settings_never_undoes_a_use_made_meanwhile(channel):
    voucher = VoucherFactory(code="ONCE", usage_limit=5)
    stale = Voucher.objects.get(pk=voucher.pk)  # the admin form loaded it before the use
    redeem(channel, order_ref="O-1")

    stale.usage_limit = 10
    save_voucher(voucher=stale)

    voucher.refresh_from_db()
    assert (voucher.usage_limit, voucher.used_count) == (10, 1)


def test_saving_a_voucher_upper_cases_its_code_and_takes_its_channels_currency(channel):
    voucher = save_voucher(voucher=Voucher(code=" spring 5 ", channel=channel, kind="fixed_amount", value=Decimal("5")))

    assert (voucher.code, voucher.currency) == ("SPRING5", "EUR")


def test_a_voucher_in_another_currency_than_its_channel_is_refused(channel):
    with pytest.raises(InvalidVoucherError):
        save_voucher(voucher=Voucher(code="X", channel=channel, kind="fixed_amount", value=5, currency="USD"))


def test_two_vouchers_cannot_share_a_code_whatever_its_case(channel):
    VoucherFactory(code="SPRING")

    with pytest.raises(InvalidVoucherError):
        save_voucher(voucher=Voucher(code="spring", kind="percentage", value=5))
