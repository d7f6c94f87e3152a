"""Stock per variant per location.

This is the ground floor the inventory issue builds on: locations and stock levels with the CHECK
constraints that make overselling impossible at the database. Reservations, allocation, the movement
ledger and routing come with that issue.
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

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["variant", "location"], name="inventory_stocklevel_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="inventory_stocklevel_on_hand_gte_0"),
            models.CheckConstraint(condition=Q(allocated__gte=0), name="inventory_stocklevel_allocated_gte_0"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="inventory_stocklevel_reserved_gte_0"),
            models.CheckConstraint(
                condition=Q(on_hand__gte=F("allocated") + F("reserved")),
                name="inventory_stocklevel_committed_lte_on_hand",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id}@{self.location_id}: {self.available}"

    @property
    def available(self) -> int:
        return self.on_hand - self.allocated - self.reserved
