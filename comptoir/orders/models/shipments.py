"""Parcels sent for an order: from which location, with which carrier and tracking number."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


# In French a parcel's status agrees with "le colis", not with "la commande": hence the context.
class ShipmentStatus(models.TextChoices):
    READY_FOR_PICKUP = "ready_for_pickup", pgettext_lazy("shipment status", "Ready for pickup")
    SHIPPED = "shipped", pgettext_lazy("shipment status", "Shipped")
    DELIVERED = "delivered", pgettext_lazy("shipment status", "Delivered")
    # Refused by the buyer or never collected, and sent back by the carrier (cash on delivery).
    RETURNED = "returned", pgettext_lazy("shipment status", "Returned to sender")


class Shipment(models.Model):
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="shipments")
    location = models.ForeignKey("inventory.Location", null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(_("status"), max_length=20, choices=ShipmentStatus.choices)
    carrier = models.CharField(_("carrier"), max_length=100, blank=True, default="")
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True, default="")
    tracking_url = models.URLField(_("tracking link"), max_length=500, blank=True, default="")
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.carrier} {self.tracking_number}".strip()


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.CASCADE, related_name="shipment_lines")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orders_shipmentline_quantity_gt_0"),
            models.UniqueConstraint(fields=["shipment", "order_line"], name="orders_shipmentline_unique_line"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x line {self.order_line_id}"
