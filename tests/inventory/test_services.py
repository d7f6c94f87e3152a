from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from comptoir.inventory.errors import InsufficientStockError, InvalidQuantityError, StockCommittedError
from comptoir.inventory.models import Allocation, Reservation, StockLevel, StockMovement
from comptoir.inventory.services import (
    allocate_order,
    count_stock,
    deallocate_order,
    expire_reservations,
    receive_stock,
    release_reservation,
    remove_stock,
    reserve_stock,
    restock_return,
    set_backorder_limit,
    ship_order,
)
from tests.factories import LocationFactory, VariantFactory

pytestmark = pytest.mark.django_db


def stocked(on_hand: int, *, priority: int = 100, variant=None):
    variant = variant or VariantFactory()
    location = LocationFactory(priority=priority)
    receive_stock(location_id=location.pk, variant_id=variant.pk, quantity=on_hand)
    return variant, location


def level_of(variant, location) -> StockLevel:
    return StockLevel.objects.get(variant=variant, location=location)


def ledger_agrees(level: StockLevel) -> bool:
    rows = StockMovement.objects.filter(stock_level=level)
    return (
        sum(r.on_hand_delta for r in rows) == level.on_hand
        and sum(r.allocated_delta for r in rows) == level.allocated
        and sum(r.reserved_delta for r in rows) == level.reserved
    )


def test_reserving_holds_units_and_writes_a_ledger_line():
    variant, location = stocked(5)

    reserve_stock(holder="checkout-1", quantities={variant.pk: 2})

    level = level_of(variant, location)
    assert (level.on_hand, level.reserved, level.available) == (5, 2, 3)
    assert ledger_agrees(level)


def test_reserving_more_than_is_left_says_how_many_are_left_and_writes_nothing():
    variant, location = stocked(3)

    with pytest.raises(InsufficientStockError) as error:
        reserve_stock(holder="checkout-1", quantities={variant.pk: 4})

    assert error.value.shortages[0].available == 3
    assert "only 3 left" in error.value.detail
    assert level_of(variant, location).reserved == 0
    assert not Reservation.objects.exists()


def test_a_cart_with_one_short_line_reserves_none_of_its_lines():
    plenty, _ = stocked(10)
    scarce, _ = stocked(1)

    with pytest.raises(InsufficientStockError):
        reserve_stock(holder="c", quantities={plenty.pk: 1, scarce.pk: 2})

    assert not Reservation.objects.exists()


def test_reservations_are_split_across_locations_by_priority():
    variant, first = stocked(2, priority=1)
    _, second = stocked(5, priority=2, variant=variant)

    reserve_stock(holder="c", quantities={variant.pk: 4})

    assert level_of(variant, first).reserved == 2
    assert level_of(variant, second).reserved == 2


def test_reserving_again_replaces_the_earlier_hold():
    variant, location = stocked(5)
    reserve_stock(holder="c", quantities={variant.pk: 4})

    reserve_stock(holder="c", quantities={variant.pk: 5})

    assert level_of(variant, location).reserved == 5
    assert Reservation.objects.get().quantity == 5


@pytest.mark.parametrize("quantity", [0, -1, 2.5, True])
def test_a_quantity_that_is_not_a_positive_whole_number_is_refused(quantity):
    variant, _ = stocked(5)

    with pytest.raises(InvalidQuantityError):
        reserve_stock(holder="c", quantities={variant.pk: quantity})


def test_releasing_gives_the_units_back():
    variant, location = stocked(5)
    reserve_stock(holder="c", quantities={variant.pk: 3})

    assert release_reservation(holder="c") == 3

    level = level_of(variant, location)
    assert level.reserved == 0 and ledger_agrees(level)


def test_expired_holds_are_released_and_fresh_ones_are_kept():
    variant, location = stocked(5)
    reserve_stock(holder="old", quantities={variant.pk: 1}, now=timezone.now() - timedelta(hours=1))
    reserve_stock(holder="new", quantities={variant.pk: 2})

    assert expire_reservations() == 1

    assert list(Reservation.objects.values_list("holder", flat=True)) == ["new"]
    assert level_of(variant, location).reserved == 2


def test_placing_the_order_turns_the_hold_into_an_allocation():
    variant, location = stocked(5)
    reserve_stock(holder="c", quantities={variant.pk: 2})

    allocate_order(order_ref="order-1", holder="c", quantities={variant.pk: 2})

    level = level_of(variant, location)
    assert (level.reserved, level.allocated, level.available) == (0, 2, 3)
    assert not Reservation.objects.exists()
    assert ledger_agrees(level)


def test_an_order_whose_hold_expired_still_gets_free_units():
    variant, location = stocked(5)

    allocate_order(order_ref="order-1", holder="gone", quantities={variant.pk: 2})

    assert level_of(variant, location).allocated == 2


def test_an_order_whose_hold_expired_and_whose_units_sold_out_is_refused():
    variant, _ = stocked(1)
    reserve_stock(holder="someone-else", quantities={variant.pk: 1})

    with pytest.raises(InsufficientStockError):
        allocate_order(order_ref="order-1", holder="gone", quantities={variant.pk: 1})

    assert not Allocation.objects.exists()


def test_an_order_taking_fewer_units_than_held_releases_the_rest():
    variant, location = stocked(5)
    reserve_stock(holder="c", quantities={variant.pk: 3})

    allocate_order(order_ref="o", holder="c", quantities={variant.pk: 1})

    level = level_of(variant, location)
    assert (level.reserved, level.allocated) == (0, 1)
    assert ledger_agrees(level)


def test_cancelling_an_order_gives_its_units_back():
    variant, location = stocked(5)
    allocate_order(order_ref="o", quantities={variant.pk: 2})

    assert deallocate_order(order_ref="o") == 2

    assert level_of(variant, location).available == 5


def test_shipping_takes_units_off_the_shelf():
    variant, location = stocked(5)
    allocate_order(order_ref="o", quantities={variant.pk: 3})

    assert ship_order(order_ref="o", quantities={variant.pk: 2}) == 2

    level = level_of(variant, location)
    assert (level.on_hand, level.allocated) == (3, 1)
    assert ledger_agrees(level)


def test_shipping_more_than_was_allocated_is_refused():
    variant, _ = stocked(5)
    allocate_order(order_ref="o", quantities={variant.pk: 1})

    with pytest.raises(InvalidQuantityError):
        ship_order(order_ref="o", quantities={variant.pk: 2})


def test_a_count_below_what_is_promised_is_refused():
    variant, location = stocked(5)
    allocate_order(order_ref="o", quantities={variant.pk: 4})

    with pytest.raises(StockCommittedError):
        count_stock(location_id=location.pk, variant_id=variant.pk, counted=3)

    assert level_of(variant, location).on_hand == 5


def test_a_count_sets_on_hand_and_records_the_difference():
    variant, location = stocked(5)

    count_stock(location_id=location.pk, variant_id=variant.pk, counted=8, note="annual count")

    level = level_of(variant, location)
    assert level.on_hand == 8
    assert StockMovement.objects.filter(stock_level=level).last().on_hand_delta == 3


def test_writing_off_promised_units_is_refused():
    variant, location = stocked(2)
    reserve_stock(holder="c", quantities={variant.pk: 2})

    with pytest.raises(StockCommittedError):
        remove_stock(location_id=location.pk, variant_id=variant.pk, quantity=1)


def test_returned_goods_go_back_on_hand():
    variant, location = stocked(1)

    restock_return(location_id=location.pk, variant_id=variant.pk, quantity=2, reference="RMA-1")

    assert level_of(variant, location).on_hand == 3


def test_a_backorder_allowance_lets_buyers_reserve_beyond_the_shelf():
    variant, location = stocked(1)
    set_backorder_limit(location_id=location.pk, variant_id=variant.pk, limit=5)

    reserve_stock(holder="c", quantities={variant.pk: 6})

    with pytest.raises(InsufficientStockError):
        reserve_stock(holder="d", quantities={variant.pk: 1})


def test_lowering_the_backorder_allowance_below_what_is_sold_is_refused():
    variant, location = stocked(1)
    set_backorder_limit(location_id=location.pk, variant_id=variant.pk, limit=3)
    allocate_order(order_ref="o", quantities={variant.pk: 3})

    with pytest.raises(StockCommittedError):
        set_backorder_limit(location_id=location.pk, variant_id=variant.pk, limit=1)


def test_the_database_refuses_more_held_than_on_hand_even_if_a_service_had_a_bug():
    variant, location = stocked(1)

    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(variant=variant, location=location).update(reserved=2)


def test_units_sold_on_backorder_cannot_ship_before_they_arrive():
    from comptoir.inventory.errors import NotOnShelfError

    variant, location = stocked(1)
    set_backorder_limit(location_id=location.pk, variant_id=variant.pk, limit=5)
    allocate_order(order_ref="o", quantities={variant.pk: 3})

    with pytest.raises(NotOnShelfError) as error:
        ship_order(order_ref="o")

    assert error.value.shortages[0].available == 1
    level = level_of(variant, location)
    assert (level.on_hand, level.allocated) == (1, 3)
    assert ship_order(order_ref="o", quantities={variant.pk: 1}) == 1
