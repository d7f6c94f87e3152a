"""Shared set-up for the offline payment tests: a channel offering the three methods, orders paid offline."""

from __future__ import annotations

from decimal import Decimal

from comptoir.checkout import services as checkout
from comptoir.orders.models import Order
from comptoir.orders.services import pay_order
from comptoir.payments.models import Payment
from comptoir.payments.statement_models import OfflineMethodSettings
from tests.checkout.factories import ready_checkout

IBAN = "FR7630006000011234567890189"


def offline_settings(channel, **changes) -> OfflineMethodSettings:
    values = {
        "bank_transfer_enabled": True,
        "account_holder": "Comptoir SARL",
        "iban": IBAN,
        "bic": "AGRIFRPP",
        "bank_name": "Crédit Agricole",
        "transfer_deadline_days": 7,
        "cod_enabled": True,
        "cod_fee": Decimal("3.50"),
        "cod_max_amount": Decimal("300.00"),
        "in_store_enabled": True,
        **changes,
    }
    return OfflineMethodSettings.objects.create(channel=channel, **values)


def place(channel, *, method: str, price: str = "20.00", quantity: int = 1, **kw) -> tuple[Order, object]:
    """An order placed with `method` chosen at checkout (delivery by carrier at 4.90 unless told)."""
    cart, variant = ready_checkout(channel, price=price, quantity=quantity, **kw)
    checkout.set_payment_method(checkout_id=cart.pk, method=method)
    order = checkout.place_order(checkout_id=cart.pk)
    return order, variant


def bank_transfer_order(channel, **kw) -> tuple[Order, Payment]:
    order, _variant = place(channel, method="offline:bank_transfer", **kw)
    payment = pay_order(order_id=order.pk, method_code="offline:bank_transfer", data={})
    order.refresh_from_db()
    return order, payment


def csv_lines(*rows: tuple[str, str, str], header: str = "Date;Libellé;Montant;Devise") -> bytes:
    """A French bank's CSV export: `rows` are (date, label, amount with a decimal comma), in euros."""
    body = "\n".join(f"{date};{label};{amount};EUR" for date, label, amount in rows)
    return ("\ufeff" + header + "\n" + body + "\n").encode()


def collect_order(channel, *, method: str = "offline:in_store", price: str = "20.00") -> tuple[Order, object]:
    """A click & collect order at a store that has the item on its shelf, placed with `method`."""
    from comptoir.checkout.models import Checkout
    from comptoir.inventory.queries import forget_locations
    from tests.checkout.factories import ADDRESS_FR, cart_with
    from tests.factories import LocationFactory

    store = LocationFactory(name="Paris Marais", kind="store", pickup_enabled=True, city="Paris", postcode="75004")
    cart, variant = cart_with(channel, price=price, location=store)
    forget_locations()
    checkout.set_email(checkout_id=cart.pk, email="camille@example.fr")
    checkout.set_delivery(checkout_id=cart.pk, option_id=f"collect:{store.pk}")
    checkout.set_addresses(checkout_id=cart.pk, billing=ADDRESS_FR, billing_same_as_shipping=False)
    checkout.set_payment_method(checkout_id=cart.pk, method=method)
    order = checkout.place_order(checkout_id=Checkout.objects.get(pk=cart.pk).pk)
    return order, variant
