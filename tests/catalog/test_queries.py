from datetime import timedelta

import pytest
from django.utils import timezone

from comptoir.catalog.errors import ProductNotFoundError
from comptoir.catalog.models import ProductStatus
from comptoir.catalog.queries import ListingFilters, get_product_detail, list_featured_collections, list_product_page
from tests.factories import (
    AttributeValueFactory,
    CollectionFactory,
    ProductFactory,
    StockLevelFactory,
    VariantFactory,
    VariantPriceFactory,
    add_to_collection,
    sellable_product,
)

pytestmark = pytest.mark.django_db


def test_a_draft_product_is_not_listed(channel):
    sellable_product(channel=channel, status=ProductStatus.DRAFT)

    assert list_product_page(channel=channel).total == 0


def test_a_product_not_yet_in_its_publication_window_is_not_listed(channel):
    sellable_product(channel=channel, published_from=timezone.now() + timedelta(days=1))

    assert list_product_page(channel=channel).total == 0


def test_a_product_listed_in_another_channel_is_not_shown_here(channel, usd_channel):
    sellable_product(channel=usd_channel)

    assert list_product_page(channel=channel).total == 0


def test_the_listing_shows_the_cheapest_variant_price_in_the_channel_currency(channel):
    product = sellable_product(channel=channel, price="30.00", variants=2)
    VariantPriceFactory(variant=VariantFactory(product=product), channel=channel, amount="12.5")

    card = list_product_page(channel=channel).cards[0]

    assert str(card.price) == "12.50 EUR"


def test_the_in_stock_filter_hides_products_with_nothing_left(channel):
    sellable_product(channel=channel, stock=0, name="Gone")
    sellable_product(channel=channel, stock=3, name="Left")

    page = list_product_page(channel=channel, filters=ListingFilters(in_stock_only=True))

    assert [c.name for c in page.cards] == ["Left"]
    assert page.cards[0].stock.code == "low_stock"


def test_an_attribute_filter_matches_variant_options(channel):
    blue = AttributeValueFactory(slug="blue", attribute__slug="colour", attribute__is_variant_option=True)
    wanted = sellable_product(channel=channel, name="Blue shirt")
    wanted.variants.first().option_values.add(blue)
    sellable_product(channel=channel, name="Red shirt")

    page = list_product_page(channel=channel, filters=ListingFilters(attribute_values={"colour": ("blue",)}))

    assert [c.name for c in page.cards] == ["Blue shirt"]


def test_sorting_by_price_puts_the_cheapest_first(channel):
    for price in ("30", "10", "20"):
        sellable_product(channel=channel, price=price)

    page = list_product_page(channel=channel, sort="price_asc")

    assert [c.price.amount for c in page.cards] == [10, 20, 30]


def test_the_listing_takes_the_same_queries_for_one_product_and_for_many(channel, django_assert_num_queries):
    sellable_product(channel=channel)
    # count, page ids, cards with prices, stock and brands, first images; the channel's locations (cached after)
    with django_assert_num_queries(5):
        list_product_page(channel=channel)
    for _ in range(30):
        sellable_product(channel=channel)

    with django_assert_num_queries(4):
        list_product_page(channel=channel, per_page=24)


def test_the_product_page_has_a_fixed_number_of_queries(channel, django_assert_num_queries):
    product = sellable_product(channel=channel, variants=6)

    # product, variants, their options, attributes, images, prices, stock, category tree, channel locations
    with django_assert_num_queries(9):
        detail = get_product_detail(channel=channel, slug=product.slug)

    assert len(detail.variants) == 6


def test_an_unpublished_product_page_is_not_found(channel):
    product = sellable_product(channel=channel, status=ProductStatus.ARCHIVED)

    with pytest.raises(ProductNotFoundError):
        get_product_detail(channel=channel, slug=product.slug)


def test_a_product_without_a_price_in_the_channel_is_not_found(channel):
    product = ProductFactory(channels=[channel])
    StockLevelFactory(variant=VariantFactory(product=product))

    with pytest.raises(ProductNotFoundError):
        get_product_detail(channel=channel, slug=product.slug)


def test_featured_collections_show_their_visible_products_in_order(channel):
    shelf = CollectionFactory(name="New in")
    first, second = sellable_product(channel=channel, name="B"), sellable_product(channel=channel, name="A")
    hidden = sellable_product(channel=channel, status=ProductStatus.DRAFT)
    add_to_collection(shelf, first, hidden, second)

    shelves = list_featured_collections(channel=channel)

    assert [(s.name, [c.name for c in s.cards]) for s in shelves] == [("New in", ["B", "A"])]


def test_a_sold_out_variant_on_pre_order_is_offered_with_its_expected_date(channel):
    from datetime import date

    from comptoir.inventory.models import StockPolicy
    from comptoir.inventory.services import set_backorder_limit

    product = sellable_product(channel=channel, stock=0)
    variant = product.variants.get()
    level = variant.stock_levels.get()
    StockPolicy.objects.create(variant=variant, oversell="preorder", expected_on=date(2027, 3, 1))
    set_backorder_limit(location_id=level.location_id, variant_id=variant.pk, limit=20)

    card = list_product_page(channel=channel).cards[0]
    detail = get_product_detail(channel=channel, slug=product.slug)

    assert card.stock.code == detail.variants[0].stock.code == "preorder"
    assert detail.variants[0].stock.expected_on == date(2027, 3, 1)
    assert detail.variants[0].stock.purchasable


def test_stock_at_a_location_serving_another_channel_does_not_count(channel, usd_channel):
    product = sellable_product(channel=channel, stock=7)
    product.variants.get().stock_levels.get().location.channels.add(usd_channel)

    card = list_product_page(channel=channel).cards[0]

    assert card.stock.code == "out_of_stock"


def test_a_product_whose_variants_are_all_on_backorder_is_shown_as_backorder(channel):
    from comptoir.inventory.services import set_backorder_limit

    product = sellable_product(channel=channel, stock=0, variants=2)
    for variant in product.variants.all():
        level = variant.stock_levels.get()
        set_backorder_limit(location_id=level.location_id, variant_id=variant.pk, limit=3)

    detail = get_product_detail(channel=channel, slug=product.slug)

    assert detail.stock.code == "backorder"
