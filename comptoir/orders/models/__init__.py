"""Orders: the order and its lines and timeline, shipments, returns, invoices and credit notes."""

from comptoir.orders.models.invoices import Invoice, InvoiceKind, InvoiceSequence, LegalEntity
from comptoir.orders.models.orders import Order, OrderEvent, OrderEventKind, OrderLine, OrderStatus
from comptoir.orders.models.returns import ReturnLine, ReturnRequest, ReturnStatus
from comptoir.orders.models.shipments import Shipment, ShipmentLine, ShipmentStatus

__all__ = [
    "Invoice",
    "InvoiceKind",
    "InvoiceSequence",
    "LegalEntity",
    "Order",
    "OrderEvent",
    "OrderEventKind",
    "OrderLine",
    "OrderStatus",
    "ReturnLine",
    "ReturnRequest",
    "ReturnStatus",
    "Shipment",
    "ShipmentLine",
    "ShipmentStatus",
]
