"""Partner fulfilment: order lines that a supplier (dropship) or a 3PL ships on our behalf."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent to the partner")
    SHIPPED = "shipped", _("Shipped by the partner")
    CANCELLED = "cancelled", _("Cancelled")


class FulfilmentRequest(models.Model):
    """A purchase order to a dropship supplier, or a shipping request to a 3PL, for part of one order.

    `token` identifies the request in the partner's callback (it is the only secret in that URL), so it is
    long, random and unique.
    """

    location = models.ForeignKey("inventory.Location", on_delete=models.PROTECT, related_name="fulfilment_requests")
    order_ref = models.CharField(max_length=64, db_index=True)
    token = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    ship_to = models.JSONField(default=dict, help_text=_("Name, address lines, postcode, city, country, phone."))
    carrier = models.CharField(max_length=80, blank=True, default="")
    tracking_number = models.CharField(max_length=120, blank=True, default="")
    tracking_url = models.URLField(blank=True, default="")
    send_attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("partner fulfilment request")
        verbose_name_plural = _("partner fulfilment requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["order_ref", "location"], name="fulfillment_request_one_per_location"),
            models.CheckConstraint(
                condition=~Q(status="shipped") | ~Q(tracking_number=""), name="fulfillment_request_shipped_tracked"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_ref} via {self.location_id} ({self.status})"


class FulfilmentRequestLine(models.Model):
    request = models.ForeignKey(FulfilmentRequest, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="+")
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=255)
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="fulfillment_requestline_quantity_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"
