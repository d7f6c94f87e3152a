"""The buyer's basket and checkout: one row per basket, from the first item added to the order placed.

A cart *is* a checkout in the making: the same row gathers the lines, then the email, addresses, delivery
choice, voucher and payment method. Carts live in the database (an anonymous buyer's by a cookie token, a
customer's by their account) so they survive restarts and feed abandoned-cart reminders.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DeliveryKind(models.TextChoices):
    SHIPPING = "shipping", _("Delivery by carrier")
    LOCAL_DELIVERY = "local_delivery", _("Local delivery")
    PICKUP_POINT = "pickup_point", _("Pickup point")
    COLLECT = "collect", _("Click & collect in store")


class VatCheck(models.TextChoices):
    """How far a business buyer's VAT number was checked."""

    FORMAT = "format", _("Format and checksum")
    VIES = "vies", _("Confirmed by VIES")
    UNCONFIRMED = "unconfirmed", _("Not confirmed: VIES was unavailable")


class Checkout(models.Model):
    token = models.UUIDField(_("token"), default=uuid.uuid4, unique=True, editable=False)
    channel = models.ForeignKey("core.Channel", on_delete=models.PROTECT, related_name="checkouts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="checkouts"
    )
    currency = models.CharField(_("currency"), max_length=3)
    language = models.CharField(_("language"), max_length=8, blank=True, default="")
    email = models.EmailField(_("email"), blank=True, default="")
    shipping_address = models.JSONField(_("shipping address"), default=dict, blank=True)
    billing_address = models.JSONField(_("billing address"), default=dict, blank=True)
    billing_same_as_shipping = models.BooleanField(_("billing address same as delivery"), default=True)
    # "Buying for a company": the VAT number is stored only once checked (comptoir.taxes.vat_numbers), in its
    # compact form with its country prefix; both are frozen into the order's billing address.
    company_name = models.CharField(_("company name"), max_length=255, blank=True, default="")
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True, default="")
    vat_check = models.CharField(_("VAT number check"), max_length=12, choices=VatCheck.choices, blank=True)
    delivery_kind = models.CharField(_("delivery"), max_length=20, choices=DeliveryKind.choices, blank=True)
    delivery_option_id = models.CharField(_("delivery option"), max_length=60, blank=True, default="")
    pickup_store = models.ForeignKey(
        "inventory.Location", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    voucher_code = models.CharField(_("voucher code"), max_length=40, blank=True, default="")
    gift_card_codes = models.JSONField(_("gift cards"), default=list, blank=True)
    payment_method = models.CharField(_("payment method"), max_length=40, blank=True, default="")
    customer_note = models.TextField(_("note for the shop"), blank=True, default="", max_length=1000)
    reserved_until = models.DateTimeField(_("items held until"), null=True, blank=True)
    completed_at = models.DateTimeField(_("order placed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("cart")
        verbose_name_plural = _("carts")
        # The back office's waiting-room screen (comptoir.backoffice.waiting_room) needs it.
        permissions = [("switch_waiting_room", _("Can switch the checkout waiting room"))]
        indexes = [
            models.Index(fields=["user", "channel", "completed_at"], name="checkout_user_open_idx"),
            models.Index(fields=["updated_at"], name="checkout_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="checkout_checkout_currency"),
        ]

    def __str__(self) -> str:
        return str(self.token)

    @property
    def holder(self) -> str:
        """The reference under which inventory holds this checkout's reserved units."""
        return f"checkout:{self.token}"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None


class CheckoutLine(models.Model):
    checkout = models.ForeignKey(Checkout, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    seen_unit_price = models.DecimalField(
        _("price shown to the buyer"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("The unit price the buyer last saw; a different current price is announced before payment."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cart line")
        verbose_name_plural = _("cart lines")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["checkout", "variant"], name="checkout_line_unique_variant"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="checkout_line_quantity_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.variant_id}"
