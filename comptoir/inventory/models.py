"""Stock per variant per location, the holds on it, and the ledger of every change.

The invariants live in the database: CHECK constraints keep every counter non-negative and never commit
more than is on hand (plus the backorder allowance the merchant set); the ledger's deltas add up to the
counters. Only comptoir.inventory.services writes these tables.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class LocationKind(models.TextChoices):
    WAREHOUSE = "warehouse", _("Warehouse")
    STORE = "store", _("Retail store")
    SUPPLIER = "supplier", _("Supplier (dropship)")
    THIRD_PARTY = "3pl", _("Third-party logistics")


class Location(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=LocationKind.choices, default=LocationKind.WAREHOUSE)
    priority = models.PositiveSmallIntegerField(_("priority"), default=100, help_text=_("Lower ships first."))
    pickup_enabled = models.BooleanField(_("click & collect"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    address = models.TextField(_("address"), blank=True, default="")
    city = models.CharField(_("city"), max_length=100, blank=True, default="")
    postcode = models.CharField(_("postcode"), max_length=20, blank=True, default="")
    country = models.CharField(_("country"), max_length=2, blank=True, default="")
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    opening_hours = models.JSONField(
        _("opening hours"), default=dict, blank=True, help_text=_('e.g. {"mon": ["09:00", "19:00"], "sun": []}')
    )
    channels = models.ManyToManyField(
        "core.Channel",
        verbose_name=_("sales channels served"),
        blank=True,
        related_name="stock_locations",
        help_text=_("Empty means every channel."),
    )
    ships_to = models.JSONField(
        _("ships to countries"), default=list, blank=True, help_text=_("ISO country codes; empty means everywhere.")
    )
    ships_orders = models.BooleanField(
        _("ships orders"), default=True, help_text=_("Orders may be shipped from here (ship-from-store for a shop).")
    )
    # How a supplier (dropship) or a 3PL receives the orders it ships for us.
    partner_email = models.EmailField(_("orders e-mail"), blank=True, default="")
    partner_webhook_url = models.URLField(_("orders webhook URL"), blank=True, default="")
    partner_webhook_secret = models.CharField(
        _("webhook signing secret"),
        max_length=128,
        blank=True,
        default="",
        help_text=_("Shared with the partner to sign and check webhook messages (HMAC-SHA256)."),
    )
    partner_file_drop = models.CharField(
        _("CSV drop folder"),
        max_length=255,
        blank=True,
        default="",
        help_text=_("Folder (e.g. an SFTP-synced directory) where order CSV files are written for a 3PL."),
    )

    class Meta:
        verbose_name = _("stock location")
        verbose_name_plural = _("stock locations")
        ordering = ["priority", "pk"]

    def __str__(self) -> str:
        return self.name


class StockLevel(models.Model):
    """Units of one variant at one location.

    available = on_hand - allocated - reserved. `allocated` units belong to placed orders, `reserved`
    units to checkouts in progress. The CHECK constraints keep every counter non-negative and never
    commit more than is on hand.
    """

    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="stock_levels")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = models.IntegerField(_("on hand"), default=0)
    allocated = models.IntegerField(_("allocated"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)
    backorder_limit = models.IntegerField(
        _("backorder allowance"), default=0, help_text=_("Units that may be sold beyond what is on hand.")
    )

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["variant", "location"], name="inventory_stocklevel_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="inventory_stocklevel_on_hand_gte_0"),
            models.CheckConstraint(condition=Q(allocated__gte=0), name="inventory_stocklevel_allocated_gte_0"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="inventory_stocklevel_reserved_gte_0"),
            models.CheckConstraint(
                condition=Q(backorder_limit__gte=0), name="inventory_stocklevel_backorder_limit_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(on_hand__gte=F("allocated") + F("reserved") - F("backorder_limit")),
                name="inventory_stocklevel_committed_lte_on_hand",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id}@{self.location_id}: {self.available}"

    @property
    def available(self) -> int:
        """Units that can still be promised: on hand plus the backorder allowance, less what is held."""
        return self.on_hand + self.backorder_limit - self.allocated - self.reserved


class OversellMode(models.TextChoices):
    NONE = "none", _("Stop selling at zero")
    BACKORDER = "backorder", _("Backorder: keep selling, ship when restocked")
    PREORDER = "preorder", _("Pre-order: not yet released, ships on the expected date")


class StockPolicy(models.Model):
    """How a variant sells beyond the shelf, and when its stock counts as low.

    The allowance itself is per location (`StockLevel.backorder_limit`) so the database can enforce it;
    this row says how the buyer is told and when the goods are expected.
    """

    variant = models.OneToOneField("catalog.Variant", on_delete=models.CASCADE, related_name="stock_policy")
    oversell = models.CharField(_("when sold out"), max_length=10, choices=OversellMode.choices, default="none")
    expected_on = models.DateField(_("expected on"), null=True, blank=True)
    low_stock_threshold = models.PositiveIntegerField(_("low-stock threshold"), default=5)

    class Meta:
        verbose_name = _("stock policy")
        verbose_name_plural = _("stock policies")

    def __str__(self) -> str:
        return f"{self.variant_id}: {self.oversell}"


class Reservation(models.Model):
    """Units held for a checkout until it becomes an order or the hold expires.

    `holder` is the checkout's reference. One row per holder per stock level.
    """

    holder = models.CharField(max_length=64, db_index=True)
    stock_level = models.ForeignKey(StockLevel, on_delete=models.PROTECT, related_name="reservations")
    quantity = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["holder", "stock_level"], name="inventory_reservation_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="inventory_reservation_quantity_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} held by {self.holder}"


class Allocation(models.Model):
    """Units promised to an order, at the location that will ship them, until shipped or cancelled.

    `order_ref` and `line_ref` identify the order and its line (the orders domain owns them).
    """

    order_ref = models.CharField(max_length=64, db_index=True)
    line_ref = models.CharField(max_length=64, default="", blank=True)
    stock_level = models.ForeignKey(StockLevel, on_delete=models.PROTECT, related_name="allocations")
    quantity = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["order_ref", "line_ref", "stock_level"], name="inventory_allocation_unique"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="inventory_allocation_quantity_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} for {self.order_ref}"


class MovementReason(models.TextChoices):
    RECEIPT = "receipt", _("Goods received")
    COUNT = "count", _("Stock count correction")
    ADJUSTMENT = "adjustment", _("Adjustment")
    RESERVE = "reserve", _("Held for a checkout")
    RELEASE = "release", _("Hold released")
    EXPIRE = "expire", _("Hold expired")
    ALLOCATE = "allocate", _("Allocated to an order")
    DEALLOCATE = "deallocate", _("Order cancelled")
    SHIP = "ship", _("Shipped")
    RETURN = "return", _("Returned to stock")
    WRITE_OFF = "write_off", _("Written off")
    TRANSFER_OUT = "transfer_out", _("Sent to another location")
    TRANSFER_IN = "transfer_in", _("Received from another location")
    BACKORDER = "backorder", _("Backorder allowance changed")


class StockMovement(models.Model):
    """One immutable line of the stock ledger: what changed on a stock level, why, and by whom.

    Summed over a stock level, the deltas equal its counters; `manage.py check_invariants` checks it.
    """

    stock_level = models.ForeignKey(StockLevel, on_delete=models.PROTECT, related_name="movements")
    reason = models.CharField(max_length=16, choices=MovementReason.choices)
    on_hand_delta = models.IntegerField(default=0)
    allocated_delta = models.IntegerField(default=0)
    reserved_delta = models.IntegerField(default=0)
    on_hand_after = models.IntegerField()
    allocated_after = models.IntegerField()
    reserved_after = models.IntegerField()
    reference = models.CharField(max_length=64, blank=True, default="", db_index=True)
    actor = models.CharField(max_length=150, blank=True, default="")
    note = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.reason} {self.on_hand_delta:+d}/{self.allocated_delta:+d}/{self.reserved_delta:+d}"


class TransferStatus(models.TextChoices):
    IN_TRANSIT = "in_transit", _("In transit")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


class StockTransfer(models.Model):
    """Goods sent from one location to another: they leave the origin when sent, and count at the
    destination only once received."""

    origin = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="transfers_out")
    destination = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="transfers_in")
    status = models.CharField(max_length=12, choices=TransferStatus.choices, default=TransferStatus.IN_TRANSIT)
    reference = models.CharField(_("reference"), max_length=64, blank=True, default="")
    note = models.CharField(_("note"), max_length=255, blank=True, default="")
    created_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("stock transfer")
        verbose_name_plural = _("stock transfers")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(origin=F("destination")), name="inventory_stocktransfer_two_places"),
        ]

    def __str__(self) -> str:
        return f"Transfer {self.pk}: {self.origin_id} -> {self.destination_id} ({self.status})"


class StockTransferLine(models.Model):
    transfer = models.ForeignKey(StockTransfer, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["transfer", "variant"], name="inventory_stocktransferline_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="inventory_stocktransferline_quantity_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.variant_id}"
