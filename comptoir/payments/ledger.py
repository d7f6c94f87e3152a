"""The one step that moves a payment: record a provider's answer or event in the ledger, under the payment's
row lock (4th in the global lock order, comptoir/core/locks.py), never moving the payment backwards.

`record_answer` locks the payment and skips an event id already recorded; `write_answer` does the rest for a
payment already locked (comptoir/payments/provider_refunds.py records a whole list of refunds under one
lock); `apply_answer` is the state machine. An answer that says less than what is already known (a
"pending" after "captured", a redelivered event, a "captured" after "refunded") is recorded with zero
deltas and changes nothing, so webhooks, the buyer's return and reconciliation may arrive in any order and
reach the same state. Every row says how much it moved the captured and refunded amounts: the payment's
amounts are their sums (`check_invariants`), within the CHECK constraints of the payment row.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from comptoir.core.events import record_event
from comptoir.payments.errors import PaymentNotFoundError
from comptoir.payments.gateways import ProviderResult, ProviderStatus
from comptoir.payments.models import Payment, PaymentStatus, PaymentTransaction, TransactionKind, TransactionStatus

UNDECIDED = (PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION)


def lock_payment(reference: str) -> Payment:
    payment = Payment.objects.select_for_update().filter(reference=reference).first()
    if payment is None:
        raise PaymentNotFoundError(data={"payment": reference})
    return payment


@dataclass(frozen=True, slots=True)
class Change:
    captured: Decimal = Decimal(0)
    refunded: Decimal = Decimal(0)


def record_answer(
    reference: str,
    result: ProviderResult,
    *,
    kind: str,
    source: str,
    event_id: str | None = None,
    amount: Decimal | None = None,
    retry_failed: bool = False,
    refund_each: bool | str | None = None,
) -> Payment:
    """Record a provider answer or event in the ledger and move the payment accordingly, under its lock.
    `refund_each` (refund events): "ours" for a refund we made and recorded, True when the event carries that
    one refund's amount, False (default) when it carries the provider's running total."""
    with transaction.atomic():
        payment = lock_payment(reference)
        # Locked first, then checked: on MariaDB the snapshot of this read starts after the lock is granted.
        if event_id and PaymentTransaction.objects.filter(provider_event_id=event_id).exists():
            return payment
        write_answer(
            payment,
            result,
            kind=kind,
            source=source,
            event_id=event_id,
            amount=amount,
            retry_failed=retry_failed,
            refund_each=refund_each,
        )
    return payment


def write_answer(
    payment: Payment,
    result: ProviderResult,
    *,
    kind: str,
    source: str,
    event_id: str | None = None,
    amount: Decimal | None = None,
    retry_failed: bool = False,
    refund_each: bool | str | None = None,
) -> Change:
    """The body of `record_answer`, for a payment already locked in the current transaction: move the payment
    (`apply_answer`), write its ledger row and record the events. Returns the deltas."""
    before = payment.status
    change = apply_answer(payment, result, retry_failed=retry_failed, refund_each=refund_each)
    status = result.outcome
    if kind == TransactionKind.AUTHORIZE and change.captured:
        kind = TransactionKind.CAPTURE
    reported = result.amount.amount if result.amount and result.amount.currency == payment.currency else None
    error_code, message = result.error_code, result.message or ""
    given_back = status in (ProviderStatus.REFUNDED, ProviderStatus.CHARGED_BACK)
    if given_back and refund_each is True and reported is not None and change.refunded < reported:
        # More given back at the provider than was left on the payment (a chargeback after a refund): the
        # ledger keeps refunds within the capture (CHECK constraint) and this row says what was left out.
        error_code = "exceeds_captured"
        message = f"{message} Reported {reported}, only {change.refunded} was left to give back.".strip()
    PaymentTransaction.objects.create(
        payment=payment,
        kind=kind,
        status=(
            TransactionStatus.FAILED
            if status == ProviderStatus.FAILED
            else TransactionStatus.PENDING
            if status in (ProviderStatus.PENDING, ProviderStatus.REQUIRES_ACTION)
            else TransactionStatus.SUCCEEDED
        ),
        amount=amount if amount is not None else (result.amount.amount if result.amount else payment.amount),
        currency=payment.currency,
        provider_reference=result.provider_reference[:120],
        provider_event_id=event_id,
        error_code=error_code[:60],
        message=message[:300],
        provider_status=status[:20],
        captured_delta=change.captured,
        refunded_delta=change.refunded,
    )
    if change.captured:
        record_event("payments.payment_captured", order_ref=payment.order_ref, payment=payment.reference)
    elif payment.status == PaymentStatus.AUTHORIZED and before != PaymentStatus.AUTHORIZED:
        record_event("payments.payment_authorized", order_ref=payment.order_ref, payment=payment.reference)
    elif payment.status == PaymentStatus.FAILED and before != PaymentStatus.FAILED:
        record_event("payments.payment_failed", order_ref=payment.order_ref, payment=payment.reference)
    elif payment.status == PaymentStatus.CANCELLED and before != PaymentStatus.CANCELLED:
        record_event("payments.payment_cancelled", order_ref=payment.order_ref, payment=payment.reference)
    if change.refunded:
        record_event(
            "payments.payment_refunded",
            order_ref=payment.order_ref,
            payment=payment.reference,
            amount=str(change.refunded),
        )
    if given_back and (change.refunded or source == "adjustment"):
        # Given back outside the shop's own refund calls (the provider's dashboard, a chargeback): the order
        # follows (comptoir/orders/handlers.py). `refund_payment` records its refunds itself, not through here.
        record_event(
            "payments.provider_refund_recorded",
            order_ref=payment.order_ref,
            payment=payment.reference,
            provider=payment.provider,
            kind="chargeback" if status == ProviderStatus.CHARGED_BACK else "refund",
            amount=str(change.refunded),
            reported=str(reported if reported is not None else change.refunded),
            currency=payment.currency,
            provider_reference=result.provider_reference[:120],
            event_id=event_id or "",
        )
    return change


def apply_answer(payment: Payment, result: ProviderResult, *, retry_failed: bool, refund_each=None) -> Change:
    """Move `payment` (locked) by what the provider says, never backwards; save it; return the deltas."""
    status = result.outcome
    reported = result.amount.amount if result.amount and result.amount.currency == payment.currency else None
    captured = refunded = Decimal(0)
    undecided = payment.status in UNDECIDED or (retry_failed and payment.status == PaymentStatus.FAILED)
    given_back = status in (ProviderStatus.REFUNDED, ProviderStatus.CHARGED_BACK)
    if result.provider_reference and not payment.provider_reference and not given_back:
        payment.provider_reference = result.provider_reference[:120]
    if result.saved_method:
        payment.saved_method = result.saved_method[:120]
    if status in (ProviderStatus.PENDING, ProviderStatus.REQUIRES_ACTION) and undecided:
        payment.status = status
        payment.action_url = result.action_url[:500] or payment.action_url
        payment.client_secret = result.client_secret[:300] or payment.client_secret
        if result.provider_reference:
            payment.provider_reference = result.provider_reference[:120]
        payment.error = result.message[:300] if status == ProviderStatus.PENDING else ""
    elif status == ProviderStatus.AUTHORIZED and (undecided or payment.status == PaymentStatus.FAILED):
        payment.status = PaymentStatus.AUTHORIZED
        payment.authorized_amount = min(reported or payment.amount, payment.amount)
        payment.error = ""
    elif (status == ProviderStatus.CAPTURED or given_back) and payment.captured_amount == 0:
        # Captured now, or a refund event overtook the capture's: money was taken either way (a provider
        # refunds only what it captured). The capture is recorded once; a later "captured" changes nothing.
        captured = payment.amount if given_back else min(reported or payment.amount, payment.amount)
        payment.captured_amount = captured
        payment.authorized_amount = max(payment.authorized_amount, captured)
        payment.error = ""
    elif status == ProviderStatus.FAILED and undecided:
        payment.status = PaymentStatus.FAILED
        payment.error = (result.message or "The payment was declined.")[:300]
    elif status == ProviderStatus.CANCELLED and (undecided or payment.status == PaymentStatus.AUTHORIZED):
        payment.status = PaymentStatus.CANCELLED
    if given_back and reported is not None and refund_each != "ours":
        if refund_each:  # this one refund's (or chargeback's) amount, made outside the shop
            refunded = min(reported, payment.captured_amount - payment.refunded_amount)
        else:  # the provider's running total: only what it adds to ours counts
            refunded = max(Decimal(0), min(reported, payment.captured_amount) - payment.refunded_amount)
        payment.refunded_amount += refunded
    if payment.captured_amount > 0:
        payment.status = (
            PaymentStatus.REFUNDED
            if payment.refunded_amount >= payment.captured_amount
            else PaymentStatus.PARTIALLY_REFUNDED
            if payment.refunded_amount > 0
            else PaymentStatus.CAPTURED
        )
        payment.action_url = ""
    payment.save()
    return Change(captured=captured, refunded=refunded)
