"""`evaluate_discounts` runs on every checkout page view: a fixed number of queries, whatever the cart."""

from decimal import Decimal

import pytest

from comptoir.catalog.queries.categories import category_tree
from comptoir.pricing.discounts import evaluate_discounts
from comptoir.pricing.models import VoucherKind
from tests.factories import CategoryFactory, CollectionFactory, ProductFactory
from tests.pricing.factories import PromotionFactory, VoucherFactory, line, product_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(channel):
    """Two scoped promotions, one for all, and a scoped voucher limited per customer: every read there is."""
    kitchen = CategoryFactory()
    summer = CollectionFactory()
    products = [ProductFactory(category=kitchen) for _ in range(3)]
    PromotionFactory(priority=1, categories=[kitchen])
    PromotionFactory(priority=2, second_item=True, collections=[summer], products=products[:1])
    PromotionFactory(priority=3)
    VoucherFactory(
        code="TEN",
        kind=VoucherKind.FIXED_AMOUNT,
        value=Decimal("10"),
        currency="EUR",
        limit_per_customer=2,
        categories=[kitchen],
    )
    category_tree()  # cached, as on any page after the first
    return products, summer


def cart(products, summer, size: int):
    return [
        product_line(
            products[i % len(products)], f"{5 + i}.00", 1 + i % 3, collection_ids=(summer.pk,) if i % 2 else ()
        )
        for i in range(size)
    ]


# promotions, voucher, scopes (one UNION), the customer's earlier uses
FULL = 4


@pytest.mark.parametrize("size", [1, 40])
def test_discounts_of_any_cart_take_the_same_four_queries(shop, channel, size, django_assert_num_queries):
    lines = cart(*shop, size)

    with django_assert_num_queries(FULL):
        result = evaluate_discounts(channel=channel, lines=lines, voucher_code="TEN", email="ann@example.com")

    assert result.voucher_error is None and result.applied


def test_without_a_code_discounts_take_two_queries(shop, channel, django_assert_num_queries):
    with django_assert_num_queries(2):
        evaluate_discounts(channel=channel, lines=cart(*shop, 10))


def test_a_shop_without_promotions_and_no_code_reads_one_query(channel, django_assert_num_queries):
    with django_assert_num_queries(1):
        evaluate_discounts(channel=channel, lines=[line("10.00"), line("20.00", 3)])
