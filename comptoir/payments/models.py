"""Payments and their ledger: every provider call and provider event is a transaction row; the payment's
amounts are sums over its successful transactions, kept on the row (guarded by CHECKs) for locking."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from comptoir.core.money import Money

AMOUNT = {"max_digits": 14, "decimal_places": 4}


# In French a payment's status agrees with "le paiement", not with "la commande" ("Paid": "Payé", not "Payée"),
# and a transaction's with "la transaction": hence the contexts.
class PaymentStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("payment status", "Pending")
    REQUIRES_ACTION = "requires_action", pgettext_lazy("payment status", "Awaiting the buyer")
    AUTHORIZED = "authorized", pgettext_lazy("payment status", "Authorised")
    CAPTURED = "captured", pgettext_lazy("payment status", "Paid")
    PARTIALLY_REFUNDED = "partially_refunded", pgettext_lazy("payment status", "Partially refunded")
    REFUNDED = "refunded", pgettext_lazy("payment status", "Refunded")
    FAILED = "failed", pgettext_lazy("payment status", "Failed")
    CANCELLED = "cancelled", pgettext_lazy("payment status", "Cancelled")


class CaptureMode(models.TextChoices):
    ORDER = "order", _("When the order is placed")
    FULFILMENT = "fulfilment", _("When the order ships")


class Payment(models.Model):
    """One attempt to collect an order's amount due with one method. An order may have several (a declined
    card, then another); at most one of them captures (checked by `check_invariants`)."""

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    # Payments know orders by reference, as inventory does: orders depend on payments, not the reverse.
    order_ref = models.CharField(_("order"), max_length=40, db_index=True)
    provider = models.CharField(_("provider"), max_length=30)
    method = models.CharField(_("method"), max_length=30)
    currency = models.CharField(_("currency"), max_length=3)
    amount = models.DecimalField(_("amount"), **AMOUNT)
    authorized_amount = models.DecimalField(default=Decimal(0), **AMOUNT)
    captured_amount = models.DecimalField(_("captured"), default=Decimal(0), **AMOUNT)
    refunded_amount = models.DecimalField(_("refunded"), default=Decimal(0), **AMOUNT)
    status = models.CharField(_("status"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    provider_reference = models.CharField(max_length=120, blank=True, default="", db_index=True)
    error = models.CharField(_("last error"), max_length=300, blank=True, default="")
    channel = models.ForeignKey(
        "core.Channel", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("channel")
    )
    capture_mode = models.CharField(_("capture"), max_length=12, choices=CaptureMode.choices, default=CaptureMode.ORDER)
    # Where the buyer must go to finish (3-D Secure, a redirect provider), and the secret the provider's own
    # fields on our page need (Stripe's Payment Element). Neither is card data.
    action_url = models.CharField(max_length=500, blank=True, default="")
    client_secret = models.CharField(max_length=300, blank=True, default="")
    saved_method = models.CharField(_("saved payment method"), max_length=120, blank=True, default="")
    # A hash of what identifies the card (the provider's fingerprint, or of the TEST card number): for the
    # card-testing rate limit and for staff, never the number itself.
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_payment_amount_gt_0"),
            models.CheckConstraint(
                condition=Q(captured_amount__gte=0) & Q(captured_amount__lte=F("amount")),
                name="payments_payment_captured_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=F("captured_amount")),
                name="payments_payment_refunded_within_captured",
            ),
            models.CheckConstraint(
                condition=Q(authorized_amount__gte=0) & Q(authorized_amount__lte=F("amount")),
                name="payments_payment_authorized_within_amount",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="payments_payment_status_idx")]

    def __str__(self) -> str:
        return self.reference

    @property
    def refundable(self) -> Money:
        return Money(self.captured_amount - self.refunded_amount, self.currency)


class TransactionKind(models.TextChoices):
    AUTHORIZE = "authorize", _("Authorisation")
    CAPTURE = "capture", _("Capture")
    VOID = "void", _("Void")
    REFUND = "refund", _("Refund")
    # Money the buyer's bank took back from the merchant (a disputed payment): refund-like, it moves the
    # payment's refunded amount, but nobody in the shop chose it.
    CHARGEBACK = "chargeback", _("Chargeback")
    PROVIDER_EVENT = "event", _("Provider event")


class TransactionStatus(models.TextChoices):
    SUCCEEDED = "succeeded", pgettext_lazy("payment transaction status", "Succeeded")
    FAILED = "failed", pgettext_lazy("payment transaction status", "Failed")
    PENDING = "pending", pgettext_lazy("payment transaction status", "Pending")


class PaymentTransaction(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="transactions")
    kind = models.CharField(max_length=12, choices=TransactionKind.choices)
    status = models.CharField(max_length=12, choices=TransactionStatus.choices)
    amount = models.DecimalField(**AMOUNT)
    currency = models.CharField(max_length=3)
    provider_reference = models.CharField(max_length=120, blank=True, default="")
    # A provider event is recorded once: a redelivered webhook meets this constraint.
    provider_event_id = models.CharField(max_length=120, null=True, blank=True, unique=True)
    # A retried refund (same key) is recorded once.
    idempotency_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    error_code = models.CharField(max_length=60, blank=True, default="")
    message = models.CharField(max_length=300, blank=True, default="")
    provider_status = models.CharField(_("provider status"), max_length=20, blank=True, default="")
    """What the provider answered or reported (comptoir.payments.gateways.ProviderStatus)."""
    # How much this row moved the payment's captured and refunded amounts: the payment row's amounts are the
    # sums of these (check_invariants verifies it), so a redelivered or out-of-order event that changes
    # nothing is still recorded, with zero deltas.
    captured_delta = models.DecimalField(default=Decimal(0), **AMOUNT)
    refunded_delta = models.DecimalField(default=Decimal(0), **AMOUNT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="payments_transaction_amount_gte_0"),
            models.CheckConstraint(
                condition=Q(captured_delta__gte=0) & Q(refunded_delta__gte=0),
                name="payments_transaction_deltas_gte_0",
            ),
        ]
        # Rare codes looked for by reconciliation (refunds the provider could not list then).
        indexes = [models.Index(fields=["error_code"], name="payments_transaction_error_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency} {self.status}"


class ProviderMode(models.TextChoices):
    TEST = "test", _("Test")
    LIVE = "live", _("Live")


class ProviderAccount(models.Model):
    """A payment provider as one channel uses it (or every channel, when `channel` is empty): its mode,
    what it shows on our pages (publishable key), and its secrets, read from the environment (variables
    named `<env_prefix>_API_KEY`, `<env_prefix>_WEBHOOK_SECRET`, ...) or stored encrypted (Fernet) in
    `encrypted_secrets`. See comptoir/payments/accounts.py."""

    channel = models.ForeignKey(
        "core.Channel", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("channel")
    )
    provider = models.CharField(_("provider"), max_length=30, help_text=_("stripe, mollie, paypal, test, ..."))
    enabled = models.BooleanField(_("enabled"), default=True)
    mode = models.CharField(_("mode"), max_length=8, choices=ProviderMode.choices, default=ProviderMode.TEST)
    capture_mode = models.CharField(
        _("capture the payment"), max_length=12, choices=CaptureMode.choices, default=CaptureMode.ORDER
    )
    settings = models.JSONField(
        _("settings"), default=dict, blank=True, help_text=_("Non-secret settings, e.g. publishable_key, base_url.")
    )
    env_prefix = models.CharField(
        _("environment variable prefix"),
        max_length=60,
        blank=True,
        default="",
        help_text=_("Read secrets from PREFIX_API_KEY, PREFIX_WEBHOOK_SECRET, PREFIX_CLIENT_ID, PREFIX_CLIENT_SECRET."),
    )
    encrypted_secrets = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("payment provider account")
        verbose_name_plural = _("payment provider accounts")
        ordering = ["provider", "channel_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "provider"], name="payments_provideraccount_channel_provider")
        ]

    def __str__(self) -> str:
        return f"{self.provider} ({self.channel or _('all channels')}, {self.get_mode_display()})"


class TestCharge(models.Model):
    """The TEST provider's own side: what a real provider keeps in its database (the simulated charge, its
    state, the saved card token). Only comptoir/payments/providers/test.py writes it."""

    __test__ = False  # not a pytest class

    provider_reference = models.CharField(max_length=60, unique=True)
    reference = models.CharField(max_length=40, db_index=True)
    scenario = models.CharField(max_length=30)
    status = models.CharField(max_length=20)
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(**AMOUNT)
    captured_amount = models.DecimalField(default=Decimal(0), **AMOUNT)
    refunded_amount = models.DecimalField(default=Decimal(0), **AMOUNT)
    saved_method = models.CharField(max_length=60, blank=True, default="", db_index=True)
    manual_capture = models.BooleanField(default=False)
    return_url = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.provider_reference


# Offline payments' settings and bank statements live in their own module (payoffline); imported here so
# Django registers them with the payments app.
from comptoir.payments.instalment_models import *  # noqa: E402, F403  (instalments are part of the payments app)
from comptoir.payments.statement_models import (  # noqa: E402, F401
    BankStatement,
    OfflineMethodSettings,
    StatementLine,
)
