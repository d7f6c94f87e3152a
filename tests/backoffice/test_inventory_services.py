"""The two small services the stock screens added: receive_goods (a delivery of many SKUs) and
set_stock_policy (how a variant sells when sold out)."""

from datetime import date

import pytest

from comptoir.core.errors import InvalidInputError
from comptoir.core.models import Event
from comptoir.inventory.errors import InvalidQuantityError
from comptoir.inventory.models import MovementReason, OversellMode, StockLevel, StockMovement, StockPolicy
from comptoir.inventory.services import receive_goods, receive_stock, set_stock_policy
from tests.factories import LocationFactory, VariantFactory

pytestmark = pytest.mark.django_db


def test_a_delivery_raises_each_sku_and_writes_one_ledger_line_each_under_its_reference():
    location = LocationFactory()
    shirt, mug = VariantFactory(), VariantFactory()
    receive_stock(location_id=location.pk, variant_id=shirt.pk, quantity=2)

    levels = receive_goods(
        location_id=location.pk, quantities={shirt.pk: 5, mug.pk: 3}, reference="DN-1", actor="boss", note="pallet 2"
    )

    assert sorted((level.variant_id, level.on_hand) for level in levels) == sorted([(shirt.pk, 7), (mug.pk, 3)])
    assert StockLevel.objects.get(variant=shirt).on_hand == 7
    lines = StockMovement.objects.filter(reference="DN-1")
    assert {(m.reason, m.actor, m.note) for m in lines} == {(MovementReason.RECEIPT, "boss", "pallet 2")}
    assert lines.count() == 2
    payloads = [e.payload for e in Event.objects.filter(name="inventory.stock_changed")]
    assert {"variant_ids": sorted([shirt.pk, mug.pk])} in payloads


def test_a_delivery_with_an_unknown_variant_or_a_bad_quantity_receives_nothing():
    location, shirt = LocationFactory(), VariantFactory()

    with pytest.raises(InvalidInputError):
        receive_goods(location_id=location.pk, quantities={shirt.pk: 2, 999_999: 1})
    with pytest.raises(InvalidQuantityError):
        receive_goods(location_id=location.pk, quantities={shirt.pk: 0})
    with pytest.raises(InvalidInputError):
        receive_goods(location_id=999_999, quantities={shirt.pk: 1})

    assert not StockLevel.objects.exists() and not StockMovement.objects.exists()


def test_a_stock_policy_is_made_then_changed():
    variant = VariantFactory()

    set_stock_policy(variant_id=variant.pk, oversell=OversellMode.BACKORDER, low_stock_threshold=3)
    policy = set_stock_policy(variant_id=variant.pk, oversell=OversellMode.PREORDER, expected_on=date(2031, 5, 1))

    assert StockPolicy.objects.get() == policy
    assert (policy.oversell, policy.expected_on, policy.low_stock_threshold) == ("preorder", date(2031, 5, 1), 5)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"oversell": "sometimes"}, InvalidInputError),
        ({"low_stock_threshold": -1}, InvalidQuantityError),
        ({"expected_on": "2031-05-01"}, InvalidInputError),
    ],
)
def test_a_stock_policy_with_bad_values_is_refused(kwargs, error):
    variant = VariantFactory()

    with pytest.raises(error):
        set_stock_policy(variant_id=variant.pk, **kwargs)

    assert not StockPolicy.objects.exists()
