"""Offline payments: waiting for a bank transfer, cash on delivery or a payment in store, recording the money
when it arrives, and reconciling bank statements.

Money received offline enters the payments ledger like a provider's capture: under the payment's row lock
(4th in the global lock order, comptoir/core/locks.py), by a conditional update of `captured_amount` with
the CHECK constraint behind it, and as one `PaymentTransaction` whose `provider_event_id` names where the money
came from (a bank entry, a delivery, a till receipt), so the same money is never recorded twice. A payment
captured in full emits `payments.payment_captured`, which settles its order.

Reads (which methods fit an order, what the buyer is told) are in comptoir/payments/offline_queries.py.
This module knows orders only by reference, as the rest of the payments domain does; what needs an order
(its status, its stock) is in comptoir/orders/services/offline.py.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.core.errors import ConflictError, InvalidInputError, NotFoundError
from comptoir.core.events import record_event
from comptoir.core.money import Money
from comptoir.payments.errors import PaymentMethodUnavailableError, PaymentNotFoundError, PaymentStateError
from comptoir.payments.gateways import ProviderStatus, gateway_for
from comptoir.payments.models import Payment, PaymentStatus, PaymentTransaction, TransactionKind, TransactionStatus
from comptoir.payments.providers.offline import (
    BANK_TRANSFER,
    CASH_ON_DELIVERY,
    METHODS,
    references_in,
)
from comptoir.payments.statement_models import (
    BankStatement,
    LineStatus,
    StatementLine,
)
from comptoir.payments.statements import ParsedStatement, StatementEntry, parse_statement


class StatementLineNotFoundError(NotFoundError):
    code = "statement-line-not-found"
    title = "Bank statement line not found"


class StatementLineStateError(ConflictError):
    code = "statement-line-state"
    title = "This bank statement line cannot do that in its current state"


# --- waiting for the money -------------------------------------------------------------------------------


def _lock(reference: str) -> Payment:
    payment = Payment.objects.select_for_update().filter(reference=reference).first()
    if payment is None:
        raise PaymentNotFoundError(data={"payment": reference})
    return payment


def start_offline_payment(*, order_ref: str, method_code: str, amount: Money) -> Payment:
    """Wait for `amount` by an offline method: a pending payment under the order's creditor reference.

    Idempotent: a pending payment of the order with the same method is returned as it is (a buyer who posts
    the form twice, the handler of `orders.order_placed` and the pay page both starting it). Emits
    `payments.offline_payment_started` once, which e-mails the buyer how to pay."""
    if method_code not in METHODS:
        raise PaymentMethodUnavailableError(data={"method": method_code})
    gateway = gateway_for(method_code)
    if gateway is None:
        raise PaymentMethodUnavailableError(data={"method": method_code})
    if amount.amount <= 0:
        raise PaymentStateError(detail="Nothing is left to pay on this order.")
    existing = Payment.objects.filter(order_ref=order_ref, method=method_code, status=PaymentStatus.PENDING).first()
    if existing is not None:
        return existing
    result = gateway.confirm(reference="", amount=amount, data={"order_ref": order_ref})
    with transaction.atomic():
        payment = Payment.objects.create(
            reference="pay_" + secrets.token_hex(10),
            order_ref=order_ref,
            provider=gateway.code,
            method=method_code,
            currency=amount.currency,
            amount=amount.quantize().amount,
            provider_reference=result.provider_reference,
        )
        PaymentTransaction.objects.create(
            payment=payment,
            kind=TransactionKind.AUTHORIZE,
            status=TransactionStatus.PENDING,
            amount=payment.amount,
            currency=payment.currency,
            provider_reference=result.provider_reference,
            message=result.message[:300],
        )
        record_event(
            "payments.offline_payment_started", order_ref=order_ref, payment=payment.reference, method=method_code
        )
    return payment


def capture_offline_payment(*, reference: str, amount: Money, source: str, note: str = "") -> PaymentTransaction:
    """Record `amount` received for a pending offline payment (all of it, or a part: the payment then stays
    pending for the rest). `source` names where the money came from ("bank:<entry id>", "cod:<parcel>",
    "store:<receipt>"): recorded once, so a second call with the same source returns the first transaction.

    Never more than is left to collect: raises PaymentStateError (nothing written) otherwise. Emits
    `payments.payment_captured` when the payment is paid in full."""
    amount = amount.quantize()
    if amount.amount <= 0:
        raise PaymentStateError(detail="An amount received must be more than zero.")
    event_id = source[:120]
    if existing := PaymentTransaction.objects.filter(provider_event_id=event_id).first():
        return existing
    try:
        with transaction.atomic():
            payment = _lock(reference)
            return _capture_locked(payment, amount, event_id, note)
    except IntegrityError:
        # The same money recorded concurrently (two imports of one statement): the first stands.
        if existing := PaymentTransaction.objects.filter(provider_event_id=event_id).first():
            return existing
        raise


def _capture_locked(payment: Payment, amount: Money, event_id: str, note: str) -> PaymentTransaction:
    if payment.provider != "offline" or payment.status != PaymentStatus.PENDING:
        raise PaymentStateError(
            detail=f"Payment {payment.reference} is {payment.get_status_display()}: nothing is awaited on it.",
            data={"status": payment.status},
        )
    if amount.currency != payment.currency:
        raise PaymentStateError(detail="The amount received is not in the payment's currency.")
    # The row is locked: the new amounts are computed here, not with F() in both SET clauses (MariaDB applies
    # SET clauses left to right, so authorized_amount would see the captured amount already increased).
    captured = payment.captured_amount + amount.amount
    updated = Payment.objects.filter(
        pk=payment.pk,
        status=PaymentStatus.PENDING,
        captured_amount=payment.captured_amount,
        captured_amount__lte=F("amount") - amount.amount,
    ).update(captured_amount=captured, authorized_amount=max(payment.authorized_amount, captured))
    if updated != 1:
        left = Money(payment.amount - payment.captured_amount, payment.currency)
        raise PaymentStateError(
            detail=f"Only {left} is left to collect on payment {payment.reference}.",
            data={"left": str(left.amount), "currency": payment.currency},
        )
    payment.refresh_from_db()
    if payment.captured_amount >= payment.amount:
        payment.status = PaymentStatus.CAPTURED
        payment.error = ""
        payment.save(update_fields=["status", "error", "updated_at"])
    capture = PaymentTransaction.objects.create(
        payment=payment,
        kind=TransactionKind.CAPTURE,
        status=TransactionStatus.SUCCEEDED,
        amount=amount.amount,
        currency=amount.currency,
        captured_delta=amount.amount,  # the ledger row says what it moved (payment_ledger invariant)
        provider_reference=payment.provider_reference,
        provider_event_id=event_id,
        message=note[:300],
    )
    if payment.status == PaymentStatus.CAPTURED:
        record_event("payments.payment_captured", order_ref=payment.order_ref, payment=payment.reference)
    return capture


def _lock_order_payments(order_ref: str, **conditions) -> list[Payment]:
    """The order's payments matching `conditions`, locked by primary key in key order (as they are on the
    locked row, which the caller checks again).

    Found first without a lock, then locked by key only: a locking read filtered on `status` may go through
    MariaDB's status index and lock the "pending" entries of other orders' payments while it reads, which
    deadlocked with those payments being captured at the same time (20 concurrent payments, each order
    settled after its capture). Locking by key takes exactly the rows named. The caller holds the order's
    lock, under which its payments are created."""
    keys = list(Payment.objects.filter(order_ref=order_ref, **conditions).order_by("pk").values_list("pk", flat=True))
    if not keys:
        return []
    return list(Payment.objects.select_for_update().filter(pk__in=keys).order_by("pk"))


def cancel_offline_payments(*, order_ref: str) -> int:
    """Stop waiting for an order's offline payments (the order was cancelled, or paid another way). Money
    already received on one stays recorded (captured_amount) for the refund."""
    with transaction.atomic():
        offline = _lock_order_payments(order_ref, provider="offline", status=PaymentStatus.PENDING)
        pending = [p for p in offline if p.status == PaymentStatus.PENDING and p.captured_amount == 0]
        for payment in pending:
            payment.status = PaymentStatus.CANCELLED
            payment.save(update_fields=["status", "updated_at"])
    return len(pending)


def void_cash_on_delivery(*, order_ref: str, note: str = "") -> list[Payment]:
    """The carrier brought a cash-on-delivery parcel back (refused, or nobody home): no cash was taken and none
    will be. Each pending cash-on-delivery payment of the order is cancelled, with a void row in its ledger
    that moves nothing (the payment_ledger invariant), so nothing can mark it paid later: a capture needs a
    pending payment (`capture_offline_payment` refuses it). Emits `payments.payment_cancelled` per payment.

    Under the payments' row locks, in primary-key order (4th in comptoir/core/locks.py; the caller holds the
    order's). Raises PaymentStateError, writing nothing, when money was recorded on one of them: that money
    was collected, and the parcel cannot have been refused. Returns the payments cancelled (none: nothing was
    awaited)."""
    with transaction.atomic():
        payments = _lock_order_payments(order_ref, provider="offline", method=CASH_ON_DELIVERY)
        if collected := [p.reference for p in payments if p.captured_amount > 0]:
            raise PaymentStateError(
                detail=_("Cash was already recorded on payment %(payment)s of this order.")
                % {"payment": ", ".join(collected)},
                data={"payments": collected},
            )
        pending = [p for p in payments if p.status == PaymentStatus.PENDING]
        for payment in pending:
            payment.status = PaymentStatus.CANCELLED
            payment.save(update_fields=["status", "updated_at"])
            PaymentTransaction.objects.create(
                payment=payment,
                kind=TransactionKind.VOID,
                status=TransactionStatus.SUCCEEDED,
                amount=payment.amount,
                currency=payment.currency,
                provider_reference=payment.provider_reference,
                # Once per payment, whatever retries: the unique provider event id stands behind it.
                provider_event_id=f"cod-returned:{payment.reference}"[:120],
                provider_status=ProviderStatus.CANCELLED,
                message=(note or _("Parcel returned to sender: no cash collected."))[:300],
            )
            record_event("payments.payment_cancelled", order_ref=order_ref, payment=payment.reference)
    return pending


# --- bank statements --------------------------------------------------------------------------------------


@dataclass(slots=True)
class ImportSummary:
    statement_id: int | None
    lines: int = 0
    matched: int = 0
    partial: int = 0
    over: int = 0
    unmatched: int = 0
    duplicates: int = 0
    debits: int = 0

    @property
    def flagged(self) -> int:
        return self.partial + self.over + self.unmatched

    def as_dict(self) -> dict[str, int]:
        return {
            "lines": self.lines,
            "matched": self.matched,
            "partial": self.partial,
            "over": self.over,
            "unmatched": self.unmatched,
            "duplicates": self.duplicates,
            "debits": self.debits,
        }


def import_bank_statement(
    *,
    raw: bytes,
    filename: str,
    format: str = "",
    user_id: int | None = None,
    csv_options: Mapping[str, object] | None = None,
) -> ImportSummary:
    """Read a bank statement (CSV or CAMT.053) and reconcile its credits with the payments awaited.

    Each line is stored once (unique bank entry id): a line already imported, by this file or another, is a
    duplicate and changes nothing. A new line whose creditor reference names a pending bank transfer and whose
    amount is exactly what is left to pay captures it (the order is then paid); less is flagged `partial`,
    more `over` (what was due is captured, the excess is to refund), no reference found `unmatched`. All or
    nothing: a file that cannot be read raises StatementFileError before anything is written, and the whole
    import is one transaction. A file that brings no new line leaves no trace."""
    from django.conf import settings

    options = dict(csv_options or {})
    options.setdefault("columns", settings.COMPTOIR.get("BANK_CSV_COLUMNS", {}))
    parsed: ParsedStatement = parse_statement(raw, format=format, filename=filename, **options)
    summary = ImportSummary(statement_id=None, debits=parsed.debits)
    with transaction.atomic():
        statement = BankStatement.objects.create(
            filename=filename[:255],
            format=parsed.format,
            sha256=hashlib.sha256(raw).hexdigest(),
            imported_by_id=user_id,
        )
        new_lines = _store_lines(statement, parsed.entries, summary)
        if not new_lines:
            transaction.set_rollback(True)
            return summary
        _reconcile(new_lines, summary)
        statement.summary = summary.as_dict()
        statement.save(update_fields=["summary"])
        summary.statement_id = statement.pk
    return summary


def _store_lines(
    statement: BankStatement, entries: list[StatementEntry], summary: ImportSummary
) -> list[StatementLine]:
    """Insert each entry unless its id is known. In entry-id order, each in a savepoint: a concurrent import
    of the same lines waits on the unique index, then finds them duplicates (never a deadlock: both insert in
    the same order)."""
    new_lines, seen = [], set()
    for entry in sorted(entries, key=lambda e: e.entry_id):
        if entry.entry_id in seen:
            summary.duplicates += 1
            continue
        seen.add(entry.entry_id)
        if StatementLine.objects.filter(entry_id=entry.entry_id).exists():
            summary.duplicates += 1
            continue
        try:
            with transaction.atomic():
                line = StatementLine.objects.create(
                    statement=statement,
                    entry_id=entry.entry_id,
                    booked_on=entry.booked_on,
                    amount=entry.amount,
                    currency=entry.currency,
                    remittance=entry.remittance,
                    counterparty=entry.counterparty,
                    status=LineStatus.UNMATCHED,
                )
        except IntegrityError:
            summary.duplicates += 1
            continue
        new_lines.append(line)
    summary.lines = len(new_lines)
    return new_lines


def _reconcile(lines: list[StatementLine], summary: ImportSummary) -> None:
    candidates = {line.pk: references_in(line.remittance) for line in lines}
    wanted = sorted({ref for refs in candidates.values() for ref in refs})
    payments_by_ref: dict[str, list[tuple[int, str]]] = {}
    for pk, ref, provider_ref in (
        Payment.objects.filter(provider="offline", method=BANK_TRANSFER, provider_reference__in=wanted)
        .order_by("pk")
        .values_list("pk", "reference", "provider_reference")
    ):
        payments_by_ref.setdefault(provider_ref, []).append((pk, ref))
    targets: dict[int, str] = {}
    for line in lines:
        found = next((payments_by_ref[r] for r in candidates[line.pk] if r in payments_by_ref), None)
        if found is None:
            line.note = _("No awaited bank transfer has this reference.") if candidates[line.pk] else ""
            line.save(update_fields=["note"])
            summary.unmatched += 1
            continue
        # The newest payment of the reference: an order has one awaited transfer at a time.
        targets[line.pk] = found[-1][1]
    # Payments are locked one at a time, in primary-key order of the lines' payments (comptoir/core/locks.py).
    by_pk = {line.pk: line for line in lines}
    for line_pk, payment_reference in sorted(targets.items(), key=lambda item: (item[1], item[0])):
        status = _apply_line(by_pk[line_pk], payment_reference)
        counter = status if status in ("matched", "partial", "over") else "unmatched"
        setattr(summary, counter, getattr(summary, counter) + 1)


def _apply_line(line: StatementLine, payment_reference: str, *, record_partial: bool = False) -> str:
    """Match one stored line to one payment, under the payment's lock: exact → captured; less → partial
    (recorded only when staff say so); more → what was due captured, the excess flagged for refund."""
    with transaction.atomic():
        payment = _lock(payment_reference)
        line.payment_reference, line.order_ref = payment.reference, payment.order_ref
        due = payment.amount - payment.captured_amount if payment.status == PaymentStatus.PENDING else Decimal(0)
        if line.currency != payment.currency:
            line.status = LineStatus.UNMATCHED
            line.note = _("Received in %(got)s, awaited in %(want)s.") % {
                "got": line.currency,
                "want": payment.currency,
            }
        elif due <= 0:
            line.status, line.excess_amount = LineStatus.OVER, line.amount
            line.note = _("The order was already paid: the whole amount is to refund.")
        elif line.amount == due:
            _capture_locked(payment, Money(due, payment.currency), f"bank:{line.entry_id}", line.remittance)
            line.status, line.applied_amount = LineStatus.MATCHED, due
            line.note = ""
        elif line.amount < due:
            if record_partial:
                _capture_locked(payment, Money(line.amount, payment.currency), f"bank:{line.entry_id}", line.remittance)
                line.status, line.applied_amount = LineStatus.PARTIAL_RECORDED, line.amount
                line.note = _("%(left)s still awaited.") % {"left": Money(due - line.amount, payment.currency)}
            else:
                line.status = LineStatus.PARTIAL
                line.note = _("%(due)s was due.") % {"due": Money(due, payment.currency)}
        else:
            _capture_locked(payment, Money(due, payment.currency), f"bank:{line.entry_id}", line.remittance)
            line.status, line.applied_amount, line.excess_amount = LineStatus.OVER, due, line.amount - due
            line.note = _("%(excess)s more than due: to refund.") % {"excess": Money(line.amount - due, line.currency)}
        line.save()
    return line.status


# --- staff decisions on flagged lines ----------------------------------------------------------------------


def _lock_line(line_id: int) -> StatementLine:
    line = StatementLine.objects.select_for_update().filter(pk=line_id).first()
    if line is None:
        raise StatementLineNotFoundError(data={"line": line_id})
    return line


def _resolved(line: StatementLine, user_id: int | None) -> None:
    line.resolved_by_id, line.resolved_at = user_id, timezone.now()
    line.save(update_fields=["resolved_by", "resolved_at"])


def record_partial_payment(*, line_id: int, user_id: int | None = None) -> StatementLine:
    """Staff accept a transfer for less than due as a part payment: it is recorded on the payment, and the
    order keeps waiting for the rest. Raises StatementLineStateError for a line that is not `partial`."""
    with transaction.atomic():
        line = _lock_line(line_id)
        if line.status != LineStatus.PARTIAL:
            raise StatementLineStateError(detail=_("Only a line for less than due can be recorded as a part payment."))
        _apply_line(line, line.payment_reference, record_partial=True)
        if line.status == LineStatus.PARTIAL_RECORDED:
            _resolved(line, user_id)
    return line


def match_line_to_payment(*, line_id: int, payment_reference: str, user_id: int | None = None) -> StatementLine:
    """Staff match a line no reference matched (or a part payment to another order) to a payment awaited:
    then as on import, exact captures, less is flagged partial, more captures what is due and flags the
    excess. The caller (comptoir/orders/services/offline.py) finds or starts the order's payment."""
    with transaction.atomic():
        line = _lock_line(line_id)
        if line.status not in (LineStatus.UNMATCHED, LineStatus.PARTIAL):
            raise StatementLineStateError(detail=_("Only a line not yet applied to an order can be matched."))
        _apply_line(line, payment_reference)
        _resolved(line, user_id)
    return line


def mark_excess_refunded(*, line_id: int, user_id: int | None = None, note: str = "") -> StatementLine:
    """Staff sent back the excess of an over-payment (by their bank): the line is settled."""
    with transaction.atomic():
        line = _lock_line(line_id)
        if line.status != LineStatus.OVER:
            raise StatementLineStateError(detail=_("Only an over-payment has an excess to refund."))
        line.status = LineStatus.REFUNDED
        line.note = (
            note or _("Excess of %(excess)s refunded.") % {"excess": Money(line.excess_amount, line.currency)}
        )[:300]
        line.save(update_fields=["status", "note"])
        _resolved(line, user_id)
    return line


def dismiss_line(*, line_id: int, user_id: int | None = None, note: str = "") -> StatementLine:
    """Staff say a credit is no buyer's payment (interest, a supplier's credit note): no longer flagged."""
    with transaction.atomic():
        line = _lock_line(line_id)
        if line.status not in (LineStatus.UNMATCHED, LineStatus.PARTIAL):
            raise StatementLineStateError(detail=_("Only a line not applied to an order can be dismissed."))
        line.status = LineStatus.DISMISSED
        line.note = (note or _("Not a payment for an order."))[:300]
        line.save(update_fields=["status", "note"])
        _resolved(line, user_id)
    return line


def validate_order_number(text: str) -> str:
    text = (text or "").strip()
    if not text or len(text) > 40:
        raise InvalidInputError(detail=_("Enter an order number."))
    return text
