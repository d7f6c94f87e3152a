"""Cash-on-delivery orders for the "returned to sender" tests, placed at checkout and shipped through the services.

Tests using them need the offline provider switched on (`settings.PAYMENT_PROVIDERS`).
"""

from __future__ import annotations

from dataclasses import dataclass

from comptoir.core.invariants import registered_checks
from comptoir.inventory.models import StockLevel
from comptoir.orders.models import Order, Shipment
from comptoir.orders.services import fulfil_order, pay_order
from comptoir.payments.models import Payment
from comptoir.payments.providers.offline import CASH_ON_DELIVERY
from comptoir.payments.statement_models import OfflineMethodSettings
from tests.payments.offline.helpers import offline_settings, place


@dataclass
class CodOrder:
    order: Order
    variant: object
    payment: Payment
    shipments: list[Shipment]

    def refresh(self) -> Order:
        self.order.refresh_from_db()
        self.payment.refresh_from_db()
        return self.order

    def level(self) -> StockLevel:
        return StockLevel.objects.get(variant=self.variant)


def cod_order(channel, *, quantity: int = 1, ship: int | None = None) -> CodOrder:
    """A cash-on-delivery order of `quantity` units (20.00 each, 4.90 shipping + 3.50 fee) awaiting its cash,
    with `ship` units (all by default, 0 for none) shipped in one parcel from a warehouse of 10."""
    if not OfflineMethodSettings.objects.filter(channel=channel).exists():
        offline_settings(channel)
    order, variant = place(channel, method=CASH_ON_DELIVERY, quantity=quantity)
    payment = pay_order(order_id=order.pk, method_code=CASH_ON_DELIVERY, data={})
    shipments = []
    units = quantity if ship is None else ship
    if units:
        line = order.lines.get()
        shipments.append(fulfil_order(order_id=order.pk, quantities={line.pk: units}, carrier="Colissimo"))
    order.refresh_from_db()
    return CodOrder(order, variant, payment, shipments)


def violations() -> list:
    """Every invariant of the shop (orders, payments, stock, invoices), as `manage.py check_invariants` runs them."""
    return [v for check in registered_checks().values() for v in check().violations]
