"""Any sequence of reserve, release, expire, allocate, cancel, ship, return, count, write-off, backorder
changes and transfers keeps the stock invariants: nothing promised beyond on hand plus the allowance, the
ledger adds up, and units in transit are neither here nor there until received."""

import contextlib
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from comptoir.core.errors import DomainError
from comptoir.core.invariants import registered_checks
from comptoir.inventory import services
from comptoir.inventory.models import (
    Allocation,
    Reservation,
    StockLevel,
    StockMovement,
    StockTransfer,
    StockTransferLine,
)
from tests.factories import LocationFactory, VariantFactory

HOLDERS = st.sampled_from(["c1", "c2", "c3"])
ORDERS = st.sampled_from(["o1", "o2", "o3"])
UNITS = st.integers(min_value=1, max_value=6)


class StockMachine(RuleBasedStateMachine):
    @initialize()
    def shop(self):
        self.variants = [VariantFactory(), VariantFactory()]
        self.locations = [LocationFactory(priority=1), LocationFactory(priority=2)]
        for variant in self.variants:
            for location in self.locations:
                services.receive_stock(location_id=location.pk, variant_id=variant.pk, quantity=3)

    def attempt(self, action, *args, **kwargs):
        # A refusal is fine; the invariant is that it left nothing half-done.
        with contextlib.suppress(DomainError):
            action(*args, **kwargs)

    @rule(holder=HOLDERS, which=st.integers(0, 1), units=UNITS, expired=st.booleans())
    def reserve(self, holder, which, units, expired):
        now = timezone.now() - timedelta(hours=1) if expired else None
        self.attempt(services.reserve_stock, holder=holder, quantities={self.variants[which].pk: units}, now=now)

    @rule(holder=HOLDERS)
    def release(self, holder):
        services.release_reservation(holder=holder)

    @rule()
    def expire(self):
        services.expire_reservations()

    @rule(order=ORDERS, holder=HOLDERS, which=st.integers(0, 1), units=UNITS)
    def allocate(self, order, holder, which, units):
        if not Allocation.objects.filter(order_ref=order).exists():
            self.attempt(
                services.allocate_order, order_ref=order, holder=holder, quantities={self.variants[which].pk: units}
            )

    @rule(order=ORDERS)
    def cancel(self, order):
        services.deallocate_order(order_ref=order)

    @rule(order=ORDERS)
    def ship(self, order):
        self.attempt(services.ship_order, order_ref=order)

    @rule(which=st.integers(0, 1), where=st.integers(0, 1), units=UNITS)
    def give_back(self, which, where, units):
        services.restock_return(
            location_id=self.locations[where].pk, variant_id=self.variants[which].pk, quantity=units
        )

    @rule(which=st.integers(0, 1), where=st.integers(0, 1), counted=st.integers(0, 12))
    def count(self, which, where, counted):
        self.attempt(
            services.count_stock,
            location_id=self.locations[where].pk,
            variant_id=self.variants[which].pk,
            counted=counted,
        )

    @rule(which=st.integers(0, 1), where=st.integers(0, 1), units=UNITS)
    def write_off(self, which, where, units):
        self.attempt(
            services.remove_stock,
            location_id=self.locations[where].pk,
            variant_id=self.variants[which].pk,
            quantity=units,
        )

    @rule(which=st.integers(0, 1), where=st.integers(0, 1), limit=st.integers(0, 4))
    def allow_backorders(self, which, where, limit):
        self.attempt(
            services.set_backorder_limit,
            location_id=self.locations[where].pk,
            variant_id=self.variants[which].pk,
            limit=limit,
        )

    @rule(which=st.integers(0, 1), units=UNITS, backwards=st.booleans())
    def send_transfer(self, which, units, backwards):
        origin, destination = self.locations[::-1] if backwards else self.locations
        self.attempt(
            services.send_transfer,
            origin_id=origin.pk,
            destination_id=destination.pk,
            quantities={self.variants[which].pk: units},
        )

    @rule(cancel=st.booleans())
    def close_a_transfer(self, cancel):
        transfer = StockTransfer.objects.filter(status="in_transit").order_by("pk").first()
        if transfer:
            close = services.cancel_transfer if cancel else services.receive_transfer
            close(transfer_id=transfer.pk)

    @invariant()
    def nothing_is_oversold_and_the_ledger_adds_up(self):
        if not hasattr(self, "variants"):
            return
        for level in StockLevel.objects.all():
            assert level.available >= 0
            assert min(level.on_hand, level.allocated, level.reserved) >= 0
        result = registered_checks()["stock"]()
        assert result.violations == []
        in_transit = sum(line.quantity for line in StockTransferLine.objects.filter(transfer__status="in_transit"))
        received = sum(level.on_hand for level in StockLevel.objects.all())
        movements = StockMovement.objects.exclude(reason__in=["transfer_out", "transfer_in"])
        assert received + in_transit == sum(m.on_hand_delta for m in movements)
        assert sum(r.quantity for r in Reservation.objects.all()) == sum(lv.reserved for lv in StockLevel.objects.all())


@pytest.mark.django_db
class TestStockMachine(TestCase, StockMachine.TestCase):
    """Each example runs in its own rolled-back transaction (hypothesis.extra.django.TestCase)."""

    # Named explicitly: Django's TestCase has a `settings` method that would shadow hypothesis' attribute.
    settings = hypothesis_settings(
        max_examples=20, stateful_step_count=25, deadline=None, suppress_health_check=list(HealthCheck)
    )
