"""Prices per variant per channel. Promotions, price lists, vouchers and gift cards come with later issues."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from comptoir.core.money import Money


class VariantPrice(models.Model):
    """The price of a variant in a channel, in the channel's currency (checked by the service that writes it).

    Whether the amount includes tax is the channel's `prices_include_tax` setting.
    """

    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="prices")
    # No index of its own: the unique (variant, channel) index serves every lookup, and a channel-only index
    # leads SQLite's planner to scan all the channel's prices when it looks for one product's cheapest.
    channel = models.ForeignKey("core.Channel", on_delete=models.CASCADE, related_name="variant_prices", db_index=False)
    currency = models.CharField(_("currency"), max_length=3)
    amount = models.DecimalField(_("price"), max_digits=14, decimal_places=4)
    compare_at_amount = models.DecimalField(
        _("compare-at price"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("The former or list price, shown struck through."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = [
            models.UniqueConstraint(fields=["variant", "channel"], name="pricing_variantprice_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="pricing_variantprice_amount_gte_0"),
            models.CheckConstraint(
                condition=Q(compare_at_amount__isnull=True) | Q(compare_at_amount__gt=F("amount")),
                name="pricing_variantprice_compare_at_gt_amount",
            ),
        ]

    def __str__(self) -> str:
        return str(self.price)

    @property
    def price(self) -> Money:
        return Money(self.amount, self.currency).quantize()

    @property
    def compare_at(self) -> Money | None:
        if self.compare_at_amount is None:
            return None
        return Money(self.compare_at_amount, self.currency).quantize()
