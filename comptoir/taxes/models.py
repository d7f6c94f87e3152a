"""Tax zones, their rates per tax class and validity period, and each sales channel's tax settings.

Zones and rates are facts about the world (the French standard rate, a Californian ZIP code's combined rate)
and are shared by every channel; whether a channel charges tax, from which country it sells and how it rounds
is that channel's `TaxSettings`. A channel without settings charges no tax at all.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from comptoir.taxes.classes import TaxClass


class ShippingTaxMode(models.TextChoices):
    MAIN_RATE = "main_rate", _("At the main rate of the goods (the rate of the largest share)")
    PRO_RATA = "pro_rata", _("Pro rata across the rates of the goods")


class TaxRounding(models.TextChoices):
    PER_LINE = "line", _("Round the tax of each line")
    PER_TOTAL = "total", _("Round the tax of each rate's total (lines share the rounding)")


class TaxSettings(models.Model):
    """How one sales channel charges tax. Whether its prices include tax is the channel's own setting."""

    channel = models.OneToOneField("core.Channel", on_delete=models.CASCADE, related_name="tax_settings")
    origin_country = CountryField(
        _("selling from"), help_text=_("The country your business is established in and ships from.")
    )
    eu_destination_taxation = models.BooleanField(
        _("tax EU distance sales at the buyer's rate (OSS)"),
        default=False,
        help_text=_(
            "Tick when your sales to consumers in other EU countries exceed 10,000 EUR a year, or when you opted "
            "for the One-Stop Shop: goods are then taxed at the rate of the buyer's country. Unticked, they are "
            "taxed at your own country's rate. Electronically supplied services and digital goods are always "
            "taxed at the buyer's rate."
        ),
    )
    shipping_tax = models.CharField(
        _("shipping tax"), max_length=10, choices=ShippingTaxMode.choices, default=ShippingTaxMode.MAIN_RATE
    )
    rounding = models.CharField(_("rounding"), max_length=5, choices=TaxRounding.choices, default=TaxRounding.PER_LINE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tax settings")
        verbose_name_plural = _("tax settings")

    def __str__(self) -> str:
        return f"{self.channel_id}: {self.origin_country}"


class TaxZone(models.Model):
    """A country, or a region of it (a state), or a postcode range in it, with its own rates.

    The most specific zone that matches an address wins: a postcode range over a region over a whole country.
    A zone with a postcode range matches on the postcode alone (a ZIP code names its state).
    """

    name = models.CharField(_("name"), max_length=120)
    country = CountryField(_("country"))
    region = models.CharField(
        _("region or state"), max_length=64, blank=True, default="", help_text=_("As the post writes it: CA, NY.")
    )
    postcode_from = models.CharField(
        _("postcodes from"),
        max_length=20,
        blank=True,
        default="",
        help_text=_("First postcode or prefix of the range (35 for every postcode starting 35). Empty: all."),
    )
    postcode_to = models.CharField(
        _("postcodes to"),
        max_length=20,
        blank=True,
        default="",
        help_text=_("Last postcode or prefix of the range, included; the same as the first for one prefix."),
    )

    class Meta:
        verbose_name = _("tax zone")
        verbose_name_plural = _("tax zones")
        ordering = ["country", "region", "postcode_from", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "region", "postcode_from", "postcode_to"], name="taxes_taxzone_unique_area"
            ),
            models.CheckConstraint(
                condition=(Q(postcode_from="") & Q(postcode_to=""))
                | (~Q(postcode_from="") & Q(postcode_to__gte=F("postcode_from"))),
                name="taxes_taxzone_postcode_range",
            ),
        ]
        indexes = [models.Index(fields=["country", "postcode_from"], name="taxes_taxzone_lookup_idx")]

    def __str__(self) -> str:
        return self.name


class TaxRate(models.Model):
    """The rate of one tax class in one zone during a period. A change of rate is a new row from its first
    day; the row before it ends the day before (history is never rewritten, so past orders stay explainable)."""

    zone = models.ForeignKey(TaxZone, on_delete=models.CASCADE, related_name="rates")
    tax_class = models.CharField(_("tax class"), max_length=20, choices=TaxClass.choices, default=TaxClass.STANDARD)
    rate = models.DecimalField(
        _("rate"), max_digits=7, decimal_places=6, help_text=_("A fraction: 0.2 for 20 %, 0.08875 for 8.875 %.")
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to (last day)"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("tax rate")
        verbose_name_plural = _("tax rates")
        ordering = ["zone", "tax_class", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["zone", "tax_class", "valid_from"], name="taxes_taxrate_one_per_start"),
            models.CheckConstraint(condition=Q(rate__gte=0) & Q(rate__lt=1), name="taxes_taxrate_rate_fraction"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="taxes_taxrate_period_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.zone} {self.tax_class} {self.percent} %"

    @property
    def percent(self) -> str:
        """'20', '5.5', '8.875'."""
        return f"{(self.rate * 100).normalize():f}"


# Exemption certificates, customer tax profiles and the report's proxy live in their own module.
