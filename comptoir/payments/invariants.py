"""Payment invariants: every payment's amounts are what its ledger says, and stay within bounds.

(The order side — a paid order's payments cover exactly its amount due, one successful charge — is
`order_payments` in comptoir/orders/order_invariants.py.)
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from comptoir.core.invariants import CheckResult, Violation, invariant
from comptoir.core.money import Money
from comptoir.payments.models import Payment, PaymentStatus, PaymentTransaction

BATCH = 500


def _m(amount: Decimal, currency: str) -> str:
    return str(Money(amount, currency).quantize().amount)


@invariant("payment_ledger")
def check_payment_ledger() -> CheckResult:
    """Each payment's captured and refunded amounts equal the sums of its ledger rows' deltas; refunds never
    exceed captures, captures never exceed the amount; a payment with money captured says so in its status."""
    result = CheckResult()
    sums = {
        row["payment_id"]: row
        for row in PaymentTransaction.objects.values("payment_id")
        .annotate(captured=Sum("captured_delta"), refunded=Sum("refunded_delta"))
        .order_by()
    }
    captured_states = {PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}
    fields = ("pk", "reference", "currency", "amount", "captured_amount", "refunded_amount", "status")
    for payment in Payment.objects.order_by("pk").only(*fields).iterator(chunk_size=BATCH):
        result.examined += 1
        row = sums.get(payment.pk, {})
        subject = f"payment {payment.reference}"
        cur = payment.currency
        ledger_captured = row.get("captured") or Decimal(0)
        ledger_refunded = row.get("refunded") or Decimal(0)
        problems = []
        if ledger_captured != payment.captured_amount:
            problems.append(
                f"captured {_m(payment.captured_amount, cur)} but its ledger adds up to {_m(ledger_captured, cur)}"
            )
        if ledger_refunded != payment.refunded_amount:
            problems.append(
                f"refunded {_m(payment.refunded_amount, cur)} but its ledger adds up to {_m(ledger_refunded, cur)}"
            )
        if payment.refunded_amount > payment.captured_amount:
            problems.append(
                f"refunded {_m(payment.refunded_amount, cur)}, more than captured {_m(payment.captured_amount, cur)}"
            )
        if payment.captured_amount > payment.amount:
            problems.append(
                f"captured {_m(payment.captured_amount, cur)}, more than its amount {_m(payment.amount, cur)}"
            )
        if (payment.captured_amount > 0) != (payment.status in captured_states):
            problems.append(f"status {payment.status} with {_m(payment.captured_amount, cur)} captured")
        result.violations.extend(Violation("payment_ledger", subject, p) for p in problems)
    return result
