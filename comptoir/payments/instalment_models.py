"""Instalments (buy now, pay later): the offers a merchant sets per channel, and per order a plan of
instalments charged on the buyer's saved payment method. Part of the payments app; the logic lives in
comptoir/payments/instalments/."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from comptoir.catalog.kinds import ProductKind
from comptoir.core.money import Money
from comptoir.payments.instalments.schedule import MAX_COUNT, MIN_COUNT, Interval

AMOUNT = {"max_digits": 14, "decimal_places": 4}

__all__ = [
    "OWED",
    "Instalment",
    "InstalmentOffer",
    "InstalmentPlan",
    "InstalmentStatus",
    "PendingInstalmentPlan",
    "PendingPlanStatus",
    "PlanStatus",
]


class InstalmentOffer(models.Model):
    """ "Pay in 3", "Pay in 4", "12 monthly payments": what a channel offers, to which baskets. Without fees."""

    channel = models.ForeignKey("core.Channel", on_delete=models.CASCADE, related_name="instalment_offers")
    name = models.CharField(
        _("name"), max_length=80, blank=True, default="", help_text=_('Shown to buyers; empty: "Pay in 3".')
    )
    count = models.PositiveSmallIntegerField(
        _("number of instalments"), validators=[MinValueValidator(MIN_COUNT), MaxValueValidator(MAX_COUNT)]
    )
    interval = models.CharField(_("interval"), max_length=10, choices=Interval.choices, default=Interval.MONTHLY)
    min_amount = models.DecimalField(
        _("minimum basket"), default=Decimal(0), help_text=_("In the channel's currency."), **AMOUNT
    )
    max_amount = models.DecimalField(
        _("maximum basket"), null=True, blank=True, help_text=_("Empty: no maximum."), **AMOUNT
    )
    countries = CountryField(
        _("buyer countries"), multiple=True, blank=True, help_text=_("Empty: every country the channel sells to.")
    )
    excluded_kinds = models.JSONField(
        _("excluded product kinds"),
        default=list,
        blank=True,
        help_text=_("A basket with any of these kinds of product cannot be paid in instalments."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("instalment offer")
        verbose_name_plural = _("instalment offers")
        ordering = ["channel", "position", "count", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(count__gte=MIN_COUNT) & Q(count__lte=MAX_COUNT), name="payments_instalmentoffer_count"
            ),
            models.CheckConstraint(condition=Q(min_amount__gte=0), name="payments_instalmentoffer_min_gte_0"),
            models.CheckConstraint(
                condition=Q(max_amount__isnull=True) | Q(max_amount__gte=F("min_amount")),
                name="payments_instalmentoffer_max_gte_min",
            ),
        ]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self) -> str:
        return self.name or str(_("Pay in %(count)s") % {"count": self.count})

    def clean(self) -> None:
        unknown = sorted(set(self.excluded_kinds or []) - set(ProductKind.values))
        if unknown:
            raise ValidationError({"excluded_kinds": _("Unknown product kinds: %s") % ", ".join(unknown)})
        if self.max_amount is not None and self.max_amount < self.min_amount:
            raise ValidationError({"max_amount": _("The maximum cannot be below the minimum.")})


class PlanStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("instalment plan status", "Active")
    COMPLETED = "completed", pgettext_lazy("instalment plan status", "Paid in full")
    DEFAULTED = "defaulted", pgettext_lazy("instalment plan status", "In default")
    CANCELLED = "cancelled", pgettext_lazy("instalment plan status", "Cancelled")


class InstalmentPlan(models.Model):
    """One order paid in instalments. Created when its first instalment is captured (at checkout, or later:
    `PendingInstalmentPlan`); the others are charged off-session on `saved_method` when they fall due
    (comptoir.payments.instalments.services)."""

    # Payments know orders by reference (orders depend on payments, not the reverse): one plan per order.
    order_ref = models.CharField(_("order"), max_length=40, unique=True)
    channel = models.ForeignKey("core.Channel", on_delete=models.PROTECT, related_name="+")
    offer = models.ForeignKey(InstalmentOffer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    label = models.CharField(_("offer"), max_length=80)
    currency = models.CharField(_("currency"), max_length=3)
    total = models.DecimalField(_("total"), **AMOUNT)
    count = models.PositiveSmallIntegerField(_("instalments"))
    interval = models.CharField(_("interval"), max_length=10, choices=Interval.choices)
    method = models.CharField(_("payment method"), max_length=30)
    saved_method = models.CharField(_("saved payment method"), max_length=120)
    status = models.CharField(_("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("instalment plan")
        verbose_name_plural = _("instalment plans")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="payments_instalmentplan_total_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.order_ref} · {self.label}"

    def money(self, amount: Decimal) -> Money:
        return Money(amount, self.currency)


class InstalmentStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("instalment status", "Scheduled")
    PROCESSING = "processing", pgettext_lazy("instalment status", "Being charged")
    PAID = "paid", pgettext_lazy("instalment status", "Paid")
    FAILED = "failed", pgettext_lazy("instalment status", "Failed")
    CANCELLED = "cancelled", pgettext_lazy("instalment status", "Cancelled")


# Still owed by the buyer (the plan's outstanding balance).
OWED = (InstalmentStatus.PENDING, InstalmentStatus.PROCESSING, InstalmentStatus.FAILED)


class Instalment(models.Model):
    """One payment of a plan. A charge first *claims* the row (a conditional update to `processing`), so two
    workers, or a worker and the buyer paying by hand, never both charge it."""

    plan = models.ForeignKey(InstalmentPlan, on_delete=models.CASCADE, related_name="instalments")
    sequence = models.PositiveSmallIntegerField(_("number"))
    due_on = models.DateField(_("due on"))
    amount = models.DecimalField(_("amount"), **AMOUNT)
    # Taken off by refunds before it was charged (a return on an order paid in instalments lowers the
    # instalments still to come, last first); what is charged is `amount - reduced`.
    reduced = models.DecimalField(_("taken off by refunds"), default=Decimal(0), **AMOUNT)
    status = models.CharField(
        _("status"), max_length=12, choices=InstalmentStatus.choices, default=InstalmentStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_on = models.DateField(_("next attempt"), null=True, blank=True)
    # The payment of the current (or last) attempt; the captured one once the instalment is paid.
    payment = models.ForeignKey(
        "payments.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="instalments"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["plan", "sequence"]
        indexes = [models.Index(fields=["status", "next_attempt_on"], name="payments_instalment_due_idx")]
        constraints = [
            models.UniqueConstraint(fields=["plan", "sequence"], name="payments_instalment_plan_sequence_uniq"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_instalment_amount_gt_0"),
            models.CheckConstraint(
                condition=Q(reduced__gte=0) & Q(reduced__lte=F("amount")), name="payments_instalment_reduced_within"
            ),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="payments_instalment_sequence_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.plan.order_ref} #{self.sequence}"

    @property
    def owed(self) -> Decimal:
        return self.amount - self.reduced


class PendingPlanStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("pending instalment plan status", "Awaiting the first payment")
    STARTED = "started", pgettext_lazy("pending instalment plan status", "Plan started")
    DROPPED = "dropped", pgettext_lazy("pending instalment plan status", "Dropped")


class PendingInstalmentPlan(models.Model):
    """The buyer chose an instalment offer and its first payment is not decided yet (3-D Secure, a redirect,
    a payment confirmed later by webhook): the offer and the schedule as they were shown, kept until that
    payment is captured (the plan then starts, once) or fails (the choice is dropped)."""

    payment = models.OneToOneField("payments.Payment", on_delete=models.CASCADE, related_name="pending_instalment_plan")
    order_ref = models.CharField(_("order"), max_length=40, db_index=True)
    channel = models.ForeignKey("core.Channel", on_delete=models.PROTECT, related_name="+")
    offer = models.ForeignKey(InstalmentOffer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    label = models.CharField(_("offer"), max_length=80)
    currency = models.CharField(_("currency"), max_length=3)
    total = models.DecimalField(_("total"), **AMOUNT)
    count = models.PositiveSmallIntegerField(_("instalments"))
    interval = models.CharField(_("interval"), max_length=10, choices=Interval.choices)
    # [{"sequence": 1, "due_on": "2026-11-29", "amount": "33.34"}, ...], computed when the buyer chose.
    schedule = models.JSONField(_("schedule"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=PendingPlanStatus.choices, default=PendingPlanStatus.PENDING
    )
    reason = models.CharField(_("reason"), max_length=40, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("instalment choice awaiting its first payment")
        verbose_name_plural = _("instalment choices awaiting their first payment")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="payments_pendinginstalmentplan_total_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.order_ref} · {self.label} ({self.status})"
