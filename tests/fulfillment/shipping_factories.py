"""Factories for delivery options: zones, methods, rate tiers, pickup points, and a Paris address."""

from decimal import Decimal

import factory

from comptoir.core.addresses import PostalAddress
from comptoir.fulfillment.models import MethodKind, PickupPoint, RateType, ShippingMethod, ShippingRate, ShippingZone


class ShippingZoneFactory(factory.django.DjangoModelFactory):
    """A zone of every channel, France only, unless told otherwise."""

    class Meta:
        model = ShippingZone

    name = factory.Sequence(lambda n: f"Zone {n}")
    channel = None
    countries = factory.LazyFunction(lambda: ["FR"])


class ShippingMethodFactory(factory.django.DjangoModelFactory):
    """A flat-priced carrier delivery, 2 to 3 business days, priced in the zone channel's currency (else EUR)."""

    class Meta:
        model = ShippingMethod

    zone = factory.SubFactory(ShippingZoneFactory)
    name = factory.Sequence(lambda n: f"Carrier {n}")
    kind = MethodKind.SHIPPING
    carrier = "Colissimo"
    rate_type = RateType.FLAT
    price = Decimal("4.90")
    min_days = 2
    max_days = 3
    currency = factory.LazyAttribute(lambda o: o.zone.channel.currency if o.zone.channel else "EUR")


class ShippingRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShippingRate

    method = factory.SubFactory(ShippingMethodFactory, rate_type=RateType.BY_WEIGHT)
    price = Decimal("5.00")


class PickupPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PickupPoint

    method = factory.SubFactory(
        ShippingMethodFactory, kind=MethodKind.PICKUP_POINT, name="Relais", price=Decimal("3.90")
    )
    code = factory.Sequence(lambda n: f"R{n:05d}")
    name = factory.Sequence(lambda n: f"Relay {n}")
    street_address_1 = "1 rue du Commerce"
    postcode = "75015"
    city = "Paris"
    country = "FR"


def paris_address(**changes) -> PostalAddress:
    values = {
        "full_name": "Ada Lovelace",
        "street_address_1": "12 rue de la Paix",
        "postal_code": "75002",
        "city": "Paris",
        "country_code": "FR",
    }
    values.update(changes)
    return PostalAddress(**values)
