"""Carts ready to check out, built through the checkout services."""

from __future__ import annotations

from decimal import Decimal

from comptoir.checkout import services
from comptoir.checkout.models import Checkout
from comptoir.inventory.queries import forget_locations
from comptoir.inventory.services import receive_stock
from tests.factories import LocationFactory, sellable_product

ADDRESS_FR = {
    "full_name": "Camille Martin",
    "street_address_1": "12 rue de la Paix",
    "city": "Paris",
    "postal_code": "75002",
    "country_code": "FR",
    "phone": "+33 6 12 34 56 78",
}


def shipping_method(channel, *, price: str = "4.90", free_above: str | None = None, countries=("FR",)):
    from comptoir.fulfillment.models import ShippingMethod, ShippingZone

    zone = ShippingZone.objects.create(name="France", channel=channel, countries=list(countries))
    return ShippingMethod.objects.create(
        zone=zone,
        name="Colissimo",
        kind="shipping",
        carrier="Colissimo",
        tracking_url_template="https://track.example/{tracking_number}",
        rate_type="flat",
        price=Decimal(price),
        free_above=Decimal(free_above) if free_above else None,
        min_days=2,
        max_days=3,
        currency=channel.currency,
    )


def cart_with(
    channel, *, price: str = "20.00", stock: int = 10, quantity: int = 1, user=None, location=None, **product_kwargs
):
    """A cart holding `quantity` units of a fresh product priced `price` with `stock` units in a warehouse."""
    product = sellable_product(channel=channel, price=price, stock=None, **product_kwargs)
    variant = product.variants.first()
    if stock:  # through the service, so the stock ledger agrees (check_invariants)
        receive_stock(location_id=(location or LocationFactory()).pk, variant_id=variant.pk, quantity=stock)
    forget_locations()  # the factory made a warehouse behind the services' back
    cart = services.open_cart(channel=channel, user_id=user.pk if user else None)
    services.add_to_cart(checkout_id=cart.pk, variant_id=variant.pk, quantity=quantity)
    return cart, variant


def ready_checkout(
    channel, *, price: str = "20.00", stock: int = 10, quantity: int = 1, method=None, **kw
) -> tuple[Checkout, object]:
    """A cart with e-mail, address, delivery and the test card method chosen: place_order can run."""
    cart, variant = cart_with(channel, price=price, stock=stock, quantity=quantity, **kw)
    method = method or shipping_method(channel)
    services.set_email(checkout_id=cart.pk, email="camille@example.fr")
    services.set_addresses(checkout_id=cart.pk, shipping=ADDRESS_FR)
    services.set_delivery(checkout_id=cart.pk, option_id=f"method:{method.pk}")
    services.set_payment_method(checkout_id=cart.pk, method="test:card")
    return Checkout.objects.get(pk=cart.pk), variant
