"""The order: what was bought, at which prices, for whom, delivered how; frozen when it is placed."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from comptoir.core.money import Money

AMOUNT = {"max_digits": 14, "decimal_places": 4}


# The status words are shared with parcels, returns and payments ("Paid", "Shipped", "Cancelled"...), but in
# French they agree with the noun they describe ("commande payée", "colis expédié"): each set has its context.
class OrderStatus(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", pgettext_lazy("order status", "Awaiting payment")
    PAID = "paid", pgettext_lazy("order status", "Paid")
    PARTIALLY_FULFILLED = "partially_fulfilled", pgettext_lazy("order status", "Partially shipped")
    FULFILLED = "fulfilled", pgettext_lazy("order status", "Shipped")
    DELIVERED = "delivered", pgettext_lazy("order status", "Delivered")
    COMPLETED = "completed", pgettext_lazy("order status", "Completed")
    CANCELLED = "cancelled", pgettext_lazy("order status", "Cancelled")
    PARTIALLY_REFUNDED = "partially_refunded", pgettext_lazy("order status", "Partially refunded")
    REFUNDED = "refunded", pgettext_lazy("order status", "Refunded")


class Order(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True)
    token = models.CharField(_("tracking token"), max_length=64, unique=True, editable=False)
    # One checkout gives at most one order: a retried or double-submitted place_order meets this constraint.
    checkout_token = models.UUIDField(_("checkout"), unique=True, editable=False)
    channel = models.ForeignKey("core.Channel", on_delete=models.PROTECT, related_name="orders")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    email = models.EmailField(_("email"))
    language = models.CharField(_("language"), max_length=8)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.AWAITING_PAYMENT
    )
    shipping_address = models.JSONField(_("delivery address"), default=dict, blank=True)
    billing_address = models.JSONField(_("billing address"), default=dict, blank=True)
    delivery_kind = models.CharField(_("delivery"), max_length=20, blank=True, default="")
    delivery_option_id = models.CharField(max_length=60, blank=True, default="")
    delivery_name = models.CharField(_("delivery method"), max_length=200, blank=True, default="")
    carrier = models.CharField(_("carrier"), max_length=100, blank=True, default="")
    tracking_url_template = models.CharField(max_length=300, blank=True, default="")
    pickup_store = models.ForeignKey(
        "inventory.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pickup_point = models.JSONField(_("pickup point"), default=dict, blank=True)
    voucher_code = models.CharField(_("voucher"), max_length=40, blank=True, default="")
    payment_method = models.CharField(_("payment method"), max_length=40, blank=True, default="")
    prices_include_tax = models.BooleanField(default=True)
    subtotal = models.DecimalField(_("subtotal"), **AMOUNT)
    discount_total = models.DecimalField(_("discounts"), default=Decimal(0), **AMOUNT)
    shipping_price = models.DecimalField(_("shipping"), default=Decimal(0), **AMOUNT)
    tax_total = models.DecimalField(_("tax"), default=Decimal(0), **AMOUNT)
    total = models.DecimalField(_("total"), **AMOUNT)
    gift_card_total = models.DecimalField(_("paid by gift card"), default=Decimal(0), **AMOUNT)
    discounts = models.JSONField(_("discounts applied"), default=list, blank=True)
    tax_breakdown = models.JSONField(_("tax breakdown"), default=list, blank=True)
    tax_exemption = models.CharField(
        _("tax exemption"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("The exemption certificate the order was sold under, tax free (printed on the invoice)."),
    )
    customer_note = models.TextField(_("note from the buyer"), blank=True, default="")
    created_at = models.DateTimeField(_("placed"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="orders_order_user_idx"),
            models.Index(fields=["status", "-created_at"], name="orders_order_status_idx"),
            models.Index(fields=["email"], name="orders_order_email_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(subtotal__gte=0), name="orders_order_subtotal_gte_0"),
            models.CheckConstraint(condition=Q(discount_total__gte=0), name="orders_order_discount_gte_0"),
            models.CheckConstraint(condition=Q(shipping_price__gte=0), name="orders_order_shipping_gte_0"),
            models.CheckConstraint(condition=Q(total__gte=0), name="orders_order_total_gte_0"),
            models.CheckConstraint(
                condition=Q(gift_card_total__gte=0) & Q(gift_card_total__lte=F("total")),
                name="orders_order_gift_card_within_total",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def money(self, amount: Decimal) -> Money:
        return Money(amount, self.currency)

    @property
    def amount_due(self) -> Money:
        """What the payment methods must collect: the total less what gift cards paid."""
        return Money(self.total - self.gift_card_total, self.currency)

    @property
    def ref(self) -> str:
        """The reference inventory, vouchers, gift cards and partners know this order by."""
        return self.number


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey("catalog.Variant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    product_name = models.CharField(_("product"), max_length=200)
    variant_name = models.CharField(_("variant"), max_length=200, blank=True, default="")
    sku = models.CharField(_("SKU"), max_length=64, blank=True, default="")
    product_kind = models.CharField(max_length=20, blank=True, default="")
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), **AMOUNT)
    discount = models.DecimalField(_("discount"), default=Decimal(0), **AMOUNT)
    # Six decimals: US combined rates have five (0.08875).
    tax_rate = models.DecimalField(_("tax rate"), max_digits=9, decimal_places=6, default=Decimal(0))
    tax_class = models.CharField(_("tax class"), max_length=20, blank=True, default="standard")
    tax_amount = models.DecimalField(_("tax"), default=Decimal(0), **AMOUNT)
    total = models.DecimalField(_("line total"), **AMOUNT)
    quantity_fulfilled = models.PositiveIntegerField(_("shipped"), default=0)
    quantity_returned = models.PositiveIntegerField(_("returned"), default=0)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orders_orderline_quantity_gt_0"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="orders_orderline_unit_price_gte_0"),
            models.CheckConstraint(condition=Q(discount__gte=0), name="orders_orderline_discount_gte_0"),
            models.CheckConstraint(
                condition=Q(quantity_fulfilled__lte=F("quantity")), name="orders_orderline_fulfilled_lte_quantity"
            ),
            models.CheckConstraint(
                condition=Q(quantity_returned__lte=F("quantity")), name="orders_orderline_returned_lte_quantity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_name}"

    @property
    def ref(self) -> str:
        return f"{self.order_id}:{self.pk}"

    @property
    def label(self) -> str:
        return f"{self.product_name} — {self.variant_name}" if self.variant_name else self.product_name

    @property
    def tax_percent(self) -> str:
        """The tax rate as a percentage: '20', '5.5', '8.875'."""
        return f"{(self.tax_rate * 100).normalize():f}"


class OrderEventKind(models.TextChoices):
    PLACED = "placed", _("Order placed")
    PAID = "paid", _("Payment received")
    PAYMENT_FAILED = "payment_failed", _("Payment failed")
    STATUS_CHANGED = "status_changed", _("Status changed")
    EDITED = "edited", _("Order edited")
    NOTE = "note", _("Note")
    # A line of the order's timeline: the same English words as the statuses, not the same French.
    SHIPPED = "shipped", pgettext_lazy("order event", "Shipped")
    DELIVERED = "delivered", pgettext_lazy("order event", "Delivered")
    READY_FOR_PICKUP = "ready_for_pickup", pgettext_lazy("order event", "Ready for pickup")
    CANCELLED = "cancelled", pgettext_lazy("order event", "Cancelled")
    EMAIL_SENT = "email_sent", _("Email sent")
    INVOICE_ISSUED = "invoice_issued", _("Invoice issued")
    RETURN_REQUESTED = "return_requested", _("Return requested")
    RETURN_UPDATED = "return_updated", _("Return updated")
    REFUNDED = "refunded", pgettext_lazy("order event", "Refunded")


class OrderEvent(models.Model):
    """One line of the order's timeline. `public` events are shown to the buyer on the tracking page."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=OrderEventKind.choices)
    message = models.TextField(_("message"), blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(_("shown to the buyer"), default=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("timeline")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"
