"""Delivery options: zones, prices, local delivery, pickup points, dates, stable ids, and the setup services."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from comptoir.core.errors import InvalidInputError
from comptoir.core.money import CurrencyMismatchError, Money
from comptoir.fulfillment.errors import DeliveryUnavailableError, InvalidShippingSetupError
from comptoir.fulfillment.models import MethodKind, RateType, ShippingMethod, ShippingRate
from comptoir.fulfillment.shipping import (
    delivery_estimate,
    get_delivery_option,
    list_delivery_options,
    parse_postcode_rule,
    postcode_matches,
    zone_matches,
)
from comptoir.fulfillment.shipping_services import (
    RateTier,
    check_rate_tiers,
    clean_postcode_rules,
    clean_regions,
    clean_tracking_url_template,
    save_pickup_point,
    save_shipping_method,
    save_shipping_zone,
    set_shipping_rates,
)
from tests.factories import ChannelFactory, LocationFactory
from tests.fulfillment.shipping_factories import (
    PickupPointFactory,
    ShippingMethodFactory,
    ShippingRateFactory,
    ShippingZoneFactory,
    paris_address,
)

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
FRIDAY_MORNING = datetime(2026, 12, 4, 10, 0, tzinfo=PARIS)
EUR = "EUR"
NEAR_OPERA = (Decimal("48.8700"), Decimal("2.3320"))


def eur(amount: str) -> Money:
    return Money(Decimal(amount), EUR)


def options(channel, address=None, *, weight=500, subtotal="30.00", coords=None, now=FRIDAY_MORNING):
    latitude, longitude = coords or (None, None)
    return list_delivery_options(
        channel=channel,
        address=address or paris_address(),
        weight_grams=weight,
        subtotal=eur(subtotal) if isinstance(subtotal, str) else subtotal,
        latitude=latitude,
        longitude=longitude,
        now=now,
    )


def get_option(channel, option_id, address=None, *, weight=500, subtotal="30.00", coords=None):
    latitude, longitude = coords or (None, None)
    return get_delivery_option(
        channel=channel,
        option_id=option_id,
        address=address or paris_address(),
        weight_grams=weight,
        subtotal=eur(subtotal),
        latitude=latitude,
        longitude=longitude,
        now=FRIDAY_MORNING,
    )


def ids(found) -> list[str]:
    return [option.id for option in found]


# --- postcode rules and zones -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "postcode", "expected"),
    [
        ("75*", "75011", True),
        ("75*", "92100", False),
        ("75000-75999", "75011", True),
        ("75000-75999", "76000", False),
        ("75000 - 75999", "75999", True),
        ("75-77", "76230", True),  # bounds of two digits: the département
        ("75-77", "78000", False),
        ("10000-19999", "1000", False),  # too short to compare
        ("10000-19999", "10115", True),
        ("H1A-H9Z", "H2X 1Y4", True),  # Canadian FSAs, compared as text
        ("H1A-H9Z", "J4B 1A1", False),
        ("00-950..00-999", "00-960", True),  # Polish postcodes have a dash: ranges use ..
        ("00-950", "00950", True),  # not a range: its halves differ in length
        ("sw1a*", "SW1A 2AA", True),
        ("20000-20999", "22162-1010", False),
        ("22000-22999", "22162-1010", True),
        ("EC1Y 8SY", "ec1y8sy", True),
    ],
)
def test_postcode_rules_match_exact_codes_prefixes_and_ranges(rule, postcode, expected):
    assert postcode_matches([rule], postcode) is expected


@pytest.mark.parametrize("rule", ["*", "75999-75000", "75@00", "7#*", "7500..75999"])
def test_a_postcode_rule_that_cannot_be_read_is_refused_with_its_text(rule):
    with pytest.raises(ValueError, match="“"):
        parse_postcode_rule(rule)


def test_an_address_is_in_a_zone_of_its_country_only():
    zone = ShippingZoneFactory.build(countries=["FR", "BE"])

    assert zone_matches(zone, paris_address())
    assert zone_matches(zone, paris_address(country_code="BE", postal_code="1000"))
    assert not zone_matches(zone, paris_address(country_code="DE", postal_code="10115"))


def test_regions_narrow_only_the_countries_they_name():
    zone = ShippingZoneFactory.build(countries=["US", "FR"], regions=["US/NY", "US/NJ"])
    new_york = paris_address(country_code="US", country_area="NY", postal_code="10001", city="New York")

    assert zone_matches(zone, new_york)
    assert not zone_matches(zone, paris_address(country_code="US", country_area="CA", postal_code="94043"))
    assert zone_matches(zone, paris_address())  # France is not narrowed


def test_postcode_rules_narrow_the_zone():
    zone = ShippingZoneFactory.build(postcode_rules=["75*", "92000-92999"])

    assert zone_matches(zone, paris_address(postal_code="75011"))
    assert zone_matches(zone, paris_address(postal_code="92100"))
    assert not zone_matches(zone, paris_address(postal_code="69001"))


# --- which methods, at what price -------------------------------------------------------------------------------


def test_a_flat_method_of_a_matching_zone_is_offered_at_its_price_with_a_stable_id(channel):
    method = ShippingMethodFactory(name="Colissimo", price=Decimal("4.9"), min_days=2, max_days=3)

    [option] = options(channel)

    assert option.id == f"method:{method.pk}"
    assert option.kind == "shipping"
    assert option.name == "Colissimo — 2 to 3 days"
    assert option.price == eur("4.90")
    assert option.carrier == "Colissimo"
    assert options(channel)[0].id == option.id


def test_no_option_reaches_a_country_outside_every_zone(channel):
    ShippingMethodFactory()

    assert options(channel, paris_address(country_code="DE", postal_code="10115", city="Berlin")) == []


def test_a_zone_of_another_channel_is_not_offered_and_a_zone_of_every_channel_only_in_its_currency(
    channel, usd_channel
):
    other = ChannelFactory(slug="wholesale", currency="EUR")
    mine = ShippingMethodFactory(zone__channel=channel, name="Mine")
    ShippingMethodFactory(zone__channel=other, name="Theirs")
    everywhere = ShippingMethodFactory(name="Everywhere in euros")
    ShippingMethodFactory(name="Everywhere in dollars", currency="USD")

    assert sorted(ids(options(channel))) == sorted([f"method:{mine.pk}", f"method:{everywhere.pk}"])


def test_inactive_methods_and_zones_are_not_offered(channel):
    ShippingMethodFactory(is_active=False)
    ShippingMethodFactory(zone__is_active=False)

    assert options(channel) == []


def test_weight_tiers_price_the_parcel_and_a_boundary_belongs_to_the_lower_tier(channel):
    method = ShippingMethodFactory(rate_type=RateType.BY_WEIGHT)
    ShippingRateFactory(method=method, min_weight_grams=0, max_weight_grams=1000, price=Decimal("4.90"))
    ShippingRateFactory(method=method, min_weight_grams=1000, max_weight_grams=5000, price=Decimal("7.90"))

    assert options(channel, weight=0)[0].price == eur("4.90")
    assert options(channel, weight=1000)[0].price == eur("4.90")
    assert options(channel, weight=1001)[0].price == eur("7.90")
    assert options(channel, weight=5000)[0].price == eur("7.90")


def test_a_parcel_heavier_than_every_tier_is_not_offered_the_method(channel):
    method = ShippingMethodFactory(rate_type=RateType.BY_WEIGHT)
    ShippingRateFactory(method=method, min_weight_grams=0, max_weight_grams=30000)

    assert options(channel, weight=30001) == []


def test_value_tiers_price_by_the_subtotal(channel):
    method = ShippingMethodFactory(rate_type=RateType.BY_VALUE)
    ShippingRate.objects.create(method=method, min_order_value=0, max_order_value=Decimal("49.99"), price=Decimal(6))
    ShippingRate.objects.create(method=method, min_order_value=Decimal(50), max_order_value=None, price=Decimal(2))

    assert options(channel, subtotal="49.99")[0].price == eur("6.00")
    assert options(channel, subtotal="50.00")[0].price == eur("2.00")


def test_delivery_is_free_from_the_free_above_threshold(channel):
    ShippingMethodFactory(price=Decimal("4.90"), free_above=Decimal("60"))

    assert options(channel, subtotal="59.99")[0].price == eur("4.90")
    assert options(channel, subtotal="60.00")[0].price == eur("0.00")


def test_free_above_does_not_offer_a_method_the_parcel_is_too_heavy_for(channel):
    method = ShippingMethodFactory(rate_type=RateType.BY_WEIGHT, free_above=Decimal("10"))
    ShippingRateFactory(method=method, min_weight_grams=0, max_weight_grams=1000)

    assert options(channel, weight=2000, subtotal="100.00") == []
    assert options(channel, weight=900, subtotal="100.00")[0].price == eur("0.00")


def test_options_come_cheapest_first_then_fastest(channel):
    slow = ShippingMethodFactory(name="Slow", price=Decimal(5), min_days=3, max_days=5, position=0)
    fast = ShippingMethodFactory(name="Fast", price=Decimal(5), min_days=1, max_days=1, position=1)
    cheap = ShippingMethodFactory(name="Cheap", price=Decimal(3), min_days=4, max_days=6, position=2)

    assert ids(options(channel)) == [f"method:{cheap.pk}", f"method:{fast.pk}", f"method:{slow.pk}"]


def test_a_subtotal_in_another_currency_is_refused(channel):
    ShippingMethodFactory()

    with pytest.raises(CurrencyMismatchError):
        options(channel, subtotal=Money(Decimal(30), "USD"))


@pytest.mark.parametrize(
    ("weight", "coords"),
    [
        (-1, None),
        (1.5, None),
        (500, (Decimal(48), None)),
        (500, (Decimal(91), Decimal(2))),
        (500, ("north", "east")),
        (500, (Decimal("NaN"), Decimal(2))),
        (500, (Decimal(48), Decimal("-Infinity"))),
    ],
)
def test_a_negative_weight_or_a_bad_position_is_refused(channel, weight, coords):
    with pytest.raises(InvalidInputError):
        options(channel, weight=weight, coords=coords)


# --- local delivery ---------------------------------------------------------------------------------------------


def local_delivery(**kwargs):
    return ShippingMethodFactory(
        name="Paris by bike", kind=MethodKind.LOCAL_DELIVERY, min_days=0, max_days=1, price=Decimal("7.50"), **kwargs
    )


def test_local_delivery_reaches_its_postcodes_only(channel):
    method = local_delivery(local_postcodes=["75*", "92100"])

    assert ids(options(channel, paris_address(postal_code="75011"))) == [f"method:{method.pk}"]
    assert ids(options(channel, paris_address(postal_code="92100"))) == [f"method:{method.pk}"]
    assert options(channel, paris_address(postal_code="69001", city="Lyon")) == []


def test_local_delivery_by_radius_reaches_buyers_within_it_when_their_position_is_known(channel):
    shop = LocationFactory(latitude=Decimal("48.8566"), longitude=Decimal("2.3522"))
    method = local_delivery(origin=shop, radius_km=Decimal("5"))
    versailles = (Decimal("48.8049"), Decimal("2.1204"))  # 18 km away

    assert ids(options(channel, coords=NEAR_OPERA)) == [f"method:{method.pk}"]
    assert options(channel, coords=versailles) == []
    assert options(channel) == []  # the radius needs the buyer's position


def test_postcodes_still_reach_a_buyer_whose_position_is_unknown_when_a_radius_is_set_too(channel):
    shop = LocationFactory(latitude=Decimal("48.8566"), longitude=Decimal("2.3522"))
    method = local_delivery(origin=shop, radius_km=Decimal("5"), local_postcodes=["75*"])

    assert ids(options(channel)) == [f"method:{method.pk}"]


# --- pickup points ----------------------------------------------------------------------------------------------


def relay_method(**kwargs):
    return ShippingMethodFactory(kind=MethodKind.PICKUP_POINT, name="Relais", carrier="Mondial", **kwargs)


def test_a_pickup_method_gives_one_option_per_point_nearest_first(channel):
    method = relay_method()
    far = PickupPointFactory(method=method, name="Far", latitude=Decimal("48.90"), longitude=Decimal("2.40"))
    near = PickupPointFactory(method=method, name="Near", latitude=Decimal("48.871"), longitude=Decimal("2.333"))
    unknown = PickupPointFactory(method=method, name="Unknown place")

    found = options(channel, coords=NEAR_OPERA)

    assert ids(found) == [f"pickup:{method.pk}:{p.pk}" for p in (near, far, unknown)]
    assert found[0].kind == "pickup_point"
    assert found[0].pickup_point.name == "Near"
    assert found[0].pickup_point.distance_km == pytest.approx(0.1, abs=0.1)
    assert found[2].pickup_point.distance_km is None


def test_without_a_position_points_sharing_more_of_the_postcode_come_first(channel):
    method = relay_method()
    lyon = PickupPointFactory(method=method, name="A Lyon", postcode="69001", city="Lyon")
    fifteenth = PickupPointFactory(method=method, name="B 15e", postcode="75015")
    second = PickupPointFactory(method=method, name="C 2e", postcode="75002")

    assert [o.pickup_point.id for o in options(channel)] == [second.pk, fifteenth.pk, lyon.pk]


def test_at_most_ten_points_are_offered_and_only_open_ones_in_the_destination_country(channel):
    method = relay_method()
    PickupPointFactory.create_batch(12, method=method)
    closed = PickupPointFactory(method=method, is_active=False, postcode="75002")
    belgian = PickupPointFactory(method=method, country="BE", postcode="75002")

    found = options(channel)

    assert len(found) == 10
    assert {closed.pk, belgian.pk}.isdisjoint(o.pickup_point.id for o in found)


def test_a_pickup_point_beyond_the_ten_nearest_can_still_be_chosen(channel):
    method = relay_method()
    PickupPointFactory.create_batch(10, method=method, postcode="75002")
    far = PickupPointFactory(method=method, postcode="13001", city="Marseille")

    option = get_option(channel, f"pickup:{method.pk}:{far.pk}")

    assert option.pickup_point.id == far.pk
    assert option.price == eur("4.90")


# --- delivery dates ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 12, 4, 10, 0, tzinfo=PARIS), (date(2026, 12, 8), date(2026, 12, 9))),  # Fri before 14:00
        (datetime(2026, 12, 4, 14, 0, tzinfo=PARIS), (date(2026, 12, 9), date(2026, 12, 10))),  # Fri from 14:00
        (datetime(2026, 12, 5, 9, 0, tzinfo=PARIS), (date(2026, 12, 9), date(2026, 12, 10))),  # Saturday
        (datetime(2026, 12, 7, 9, 0, tzinfo=PARIS), (date(2026, 12, 9), date(2026, 12, 10))),  # Monday
        (datetime(2026, 12, 4, 12, 30, tzinfo=ZoneInfo("UTC")), (date(2026, 12, 9), date(2026, 12, 10))),  # 13:30 Paris
    ],
)
def test_delivery_dates_count_business_days_from_the_dispatch_day(now, expected):
    assert delivery_estimate(now=now, min_days=2, max_days=3, cutoff_hour=13) == expected


def test_without_a_cut_off_an_order_on_a_business_day_leaves_that_day():
    late_friday = datetime(2026, 12, 4, 23, 0, tzinfo=PARIS)

    assert delivery_estimate(now=late_friday, min_days=0, max_days=1, cutoff_hour=None) == (
        date(2026, 12, 4),
        date(2026, 12, 7),
    )


def test_an_option_carries_its_estimate_and_the_same_day_label(channel):
    ShippingMethodFactory(name="Coursier", min_days=0, max_days=0, cutoff_hour=12)

    [option] = options(channel, now=datetime(2026, 12, 4, 11, 0, tzinfo=PARIS))

    assert option.name == "Coursier — same day"
    assert option.estimate == (date(2026, 12, 4), date(2026, 12, 4))


# --- choosing an option -----------------------------------------------------------------------------------------


def test_a_listed_option_is_found_again_by_its_id_at_the_same_price(channel):
    ShippingMethodFactory(price=Decimal("4.90"))
    relay = PickupPointFactory()
    listed = options(channel)

    for option in listed:
        assert get_option(channel, option.id) == option
    assert f"pickup:{relay.method_id}:{relay.pk}" in ids(listed)


@pytest.mark.parametrize("option_id", ["", "method:", "method:abc", "pickup:1", "method:1:2", "nonsense", None, 12])
def test_an_id_that_is_not_an_option_is_refused(channel, option_id):
    ShippingMethodFactory()

    with pytest.raises(DeliveryUnavailableError):
        get_option(channel, option_id)


def test_a_stale_option_is_refused_once_the_method_is_switched_off(channel):
    method = ShippingMethodFactory()
    [option] = options(channel)
    ShippingMethod.objects.filter(pk=method.pk).update(is_active=False)

    with pytest.raises(DeliveryUnavailableError) as refused:
        get_option(channel, option.id)

    assert refused.value.status == 422
    assert refused.value.to_problem()["option_id"] == option.id


def test_an_option_is_refused_for_an_address_or_basket_it_does_not_serve(channel):
    method = ShippingMethodFactory(zone__postcode_rules=["75*"], rate_type=RateType.BY_WEIGHT)
    ShippingRateFactory(method=method, min_weight_grams=0, max_weight_grams=1000)

    with pytest.raises(DeliveryUnavailableError):
        get_option(channel, f"method:{method.pk}", paris_address(postal_code="69001", city="Lyon"))
    with pytest.raises(DeliveryUnavailableError):
        get_option(channel, f"method:{method.pk}", weight=1500)


def test_a_closed_pickup_point_or_a_point_named_with_another_method_is_refused(channel):
    point = PickupPointFactory()
    other = relay_method()
    carrier = ShippingMethodFactory()
    point_id = f"pickup:{point.method_id}:{point.pk}"
    assert get_option(channel, point_id).pickup_point.id == point.pk
    point.is_active = False
    point.save()

    for stale in (point_id, f"pickup:{other.pk}:{point.pk}", f"pickup:{carrier.pk}:{point.pk}"):
        with pytest.raises(DeliveryUnavailableError):
            get_option(channel, stale)
    with pytest.raises(DeliveryUnavailableError):
        get_option(channel, f"method:{other.pk}")  # a pickup method is chosen with its point


# --- query counts -----------------------------------------------------------------------------------------------


def make_methods(n: int) -> None:
    shop = LocationFactory(latitude=Decimal("48.8566"), longitude=Decimal("2.3522"))
    for _ in range(n):
        weighed = ShippingMethodFactory(rate_type=RateType.BY_WEIGHT, zone__postcode_rules=["75*"])
        ShippingRateFactory(method=weighed, min_weight_grams=0, max_weight_grams=None)
        valued = ShippingMethodFactory(rate_type=RateType.BY_VALUE)
        ShippingRate.objects.create(method=valued, min_order_value=0, price=Decimal(3))
        local_delivery(origin=shop, radius_km=Decimal(10))
        PickupPointFactory.create_batch(3, method=relay_method(), latitude=Decimal("48.86"), longitude=Decimal("2.34"))


def test_listing_takes_three_queries_for_one_method_of_each_kind_and_for_many(channel, django_assert_num_queries):
    make_methods(1)
    with django_assert_num_queries(3):
        few = options(channel, coords=NEAR_OPERA)
    make_methods(6)
    with django_assert_num_queries(3):
        many = options(channel, coords=NEAR_OPERA)
    with django_assert_num_queries(3):
        options(channel)  # ranked by postcode

    assert len(few) == 6 and len(many) == 7 * 6


def test_choosing_a_pickup_point_takes_three_queries(channel, django_assert_num_queries):
    make_methods(4)
    point = PickupPointFactory(method=relay_method())

    with django_assert_num_queries(3):
        get_option(channel, f"pickup:{point.method_id}:{point.pk}")


# --- setting up zones, methods, tiers and points ----------------------------------------------------------------


def test_a_zone_is_saved_with_clean_countries_regions_and_postcodes(channel):
    zone = save_shipping_zone(
        name=" East coast ",
        channel_id=None,
        countries="us, US",
        regions="New York, nj",
        postcode_rules=["100*", " 07000-07999 "],
    )

    assert (zone.name, zone.countries, zone.regions) == ("East coast", ["US"], ["US/NY", "US/NJ"])
    assert zone.postcode_rules == ["100*", "07000-07999"]


@pytest.mark.parametrize(
    ("countries", "regions", "message"),
    [
        (["FR"], "Île-de-France", "France addresses have no region"),
        (["US"], "Atlantis", "is not a region of"),
        (["US", "CA"], "NY", "write the country first"),
        (["US"], "CA/ON", "is not one of the zone's countries"),
    ],
)
def test_a_region_that_cannot_be_matched_is_refused(countries, regions, message):
    with pytest.raises(InvalidShippingSetupError, match=message) as refused:
        clean_regions(countries, regions)

    assert refused.value.errors[0]["field"] == "regions"


def test_every_unreadable_postcode_rule_is_named():
    with pytest.raises(InvalidShippingSetupError) as refused:
        clean_postcode_rules("75*, 7@5, 75999-75000, *")

    assert len(refused.value.errors) == 3


def test_unknown_countries_are_refused_and_nothing_is_written():
    with pytest.raises(InvalidShippingSetupError, match="XX"):
        save_shipping_zone(name="Nowhere", channel_id=None, countries="FR, XX")

    assert not ShippingMethod.objects.exists()


def test_a_method_prices_in_its_zone_channels_currency(channel):
    zone = save_shipping_zone(name="France", channel_id=channel.pk, countries=["FR"])

    method = save_shipping_method(zone_id=zone.pk, name="Colissimo", price="4.90")
    assert method.currency == "EUR"
    with pytest.raises(InvalidShippingSetupError, match="must be in EUR"):
        save_shipping_method(zone_id=zone.pk, name="Colissimo", price="4.90", currency="USD")


def test_a_zone_of_every_channel_needs_a_currency_some_channel_sells_in(channel):
    zone = save_shipping_zone(name="France", channel_id=None, countries=["FR"])

    with pytest.raises(InvalidShippingSetupError, match="Choose the currency"):
        save_shipping_method(zone_id=zone.pk, name="Colissimo")
    with pytest.raises(InvalidShippingSetupError, match="No sales channel sells in JPY"):
        save_shipping_method(zone_id=zone.pk, name="Colissimo", currency="JPY")
    assert save_shipping_method(zone_id=zone.pk, name="Colissimo", currency="eur").currency == "EUR"


def test_a_zone_cannot_move_to_a_channel_of_another_currency_than_its_methods(channel, usd_channel):
    zone = save_shipping_zone(name="France", channel_id=channel.pk, countries=["FR"])
    save_shipping_method(zone_id=zone.pk, name="Colissimo")

    with pytest.raises(InvalidShippingSetupError, match="sells in USD"):
        save_shipping_zone(zone_id=zone.pk, name="France", channel_id=usd_channel.pk, countries=["FR"])


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"price": "-1"}, "zero or more"),
        ({"price": 4.9}, "never floats"),
        ({"min_days": 4, "max_days": 2}, "at least the fastest"),
        ({"cutoff_hour": 24}, "between 0 and 23"),
        ({"kind": "drone"}, "Unknown kind"),
        ({"kind": MethodKind.LOCAL_DELIVERY, "radius_km": "5"}, "needs the location"),
        ({"kind": MethodKind.LOCAL_DELIVERY, "local_postcodes": "7*5"}, "is not a postcode"),
    ],
)
def test_a_method_that_does_not_hold_together_is_refused(channel, fields, message):
    zone = save_shipping_zone(name="France", channel_id=channel.pk, countries=["FR"])

    with pytest.raises(InvalidShippingSetupError, match=message):
        save_shipping_method(zone_id=zone.pk, name="Colissimo", **fields)

    assert not ShippingMethod.objects.exists()


def test_local_delivery_limits_are_dropped_from_other_kinds(channel):
    zone = save_shipping_zone(name="France", channel_id=channel.pk, countries=["FR"])

    method = save_shipping_method(zone_id=zone.pk, name="Colissimo", local_postcodes="75*", radius_km="5")

    assert (method.local_postcodes, method.radius_km, method.origin) == ([], None, None)


@pytest.mark.parametrize(
    ("template", "accepted"),
    [
        ("", True),
        ("https://www.laposte.fr/outils/suivre-vos-envois?code={tracking_number}", True),
        ("https://carrier.example/track", False),
        ("https://carrier.example/track?n={number}", False),
        ("javascript:alert({tracking_number})", False),
        ("https://carrier.example/{tracking_number", False),
    ],
)
def test_a_tracking_url_needs_a_web_address_with_the_tracking_number(template, accepted):
    if accepted:
        assert clean_tracking_url_template(template) == template
    else:
        with pytest.raises(InvalidShippingSetupError):
            clean_tracking_url_template(template)


def test_rate_tiers_replace_the_former_ones_lowest_first(channel):
    method = ShippingMethodFactory(rate_type=RateType.BY_WEIGHT)
    ShippingRateFactory(method=method, min_weight_grams=0, max_weight_grams=100)

    tiers = set_shipping_rates(
        method_id=method.pk,
        tiers=[RateTier(1000, 5000, Decimal("7.90")), RateTier(0, 1000, Decimal("4.90"))],
    )

    assert [(t.min_weight_grams, t.max_weight_grams, t.price) for t in tiers] == [
        (0, 1000, Decimal("4.90")),
        (1000, 5000, Decimal("7.90")),
    ]


def test_overlapping_tiers_are_refused_and_the_former_ones_kept(channel):
    method = ShippingMethodFactory(rate_type=RateType.BY_WEIGHT)
    former = ShippingRateFactory(method=method, min_weight_grams=0, max_weight_grams=100)

    with pytest.raises(InvalidShippingSetupError, match="overlap"):
        set_shipping_rates(
            method_id=method.pk,
            tiers=[RateTier(0, 2000, Decimal("4.90")), RateTier(1000, None, Decimal("7.90"))],
        )

    assert list(method.rates.all()) == [former]


def test_tiers_on_a_flat_method_or_in_fractions_of_grams_are_refused(channel):
    flat = ShippingMethodFactory()
    weighed = ShippingMethodFactory(rate_type=RateType.BY_WEIGHT)

    with pytest.raises(InvalidShippingSetupError, match="flat"):
        set_shipping_rates(method_id=flat.pk, tiers=[RateTier(0, None, Decimal(1))])
    with pytest.raises(InvalidShippingSetupError, match="whole grams"):
        set_shipping_rates(method_id=weighed.pk, tiers=[RateTier(0, Decimal("10.5"), Decimal(1))])


def test_gaps_and_limits_in_tiers_are_warned_about():
    warnings = check_rate_tiers(
        RateType.BY_VALUE,
        [RateTier(Decimal(10), Decimal(50), Decimal(5)), RateTier(Decimal(60), Decimal(100), Decimal(3))],
        currency="EUR",
    )

    assert warnings == [
        "Nothing covers baskets below 10 EUR: the method is not offered for them.",
        "Nothing covers baskets between 50 EUR and 60 EUR: the method is not offered for them.",
        "Nothing covers baskets above 100 EUR: the method is not offered for them.",
    ]
    touching = [RateTier(Decimal(0), Decimal("49.99"), Decimal(5)), RateTier(Decimal(50), None, Decimal(0))]
    assert check_rate_tiers(RateType.BY_VALUE, touching, currency="EUR") == []


def test_a_pickup_point_is_saved_on_a_pickup_method_with_a_code_of_its_own(channel):
    method = relay_method()

    point = save_pickup_point(
        method_id=method.pk,
        code="R001",
        name="Tabac du Marché",
        street_address_1="3 rue Cler",
        postcode="75007",
        city="Paris",
        country="fr",
        latitude="48.8566",
        longitude="2.3064",
    )

    assert (point.country, point.latitude) == ("FR", Decimal("48.856600"))
    with pytest.raises(InvalidShippingSetupError, match="code R001"):
        save_pickup_point(
            method_id=method.pk, code="R001", name="Other", street_address_1="x", city="Paris", country="FR"
        )
    with pytest.raises(InvalidShippingSetupError, match="pickup-point method"):
        save_pickup_point(
            method_id=ShippingMethodFactory().pk,
            code="R002",
            name="Other",
            street_address_1="x",
            city="Paris",
            country="FR",
        )


def test_an_address_without_postcode_still_gets_pickup_points_and_misses_postcode_zones(channel):
    hong_kong = paris_address(country_code="HK", country_area="Kowloon", postal_code="", city="Kowloon")
    method = relay_method(zone__countries=["HK"])
    point = PickupPointFactory(method=method, country="HK", postcode="")
    ShippingMethodFactory(zone__countries=["HK"], zone__postcode_rules=["999*"])

    assert ids(options(channel, hong_kong)) == [f"pickup:{method.pk}:{point.pk}"]


# --- concurrent setup -------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_merchants_replacing_tiers_at_once_leave_one_whole_set_never_a_mixture(run_in_threads):
    method = ShippingMethodFactory(rate_type=RateType.BY_WEIGHT)
    sets = [
        [RateTier(0, 500 * (i + 1), Decimal(i + 1)), RateTier(500 * (i + 1), None, Decimal(10 + i))] for i in range(4)
    ]

    results = run_in_threads(lambda i: set_shipping_rates(method_id=method.pk, tiers=sets[i]), n=4)

    assert [r for r in results if isinstance(r, Exception)] == []
    saved = [(t.min_weight_grams, t.max_weight_grams, t.price) for t in method.rates.all()]
    assert saved in [[(int(t.low), t.high, t.price) for t in tiers] for tiers in sets]


@pytest.mark.django_db(transaction=True)
def test_two_points_saved_with_the_same_code_at_once_leave_one_and_a_clear_refusal(run_in_threads):
    method = relay_method()

    def save(i):
        return save_pickup_point(
            method_id=method.pk, code="R1", name=f"Point {i}", street_address_1="1 rue", city="Paris", country="FR"
        )

    results = run_in_threads(save, n=4)

    assert sorted(type(r).__name__ for r in results if isinstance(r, Exception)) == ["InvalidShippingSetupError"] * 3
    assert method.pickup_points.count() == 1
