"""Instalment invariants checked by `manage.py check_invariants`: a plan's instalments add up to its total,
every paid instalment was captured once for its amount, and nothing else was charged on a plan's order
(a charge given straight back, such as a duplicate start, is allowed once refunded in full)."""

from __future__ import annotations

from collections import defaultdict

from comptoir.core.invariants import CheckResult, Violation, invariant
from comptoir.payments.instalment_models import InstalmentPlan, InstalmentStatus
from comptoir.payments.models import Payment
from comptoir.payments.queries import CAPTURED_STATES

BATCH = 500


@invariant("instalment_plans")
def check_instalment_plans() -> CheckResult:
    result = CheckResult()
    plans = InstalmentPlan.objects.order_by("pk").prefetch_related("instalments__payment")
    for plan in plans.iterator(chunk_size=BATCH):
        result.examined += 1
        subject, problems = f"instalment plan of order {plan.order_ref}", []
        rows = list(plan.instalments.all())
        total = sum((row.amount for row in rows), 0)
        if total != plan.total or len(rows) != plan.count:
            problems.append(f"{len(rows)} instalments adding up to {total}, plan says {plan.count} for {plan.total}")
        paid_payments: dict[int, int] = defaultdict(int)
        for row in rows:
            if row.status != InstalmentStatus.PAID:
                continue
            payment = row.payment
            if payment is None or payment.status not in CAPTURED_STATES or payment.captured_amount != row.owed:
                problems.append(f"instalment {row.sequence} is paid without a capture of {row.owed}")
            else:
                paid_payments[payment.pk] += 1
        problems.extend(f"payment {pk} pays {n} instalments" for pk, n in sorted(paid_payments.items()) if n > 1)
        for payment in Payment.objects.filter(order_ref=plan.order_ref, status__in=CAPTURED_STATES).order_by("pk"):
            if payment.pk not in paid_payments and payment.refunded_amount < payment.captured_amount:
                problems.append(f"payment {payment.reference} captured {payment.captured_amount} outside the plan")
        result.violations.extend(Violation("instalment_plans", subject, p) for p in problems)
    return result
