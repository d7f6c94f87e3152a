"""Returns: the buyer asks, staff approve, receive (restock or write off) and refund."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


# In French a return's status agrees with "le retour", not with "la commande": hence the context.
class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("return status", "Requested")
    APPROVED = "approved", pgettext_lazy("return status", "Approved")
    REJECTED = "rejected", pgettext_lazy("return status", "Rejected")
    RECEIVED = "received", pgettext_lazy("return status", "Received")
    REFUNDED = "refunded", pgettext_lazy("return status", "Refunded")
    CANCELLED = "cancelled", pgettext_lazy("return status", "Cancelled")


class ReturnReason(models.TextChoices):
    CHANGED_MIND = "changed_mind", _("Changed my mind")
    WRONG_SIZE = "wrong_size", _("Wrong size or fit")
    DAMAGED = "damaged", _("Arrived damaged")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    WRONG_ITEM = "wrong_item", _("Wrong item sent")
    OTHER = "other", _("Other")


# Not a reason a buyer gives: a cash-on-delivery parcel the buyer refused or never collected, on its way back to
# the shop (comptoir/orders/services/offline.py, refuse_cash_on_delivery). Its return is booked like any other
# (back on sale or written off) but never refunded: nothing was paid. Buyers choose among ReturnReason only.
RETURNED_TO_SENDER = "returned_to_sender"
LINE_REASONS = [*ReturnReason.choices, (RETURNED_TO_SENDER, _("Returned to sender (cash on delivery)"))]


class ReturnRequest(models.Model):
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="returns")
    number = models.CharField(_("number"), max_length=30, unique=True)
    status = models.CharField(_("status"), max_length=12, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED)
    comment = models.TextField(_("buyer's comment"), blank=True, default="", max_length=2000)
    staff_note = models.TextField(_("staff note"), blank=True, default="")
    refund_amount = models.DecimalField(_("refunded"), max_digits=14, decimal_places=4, default=Decimal(0))
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(refund_amount__gte=0), name="orders_return_refund_gte_0"),
        ]

    def __str__(self) -> str:
        return self.number


class ReturnLine(models.Model):
    return_request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.CASCADE, related_name="return_lines")
    quantity = models.PositiveIntegerField(_("quantity"))
    reason = models.CharField(_("reason"), max_length=20, choices=LINE_REASONS)
    quantity_restocked = models.PositiveIntegerField(_("restocked"), default=0)
    quantity_written_off = models.PositiveIntegerField(_("written off"), default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orders_returnline_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(quantity_restocked__lte=F("quantity") - F("quantity_written_off")),
                name="orders_returnline_received_lte_quantity",
            ),
            models.UniqueConstraint(fields=["return_request", "order_line"], name="orders_returnline_unique_line"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x line {self.order_line_id}"
