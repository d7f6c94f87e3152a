"""Payment reads."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q, Sum

from comptoir.core.money import Money
from comptoir.payments.models import CaptureMode, Payment, PaymentStatus

CAPTURED_STATES = (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)


def list_payments(*, order_ref: str) -> list[Payment]:
    return list(Payment.objects.filter(order_ref=order_ref).order_by("created_at", "pk"))


def captured_total(*, order_ref: str, currency: str) -> Money:
    """What the order's payments captured, less nothing: refunds are counted apart (`refunded_total`)."""
    total = Payment.objects.filter(order_ref=order_ref).aggregate(s=Sum("captured_amount"))["s"]
    return Money(total or Decimal(0), currency)


def secured_total(*, order_ref: str, currency: str) -> Money:
    """What the order's payments captured, plus what they hold authorised to capture when the order ships
    (capture at fulfilment): what makes an order paid."""
    total = Payment.objects.filter(order_ref=order_ref).aggregate(
        s=Sum("captured_amount"),
        held=Sum(
            "authorized_amount",
            filter=Q(status=PaymentStatus.AUTHORIZED, capture_mode=CaptureMode.FULFILMENT),
        ),
    )
    return Money((total["s"] or Decimal(0)) + (total["held"] or Decimal(0)), currency)


def refunded_total(*, order_ref: str, currency: str) -> Money:
    total = Payment.objects.filter(order_ref=order_ref).aggregate(s=Sum("refunded_amount"))["s"]
    return Money(total or Decimal(0), currency)


def refundable_payments(*, order_ref: str) -> list[Payment]:
    """Captured payments with something left to refund, oldest first."""
    return [
        p
        for p in Payment.objects.filter(order_ref=order_ref, status__in=CAPTURED_STATES).order_by("created_at", "pk")
        if p.refunded_amount < p.captured_amount
    ]


def capturable_payments(*, order_ref: str) -> list[Payment]:
    """Payments authorised and waiting for the order to ship before they are captured."""
    return list(
        Payment.objects.filter(
            order_ref=order_ref, status=PaymentStatus.AUTHORIZED, capture_mode=CaptureMode.FULFILMENT
        ).order_by("created_at", "pk")
    )


def stale_payments(*, older_than_minutes: int, limit: int = 200) -> list[str]:
    """References of payments still undecided (pending, awaiting the buyer) after `older_than_minutes`:
    what `reconcile_payments` asks the providers about, oldest first."""
    from datetime import timedelta

    from django.utils import timezone

    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    return list(
        Payment.objects.filter(
            status__in=[PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION], created_at__lte=cutoff
        )
        .order_by("created_at", "pk")
        .values_list("reference", flat=True)[:limit]
    )


def pending_order_refs_query():
    """A subquery of the order references with a payment the provider has not decided (pending)."""
    return Payment.objects.filter(status=PaymentStatus.PENDING).values("order_ref")


def payments_with_unlisted_refunds(*, limit: int = 200) -> list[Payment]:
    """Payments whose provider reported refunds or chargebacks it could not list then (a note on their
    ledger that no later listing closed): what `reconcile_payments` asks again, oldest note first."""
    from django.db.models import Max

    from comptoir.payments.models import PaymentTransaction
    from comptoir.payments.provider_refunds import LISTED, UNLISTED

    notes = (
        PaymentTransaction.objects.filter(error_code__in=[UNLISTED, LISTED])
        .values("payment_id")
        .annotate(opened=Max("pk", filter=Q(error_code=UNLISTED)), closed=Max("pk", filter=Q(error_code=LISTED)))
        .order_by("opened")
    )
    ids = [row["payment_id"] for row in notes if row["closed"] is None or row["closed"] < row["opened"]][:limit]
    payments = {p.pk: p for p in Payment.objects.filter(pk__in=ids)}
    return [payments[pk] for pk in ids if pk in payments]
