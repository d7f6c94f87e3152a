"""Payment writes: start a payment, confirm it with the provider, follow it (the buyer's return, webhooks,
reconciliation), capture, void and refund it.

The rule for every provider call: it happens OUTSIDE any database transaction (a provider may take seconds,
and a lock held that long would queue every other buyer), then what it answered is recorded under the
payment's row lock (4th in the global lock order, comptoir/core/locks.py) by `record_answer`
(comptoir/payments/ledger.py), the one place a payment's state moves. It is monotonic and idempotent: an
answer or an event that says less than what is already known (a "pending" after "captured", a redelivered
event, a "captured" after "refunded") is recorded in the ledger with zero deltas and changes nothing, so
webhooks, the buyer's return and reconciliation may arrive in any order and reach the same state. A
provider that cannot be reached (timeout, 5xx) is not a decline: the payment stays pending and
`reconcile_payments` asks again.

Refunds are the exception: the provider is called under the payment's lock, so two refunds of one payment
are serialised end to end and their sum can never exceed what was captured, even for an instant at the
provider (the lock is on one payment row: other payments are not held up). The CHECK constraints on the
payment row stand behind every rule.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.db.models import F

from comptoir.core.events import record_event
from comptoir.core.money import Money
from comptoir.payments.errors import (
    PaymentMethodUnavailableError,
    PaymentNotFoundError,
    PaymentStateError,
    RefundExceedsCapturedError,
)
from comptoir.payments.gateways import (
    PaymentGateway,
    ProviderEvent,
    ProviderResult,
    ProviderStatus,
    gateway_for,
    gateway_for_payment,
)
from comptoir.payments.ledger import UNDECIDED, lock_payment, record_answer
from comptoir.payments.models import (
    CaptureMode,
    Payment,
    PaymentStatus,
    PaymentTransaction,
    TransactionKind,
    TransactionStatus,
)

log = logging.getLogger(__name__)

OPEN = (PaymentStatus.PENDING, PaymentStatus.FAILED)
CAPTURED_STATES = (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)


def _gateway(payment: Payment) -> PaymentGateway:
    gateway = gateway_for_payment(payment.provider, payment.channel_id)
    if gateway is None:
        raise PaymentMethodUnavailableError(data={"method": payment.method})
    return gateway


def _call(fn, **kwargs) -> ProviderResult:
    """Call the provider; an exception (a bug or an outage the adapter did not map) is 'no answer': pending."""
    try:
        return fn(**kwargs)
    except NotImplementedError:
        raise
    except Exception as exc:  # the adapter's own errors are ProviderResults; this is the safety net
        log.exception("payment provider call failed")
        return ProviderResult(False, error_code="provider_error", message=str(exc)[:300], status=ProviderStatus.PENDING)


def create_payment(
    *,
    order_ref: str,
    method_code: str,
    amount: Money,
    channel_id: int | None = None,
    capture_mode: str | None = None,
    fingerprint: str = "",
) -> Payment:
    """Start collecting `amount` for an order with a method the channel offers (e.g. 'test:card').

    Capture follows `capture_mode`, else the provider account's setting for the channel, else at order."""
    gateway = gateway_for(method_code, channel_id)
    if gateway is None or method_code not in {m.code for m in gateway.methods()}:
        raise PaymentMethodUnavailableError(data={"method": method_code})
    if amount.amount <= 0:
        raise PaymentStateError(detail="Nothing is left to pay on this order.")
    mode = capture_mode or getattr(gateway, "capture_mode", "") or CaptureMode.ORDER
    return Payment.objects.create(
        reference="pay_" + secrets.token_hex(10),
        order_ref=order_ref,
        provider=gateway.code,
        method=method_code,
        currency=amount.currency,
        amount=amount.quantize().amount,
        channel_id=channel_id,
        capture_mode=mode if mode in CaptureMode.values else CaptureMode.ORDER,
        fingerprint=fingerprint[:64],
    )


def confirm_payment(*, reference: str, data: Mapping[str, str]) -> Payment:
    """Ask the provider to authorise (and capture) the payment with what the buyer entered.

    Idempotent: a payment already decided is returned as it is, without calling the provider again.
    A decline is recorded (status failed, the provider's message kept) and returned, not raised: the
    buyer may try another card on a new payment. REQUIRES_ACTION keeps `action_url`/`client_secret` for the
    page; no answer from the provider keeps the payment pending. Emits `payments.payment_captured`,
    `payments.payment_authorized` or `payments.payment_failed`.
    """
    payment = Payment.objects.filter(reference=reference).first()
    if payment is None:
        raise PaymentNotFoundError(data={"payment": reference})
    if payment.status not in OPEN:
        return payment
    gateway = _gateway(payment)
    data = {**data, "capture": payment.capture_mode}
    result = _call(gateway.confirm, reference=reference, amount=Money(payment.amount, payment.currency), data=data)
    return record_answer(reference, result, kind=TransactionKind.AUTHORIZE, source="confirm", retry_failed=True)


def refresh_payment(*, reference: str, refunds: bool = False) -> Payment:
    """Ask the provider where an undecided payment stands (the buyer's return from 3-D Secure or a redirect,
    reconciliation) and record it, with the refunds and chargebacks it shows that the ledger does not have
    (`follow_provider_refunds`). A payment already decided is returned without asking, unless `refunds`
    (staff's "Ask the provider"): a paid payment is then asked for refunds and chargebacks made outside the
    shop. A provider that cannot list them leaves a note for `reconcile_payments` and changes nothing."""
    from comptoir.payments.provider_refunds import ProviderUnreachableError, follow_provider_refunds

    payment = Payment.objects.filter(reference=reference).first()
    if payment is None:
        raise PaymentNotFoundError(data={"payment": reference})
    if payment.status not in UNDECIDED:
        if refunds and payment.status in CAPTURED_STATES:
            try:
                return follow_provider_refunds(payment=payment, force=True)
            except ProviderUnreachableError:
                raise PaymentStateError(
                    detail=f"The provider could not list the refunds of {reference}; asked again later."
                ) from None
        return payment
    result = _call(_gateway(payment).fetch, reference=reference, provider_reference=payment.provider_reference)
    payment = record_answer(reference, result, kind=TransactionKind.PROVIDER_EVENT, source="fetch")
    if result.refunded_total is not None or result.charged_back_total is not None:
        with contextlib.suppress(ProviderUnreachableError):  # noted on the ledger: reconcile_payments asks again
            payment = follow_provider_refunds(
                payment=payment, refunded=result.refunded_total, charged_back=result.charged_back_total
            )
    return payment


def capture_payment(*, reference: str, amount: Money | None = None, key: str = "") -> Payment:
    """Capture an authorised payment (the shop captures at fulfilment): all of it, or `amount` of it.
    Raises PaymentStateError unless authorised; a provider refusal is recorded and raised."""
    payment = Payment.objects.filter(reference=reference).first()
    if payment is None:
        raise PaymentNotFoundError(data={"payment": reference})
    if payment.status in CAPTURED_STATES:
        return payment
    if payment.status != PaymentStatus.AUTHORIZED:
        raise PaymentStateError(detail=f"Payment {reference} is {payment.get_status_display()}: nothing to capture.")
    money = (amount or Money(payment.authorized_amount, payment.currency)).quantize()
    if money.amount <= 0 or money.amount > payment.authorized_amount or money.currency != payment.currency:
        raise PaymentStateError(detail=f"At most {payment.authorized_amount} {payment.currency} can be captured.")
    result = _call(
        _gateway(payment).capture,
        reference=reference,
        provider_reference=payment.provider_reference,
        amount=money,
        key=key or f"capture:{reference}",
    )
    payment = record_answer(reference, result, kind=TransactionKind.CAPTURE, source="capture", amount=money.amount)
    if result.outcome == ProviderStatus.FAILED:
        raise PaymentStateError(detail=result.message or "The provider refused the capture.")
    return payment


def void_payment(*, reference: str, key: str = "") -> Payment:
    """Cancel an authorised (or undecided) payment before capture: the hold on the buyer's card is released."""
    payment = Payment.objects.filter(reference=reference).first()
    if payment is None:
        raise PaymentNotFoundError(data={"payment": reference})
    if payment.status == PaymentStatus.CANCELLED:
        return payment
    if payment.status not in (PaymentStatus.AUTHORIZED, *UNDECIDED):
        raise PaymentStateError(detail=f"Payment {reference} is {payment.get_status_display()}: it cannot be voided.")
    result = _call(
        _gateway(payment).void,
        reference=reference,
        provider_reference=payment.provider_reference,
        key=key or f"void:{reference}",
    )
    payment = record_answer(reference, result, kind=TransactionKind.VOID, source="void")
    if result.outcome != ProviderStatus.CANCELLED:
        raise PaymentStateError(detail=result.message or "The provider refused to cancel the payment.")
    return payment


def capture_held_payments(*, order_ref: str) -> int:
    """Capture the order's payments held for capture at fulfilment (the order shipped). A refusal stays on
    the payment's ledger for staff, and the others are still captured. Returns how many were captured."""
    from comptoir.payments.queries import capturable_payments

    done = 0
    for payment in capturable_payments(order_ref=order_ref):
        try:
            capture_payment(reference=payment.reference, key=f"ship:{payment.reference}")
            done += 1
        except PaymentStateError:
            log.warning("capture of %s at shipping refused", payment.reference)
    return done


def void_held_payments(*, order_ref: str) -> int:
    """Release the holds of an order's authorised or undecided payments (the order was cancelled)."""
    done = 0
    for reference in list(
        Payment.objects.filter(order_ref=order_ref, status__in=[PaymentStatus.AUTHORIZED, *UNDECIDED]).values_list(
            "reference", flat=True
        )
    ):
        try:
            void_payment(reference=reference)
            done += 1
        except PaymentStateError:
            log.warning("void of %s at cancellation refused", reference)
    return done


def reconcile_payments(*, older_than_minutes: int = 15, limit: int = 200) -> dict[str, int]:
    """Ask the providers about payments still undecided after `older_than_minutes` and record what they say
    (captured: the order gets paid through `payments.payment_captured`; failed or cancelled: recorded).
    Returns counts by the state each payment is in afterwards, plus `errors`."""
    from comptoir.payments.provider_refunds import UNLISTED, ProviderUnreachableError, follow_provider_refunds
    from comptoir.payments.queries import payments_with_unlisted_refunds, stale_payments

    counts: dict[str, int] = {}
    for reference in stale_payments(older_than_minutes=older_than_minutes, limit=limit):
        try:
            status = refresh_payment(reference=reference).status
        except (PaymentMethodUnavailableError, PaymentNotFoundError):
            status = "errors"
        counts[status] = counts.get(status, 0) + 1
    # Paid payments whose refunds or chargebacks the provider reported but could not list (a webhook that got
    # no answer from the provider's API): asked again until they are recorded.
    for payment in payments_with_unlisted_refunds(limit=limit):
        try:
            status = follow_provider_refunds(payment=payment, force=True).status
        except ProviderUnreachableError:
            status = UNLISTED
        counts[status] = counts.get(status, 0) + 1
    return counts


def record_provider_event(*, provider: str, event: ProviderEvent) -> Payment | None:
    """Record one verified provider event (a webhook) and apply it to its payment.

    Once per `event.event_id`: a redelivery (even ten at once) finds the ledger row and changes nothing.
    Events may come in any order, before or after the buyer's return: `record_answer` never moves a payment back.
    When the event gives the payment's refunded and charged-back totals (Mollie), the refunds and chargebacks
    the ledger does not have yet are then listed and recorded, each once (`follow_provider_refunds`); raises
    ProviderUnreachableError when the provider could not list them (the webhook answers 503 and the provider
    delivers it again; nothing of the lists is recorded).
    An event carrying one refund or chargeback whole (Stripe's disputes, `event.adjustment`) is recorded once
    per that adjustment's id (`record_reported_adjustment`).
    Returns the payment, or None when the event is about no payment of ours (answered 200 all the same:
    the provider must not keep retrying it)."""
    if event.adjustment is not None:
        return _record_adjustment_event(provider, event)
    payment = _record_event(provider, event)
    if payment is not None and (event.refunded_total is not None or event.charged_back_total is not None):
        from comptoir.payments.provider_refunds import follow_provider_refunds

        payment = follow_provider_refunds(
            payment=payment, refunded=event.refunded_total, charged_back=event.charged_back_total
        )
    return payment


def _record_adjustment_event(provider: str, event: ProviderEvent) -> Payment | None:
    """An event that carries one refund or chargeback whole (a Stripe dispute): recorded once under its own
    id (the dispute's, not the delivery's), so the event and a later listing cannot count it twice."""
    from comptoir.payments.provider_refunds import record_reported_adjustment

    reference = _payment_reference(provider, event)
    if reference is None:
        log.warning("provider %s event %s names no payment of ours", provider, event.event_id)
        return None
    return record_reported_adjustment(reference=reference, adjustment=event.adjustment)


def _record_event(provider: str, event: ProviderEvent) -> Payment | None:
    if PaymentTransaction.objects.filter(provider_event_id=event.event_id).exists():
        return Payment.objects.filter(transactions__provider_event_id=event.event_id).first()
    reference = _payment_reference(provider, event)
    if reference is None:
        log.warning("provider %s event %s names no payment of ours", provider, event.event_id)
        return None
    refund_each = None
    if event.status == ProviderStatus.REFUNDED:
        ours = PaymentTransaction.objects.filter(
            payment__reference=reference, kind=TransactionKind.REFUND, provider_reference=event.provider_reference
        ).exists()
        refund_each = "ours" if event.provider_reference and ours else _refund_events_each(provider)
    result = ProviderResult(
        succeeded=event.status in (ProviderStatus.AUTHORIZED, ProviderStatus.CAPTURED),
        provider_reference=event.provider_reference,
        captured=event.status == ProviderStatus.CAPTURED,
        status=event.status,
        amount=event.amount,
    )
    try:
        payment = record_answer(
            reference,
            result,
            kind=TransactionKind.PROVIDER_EVENT,
            source="event",
            event_id=event.event_id,
            refund_each=refund_each,
        )
    except IntegrityError:
        # The same event recorded concurrently (the unique event id is the backstop behind the lock).
        return Payment.objects.filter(reference=reference).first()
    if event.status == ProviderStatus.PENDING and payment.status in UNDECIDED:
        # "Something happened, ask us" (PayPal's approved order, a processing payment): ask now, outside the
        # lock, as the buyer's return would; the answer is recorded like any other.
        payment = refresh_payment(reference=reference)
    return payment


def _refund_events_each(provider: str) -> bool:
    """Whether a provider's refund events carry each refund's amount (PayPal) rather than the running total
    (Stripe, the TEST provider): a gateway class says so with REFUND_EVENTS_ARE_TOTALS."""
    from comptoir.payments.gateways import gateway_class

    cls = gateway_class(provider)
    return not getattr(cls, "REFUND_EVENTS_ARE_TOTALS", provider != "paypal")


def _payment_reference(provider: str, event: ProviderEvent) -> str | None:
    if event.reference and Payment.objects.filter(reference=event.reference, provider=provider).exists():
        return event.reference
    if event.provider_reference:
        found = (
            Payment.objects.filter(provider=provider, provider_reference=event.provider_reference)
            .values_list("reference", flat=True)
            .first()
        )
        # A refund event may name only the provider's refund id: the refund call we recorded knows it.
        return found or (
            PaymentTransaction.objects.filter(
                payment__provider=provider, kind=TransactionKind.REFUND, provider_reference=event.provider_reference
            )
            .values_list("payment__reference", flat=True)
            .first()
        )
    return None


def refund_payment(*, reference: str, amount: Money, key: str) -> PaymentTransaction:
    """Give `amount` back to the buyer through the provider that took it.

    Never more than captured less already refunded: the payment row is locked, the amount checked, and
    the conditional update and the CHECK constraint stand behind the check. Idempotent per `key`: a
    retried refund returns the first one's transaction. Raises RefundExceedsCapturedError (nothing
    refunded) or PaymentStateError. Emits `payments.payment_refunded`.
    """
    if amount.amount <= 0:
        raise PaymentStateError(detail="A refund must be more than zero.")
    amount = amount.quantize()
    if existing := PaymentTransaction.objects.filter(idempotency_key=key).first():
        return existing
    try:
        with transaction.atomic():
            payment = lock_payment(reference)
            if existing := PaymentTransaction.objects.filter(idempotency_key=key).first():
                return existing
            if payment.currency != amount.currency:
                raise PaymentStateError(detail="The refund is not in the payment's currency.")
            if amount > payment.refundable:
                raise RefundExceedsCapturedError(
                    detail=f"At most {payment.refundable} can still be refunded on {payment.reference}.",
                    data={"refundable": str(payment.refundable.amount), "currency": payment.currency},
                )
            gateway = _gateway(payment)
            # The provider is called under the payment's lock so that two refunds of one payment are
            # serialised end to end; other payments are not held up. A refund that fails or gets no answer
            # rolls back whole: nothing is recorded as refunded that the provider did not confirm.
            result = gateway.refund(
                reference=payment.reference,
                provider_reference=payment.provider_reference,
                amount=amount,
                key=key,
            )
            if not result.succeeded:
                raise PaymentStateError(detail=result.message or "The provider refused the refund.")
            if result.provider_reference and (
                known := PaymentTransaction.objects.filter(
                    payment=payment, kind=TransactionKind.REFUND, provider_reference=result.provider_reference
                ).first()
            ):
                # A refund the ledger already has under the provider's id: recorded from the provider's list
                # after an earlier call with this key got no answer. It is not counted twice.
                return known
            updated = Payment.objects.filter(
                pk=payment.pk, refunded_amount__lte=F("captured_amount") - amount.amount
            ).update(refunded_amount=F("refunded_amount") + amount.amount)
            if updated != 1:
                raise RefundExceedsCapturedError(data={"payment": payment.reference})
            payment.refresh_from_db()
            payment.status = (
                PaymentStatus.REFUNDED
                if payment.refunded_amount >= payment.captured_amount
                else PaymentStatus.PARTIALLY_REFUNDED
            )
            payment.save(update_fields=["status", "updated_at"])
            refund = PaymentTransaction.objects.create(
                payment=payment,
                kind=TransactionKind.REFUND,
                status=TransactionStatus.SUCCEEDED,
                amount=amount.amount,
                currency=amount.currency,
                provider_reference=result.provider_reference,
                idempotency_key=key,
                provider_status=ProviderStatus.REFUNDED,
                refunded_delta=amount.amount,
            )
            record_event(
                "payments.payment_refunded",
                order_ref=payment.order_ref,
                payment=payment.reference,
                amount=str(amount.amount),
            )
            return refund
    except IntegrityError:
        # Another request with the same key committed first: return its transaction.
        if existing := PaymentTransaction.objects.filter(idempotency_key=key).first():
            return existing
        raise
