"""Races between real connections. On PostgreSQL and MariaDB the row locks decide; on SQLite the IMMEDIATE
transactions queue writers. Either way: nothing oversold, nothing negative, no deadlock, and every loser
is told there is not enough stock."""

from datetime import timedelta

import pytest
from django.utils import timezone

from comptoir.inventory.errors import InsufficientStockError
from comptoir.inventory.models import Reservation, StockLevel, StockMovement
from comptoir.inventory.services import expire_reservations, receive_stock, reserve_stock
from tests.factories import LocationFactory, VariantFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_fifty_buyers_racing_for_ten_units_in_two_locations_leave_forty_told_there_is_not_enough(run_in_threads):
    variant = VariantFactory()
    for priority in (1, 2):
        receive_stock(location_id=LocationFactory(priority=priority).pk, variant_id=variant.pk, quantity=5)

    results = run_in_threads(lambda i: reserve_stock(holder=f"buyer-{i}", quantities={variant.pk: 1}), n=50)

    errors = [r for r in results if isinstance(r, Exception)]
    assert sorted({type(e).__name__ for e in errors}) == ["InsufficientStockError"]
    assert len(errors) == 40
    levels = list(StockLevel.objects.filter(variant=variant))
    assert sum(level.reserved for level in levels) == Reservation.objects.count() == 10
    assert all(level.available == 0 for level in levels)


def test_carts_locking_the_same_variants_in_opposite_orders_finish_without_deadlock(run_in_threads):
    location = LocationFactory()
    first, second = VariantFactory(), VariantFactory()
    for variant in (first, second):
        receive_stock(location_id=location.pk, variant_id=variant.pk, quantity=100)

    def buy(i: int):
        # dict order is the cart's order: half the buyers list the variants one way, half the other.
        lines = {first.pk: 1, second.pk: 1} if i % 2 else {second.pk: 1, first.pk: 1}
        for attempt in range(5):
            reserve_stock(holder=f"buyer-{i}", quantities=lines)
            lines = {k: v + 1 for k, v in lines.items()} if attempt < 2 else lines
        return "ok"

    results = run_in_threads(buy, n=12)

    assert results == ["ok"] * 12
    for variant in (first, second):
        level = StockLevel.objects.get(variant=variant)
        assert level.reserved == 12 * 3
        assert sum(m.reserved_delta for m in StockMovement.objects.filter(stock_level=level)) == level.reserved


def test_the_expiry_task_run_twice_at_the_same_moment_releases_each_hold_once(run_in_threads):
    variant = VariantFactory()
    location = LocationFactory()
    receive_stock(location_id=location.pk, variant_id=variant.pk, quantity=20)
    past = timezone.now() - timedelta(hours=1)
    for i in range(10):
        reserve_stock(holder=f"buyer-{i}", quantities={variant.pk: 1}, now=past)

    results = run_in_threads(lambda i: expire_reservations(), n=2)

    assert sum(results) == 10
    level = StockLevel.objects.get(variant=variant)
    assert level.reserved == 0
    assert StockMovement.objects.filter(stock_level=level, reason="expire").count() == 10


def test_a_loser_is_told_how_many_units_are_left(run_in_threads):
    variant = VariantFactory()
    receive_stock(location_id=LocationFactory().pk, variant_id=variant.pk, quantity=3)

    results = run_in_threads(lambda i: reserve_stock(holder=f"b{i}", quantities={variant.pk: 2}), n=2)

    loser = next(r for r in results if isinstance(r, InsufficientStockError))
    assert loser.shortages[0].available == 1
