"""Refunds and chargebacks made outside the shop: in the provider's dashboard, or by the buyer's bank.

Some providers (Mollie) tell of them only through the payment: its webhook is called, and the payment then
shows what was refunded and charged back in all (`refunded_total`, `charged_back_total`). When those totals
differ from the ledger, `follow_provider_refunds` asks the provider for the payment's refunds and
chargebacks one by one (`list_adjustments`, outside any transaction) and records, under the payment's row
lock and through the same `write_answer` as every other provider answer (comptoir/payments/ledger.py), each
one the ledger does not have:

- a refund the shop made itself is in the ledger already, under the provider's refund id: skipped;
- one made elsewhere is a ledger row of kind `refund`, once per provider id (the unique provider event id);
- a chargeback is a row of kind `chargeback`: money given back like a refund (the payment's refunded
  amount), though nobody in the shop chose it;
- a failed or cancelled refund, and a reversed chargeback, moved no money and are not recorded. When one the
  ledger counted fails or is reversed afterwards, the payment is not moved back (the ledger only moves
  forward): a zero-amount row and the event `payments.provider_refund_reversed` tell staff instead.

Stripe says nothing of chargebacks through the payment: each dispute event carries its dispute (funds
withdrawn, funds reinstated), recorded through the same step (`record_reported_adjustment`).

All of one payment's list is recorded in one transaction, or none of it: when the provider cannot list (a
timeout, a 5xx), nothing is recorded but a note on the ledger, and `reconcile_payments` asks again until a
later listing closes the note. Each recorded refund or chargeback emits `payments.provider_refund_recorded`,
which moves the order to partially refunded or refunded (comptoir/orders/handlers.py).
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum

from comptoir.core.events import record_event
from comptoir.core.money import Money
from comptoir.payments.gateways import ProviderAdjustment, ProviderResult, ProviderStatus, gateway_for_payment
from comptoir.payments.ledger import lock_payment, write_answer
from comptoir.payments.models import Payment, PaymentTransaction, TransactionKind, TransactionStatus
from comptoir.payments.providers._http import ProviderUnreachableError

__all__ = ["UNLISTED", "ProviderUnreachableError", "follow_provider_refunds", "record_reported_adjustment"]

log = logging.getLogger(__name__)

# The error codes of the notes that open and close "refunds to list again" on a payment's ledger.
UNLISTED = "refunds_unlisted"
LISTED = "refunds_listed"
GIVEN_BACK = (TransactionKind.REFUND, TransactionKind.CHARGEBACK)


def follow_provider_refunds(
    *,
    payment: Payment,
    refunded: Money | None = None,
    charged_back: Money | None = None,
    force: bool = False,
) -> Payment:
    """Record the refunds and chargebacks the provider has on `payment` that the ledger does not.

    The provider is asked only when its totals (`refunded`, `charged_back`) differ from the ledger's, or with
    `force`; a provider that cannot list adjustments, or a payment it never created, is left as it is. All or
    nothing per call. Raises ProviderUnreachableError when the provider could not list them, after noting it
    on the payment's ledger for `reconcile_payments`. Emits `payments.provider_refund_recorded` per refund or
    chargeback recorded (and `payments.payment_refunded`), `payments.provider_refund_reversed` per one
    counted earlier that the provider now says moved no money.
    """
    if not force and not _differs(payment, refunded, charged_back):
        return payment
    gateway = gateway_for_payment(payment.provider, payment.channel_id)
    lister = getattr(gateway, "list_adjustments", None)
    if lister is None or not payment.provider_reference:
        return payment
    try:
        adjustments = lister(provider_reference=payment.provider_reference)
    except Exception as exc:  # ProviderUnreachableError, or an adapter bug: either way nothing was listed
        if not isinstance(exc, ProviderUnreachableError):
            log.exception("listing the refunds of %s failed", payment.reference)
        _note_unlisted(payment.reference, refunded, charged_back, str(exc))
        raise ProviderUnreachableError(str(exc) or "The provider could not list the refunds.") from exc
    try:
        return _record_adjustments(payment.reference, adjustments)
    except IntegrityError:
        # The same refund recorded concurrently: the lock makes it unreachable, the unique event id stands
        # behind it. What the other call recorded is the answer.
        return Payment.objects.get(reference=payment.reference)


def record_reported_adjustment(*, reference: str, adjustment: ProviderAdjustment) -> Payment:
    """Record a refund or chargeback a provider's event carries whole (Stripe's dispute events), as if the
    provider had listed it: once per `adjustment.event_id` (a redelivery, even ten at once, or a later listing
    of the same id, changes nothing), within what was captured (the row says `exceeds_captured` otherwise);
    one that `moved` no money after the ledger counted it (funds reinstated) is told to staff, never undone.
    Emits what `follow_provider_refunds` emits."""
    try:
        return _record_adjustments(reference, [adjustment])
    except IntegrityError:  # recorded concurrently: the lock makes it unreachable, the unique id stands behind
        return Payment.objects.get(reference=reference)


def _differs(payment: Payment, refunded: Money | None, charged_back: Money | None) -> bool:
    """Whether the provider's totals say something the ledger does not (in either direction: a refund of
    ours that failed makes the provider's total smaller)."""
    chargebacks = PaymentTransaction.objects.filter(payment=payment, kind=TransactionKind.CHARGEBACK).aggregate(
        s=Sum("refunded_delta")
    )["s"] or Decimal(0)
    refunds = payment.refunded_amount - chargebacks

    def off(reported: Money | None, recorded: Decimal) -> bool:
        return reported is not None and reported.currency == payment.currency and reported.amount != recorded

    return off(refunded, refunds) or off(charged_back, chargebacks)


def _record_adjustments(reference: str, adjustments: list[ProviderAdjustment]) -> Payment:
    with transaction.atomic():
        payment = lock_payment(reference)
        # Read after the lock: a refund the shop was making on this payment (its call holds this lock) is in.
        counted: dict[str, Decimal] = {}
        for provider_reference, delta in PaymentTransaction.objects.filter(
            payment=payment, kind__in=GIVEN_BACK
        ).values_list("provider_reference", "refunded_delta"):
            counted[provider_reference] = counted.get(provider_reference, Decimal(0)) + delta
        ids = [a.event_id for a in adjustments] + [f"{a.event_id}:{a.status}" for a in adjustments]
        seen = set(
            PaymentTransaction.objects.filter(provider_event_id__in=ids).values_list("provider_event_id", flat=True)
        )
        for adjustment in adjustments:
            if adjustment.amount.currency != payment.currency:
                log.warning("%s: %s is in another currency", reference, adjustment.provider_reference)
            elif adjustment.event_id in seen or adjustment.provider_reference in counted:
                if not adjustment.moved and counted.get(adjustment.provider_reference):
                    _note_reversed(payment, adjustment, seen)
            elif adjustment.moved:
                write_answer(
                    payment,
                    _result(adjustment),
                    kind=TransactionKind.CHARGEBACK if adjustment.kind == "chargeback" else TransactionKind.REFUND,
                    source="adjustment",
                    event_id=adjustment.event_id,
                    amount=adjustment.amount.amount,
                    refund_each=True,
                )
        _close_note(payment)
    return payment


def _result(adjustment: ProviderAdjustment) -> ProviderResult:
    chargeback = adjustment.kind == "chargeback"
    return ProviderResult(
        succeeded=True,
        provider_reference=adjustment.provider_reference,
        status=ProviderStatus.CHARGED_BACK if chargeback else ProviderStatus.REFUNDED,
        amount=adjustment.amount,
        message=" ".join(part for part in (adjustment.status, adjustment.reason) if part),
    )


def _note_reversed(payment: Payment, adjustment: ProviderAdjustment, seen: set[str]) -> None:
    """A refund or chargeback the ledger counted now moved no money after all (a refund that failed at the
    provider, a chargeback the bank reversed): said once, the payment left as it is."""
    event_id = f"{adjustment.event_id}:{adjustment.status}"
    if event_id in seen:
        return
    chargeback = adjustment.kind == "chargeback"
    PaymentTransaction.objects.create(
        payment=payment,
        kind=TransactionKind.PROVIDER_EVENT,
        status=TransactionStatus.SUCCEEDED if chargeback else TransactionStatus.FAILED,
        amount=adjustment.amount.amount,
        currency=payment.currency,
        provider_reference=adjustment.provider_reference,
        provider_event_id=event_id,
        error_code="chargeback_reversed" if chargeback else "refund_failed",
        message=(
            "The chargeback was reversed: the money is back with the merchant; the payment still counts it."
            if chargeback
            else f"The refund is {adjustment.status} at the provider: the buyer did not get it; "
            "the payment still counts it."
        ),
        provider_status=adjustment.status[:20],
    )
    log.warning(
        "%s: %s counted as given back is now %s", payment.reference, adjustment.provider_reference, adjustment.status
    )
    record_event(
        "payments.provider_refund_reversed",
        order_ref=payment.order_ref,
        payment=payment.reference,
        provider=payment.provider,
        kind=adjustment.kind,
        amount=str(adjustment.amount.amount),
        currency=payment.currency,
        provider_reference=adjustment.provider_reference,
    )


def _note_unlisted(reference: str, refunded: Money | None, charged_back: Money | None, why: str) -> None:
    """Note on the ledger (no amount moved) that the provider has refunds or chargebacks to list again."""
    with transaction.atomic():
        payment = lock_payment(reference)
        reported = sum(
            (m.amount for m in (refunded, charged_back) if m is not None and m.currency == payment.currency),
            Decimal(0),
        )
        PaymentTransaction.objects.create(
            payment=payment,
            kind=TransactionKind.PROVIDER_EVENT,
            status=TransactionStatus.PENDING,
            amount=reported,
            currency=payment.currency,
            provider_reference=payment.provider_reference,
            error_code=UNLISTED,
            message=f"Refunds and chargebacks could not be listed ({why[:150]}); asked again by reconciliation.",
            provider_status=ProviderStatus.PENDING,
        )


def _close_note(payment: Payment) -> None:
    """Close the last "to list again" note, if open (payment locked)."""
    last = (
        PaymentTransaction.objects.filter(payment=payment, error_code__in=[UNLISTED, LISTED])
        .order_by("-pk")
        .values_list("error_code", flat=True)
        .first()
    )
    if last == UNLISTED:
        PaymentTransaction.objects.create(
            payment=payment,
            kind=TransactionKind.PROVIDER_EVENT,
            status=TransactionStatus.SUCCEEDED,
            amount=Decimal(0),
            currency=payment.currency,
            provider_reference=payment.provider_reference,
            error_code=LISTED,
            message="Refunds and chargebacks listed and recorded.",
            provider_status=ProviderStatus.REFUNDED,
        )
