"""Automatic promotions, worked out by hand: units of the eligible lines are pooled, the cheapest discounted."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from comptoir.pricing.discounts import evaluate_discounts
from comptoir.pricing.errors import InvalidDiscountLineError
from comptoir.pricing.models import VoucherKind
from tests.factories import CategoryFactory, ProductFactory
from tests.pricing.factories import PromotionFactory, VoucherFactory, eur, line, product_line

pytestmark = pytest.mark.django_db


def test_three_for_two_makes_the_cheapest_of_three_items_free(channel):
    PromotionFactory(name="3 for 2")
    lines = [line("10.00", 2, line_id="mugs"), line("4.00", 1, line_id="coaster")]  # 3 units

    result = evaluate_discounts(channel=channel, lines=lines)

    [promotion] = result.applied
    assert promotion.source == "promotion" and promotion.name == "3 for 2"
    assert promotion.amount == eur("4.00")
    assert result.line_discounts == {"mugs": eur("0.00"), "coaster": eur("4.00")}


def test_three_for_two_pools_units_across_lines_and_frees_the_two_cheapest_of_seven(channel):
    # 7 eligible units make two groups of three (the 7th pays): 2 free units, the two cheapest of all seven.
    PromotionFactory()
    lines = [line("12.00", 2, line_id="a"), line("5.00", 3, line_id="b"), line("8.00", 2, line_id="c")]

    result = evaluate_discounts(channel=channel, lines=lines)

    assert result.line_discounts == {"a": eur("0.00"), "b": eur("10.00"), "c": eur("0.00")}
    assert result.applied[0].amount == eur("10.00")


def test_three_for_two_on_three_units_of_one_line_frees_one_unit(channel):
    PromotionFactory()

    result = evaluate_discounts(channel=channel, lines=[line("7.90", 3, line_id="a")])

    assert result.line_discounts == {"a": eur("7.90")}


def test_two_units_are_not_enough_for_three_for_two(channel):
    PromotionFactory()

    result = evaluate_discounts(channel=channel, lines=[line("10.00", 2, line_id="a")])

    assert result.applied == [] and result.line_discounts == {"a": eur("0.00")}


def test_twenty_percent_off_the_second_item_goes_to_the_cheaper_of_two(channel):
    PromotionFactory(name="-20% on the second item", second_item=True)
    lines = [line("30.00", line_id="jacket"), line("20.00", line_id="shirt")]

    result = evaluate_discounts(channel=channel, lines=lines)

    assert result.line_discounts == {"jacket": eur("0.00"), "shirt": eur("4.00")}
    assert result.applied[0].name == "-20% on the second item"


def test_twenty_percent_off_every_second_item_of_five_discounts_the_two_cheapest(channel):
    # 5 units -> 2 discounted, the two cheapest: both at 9.99; 20% of 19.98 = 3.996 -> 4.00.
    PromotionFactory(second_item=True)
    lines = [line("14.50", 2, line_id="a"), line("9.99", 3, line_id="b")]

    result = evaluate_discounts(channel=channel, lines=lines)

    assert result.line_discounts == {"a": eur("0.00"), "b": eur("4.00")}


def test_the_cheapest_units_are_split_across_lines_when_one_line_has_too_few(channel):
    # 6 units -> 3 discounted: the one at 5.00, then two of the three at 7.00. 20% of 5.00 = 1.00, of 14.00 = 2.80.
    PromotionFactory(second_item=True)
    lines = [line("7.00", 3, line_id="a"), line("5.00", 1, line_id="b"), line("11.00", 2, line_id="c")]

    result = evaluate_discounts(channel=channel, lines=lines)

    assert result.line_discounts == {"a": eur("2.80"), "b": eur("1.00"), "c": eur("0.00")}


def test_a_promotion_on_a_category_leaves_the_other_items_alone(channel):
    books = CategoryFactory()
    novel, poster = ProductFactory(category=books), ProductFactory()
    PromotionFactory(categories=[books])
    lines = [product_line(novel, "9.00", 3), product_line(poster, "1.00", 3)]

    result = evaluate_discounts(channel=channel, lines=lines)

    assert result.line_discounts == {lines[0].line_id: eur("9.00"), lines[1].line_id: eur("0.00")}


def test_a_promotion_that_is_off_not_started_ended_or_for_another_channel_does_nothing(channel, usd_channel):
    now = timezone.now()
    PromotionFactory(is_active=False)
    PromotionFactory(starts_at=now + timedelta(hours=1))
    PromotionFactory(starts_at=now - timedelta(days=9), ends_at=now - timedelta(days=1))
    PromotionFactory(channel=usd_channel)

    result = evaluate_discounts(channel=channel, lines=[line("10.00", 3)], now=now)

    assert result.applied == []


def test_promotions_do_not_add_up_the_first_by_priority_takes_its_lines(channel):
    PromotionFactory(name="second", priority=20, second_item=True)
    PromotionFactory(name="first", priority=10)

    result = evaluate_discounts(channel=channel, lines=[line("10.00", 3, line_id="a")])

    assert [d.name for d in result.applied] == ["first"]
    assert result.line_discounts == {"a": eur("10.00")}


def test_a_promotion_that_gives_nothing_leaves_its_lines_to_the_next(channel):
    PromotionFactory(name="3 for 2", priority=10)
    PromotionFactory(name="second item", priority=20, second_item=True)

    result = evaluate_discounts(channel=channel, lines=[line("10.00", 2, line_id="a")])

    assert [d.name for d in result.applied] == ["second item"]
    assert result.line_discounts == {"a": eur("2.00")}


def test_a_later_promotion_discounts_the_lines_the_first_did_not_pool(channel):
    mugs = CategoryFactory()
    mug, plate = ProductFactory(category=mugs), ProductFactory()
    PromotionFactory(name="mugs 3 for 2", priority=10, categories=[mugs])
    PromotionFactory(name="second item", priority=20, second_item=True)
    lines = [product_line(mug, "6.00", 3), product_line(plate, "10.00", 2)]

    result = evaluate_discounts(channel=channel, lines=lines)

    assert result.line_discounts == {lines[0].line_id: eur("6.00"), lines[1].line_id: eur("2.00")}


def test_a_percentage_voucher_applies_to_what_the_promotions_left(channel):
    # 3 for 2 frees one 10.00 unit: 20.00 left, 10% of it = 2.00.
    PromotionFactory()
    VoucherFactory(code="TEN", value=Decimal("10"))

    result = evaluate_discounts(channel=channel, lines=[line("10.00", 3, line_id="a")], voucher_code="TEN")

    assert [d.source for d in result.applied] == ["promotion", "voucher"]
    assert result.applied[1].amount == eur("2.00")
    assert result.line_discounts == {"a": eur("12.00")}


def test_the_voucher_minimum_spend_is_checked_after_promotions(channel):
    PromotionFactory()
    VoucherFactory(code="MIN25", minimum_spend=Decimal("25"), currency="EUR")

    result = evaluate_discounts(channel=channel, lines=[line("10.00", 3)], voucher_code="MIN25")

    assert result.voucher_error.missing == eur("5.00")  # 30.00 - 10.00 free = 20.00, 5.00 short of 25.00


def test_discounts_never_take_more_than_a_line_is_worth(channel):
    PromotionFactory()
    VoucherFactory(code="ALL", kind=VoucherKind.FIXED_AMOUNT, value=Decimal("500"), currency="EUR")
    lines = [line("3.33", 2, line_id="a"), line("1.01", 1, line_id="b")]

    result = evaluate_discounts(channel=channel, lines=lines, voucher_code="ALL")

    assert result.line_discounts == {"a": eur("6.66"), "b": eur("1.01")}
    assert result.total == eur("7.67")


def test_a_line_priced_in_another_currency_is_refused(channel):
    with pytest.raises(InvalidDiscountLineError):
        evaluate_discounts(channel=channel, lines=[line("10.00", currency="USD")])


def test_a_line_given_twice_is_refused(channel):
    with pytest.raises(InvalidDiscountLineError):
        evaluate_discounts(channel=channel, lines=[line("1.00", line_id="x"), line("2.00", line_id="x")])


def test_an_empty_cart_has_no_discount_and_reads_no_promotion(channel, django_assert_num_queries):
    with django_assert_num_queries(0):
        result = evaluate_discounts(channel=channel, lines=[])

    assert result.applied == [] and result.line_discounts == {} and result.total is None


@pytest.mark.django_db
def test_a_promotion_whose_collection_was_deleted_applies_to_nothing_not_to_everything(channel):
    from comptoir.catalog.models import Collection
    from comptoir.core.money import Money
    from comptoir.pricing.discounts import DiscountLine, evaluate_discounts
    from comptoir.pricing.models import Promotion, PromotionKind
    from comptoir.pricing.vouchers import record_discount_scope

    collection = Collection.objects.create(name="Summer", slug="summer")
    promotion = Promotion.objects.create(
        name="3 for 2", channel=channel, kind=PromotionKind.BUY_X_GET_Y, buy_quantity=3, free_quantity=1
    )
    promotion.collections.add(collection)
    record_discount_scope(promotion)
    collection.delete()
    line = DiscountLine("1", 1, 1, None, frozenset(), 3, Money("10.00", "EUR"))

    result = evaluate_discounts(channel=channel, lines=[line])

    assert result.applied == []
