from decimal import Decimal

import pytest

from comptoir.core.errors import InvalidInputError
from comptoir.fulfillment.routing import Destination, distance_km, plan_collection, plan_delivery
from comptoir.inventory.errors import InsufficientStockError
from comptoir.inventory.models import Allocation, LocationKind
from comptoir.inventory.services import allocate_order, receive_stock
from tests.factories import ChannelFactory, LocationFactory, VariantFactory

pytestmark = pytest.mark.django_db

PARIS = Destination(country="FR", postcode="75011", latitude=Decimal("48.8590"), longitude=Decimal("2.3800"))


def place(name, *, lat=None, lon=None, country="FR", postcode="", **kwargs):
    return LocationFactory(name=name, latitude=lat, longitude=lon, country=country, postcode=postcode, **kwargs)


def stock(location, variant, units):
    receive_stock(location_id=location.pk, variant_id=variant.pk, quantity=units)


@pytest.fixture
def channel():
    return ChannelFactory(slug="fr")


def test_paris_to_lyon_is_about_391_km():
    assert round(distance_km(Decimal("48.8566"), Decimal("2.3522"), Decimal("45.7640"), Decimal("4.8357"))) == 391


def test_an_order_ships_from_the_nearest_location_that_has_everything(channel):
    variant = VariantFactory()
    lyon = place("Lyon", lat=Decimal("45.76"), lon=Decimal("4.83"), priority=1)
    paris_store = place("Paris shop", lat=Decimal("48.86"), lon=Decimal("2.35"), kind=LocationKind.STORE, priority=9)
    stock(lyon, variant, 5)
    stock(paris_store, variant, 5)

    plan = plan_delivery(channel_id=channel.pk, destination=PARIS, quantities={variant.pk: 2})

    assert plan.location_ids == [paris_store.pk]


def test_without_coordinates_the_location_sharing_most_of_the_postcode_wins(channel):
    variant = VariantFactory()
    marseille, paris = place("Marseille", postcode="13001", priority=1), place("Paris", postcode="75002", priority=5)
    stock(marseille, variant, 5)
    stock(paris, variant, 5)

    plan = plan_delivery(channel_id=channel.pk, destination=Destination("FR", "75011"), quantities={variant.pk: 1})

    assert plan.location_ids == [paris.pk]


def test_one_parcel_is_preferred_over_a_nearer_location_that_has_only_part(channel):
    shirt, socks = VariantFactory(), VariantFactory()
    near, far = (
        place("Near", lat=Decimal("48.86"), lon=Decimal("2.38")),
        place("Far", lat=Decimal("43.3"), lon=Decimal("5.4")),
    )
    stock(near, shirt, 5)
    stock(far, shirt, 5)
    stock(far, socks, 5)

    plan = plan_delivery(channel_id=channel.pk, destination=PARIS, quantities={shirt.pk: 1, socks.pk: 1})

    assert plan.location_ids == [far.pk]


def test_an_order_no_location_can_fill_alone_is_split(channel):
    variant = VariantFactory()
    near, far = (
        place("Near", lat=Decimal("48.86"), lon=Decimal("2.38")),
        place("Far", lat=Decimal("43.3"), lon=Decimal("5.4")),
    )
    stock(near, variant, 2)
    stock(far, variant, 3)

    plan = plan_delivery(channel_id=channel.pk, destination=PARIS, quantities={variant.pk: 4})

    assert [(s.location_id, s.quantities) for s in plan.shipments] == [
        (near.pk, {variant.pk: 2}),
        (far.pk, {variant.pk: 2}),
    ]
    assert plan.consolidate_at is None


def test_when_splitting_is_off_the_plan_says_where_to_gather_the_goods(channel):
    variant = VariantFactory()
    near, far = (
        place("Near", lat=Decimal("48.86"), lon=Decimal("2.38")),
        place("Far", lat=Decimal("43.3"), lon=Decimal("5.4")),
    )
    stock(near, variant, 2)
    stock(far, variant, 3)

    plan = plan_delivery(channel_id=channel.pk, destination=PARIS, quantities={variant.pk: 4}, allow_split=False)

    assert plan.consolidate_at == near.pk


def test_locations_that_do_not_ship_there_or_serve_another_channel_are_left_out(channel):
    variant = VariantFactory()
    us_only = place("US", ships_to=["US"])
    other_channel = place("Other")
    other_channel.channels.add(ChannelFactory(slug="other"))
    shop_counter = place("Counter only", ships_orders=False)
    for location in (us_only, other_channel, shop_counter):
        stock(location, variant, 5)

    with pytest.raises(InsufficientStockError) as error:
        plan_delivery(channel_id=channel.pk, destination=PARIS, quantities={variant.pk: 1})

    assert error.value.shortages[0].available == 0


def test_a_dropship_line_is_planned_at_the_supplier(channel):
    own, supplied = VariantFactory(), VariantFactory()
    warehouse, supplier = place("Warehouse", priority=1), place("Supplier", kind=LocationKind.SUPPLIER, priority=50)
    stock(warehouse, own, 5)
    stock(supplier, supplied, 100)

    plan = plan_delivery(channel_id=channel.pk, destination=PARIS, quantities={own.pk: 1, supplied.pk: 1})

    assert [(s.location_id, s.is_dropship) for s in plan.shipments] == [(warehouse.pk, False), (supplier.pk, True)]


def test_allocation_follows_the_plan_ranking(channel):
    variant = VariantFactory()
    near, far = place("Near", lat=Decimal("48.86"), lon=Decimal("2.38"), priority=9), place("Far", priority=1)
    stock(near, variant, 5)
    stock(far, variant, 5)
    plan = plan_delivery(channel_id=channel.pk, destination=PARIS, quantities={variant.pk: 3})

    allocate_order(order_ref="o1", quantities={variant.pk: 3}, ranking=plan.ranking)

    assert Allocation.objects.get().stock_level.location_id == near.pk


def test_click_and_collect_takes_everything_from_the_chosen_store(channel):
    variant = VariantFactory()
    store = place("Shop", kind=LocationKind.STORE, pickup_enabled=True)
    stock(store, variant, 3)

    plan = plan_collection(store_id=store.pk, quantities={variant.pk: 3})

    assert plan.location_ids == [store.pk]


def test_click_and_collect_at_a_store_that_lacks_a_line_says_what_is_missing(channel):
    variant = VariantFactory()
    store = place("Shop", kind=LocationKind.STORE, pickup_enabled=True)
    stock(store, variant, 1)

    with pytest.raises(InsufficientStockError) as error:
        plan_collection(store_id=store.pk, quantities={variant.pk: 2})

    assert error.value.shortages[0].available == 1


def test_click_and_collect_at_a_store_without_pickup_is_refused(channel):
    with pytest.raises(InvalidInputError):
        plan_collection(store_id=place("Warehouse").pk, quantities={VariantFactory().pk: 1})


def test_a_channel_that_ships_in_one_parcel_only_gathers_the_goods_by_default():
    one_parcel = ChannelFactory(slug="one-parcel", allow_split_shipments=False)
    variant = VariantFactory()
    near, far = (
        place("Near", lat=Decimal("48.86"), lon=Decimal("2.38")),
        place("Far", lat=Decimal("43.3"), lon=Decimal("5.4")),
    )
    stock(near, variant, 2)
    stock(far, variant, 3)

    plan = plan_delivery(channel_id=one_parcel.pk, destination=PARIS, quantities={variant.pk: 4})

    assert plan.consolidate_at == near.pk
