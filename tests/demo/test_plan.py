"""The demo plan is pure data: these tests need no database."""

from decimal import Decimal

import pytest
from stdnum import ean

from comptoir.catalog.kinds import ProductKind
from comptoir.demo.plan import MAX_VARIANTS, MIN_PRODUCTS, make_plan, shop_price, with_check_digit


@pytest.fixture(scope="module")
def plan():
    return make_plan(products=300, seed=11)


def _fingerprint(plans):
    return [(p.name, p.slug, [(v.sku, v.gtin, v.prices, v.compare_at, v.stock) for v in p.variants]) for p in plans]


def test_the_same_seed_plans_the_same_shop(plan):
    again = make_plan(products=300, seed=11)

    assert _fingerprint(again) == _fingerprint(plan)


def test_another_seed_plans_another_shop(plan):
    other = make_plan(products=300, seed=12)

    assert [p.name for p in other] != [p.name for p in plan]


def test_the_plan_has_the_number_of_products_asked_for_with_every_kind(plan):
    kinds = {p.kind for p in plan}

    assert len(plan) == 300
    assert kinds == set(ProductKind.values)


def test_a_plan_smaller_than_the_minimum_is_refused():
    with pytest.raises(ValueError, match=str(MIN_PRODUCTS)):
        make_plan(products=MIN_PRODUCTS - 1, seed=1)


def test_names_slugs_and_skus_are_unique(plan):
    skus = [v.sku for p in plan for v in p.variants]

    assert len({p.name for p in plan}) == len(plan)
    assert len({p.slug for p in plan}) == len(plan)
    assert len(set(skus)) == len(skus)


def test_every_product_has_one_to_eight_variants(plan):
    counts = {len(p.variants) for p in plan}

    assert min(counts) >= 1
    assert max(counts) <= MAX_VARIANTS


def test_every_barcode_is_a_valid_unique_gtin(plan):
    gtins = [v.gtin for p in plan for v in p.variants if v.gtin]

    assert all(ean.is_valid(gtin) and len(gtin) == 13 for gtin in gtins)
    assert len(set(gtins)) == len(gtins)


def test_goods_have_barcodes_and_weights(plan):
    goods = [v for p in plan if p.kind == ProductKind.PHYSICAL for v in p.variants]

    assert all(v.gtin and v.weight_grams for v in goods)


def test_the_check_digit_is_the_gs1_one():
    assert with_check_digit("400638133393") == "4006381333931"
    assert with_check_digit("978020137962") == "9780201379624"


def test_prices_end_like_shelf_prices_and_sale_prices_are_higher(plan):
    variants = [v for p in plan for v in p.variants]

    assert {v.prices["EUR"] % 1 for v in variants if v.prices["EUR"] >= 5} <= {Decimal("0.90"), Decimal("0.99"), 0}
    assert {v.prices["USD"] % 1 for v in variants} <= {Decimal("0.99"), 0}
    assert all(v.compare_at[c] > v.prices[c] for v in variants for c in v.compare_at)
    assert any(v.compare_at for v in variants)


def test_a_shelf_price_is_rounded_to_a_believable_figure():
    assert shop_price(Decimal("47.31"), Decimal("0.90")) == Decimal("44.90")
    assert shop_price(Decimal("131"), Decimal("0.99")) == Decimal("129.99")
    assert shop_price(Decimal("7.2"), Decimal("0.90")) == Decimal("7.90")


def test_some_variants_are_low_on_stock_and_some_sold_out(plan):
    totals = [sum(v.stock.values()) for p in plan if p.kind == ProductKind.PHYSICAL for v in p.variants]

    assert any(t == 0 for t in totals)
    assert any(1 <= t <= 5 for t in totals)
    assert any(t > 5 for t in totals)


def test_clothes_come_in_sizes_and_colours(plan):
    dresses = [p for p in plan if p.category == "women-dresses"]

    options = {slug for p in dresses for v in p.variants for slug, _ in v.options}

    assert options == {"size", "colour"}


def test_a_few_goods_are_drafts_or_archived_and_every_other_kind_is_published(plan):
    statuses = {p.status for p in plan if p.kind == ProductKind.PHYSICAL}

    assert {"draft", "archived", "published"} <= statuses
    assert all(p.status == "published" for p in plan if p.kind != ProductKind.PHYSICAL)


def test_seo_descriptions_are_plain_text_within_the_limit(plan):
    descriptions = [p.seo_description for p in plan]

    assert all(d and "<" not in d and len(d) <= 160 for d in descriptions)
