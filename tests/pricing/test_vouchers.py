"""Vouchers as the checkout totals see them: `evaluate_discounts` with a code."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import override
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comptoir.core.money import Money
from comptoir.pricing.discounts import evaluate_discounts
from comptoir.pricing.errors import (
    VoucherCustomerLimitError,
    VoucherExpiredError,
    VoucherInactiveError,
    VoucherMinimumSpendError,
    VoucherNoEligibleItemsError,
    VoucherNotFoundError,
    VoucherNotStartedError,
    VoucherUsedUpError,
    VoucherWrongChannelError,
)
from comptoir.pricing.models import VoucherKind
from comptoir.pricing.vouchers import redeem_voucher
from tests.factories import CategoryFactory, ChannelFactory, CollectionFactory, ProductFactory
from tests.pricing.factories import VoucherFactory, eur, line, product_line

pytestmark = pytest.mark.django_db


def test_a_percentage_voucher_takes_its_share_of_the_whole_order(channel):
    VoucherFactory(code="TEN", value=Decimal("10"))
    lines = [line("19.90", 2, line_id="a"), line("5.55", 1, line_id="b")]  # 45.35

    result = evaluate_discounts(channel=channel, lines=lines, voucher_code="TEN")

    [voucher] = result.applied
    assert voucher.source == "voucher" and voucher.name == "TEN"
    assert voucher.amount == eur("4.54")  # 10% of 45.35 = 4.535, rounded half up
    assert voucher.line_amounts == {"a": eur("3.98"), "b": eur("0.56")}
    assert result.voucher_error is None and result.free_shipping is False


def test_a_fixed_voucher_is_split_over_the_lines_in_proportion_to_their_amounts(channel):
    VoucherFactory(code="FIFTEEN", kind=VoucherKind.FIXED_AMOUNT, value=Decimal("15"), currency="EUR")
    lines = [line("30.00", line_id="a"), line("10.00", line_id="b")]

    result = evaluate_discounts(channel=channel, lines=lines, voucher_code="FIFTEEN")

    assert result.applied[0].amount == eur("15.00")
    assert result.line_discounts == {"a": eur("11.25"), "b": eur("3.75")}


def test_a_fixed_voucher_worth_more_than_the_order_takes_no_more_than_the_order(channel):
    VoucherFactory(code="BIG", kind=VoucherKind.FIXED_AMOUNT, value=Decimal("100"), currency="EUR")

    result = evaluate_discounts(channel=channel, lines=[line("12.50", 2, line_id="a")], voucher_code="BIG")

    assert result.applied[0].amount == eur("25.00")
    assert result.line_discounts == {"a": eur("25.00")}


def test_a_free_shipping_voucher_takes_nothing_off_the_items_and_frees_the_shipping(channel):
    VoucherFactory(code="SHIPFREE", kind=VoucherKind.FREE_SHIPPING, value=0)

    result = evaluate_discounts(channel=channel, lines=[line("12.00", line_id="a")], voucher_code="SHIPFREE")

    [voucher] = result.applied
    assert voucher.free_shipping is True and voucher.amount == eur("0.00") and voucher.line_amounts == {}
    assert result.free_shipping is True
    assert result.line_discounts == {"a": eur("0.00")}


def test_codes_are_not_case_sensitive_and_spaces_typed_around_them_do_not_matter(channel):
    VoucherFactory(code="SUMMER10")

    result = evaluate_discounts(channel=channel, lines=[line("10.00")], voucher_code="  summer10 ")

    assert result.applied[0].name == "SUMMER10"


def test_an_unknown_code_is_reported_and_the_order_keeps_its_other_discounts(channel):
    result = evaluate_discounts(channel=channel, lines=[line("10.00", line_id="a")], voucher_code="NOPE")

    assert isinstance(result.voucher_error, VoucherNotFoundError)
    assert result.voucher_error.status == 422
    assert result.applied == [] and result.line_discounts == {"a": eur("0.00")}


def test_no_code_means_no_voucher_and_no_error(channel):
    result = evaluate_discounts(channel=channel, lines=[line("10.00")])

    assert result.applied == [] and result.voucher_error is None


def test_below_the_minimum_spend_the_error_says_how_much_is_missing(channel):
    VoucherFactory(code="MIN50", minimum_spend=Decimal("50"), currency="EUR")

    with override("en"):
        result = evaluate_discounts(channel=channel, lines=[line("42.50")], voucher_code="MIN50")

    error = result.voucher_error
    assert isinstance(error, VoucherMinimumSpendError)
    assert error.missing == eur("7.50")
    assert "€7.50 more" in error.detail and "€50.00" in error.detail
    assert error.to_problem()["missing"] == {"amount": "7.50", "currency": "EUR"}
    assert result.applied == []


def test_the_missing_amount_is_told_in_the_buyers_language(channel):
    VoucherFactory(code="MIN50", minimum_spend=Decimal("50"), currency="EUR")

    with override("fr"):
        result = evaluate_discounts(channel=channel, lines=[line("42.50")], voucher_code="MIN50")

    assert "7,50\xa0€" in result.voucher_error.detail


def test_the_minimum_spend_is_reached_exactly_at_the_minimum(channel):
    VoucherFactory(code="MIN50", minimum_spend=Decimal("50"), currency="EUR")

    result = evaluate_discounts(channel=channel, lines=[line("25.00", 2)], voucher_code="MIN50")

    assert result.voucher_error is None and result.applied[0].amount == eur("5.00")


def test_a_voucher_before_its_start_cannot_be_used_yet(channel):
    VoucherFactory(code="SOON", starts_at=timezone.now() + timedelta(days=2))

    result = evaluate_discounts(channel=channel, lines=[line("10.00")], voucher_code="SOON")

    assert isinstance(result.voucher_error, VoucherNotStartedError)


def test_a_voucher_after_its_end_has_expired(channel):
    now = timezone.now()
    VoucherFactory(code="OLD", starts_at=now - timedelta(days=30), ends_at=now - timedelta(days=1))

    result = evaluate_discounts(channel=channel, lines=[line("10.00")], voucher_code="OLD")

    assert isinstance(result.voucher_error, VoucherExpiredError)
    assert result.voucher_error.code == "voucher-expired"


def test_a_voucher_is_valid_until_the_moment_it_ends(channel):
    now = timezone.now()
    VoucherFactory(code="LAST", starts_at=now - timedelta(days=1), ends_at=now + timedelta(seconds=1))

    assert evaluate_discounts(channel=channel, lines=[line("10.00")], voucher_code="LAST", now=now).applied
    later = evaluate_discounts(
        channel=channel, lines=[line("10.00")], voucher_code="LAST", now=now + timedelta(seconds=1)
    )
    assert isinstance(later.voucher_error, VoucherExpiredError)


def test_a_deactivated_voucher_is_no_longer_valid(channel):
    VoucherFactory(code="OFF", is_active=False)

    result = evaluate_discounts(channel=channel, lines=[line("10.00")], voucher_code="OFF")

    assert isinstance(result.voucher_error, VoucherInactiveError)


def test_a_voucher_of_one_channel_does_not_work_in_another(channel, usd_channel):
    VoucherFactory(code="USONLY", channel=usd_channel)

    result = evaluate_discounts(channel=channel, lines=[line("10.00")], voucher_code="USONLY")

    assert isinstance(result.voucher_error, VoucherWrongChannelError)


def test_an_amount_in_euros_is_not_offered_in_a_dollar_channel(usd_channel):
    VoucherFactory(code="FIVE", kind=VoucherKind.FIXED_AMOUNT, value=Decimal("5"), currency="EUR")

    result = evaluate_discounts(channel=usd_channel, lines=[line("10.00", currency="USD")], voucher_code="FIVE")

    assert isinstance(result.voucher_error, VoucherWrongChannelError)


def test_a_voucher_limited_to_a_product_discounts_only_that_product(channel):
    mug, plate = ProductFactory(), ProductFactory()
    VoucherFactory(code="MUGS", value=Decimal("50"), products=[mug])
    lines = [product_line(mug, "8.00", 2), product_line(plate, "20.00")]

    result = evaluate_discounts(channel=channel, lines=lines, voucher_code="MUGS")

    assert result.applied[0].amount == eur("8.00")
    assert result.line_discounts == {lines[0].line_id: eur("8.00"), lines[1].line_id: eur("0.00")}


def test_a_voucher_limited_to_a_category_covers_its_sub_categories(channel):
    kitchen = CategoryFactory()
    mugs = CategoryFactory(parent=kitchen)
    garden = CategoryFactory()
    mug, spade = ProductFactory(category=mugs), ProductFactory(category=garden)
    VoucherFactory(code="KITCHEN", value=Decimal("10"), categories=[kitchen])
    lines = [product_line(mug, "10.00"), product_line(spade, "30.00")]

    result = evaluate_discounts(channel=channel, lines=lines, voucher_code="KITCHEN")

    assert result.line_discounts == {lines[0].line_id: eur("1.00"), lines[1].line_id: eur("0.00")}


def test_a_voucher_limited_to_a_collection_discounts_the_items_in_it(channel):
    summer = CollectionFactory()
    VoucherFactory(
        code="SUMMER", kind=VoucherKind.FIXED_AMOUNT, value=Decimal("3"), currency="EUR", collections=[summer]
    )
    lines = [line("10.00", collection_ids=(summer.pk,)), line("10.00")]

    result = evaluate_discounts(channel=channel, lines=lines, voucher_code="SUMMER")

    assert result.line_discounts == {lines[0].line_id: eur("3.00"), lines[1].line_id: eur("0.00")}


def test_the_minimum_spend_counts_only_the_items_the_voucher_is_for(channel):
    mug, plate = ProductFactory(), ProductFactory()
    VoucherFactory(code="MUGS", products=[mug], minimum_spend=Decimal("20"), currency="EUR")
    lines = [product_line(mug, "8.00"), product_line(plate, "50.00")]

    result = evaluate_discounts(channel=channel, lines=lines, voucher_code="MUGS")

    assert isinstance(result.voucher_error, VoucherMinimumSpendError)
    assert result.voucher_error.missing == eur("12.00")


def test_a_voucher_for_other_products_says_it_is_not_for_these(channel):
    VoucherFactory(code="MUGS", products=[ProductFactory()])

    result = evaluate_discounts(channel=channel, lines=[line("10.00")], voucher_code="MUGS")

    assert isinstance(result.voucher_error, VoucherNoEligibleItemsError)


def test_a_used_up_voucher_is_refused_before_the_order(channel):
    VoucherFactory(code="ONCE", usage_limit=1)
    redeem_voucher(code="ONCE", channel=channel, order_ref="O-1", email="a@example.com", user_id=None, amount=eur("1"))

    result = evaluate_discounts(channel=channel, lines=[line("10.00")], voucher_code="ONCE")

    assert isinstance(result.voucher_error, VoucherUsedUpError)
    assert result.voucher_error.status == 409


def test_a_customer_who_used_their_uses_is_told_so_whatever_the_case_of_their_email(channel):
    VoucherFactory(code="WELCOME", limit_per_customer=1)
    redeem_voucher(
        code="WELCOME", channel=channel, order_ref="O-1", email="Ann@Example.com", user_id=None, amount=eur("1")
    )

    mine = evaluate_discounts(channel=channel, lines=[line("10.00")], voucher_code="WELCOME", email="ann@example.COM")
    theirs = evaluate_discounts(channel=channel, lines=[line("10.00")], voucher_code="WELCOME", email="bob@example.com")

    assert isinstance(mine.voucher_error, VoucherCustomerLimitError)
    assert theirs.voucher_error is None


def test_a_customer_limit_counts_the_account_too(channel, django_user_model):
    user = django_user_model.objects.create_user("ann")
    VoucherFactory(code="WELCOME", limit_per_customer=1)
    redeem_voucher(
        code="WELCOME", channel=channel, order_ref="O-1", email="old@example.com", user_id=user.pk, amount=eur("1")
    )

    result = evaluate_discounts(
        channel=channel, lines=[line("10.00")], voucher_code="WELCOME", email="new@example.com", user_id=user.pk
    )

    assert isinstance(result.voucher_error, VoucherCustomerLimitError)


# --- Exact splits -----------------------------------------------------------------------------------------

prices = {"EUR": st.decimals("0.01", "999.99", places=2), "JPY": st.decimals("1", "99999", places=0)}


@pytest.mark.parametrize("currency", ["EUR", "JPY"])
def test_a_fixed_voucher_always_splits_into_parts_that_add_up_exactly_and_fit_each_line(currency):
    channel = ChannelFactory(slug=f"web-{currency.lower()}", currency=currency)
    VoucherFactory(code="SPLIT", kind=VoucherKind.FIXED_AMOUNT, value=Decimal("1"), currency=currency)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        carts=st.lists(st.tuples(prices[currency], st.integers(1, 5)), min_size=1, max_size=8),
        value=prices[currency],
    )
    def check(carts, value):
        from comptoir.pricing.models import Voucher

        Voucher.objects.filter(code="SPLIT").update(value=value)
        lines = [line(str(price), quantity, currency=currency) for price, quantity in carts]

        result = evaluate_discounts(channel=channel, lines=lines, voucher_code="SPLIT")

        [voucher] = result.applied
        total = sum((ln.total for ln in lines), Money.zero(currency))
        assert voucher.amount == min(Money(value, currency).quantize(), total)
        assert sum(voucher.line_amounts.values(), Money.zero(currency)) == voucher.amount
        for ln in lines:
            part = voucher.line_amounts.get(ln.line_id, Money.zero(currency))
            assert Money.zero(currency) <= part <= ln.total
            assert part == part.quantize()

    check()


@pytest.mark.parametrize("currency", ["EUR", "JPY"])
def test_a_percentage_voucher_always_splits_into_parts_that_add_up_to_the_rounded_percentage(currency):
    channel = ChannelFactory(slug=f"web-{currency.lower()}", currency=currency)
    VoucherFactory(code="PCT", value=Decimal("1"))

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        carts=st.lists(st.tuples(prices[currency], st.integers(1, 5)), min_size=1, max_size=8),
        percentage=st.decimals("0.01", "100", places=2),
    )
    def check(carts, percentage):
        from comptoir.pricing.models import Voucher

        Voucher.objects.filter(code="PCT").update(value=percentage)
        lines = [line(str(price), quantity, currency=currency) for price, quantity in carts]

        result = evaluate_discounts(channel=channel, lines=lines, voucher_code="PCT")

        [voucher] = result.applied
        total = sum((ln.total for ln in lines), Money.zero(currency))
        assert voucher.amount == (total * (percentage / 100)).quantize()
        assert sum(voucher.line_amounts.values(), Money.zero(currency)) == voucher.amount
        assert all(voucher.line_amounts.get(ln.line_id, Money.zero(currency)) <= ln.total for ln in lines)

    check()
