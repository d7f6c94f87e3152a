"""Offline payments: each channel's settings for bank transfer, cash on delivery and payment in store, and the
bank statements imported to reconcile transfers (comptoir/payments/offline_services.py writes them)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

AMOUNT = {"max_digits": 14, "decimal_places": 4}


class OfflineMethodSettings(models.Model):
    """Which offline methods a channel offers, and what the buyer is told. No row: none is offered."""

    channel = models.OneToOneField("core.Channel", on_delete=models.CASCADE, related_name="offline_payment_settings")
    bank_transfer_enabled = models.BooleanField(_("offer bank transfer"), default=False)
    account_holder = models.CharField(_("account holder"), max_length=140, blank=True, default="")
    iban = models.CharField(_("IBAN"), max_length=34, blank=True, default="")
    bic = models.CharField(_("BIC"), max_length=11, blank=True, default="")
    bank_name = models.CharField(_("bank name"), max_length=140, blank=True, default="")
    transfer_deadline_days = models.PositiveSmallIntegerField(
        _("days to pay by transfer"),
        default=7,
        help_text=_("An order not paid by then is cancelled, its stock put back on sale and the buyer told."),
    )
    cod_enabled = models.BooleanField(_("offer cash on delivery"), default=False)
    cod_fee = models.DecimalField(
        _("cash on delivery fee"),
        default=Decimal(0),
        help_text=_("Added to the shipping price when the buyer chooses cash on delivery."),
        **AMOUNT,
    )
    cod_max_amount = models.DecimalField(
        _("cash on delivery up to"),
        null=True,
        blank=True,
        help_text=_("Orders above this total cannot be paid on delivery. Empty: no limit."),
        **AMOUNT,
    )
    in_store_enabled = models.BooleanField(
        _("offer payment in store"), default=False, help_text=_("For click & collect orders only.")
    )

    class Meta:
        verbose_name = _("offline payment settings")
        verbose_name_plural = _("offline payment settings")
        permissions = [("record_in_store_payment", _("Can record a payment taken in store"))]
        constraints = [
            models.CheckConstraint(condition=Q(cod_fee__gte=0), name="payments_offlinesettings_cod_fee_gte_0"),
            models.CheckConstraint(
                condition=Q(cod_max_amount__isnull=True) | Q(cod_max_amount__gt=0),
                name="payments_offlinesettings_cod_max_gt_0",
            ),
        ]

    def __str__(self) -> str:
        return str(self.channel)


class StatementFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    CAMT053 = "camt053", _("CAMT.053 (ISO 20022 XML)")


class BankStatement(models.Model):
    """One imported file. Only a file that brought at least one new line is kept."""

    filename = models.CharField(_("file"), max_length=255)
    format = models.CharField(_("format"), max_length=10, choices=StatementFormat.choices)
    sha256 = models.CharField(max_length=64, db_index=True)
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.imported_at:%Y-%m-%d})" if self.imported_at else self.filename


class LineStatus(models.TextChoices):
    MATCHED = "matched", _("Matched: order paid")
    PARTIAL = "partial", _("To check: less than due")
    OVER = "over", _("To check: more than due, excess to refund")
    UNMATCHED = "unmatched", _("To check: no order found")
    PARTIAL_RECORDED = "partial_recorded", _("Part payment recorded")
    REFUNDED = "refunded", _("Excess refunded")
    DISMISSED = "dismissed", _("Dismissed")


# Lines staff must look at: the back office lists them first.
FLAGGED = (LineStatus.PARTIAL, LineStatus.OVER, LineStatus.UNMATCHED)


class StatementLine(models.Model):
    """One credit on the shop's bank account, stored once: `entry_id` is the bank's id of the entry (CAMT
    AcctSvcrRef) or a hash of the line (CSV), unique, so importing a file again adds nothing."""

    statement = models.ForeignKey(BankStatement, on_delete=models.PROTECT, related_name="lines")
    entry_id = models.CharField(_("bank entry"), max_length=120, unique=True)
    booked_on = models.DateField(_("date"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), **AMOUNT)
    currency = models.CharField(_("currency"), max_length=3)
    remittance = models.CharField(_("reference / remittance text"), max_length=500, blank=True, default="")
    counterparty = models.CharField(_("from"), max_length=200, blank=True, default="")
    status = models.CharField(_("status"), max_length=20, choices=LineStatus.choices)
    payment_reference = models.CharField(_("payment"), max_length=40, blank=True, default="", db_index=True)
    order_ref = models.CharField(_("order"), max_length=40, blank=True, default="", db_index=True)
    applied_amount = models.DecimalField(_("applied to the order"), default=Decimal(0), **AMOUNT)
    excess_amount = models.DecimalField(_("excess"), default=Decimal(0), **AMOUNT)
    note = models.CharField(_("note"), max_length=300, blank=True, default="")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("bank statement line")
        verbose_name_plural = _("bank statement lines")
        ordering = ["-booked_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_statementline_amount_gt_0"),
            models.CheckConstraint(
                condition=Q(applied_amount__gte=0) & Q(applied_amount__lte=models.F("amount")),
                name="payments_statementline_applied_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booked_on} {self.amount} {self.currency} {self.remittance[:40]}"
