import pytest

from comptoir.inventory.errors import InsufficientStockError
from comptoir.inventory.models import StockLevel, TransferStatus
from comptoir.inventory.services import (
    cancel_transfer,
    receive_stock,
    receive_transfer,
    reserve_stock,
    send_transfer,
)
from comptoir.inventory.services.transfers import TransferClosedError
from tests.factories import LocationFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def warehouse_and_store():
    variant, warehouse, store = VariantFactory(), LocationFactory(), LocationFactory(kind="store")
    receive_stock(location_id=warehouse.pk, variant_id=variant.pk, quantity=10)
    return variant, warehouse, store


def on_hand(variant, location) -> int:
    level = StockLevel.objects.filter(variant=variant, location=location).first()
    return level.on_hand if level else 0


def test_sent_goods_leave_the_origin_and_are_not_yet_at_the_destination(warehouse_and_store):
    variant, warehouse, store = warehouse_and_store

    transfer = send_transfer(origin_id=warehouse.pk, destination_id=store.pk, quantities={variant.pk: 4})

    assert transfer.status == TransferStatus.IN_TRANSIT
    assert (on_hand(variant, warehouse), on_hand(variant, store)) == (6, 0)


def test_received_goods_count_at_the_destination(warehouse_and_store):
    variant, warehouse, store = warehouse_and_store
    transfer = send_transfer(origin_id=warehouse.pk, destination_id=store.pk, quantities={variant.pk: 4})

    receive_transfer(transfer_id=transfer.pk)

    assert (on_hand(variant, warehouse), on_hand(variant, store)) == (6, 4)


def test_receiving_twice_is_refused_and_counts_once(warehouse_and_store):
    variant, warehouse, store = warehouse_and_store
    transfer = send_transfer(origin_id=warehouse.pk, destination_id=store.pk, quantities={variant.pk: 4})
    receive_transfer(transfer_id=transfer.pk)

    with pytest.raises(TransferClosedError):
        receive_transfer(transfer_id=transfer.pk)

    assert on_hand(variant, store) == 4


def test_a_cancelled_transfer_puts_the_goods_back_at_the_origin(warehouse_and_store):
    variant, warehouse, store = warehouse_and_store
    transfer = send_transfer(origin_id=warehouse.pk, destination_id=store.pk, quantities={variant.pk: 4})

    cancel_transfer(transfer_id=transfer.pk)

    assert (on_hand(variant, warehouse), on_hand(variant, store)) == (10, 0)


def test_units_held_for_buyers_cannot_be_sent_away(warehouse_and_store):
    variant, warehouse, store = warehouse_and_store
    reserve_stock(holder="c", quantities={variant.pk: 8})

    with pytest.raises(InsufficientStockError) as error:
        send_transfer(origin_id=warehouse.pk, destination_id=store.pk, quantities={variant.pk: 3})

    assert error.value.shortages[0].available == 2
    assert on_hand(variant, warehouse) == 10
