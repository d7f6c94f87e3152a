"""Delivery options in the back office: zones with their methods, methods with rate tiers and pickup points."""

from decimal import Decimal

import pytest

from comptoir.fulfillment.models import MethodKind, RateType, ShippingMethod, ShippingRate, ShippingZone
from tests.backoffice.forms import management
from tests.backoffice.inventory_support import body, count_queries, messages_of
from tests.factories import LocationFactory
from tests.fulfillment.shipping_factories import (
    PickupPointFactory,
    ShippingMethodFactory,
    ShippingRateFactory,
    ShippingZoneFactory,
)

pytestmark = pytest.mark.django_db

ZONES = "/admin/fulfillment/shippingzone/"
METHODS = "/admin/fulfillment/shippingmethod/"
POINTS = "/admin/fulfillment/pickuppoint/"


def zone_form(*, methods=(), **fields) -> dict:
    data = {
        "name": "France",
        "channel": "",
        "countries": "FR",
        "regions": "",
        "postcode_rules": "",
        "is_active": "on",
        "position": 0,
        **management("methods", len(methods), 0),
    }
    data.update(fields)
    for i, row in enumerate(methods):
        row = {
            "name": "Colissimo",
            "kind": MethodKind.SHIPPING,
            "carrier": "",
            "rate_type": RateType.FLAT,
            "currency": "",
            "price": "4.90",
            "free_above": "",
            "min_days": 2,
            "max_days": 3,
            "position": 0,
            "is_active": "on",
            **row,
        }
        data.update({f"methods-{i}-{name}": value for name, value in row.items()})
    return data


def method_form(method: ShippingMethod, *, rates=(), points=(), **fields) -> dict:
    data = {
        "zone": method.zone_id,
        "name": method.name,
        "kind": method.kind,
        "carrier": method.carrier,
        "tracking_url_template": method.tracking_url_template,
        "rate_type": method.rate_type,
        "currency": method.currency,
        "price": str(method.price),
        "free_above": "",
        "min_days": method.min_days,
        "max_days": method.max_days,
        "cutoff_hour": "",
        "local_postcodes": "",
        "origin": "",
        "radius_km": "",
        "position": 0,
        "is_active": "on",
    }
    data.update(fields)
    if method.rate_type != RateType.FLAT:
        data.update(management("rates", len(rates), 0))
        for i, row in enumerate(rates):
            data.update({f"rates-{i}-{name}": value for name, value in row.items()})
    if method.kind == MethodKind.PICKUP_POINT:
        data.update(management("pickup_points", len(points), 0))
        for i, row in enumerate(points):
            data.update({f"pickup_points-{i}-{name}": value for name, value in row.items()})
    return data


def test_a_zone_is_added_with_its_method_priced_in_the_channel_currency(admin_client, channel):
    response = admin_client.post(
        f"{ZONES}add/",
        zone_form(channel=channel.pk, countries="fr, mc", postcode_rules="75*, 92000-92999", methods=[{}]),
    )

    assert response.status_code == 302, body(response)
    zone = ShippingZone.objects.get()
    assert (zone.countries, zone.postcode_rules) == (["FR", "MC"], ["75*", "92000-92999"])
    assert zone.methods.get().currency == "EUR"


def test_a_zone_with_unknown_countries_regions_or_postcodes_is_refused_on_each_field(admin_client, channel):
    response = admin_client.post(f"{ZONES}add/", zone_form(countries="FR, XX", postcode_rules="75*, *"))
    page = body(response)

    assert response.status_code == 200
    assert "Unknown country code(s): XX." in page
    assert "write a prefix followed by *" in page
    assert not ShippingZone.objects.exists()

    response = admin_client.post(f"{ZONES}add/", zone_form(countries="FR", regions="Île-de-France"))
    assert "addresses have no region: use postcodes instead" in body(response)


def test_a_zone_of_every_channel_needs_its_methods_currency(admin_client, channel):
    response = admin_client.post(f"{ZONES}add/", zone_form(methods=[{}]))

    assert response.status_code == 200
    assert "Choose the currency of the prices" in body(response)
    assert not ShippingZone.objects.exists()


def test_a_method_in_another_currency_than_its_channel_is_refused(admin_client, channel):
    method = ShippingMethodFactory(zone__channel=channel)

    response = admin_client.post(f"{METHODS}{method.pk}/change/", method_form(method, currency="USD"))

    assert response.status_code == 200
    assert "Prices must be in EUR, the currency of the channel" in body(response)


def test_a_bad_tracking_address_is_refused(admin_client, channel):
    method = ShippingMethodFactory()

    response = admin_client.post(
        f"{METHODS}{method.pk}/change/", method_form(method, tracking_url_template="https://carrier.example/track")
    )

    assert "Put {tracking_number} where the tracking number goes." in body(response)


def test_a_radius_without_a_located_origin_is_refused(admin_client, channel):
    method = ShippingMethodFactory(kind=MethodKind.LOCAL_DELIVERY)
    nowhere = LocationFactory(latitude=None, longitude=None)

    response = admin_client.post(
        f"{METHODS}{method.pk}/change/", method_form(method, origin=nowhere.pk, radius_km="5", local_postcodes="75*")
    )

    assert "A delivery radius needs the location it is measured from" in body(response)


def test_local_delivery_postcodes_and_radius_are_saved(admin_client, channel):
    method = ShippingMethodFactory(kind=MethodKind.LOCAL_DELIVERY)
    shop = LocationFactory(latitude=Decimal("48.8566"), longitude=Decimal("2.3522"))

    response = admin_client.post(
        f"{METHODS}{method.pk}/change/",
        method_form(method, origin=shop.pk, radius_km="5", local_postcodes="75*, 92100"),
    )

    assert response.status_code == 302, body(response)
    method.refresh_from_db()
    assert (method.local_postcodes, method.radius_km, method.origin_id) == (["75*", "92100"], Decimal(5), shop.pk)


def test_overlapping_weight_tiers_are_refused(admin_client, channel):
    method = ShippingMethodFactory(rate_type=RateType.BY_WEIGHT)
    rates = [
        {"min_weight_grams": 0, "max_weight_grams": 2000, "price": "4.90"},
        {"min_weight_grams": 1000, "max_weight_grams": "", "price": "7.90"},
    ]

    response = admin_client.post(f"{METHODS}{method.pk}/change/", method_form(method, rates=rates))

    assert response.status_code == 200
    assert "overlap: start a tier where the previous one ends" in body(response)
    assert not ShippingRate.objects.exists()


def test_tiers_with_a_gap_are_saved_with_a_warning(admin_client, channel):
    method = ShippingMethodFactory(rate_type=RateType.BY_WEIGHT)
    rates = [
        {"min_weight_grams": 0, "max_weight_grams": 1000, "price": "4.90"},
        {"min_weight_grams": 2000, "max_weight_grams": "", "price": "9.90"},
    ]

    response = admin_client.post(f"{METHODS}{method.pk}/change/", method_form(method, rates=rates), follow=True)

    assert ShippingRate.objects.count() == 2
    assert "Nothing covers baskets between 1000 g and 2000 g: the method is not offered for them." in messages_of(
        response
    )


def test_pickup_points_are_added_on_their_method(admin_client, channel):
    method = ShippingMethodFactory(kind=MethodKind.PICKUP_POINT)
    point = {
        "code": "R1",
        "name": "Tabac",
        "street_address_1": "3 rue Cler",
        "postcode": "75007",
        "city": "Paris",
        "country": "fr",
        "latitude": "48.85",
        "longitude": "",
        "opening_hours": "",
        "is_active": "on",
    }

    response = admin_client.post(f"{METHODS}{method.pk}/change/", method_form(method, points=[point]))
    assert "Enter both latitude and longitude, or neither." in body(response)

    response = admin_client.post(
        f"{METHODS}{method.pk}/change/", method_form(method, points=[{**point, "longitude": "2.30"}])
    )
    assert response.status_code == 302, body(response)
    assert method.pickup_points.get().country == "FR"


@pytest.mark.parametrize("url", [ZONES, METHODS, POINTS])
def test_the_delivery_lists_take_the_same_queries_for_one_row_and_for_many(admin_client, channel, url):
    PickupPointFactory(method__zone__channel=channel)
    admin_client.get(url)
    one = count_queries(admin_client, url)

    for _ in range(8):
        method = ShippingMethodFactory(rate_type=RateType.BY_WEIGHT, zone__channel=channel, free_above=Decimal(50))
        ShippingRateFactory(method=method)
        PickupPointFactory(method__zone=method.zone)

    assert count_queries(admin_client, url) == one


def test_the_delivery_pages_open(admin_client, channel):
    relay = PickupPointFactory(method__rate_type=RateType.BY_VALUE)
    zone = ShippingZoneFactory(regions=["US/NY"], countries=["US"])

    for url in (
        f"{ZONES}add/",
        f"{ZONES}{zone.pk}/change/",
        f"{ZONES}{relay.method.zone_id}/change/",
        f"{METHODS}add/",
        f"{METHODS}{relay.method_id}/change/",
        f"{POINTS}add/",
        f"{POINTS}{relay.pk}/change/",
    ):
        assert admin_client.get(url).status_code == 200, url
