"""Tax-exemption certificates (a buyer's resale or exemption certificate, checked by staff) and the company
details a customer account saves for its purchases (name and VAT number)."""

from __future__ import annotations

import os
import uuid
from datetime import date

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from comptoir.orders.models import Order


def certificate_upload_path(_instance: TaxExemptionCertificate, filename: str) -> str:
    # A random name: the buyer's file name may hold personal data, and guessable paths would expose the
    # certificates of other companies. Only the checked extension is kept.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"tax-exemptions/{uuid.uuid4().hex}.{extension}"


@deconstructible(path="comptoir.taxes.exemption_models.PrivateStorage")
class PrivateStorage(FileSystemStorage):
    """Files no URL serves (certificates name companies and people): outside MEDIA_ROOT, which the shop or
    its CDN serves, in PRIVATE_MEDIA_ROOT (default: `private-media` beside MEDIA_ROOT). Staff download them
    through the back office, which checks their permission."""

    @property
    def base_location(self) -> str:
        configured = getattr(settings, "PRIVATE_MEDIA_ROOT", "")
        return str(configured or os.path.join(os.path.dirname(str(settings.MEDIA_ROOT).rstrip("/")), "private-media"))

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    @property
    def base_url(self) -> None:
        return None


def private_storage() -> PrivateStorage:
    return PrivateStorage()


class CertificateStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class TaxExemptionCertificate(models.Model):
    """A certificate that exempts a customer's purchases from sales tax or VAT in some regions.

    It applies at checkout (`comptoir.taxes.exemptions.find_exemption`) only once staff approved it, from
    `valid_from` until `valid_until` included, to deliveries in the regions it lists: "FR" covers a whole
    country, "US-CA" one state or region of it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tax_exemption_certificates",
        verbose_name=_("customer account"),
    )
    email = models.EmailField(
        _("e-mail"),
        blank=True,
        default="",
        help_text=_(
            "For a certificate entered by staff without an account: applies to the customer account "
            "signed in with this address."
        ),
    )
    company_name = models.CharField(_("company name"), max_length=255, blank=True, default="")
    tax_id = models.CharField(_("VAT or tax id"), max_length=40, blank=True, default="")
    number = models.CharField(_("certificate number"), max_length=60)
    regions = models.JSONField(
        _("regions covered"),
        default=list,
        help_text=_('Countries ("FR") and states or regions ("US-CA", "US-NY") where purchases are exempt.'),
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True, help_text=_("Empty: no end date."))
    document = models.FileField(
        _("certificate (PDF or image)"), upload_to=certificate_upload_path, storage=private_storage, blank=True
    )
    document_type = models.CharField(max_length=40, blank=True, default="", editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=CertificateStatus.choices, default=CertificateStatus.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason given to the customer"), blank=True, default="", max_length=1000)
    notes = models.TextField(_("staff notes"), blank=True, default="")
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tax-exemption certificate")
        verbose_name_plural = _("tax-exemption certificates")
        ordering = ["-created_at", "-pk"]
        permissions = [("review_taxexemptioncertificate", _("Can approve or reject tax-exemption certificates"))]
        indexes = [
            models.Index(fields=["user", "status"], name="taxes_exemption_user_idx"),
            models.Index(fields=["email", "status"], name="taxes_exemption_email_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="taxes_exemption_valid_until_after_from",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected"]), name="taxes_exemption_status"
            ),
            models.CheckConstraint(condition=~Q(user__isnull=True, email=""), name="taxes_exemption_has_holder"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def reference(self) -> str:
        """What the order and the invoice print: the certificate's number (and its holder's company)."""
        return f"{self.number} ({self.company_name})" if self.company_name else self.number

    def covers(self, country: str, region: str = "") -> bool:
        country, region = (country or "").upper(), (region or "").upper()
        wanted = {country} | ({f"{country}-{region}"} if region else set())
        return any(str(code).upper() in wanted for code in self.regions or [])

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class CustomerTaxProfile(models.Model):
    """What a customer account buys as: a company name and VAT number offered again at each checkout."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tax_profile")
    company_name = models.CharField(_("company name"), max_length=255, blank=True, default="")
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("customer tax profile")
        verbose_name_plural = _("customer tax profiles")

    def __str__(self) -> str:
        return self.vat_number or self.company_name


class TaxReport(Order):
    """The tax report's place in the back office (Taxes > Tax report) and its permission (`view_taxreport`):
    a view of the orders' frozen taxes, no table of its own (comptoir.taxes.reports)."""

    class Meta:
        proxy = True
        verbose_name = _("tax report")
        verbose_name_plural = _("tax report")
        default_permissions = ("view",)
