"""Invoices and credit notes, numbered without gaps per legal entity, with the merchant's legal mentions."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class LegalEntity(models.Model):
    """The company that sells, as printed on invoices. Each channel invoices under one entity."""

    name = models.CharField(_("legal name"), max_length=200)
    address = models.TextField(_("registered address"))
    vat_number = models.CharField(_("VAT number"), max_length=30, blank=True, default="")
    registration = models.CharField(
        _("registration"), max_length=200, blank=True, default="", help_text=_("e.g. SIRET, RCS, share capital")
    )
    legal_mentions = models.TextField(
        _("legal mentions"),
        blank=True,
        default="",
        help_text=_("Printed at the foot of every invoice: payment terms, late-payment penalties, etc."),
    )
    invoice_prefix = models.CharField(_("invoice prefix"), max_length=20, default="INV-")
    credit_note_prefix = models.CharField(_("credit note prefix"), max_length=20, default="CN-")
    channels = models.ManyToManyField("core.Channel", blank=True, related_name="legal_entities")
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("legal entity")
        verbose_name_plural = _("legal entities")

    def __str__(self) -> str:
        return self.name


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class InvoiceSequence(models.Model):
    """The last number given per entity and kind; locked (last in the global lock order) to number without gaps."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=InvoiceKind.choices)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["legal_entity", "kind"], name="orders_invoicesequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.legal_entity_id} {self.kind} #{self.last_number}"


class Invoice(models.Model):
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="invoices")
    kind = models.CharField(_("kind"), max_length=12, choices=InvoiceKind.choices)
    sequence = models.PositiveIntegerField()
    number = models.CharField(_("number"), max_length=40)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="invoices")
    # What the document is for, unique: "order:<id>" for an invoice, "refund:<ref>" for a credit note, so
    # a retried issue returns the same document instead of taking a second number.
    source = models.CharField(max_length=80, unique=True)
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal(0))
    tax_total = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal(0))
    total = models.DecimalField(max_digits=14, decimal_places=4)
    content = models.JSONField(default=dict, help_text="Seller, buyer, lines and totals as printed.")
    pdf = models.FileField(upload_to="invoices/%Y/%m/", blank=True)
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices and credit notes")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["legal_entity", "kind", "sequence"], name="orders_invoice_unique_seq"),
            models.UniqueConstraint(fields=["legal_entity", "number"], name="orders_invoice_unique_number"),
            models.CheckConstraint(condition=Q(sequence__gt=0), name="orders_invoice_sequence_gt_0"),
        ]

    def __str__(self) -> str:
        return self.number
