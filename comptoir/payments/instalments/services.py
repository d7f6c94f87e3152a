"""Instalment plans: started at checkout with the first instalment, the rest charged off-session when due.

Charging an instalment is three steps, because a provider call may take seconds and is never made inside a
database transaction:

1. *claim* (one transaction): a conditional `UPDATE ... SET status='processing' WHERE status IN ('pending',
   'failed') AND next_attempt_on <= today` on the instalment row, checked by its row count, and the attempt's
   `Payment` created and linked. Two workers (or a worker and the buyer paying by hand) racing for one
   instalment: exactly one updates the row, the other gets 0 rows and charges nothing.
2. the provider call (`payments.services.confirm_payment`), outside any transaction;
3. the outcome (one transaction, instalment row locked): paid; or failed with the next retry date
   (`COMPTOIR["INSTALMENT_RETRY_DAYS"]`, 1, 3 then 7 days by default) and a reminder to the buyer; or, after
   the last retry, the plan in default and staff told.

A worker that dies between 1 and 3 leaves the instalment `processing` with its payment linked; after
`STALE_CLAIM` the periodic job asks the provider again about *that same payment* (same reference, which
real providers use as the idempotency key), so a crash never leads to a second charge.

Locks (comptoir/core/locks.py, level 4): the plan row, then instalment rows in primary-key order, then the
payment row. Events: `payments.instalment_plan_started`, `payments.instalment_paid`,
`payments.instalment_failed`, `payments.instalment_plan_defaulted`, `payments.instalment_plan_completed`,
`payments.instalment_plan_cancelled` (the orders domain e-mails the buyer and writes the order's timeline).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.core.events import record_event
from comptoir.core.money import Money
from comptoir.payments.gateways import gateway_for
from comptoir.payments.instalment_models import (
    OWED,
    Instalment,
    InstalmentOffer,
    InstalmentPlan,
    InstalmentStatus,
    PendingInstalmentPlan,
    PendingPlanStatus,
    PlanStatus,
)
from comptoir.payments.instalments.errors import (
    InstalmentMethodUnsupportedError,
    InstalmentNotFoundError,
    InstalmentNotPayableError,
    InstalmentOfferUnavailableError,
    InstalmentPlanExistsError,
)
from comptoir.payments.instalments.offers import is_eligible
from comptoir.payments.instalments.schedule import instalment_schedule
from comptoir.payments.models import Payment, PaymentStatus
from comptoir.payments.queries import CAPTURED_STATES
from comptoir.payments.services import confirm_payment, create_payment, refund_payment

logger = logging.getLogger(__name__)

# A claim older than this is a worker that died mid-charge: the job asks the provider about its payment again.
STALE_CLAIM = timedelta(minutes=15)
CLAIMABLE = (InstalmentStatus.PENDING, InstalmentStatus.FAILED)


def retry_days() -> tuple[int, ...]:
    """Days between a failed off-session charge and the next try; after the last, the plan is in default."""
    return tuple(settings.COMPTOIR.get("INSTALMENT_RETRY_DAYS", (1, 3, 7)))


@dataclass(frozen=True, slots=True)
class PlanStart:
    """The first instalment's payment (failed: the buyer may try again) and, when it was captured, the plan."""

    payment: Payment
    plan: InstalmentPlan | None


# --- Starting a plan at checkout ------------------------------------------------------------------------


def start_instalment_plan(
    *,
    order_ref: str,
    channel_id: int,
    offer_id: int,
    amount_due: Money,
    country: str,
    product_kinds: Iterable[str],
    method_code: str,
    data: Mapping[str, str],
) -> PlanStart:
    """Charge the first instalment of `amount_due` now, saving the buyer's payment method, and schedule the rest:
    `begin_instalment_plan` then `charge_first_instalment`. A caller that must serialise charges (the order's
    lock) calls the two itself, the first inside its transaction."""
    payment = begin_instalment_plan(
        order_ref=order_ref,
        channel_id=channel_id,
        offer_id=offer_id,
        amount_due=amount_due,
        country=country,
        product_kinds=product_kinds,
        method_code=method_code,
    )
    return charge_first_instalment(payment=payment, order_ref=order_ref, method_code=method_code, data=data)


def begin_instalment_plan(
    *,
    order_ref: str,
    channel_id: int,
    offer_id: int,
    amount_due: Money,
    country: str,
    product_kinds: Iterable[str],
    method_code: str,
) -> Payment:
    """Check the choice and create the first instalment's payment with the choice remembered beside it (no
    provider call). The offer must be one of the channel's and the basket eligible for it
    (InstalmentOfferUnavailableError); the order must have no plan (InstalmentPlanExistsError) and the method
    be one the provider saves (InstalmentMethodUnsupportedError)."""
    offer = InstalmentOffer.objects.filter(pk=offer_id, channel_id=channel_id).first()
    kinds = list(product_kinds)
    if offer is None or not is_eligible(offer, amount=amount_due, country=country, product_kinds=kinds):
        raise InstalmentOfferUnavailableError(
            detail=_("This order cannot be paid in these instalments. Choose another way to pay."),
            data={"offer": offer_id},
        )
    if InstalmentPlan.objects.filter(order_ref=order_ref).exists():
        raise InstalmentPlanExistsError(data={"order": order_ref})
    if not _can_save(method_code):
        raise InstalmentMethodUnsupportedError(
            detail=_("Instalments are paid by card: choose a card to pay the first one."), data={"method": method_code}
        )
    today = timezone.localdate()
    schedule = instalment_schedule(amount_due.quantize(), offer.count, first_due=today, interval=offer.interval)
    with transaction.atomic():
        payment = create_payment(order_ref=order_ref, method_code=method_code, amount=schedule[0].amount)
        # The choice is remembered with the first payment: whoever records its capture (this call, the
        # buyer's return from 3-D Secure, a webhook, reconciliation) starts the plan from it.
        PendingInstalmentPlan.objects.create(
            payment=payment,
            order_ref=order_ref,
            channel_id=channel_id,
            offer=offer,
            label=offer.label,
            currency=amount_due.currency,
            total=amount_due.quantize().amount,
            count=offer.count,
            interval=offer.interval,
            schedule=[
                {"sequence": item.sequence, "due_on": item.due_on.isoformat(), "amount": str(item.amount.amount)}
                for item in schedule
            ],
        )
    return payment


def charge_first_instalment(
    *, payment: Payment, order_ref: str, method_code: str, data: Mapping[str, str]
) -> PlanStart:
    """Ask the provider for the first instalment (outside any transaction) and start the plan once captured.

    A declined first instalment is returned, with no plan (the choice remembered with it is dropped). A first
    payment not decided at once (3-D Secure, a redirect, a late webhook) is returned with no plan: the choice
    stays pending and `start_pending_plan` starts the plan when that payment is captured.
    A method the provider did not save is refunded and refused (InstalmentMethodUnsupportedError). Two
    concurrent starts for one order: the second is refunded and refused (InstalmentPlanExistsError).
    Emits `payments.instalment_plan_started`."""
    payment = confirm_payment(reference=payment.reference, data={**data, "save_method": "1"})
    if payment.status not in CAPTURED_STATES:
        if payment.status in (PaymentStatus.FAILED, PaymentStatus.CANCELLED):
            drop_pending_plan(reference=payment.reference)
        return PlanStart(payment=payment, plan=None)
    started = start_pending_plan(reference=payment.reference)
    if started.refused == "method-not-saved":
        raise InstalmentMethodUnsupportedError(data={"method": method_code})
    if started.refused == "duplicate-plan":
        raise InstalmentPlanExistsError(data={"order": order_ref})
    return PlanStart(payment=payment, plan=started.plan)


@dataclass(frozen=True, slots=True)
class PendingStart:
    """What `start_pending_plan` did: the plan (started now or before), or why none was started (`refused`:
    "method-not-saved" or "duplicate-plan", the first payment given back; "not-captured", "dropped", "none")."""

    plan: InstalmentPlan | None
    refused: str = ""
    created: bool = False


def start_pending_plan(*, reference: str) -> PendingStart:
    """Start the plan the buyer chose with payment `reference` once that first payment is captured.

    Called by every path that may capture it (the checkout call itself, the buyer's return, the
    `payments.payment_captured` handler for webhooks and reconciliation): exactly once, whichever comes first
    and however many at the same time. The choice's row is locked (level 4, before the plan), checked, then
    the plan created from the schedule computed when the buyer chose, with the saved method token of the
    captured payment. A captured payment that saved no method, or an order that already has a plan (the
    buyer paid another way meanwhile, or chose twice), is given back and the choice dropped.
    Emits `payments.instalment_plan_started`."""
    payment_id = Payment.objects.filter(reference=reference).values_list("pk", flat=True).first()
    if payment_id is None:
        return PendingStart(plan=None, refused="none")
    give_back = ""
    with transaction.atomic():
        # Locked first, then read (on MariaDB the snapshot of the reads below starts after the lock).
        pending = PendingInstalmentPlan.objects.select_for_update().filter(payment_id=payment_id).first()
        if pending is None:
            return PendingStart(plan=None, refused="none")
        if pending.status == PendingPlanStatus.STARTED:
            return PendingStart(plan=InstalmentPlan.objects.filter(order_ref=pending.order_ref).first())
        if pending.status == PendingPlanStatus.DROPPED:
            return PendingStart(plan=None, refused=pending.reason or "dropped")
        payment = Payment.objects.get(pk=payment_id)
        if payment.status not in CAPTURED_STATES:
            return PendingStart(plan=None, refused="not-captured")
        plan = None
        if not payment.saved_method:
            give_back = "method-not-saved"
        elif InstalmentPlan.objects.filter(order_ref=pending.order_ref).exists():
            give_back = "duplicate-plan"
        else:
            try:
                with transaction.atomic():
                    plan = _create_plan(pending, payment)
            except IntegrityError:
                # A plan for the order was created concurrently from another choice: this one goes back.
                give_back = "duplicate-plan"
        pending.status = PendingPlanStatus.DROPPED if give_back else PendingPlanStatus.STARTED
        pending.reason = give_back
        pending.save(update_fields=["status", "reason", "updated_at"])
    if give_back:
        # Outside the transaction: a refund calls the provider (its key makes a repeat harmless).
        _give_back(payment, reason=give_back)
        return PendingStart(plan=None, refused=give_back)
    return PendingStart(plan=plan, created=True)


def _create_plan(pending: PendingInstalmentPlan, payment: Payment) -> InstalmentPlan:
    plan = InstalmentPlan.objects.create(
        order_ref=pending.order_ref,
        channel_id=pending.channel_id,
        offer_id=pending.offer_id,
        label=pending.label,
        currency=pending.currency,
        total=pending.total,
        count=pending.count,
        interval=pending.interval,
        method=payment.method,
        saved_method=payment.saved_method,
    )
    now = timezone.now()
    rows = []
    for item in sorted(pending.schedule, key=lambda i: int(i["sequence"])):
        first = int(item["sequence"]) == 1
        due_on = date.fromisoformat(item["due_on"])
        rows.append(
            Instalment(
                plan=plan,
                sequence=int(item["sequence"]),
                due_on=due_on,
                amount=Decimal(item["amount"]),
                status=InstalmentStatus.PAID if first else InstalmentStatus.PENDING,
                attempts=1 if first else 0,
                payment=payment if first else None,
                paid_at=now if first else None,
                next_attempt_on=None if first else due_on,
            )
        )
    Instalment.objects.bulk_create(rows)
    record_event(
        "payments.instalment_plan_started", order_ref=pending.order_ref, plan_id=plan.pk, payment=payment.reference
    )
    return plan


def pending_plan_payments(*, order_ref: str) -> list[str]:
    """The references of the first payments whose instalment choice is still pending, oldest first."""
    return list(
        PendingInstalmentPlan.objects.filter(order_ref=order_ref, status=PendingPlanStatus.PENDING)
        .order_by("pk")
        .values_list("payment__reference", flat=True)
    )


def drop_pending_plan(*, reference: str, reason: str = "payment-failed", captured_too: bool = False) -> bool:
    """The first payment of a pending choice failed or was cancelled: forget the choice (the buyer may choose
    again, on a new payment). True when a pending choice was dropped. A captured payment's choice is kept
    unless `captured_too` (its order is no longer awaiting payment: no plan must start)."""
    with transaction.atomic():
        payment_id = Payment.objects.filter(reference=reference).values_list("pk", flat=True).first()
        pending = (  # no join in a locking query (MariaDB would lock the payment row too)
            PendingInstalmentPlan.objects.select_for_update()
            .filter(payment_id=payment_id, status=PendingPlanStatus.PENDING)
            .first()
        )
        if pending is None:
            return False
        if not captured_too and Payment.objects.filter(pk=pending.payment_id, status__in=CAPTURED_STATES).exists():
            return False
        pending.status, pending.reason = PendingPlanStatus.DROPPED, reason
        pending.save(update_fields=["status", "reason", "updated_at"])
    return True


def _can_save(method_code: str) -> bool:
    """Only a method a provider charges (a card, a wallet) can be saved and charged again: never an offline
    one (bank transfer, cash on delivery, in store)."""
    gateway = gateway_for(method_code)
    method = next((m for m in gateway.methods() if m.code == method_code), None) if gateway else None
    return method is not None and not method.offline


def _give_back(payment: Payment, *, reason: str) -> None:
    refund_payment(
        reference=payment.reference, amount=payment.refundable, key=f"instalment-{reason}:{payment.reference}"
    )


# --- Charging instalments -------------------------------------------------------------------------------


def _claim(instalment_id: int, *, today: date, due_only: bool, method: str, plan_statuses: tuple[str, ...]):
    """Claim an owed instalment for one charge and create the attempt's payment. Returns the instalment, or
    None when someone else holds it, it is not owed or not due, or its plan is not in `plan_statuses`."""
    with transaction.atomic():
        instalment = Instalment.objects.filter(pk=instalment_id).first()
        if instalment is None:
            return None
        claim = Instalment.objects.filter(pk=instalment_id, status__in=CLAIMABLE)
        if due_only:
            claim = claim.filter(next_attempt_on__lte=today)
        # The row count is the claim: only one of two concurrent workers can move the row to processing.
        # (No filter on the plan here: an UPDATE with a join becomes "pk IN (select)" on MariaDB, without
        # the status condition.)
        fields = {"status": InstalmentStatus.PROCESSING, "claimed_at": timezone.now()}
        if due_only:
            fields["attempts"] = F("attempts") + 1
        if claim.update(**fields) != 1:
            return None
        plan = InstalmentPlan.objects.get(pk=instalment.plan_id)
        if plan.status not in plan_statuses:
            transaction.set_rollback(True)
            return None
        instalment.refresh_from_db()
        payment = create_payment(
            order_ref=plan.order_ref, method_code=method or plan.method, amount=plan.money(instalment.owed)
        )
        Instalment.objects.filter(pk=instalment.pk).update(payment=payment)
        instalment.payment = payment
        instalment.plan = plan
        return instalment


def charge_instalment(*, instalment_id: int, today: date | None = None) -> Instalment | None:
    """Charge one due instalment off-session on the plan's saved method. Returns it after the charge, or
    None when it was not due, already claimed or paid, or its plan is not active (nothing charged)."""
    today = today or timezone.localdate()
    instalment = _claim(instalment_id, today=today, due_only=True, method="", plan_statuses=(PlanStatus.ACTIVE,))
    if instalment is None:
        return None
    data = {"saved_method": instalment.plan.saved_method, "off_session": "1"}
    payment = confirm_payment(reference=instalment.payment.reference, data=data)
    return _record_outcome(instalment.pk, payment, today=today, off_session=True, previous="")


def pay_instalment_by_hand(
    *, order_ref: str, sequence: int, method_code: str, data: Mapping[str, str]
) -> tuple[Instalment, Payment]:
    """The buyer pays an instalment themselves (from the reminder's link), before it is due or after a failed
    charge. The card used is saved for the instalments that follow, and a plan in default becomes active
    again once nothing failed is left. A decline is returned, not raised (the buyer may try again) and does
    not count as a retry. Raises InstalmentNotFoundError, InstalmentNotPayableError."""
    instalment = (
        Instalment.objects.filter(plan__order_ref=order_ref, sequence=sequence).only("pk", "status", "plan_id").first()
    )
    if instalment is None:
        raise InstalmentNotFoundError(data={"order": order_ref, "instalment": sequence})
    previous = instalment.status
    claimed = _claim(
        instalment.pk,
        today=timezone.localdate(),
        due_only=False,
        method=method_code,
        plan_statuses=(PlanStatus.ACTIVE, PlanStatus.DEFAULTED),
    )
    if claimed is None:
        raise InstalmentNotPayableError(
            detail="This instalment is paid, being charged or cancelled.", data={"instalment": sequence}
        )
    payment = confirm_payment(reference=claimed.payment.reference, data={**data, "save_method": "1"})
    return _record_outcome(
        claimed.pk, payment, today=timezone.localdate(), off_session=False, previous=previous
    ), payment


def _record_outcome(
    instalment_id: int, payment: Payment, *, today: date, off_session: bool, previous: str
) -> Instalment:
    """Write what the provider answered for the claimed instalment (see the module's doc)."""
    refund = False
    with transaction.atomic():
        plan_id = Instalment.objects.filter(pk=instalment_id).values_list("plan_id", flat=True).get()
        plan = InstalmentPlan.objects.select_for_update().get(pk=plan_id)
        instalment = Instalment.objects.select_for_update().get(pk=instalment_id)
        if instalment.status != InstalmentStatus.PROCESSING or instalment.payment_id != payment.pk:
            return instalment  # recorded already (a stale claim's recovery raced the worker)
        base = {"order_ref": plan.order_ref, "plan_id": plan.pk, "instalment_id": instalment.pk}
        if payment.status in CAPTURED_STATES:
            instalment.status = InstalmentStatus.PAID
            instalment.paid_at = timezone.now()
            instalment.next_attempt_on = None
            instalment.last_error = ""
            instalment.save()
            if payment.saved_method and not off_session:
                plan.saved_method = payment.saved_method
            if plan.status == PlanStatus.CANCELLED:
                refund = True  # the order was cancelled while this charge was in flight
            elif not plan.instalments.filter(status__in=OWED).exists():  # the others paid, or taken off
                plan.status = PlanStatus.COMPLETED
                record_event("payments.instalment_plan_completed", **base)
            elif (
                plan.status == PlanStatus.DEFAULTED
                and not plan.instalments.filter(status=InstalmentStatus.FAILED).exists()
            ):
                plan.status = PlanStatus.ACTIVE
            plan.save()
            record_event("payments.instalment_paid", payment=payment.reference, **base)
        elif payment.status == PaymentStatus.FAILED:
            instalment.last_error = payment.error[:300]
            if not off_session:
                # A declined payment by hand is the buyer's try, not one of the shop's retries.
                instalment.status = previous or InstalmentStatus.FAILED
            elif instalment.attempts > len(retry_days()):
                instalment.status = InstalmentStatus.FAILED
                instalment.next_attempt_on = None
                if plan.status == PlanStatus.ACTIVE:
                    plan.status = PlanStatus.DEFAULTED
                    plan.save()
                    record_event("payments.instalment_plan_defaulted", attempts=instalment.attempts, **base)
            else:
                instalment.status = InstalmentStatus.FAILED
                instalment.next_attempt_on = today + timedelta(days=retry_days()[instalment.attempts - 1])
                record_event(
                    "payments.instalment_failed",
                    attempt=instalment.attempts,
                    retry_on=instalment.next_attempt_on.isoformat(),
                    **base,
                )
            instalment.save()
        # Anything else (pending at the provider, a 3-D Secure challenge off-session): the instalment stays
        # `processing` with its payment; the stale-claim recovery asks the provider again.
    if refund:
        _give_back(payment, reason="plan-cancelled")
    return instalment


def recover_stale_claims(*, now=None, batch: int = 50) -> int:
    """Ask the provider again about charges whose worker died mid-call (see the module's doc)."""
    now = now or timezone.now()
    stale = list(
        Instalment.objects.filter(
            status=InstalmentStatus.PROCESSING, claimed_at__lt=now - STALE_CLAIM, payment__isnull=False
        )
        .order_by("pk")
        .values_list("pk", "claimed_at", "payment_id")[:batch]
    )
    done = 0
    for pk, claimed_at, payment_id in stale:
        # Re-claim by moving the claim time: one recovering worker per stale claim.
        if Instalment.objects.filter(pk=pk, claimed_at=claimed_at).update(claimed_at=now) != 1:
            continue
        instalment = Instalment.objects.select_related("plan").get(pk=pk)
        reference = Payment.objects.filter(pk=payment_id).values_list("reference", flat=True).get()
        data = {"saved_method": instalment.plan.saved_method, "off_session": "1"}
        payment = confirm_payment(reference=reference, data=data)
        _record_outcome(pk, payment, today=timezone.localdate(), off_session=True, previous="")
        done += 1
    return done


def charge_due_instalments(*, today: date | None = None, batch: int = 100) -> int:
    """The periodic job: charge every instalment due by `today` on an active plan, first recovering the
    charges a dead worker left half-done. Safe to run in several processes at once. Returns the number of
    charges attempted."""
    today = today or timezone.localdate()
    handled = recover_stale_claims()
    due = list(
        Instalment.objects.filter(status__in=CLAIMABLE, next_attempt_on__lte=today, plan__status=PlanStatus.ACTIVE)
        .order_by("next_attempt_on", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    for instalment_id in due:
        try:
            if charge_instalment(instalment_id=instalment_id, today=today) is not None:
                handled += 1
        except Exception:  # one instalment's trouble (a provider outage) must not stop the others
            logger.exception("instalment %s: charge failed", instalment_id)
    return handled


# --- Refunds before the money was collected ---------------------------------------------------------------


def reduce_instalment_plan(*, order_ref: str, amount: Money, source: str) -> Money:
    """Take `amount` off the instalments not charged yet, last first (a refund of goods bought in
    instalments first lowers what is still to pay). An instalment taken off entirely is cancelled; once
    nothing is owed, the plan is paid in full. Returns what was taken off (`amount`).

    Raises InstalmentNotPayableError when less than `amount` can be taken off (an instalment started being
    charged meanwhile): nothing is changed. Locks the plan, then its instalments in primary-key order.
    Emits `payments.instalment_plan_reduced`."""
    if amount.amount <= 0:
        return Money.zero(amount.currency)
    with transaction.atomic():
        plan = InstalmentPlan.objects.select_for_update().filter(order_ref=order_ref).first()
        if plan is None or plan.status not in (PlanStatus.ACTIVE, PlanStatus.DEFAULTED):
            raise InstalmentNotPayableError(detail="This order has no instalments left to reduce.")
        rows = list(Instalment.objects.select_for_update().filter(plan=plan, status__in=CLAIMABLE).order_by("pk"))
        remaining = amount.amount
        for row in sorted(rows, key=lambda r: -r.sequence):
            take = min(remaining, row.owed)
            if take <= 0:
                continue
            row.reduced += take
            remaining -= take
            if row.owed == 0:
                row.status, row.next_attempt_on = InstalmentStatus.CANCELLED, None
            row.save(update_fields=["reduced", "status", "next_attempt_on"])
        if remaining > 0:
            raise InstalmentNotPayableError(
                detail="Less than this is left to collect on the instalments: try again.",
                data={"order": order_ref, "short": str(remaining)},
            )
        if not plan.instalments.filter(status__in=OWED).exists():
            plan.status = PlanStatus.COMPLETED
            plan.save(update_fields=["status", "updated_at"])
        record_event(
            "payments.instalment_plan_reduced",
            order_ref=order_ref,
            plan_id=plan.pk,
            amount=str(amount.amount),
            source=source,
        )
    return amount


# --- Cancelling -----------------------------------------------------------------------------------------


def cancel_instalment_plan(*, order_ref: str, reason: str = "") -> InstalmentPlan | None:
    """Stop collecting: the plan's scheduled and failed instalments are cancelled (paid ones stay paid; the
    order's refund gives them back). One being charged right now finishes; if it succeeds, it is refunded.
    Idempotent; None when the order has no plan. Emits `payments.instalment_plan_cancelled`."""
    with transaction.atomic():
        plan = InstalmentPlan.objects.select_for_update().filter(order_ref=order_ref).first()
        if plan is None or plan.status == PlanStatus.CANCELLED:
            return plan
        cancelled = Instalment.objects.filter(plan=plan, status__in=CLAIMABLE).update(
            status=InstalmentStatus.CANCELLED, next_attempt_on=None
        )
        if plan.status != PlanStatus.COMPLETED:
            plan.status = PlanStatus.CANCELLED
            plan.save(update_fields=["status", "updated_at"])
            record_event(
                "payments.instalment_plan_cancelled",
                order_ref=order_ref,
                plan_id=plan.pk,
                instalments=cancelled,
                reason=reason,
            )
    return plan


__all__ = [
    "OWED",
    "PendingStart",
    "PlanStart",
    "begin_instalment_plan",
    "cancel_instalment_plan",
    "charge_due_instalments",
    "charge_first_instalment",
    "charge_instalment",
    "drop_pending_plan",
    "pay_instalment_by_hand",
    "pending_plan_payments",
    "recover_stale_claims",
    "reduce_instalment_plan",
    "start_instalment_plan",
    "start_pending_plan",
]
