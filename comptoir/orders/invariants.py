"""Invoice invariants checked by `manage.py check_invariants`: every numbering series runs 1..N without a
gap or a duplicate and its counter says N; every order paid more than ten minutes ago has exactly one
invoice; an invoice's total is its order's total."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from comptoir.core.invariants import CheckResult, Violation, invariant
from comptoir.orders.models import Invoice, InvoiceKind, InvoiceSequence, Order

# The invoice is issued by an event handler just after the payment commits; give it time before calling
# its absence a violation.
INVOICE_GRACE = timedelta(minutes=10)


@invariant("invoice_numbers")
def check_invoice_numbers() -> CheckResult:
    """Per legal entity and kind: documents numbered 1..N, each once, and the counter at N."""
    result = CheckResult()
    series = {
        (row["legal_entity_id"], row["kind"]): row
        for row in Invoice.objects.order_by()
        .values("legal_entity_id", "kind")
        .annotate(n=Count("pk"), distinct=Count("sequence", distinct=True), low=Min("sequence"), high=Max("sequence"))
    }
    counters = {
        (row["legal_entity_id"], row["kind"]): row["last_number"]
        for row in InvoiceSequence.objects.values("legal_entity_id", "kind", "last_number")
    }
    for key in sorted(set(series) | set(counters)):
        result.examined += 1
        entity_id, kind = key
        subject = f"legal entity {entity_id} {kind} series"
        row = series.get(key, {"n": 0, "distinct": 0, "low": None, "high": None})
        last = counters.get(key)
        problems = []
        if row["distinct"] != row["n"]:
            problems.append(f"{row['n'] - row['distinct']} duplicate number(s)")
        if row["n"] and (row["low"] != 1 or row["high"] != row["n"]):
            problems.append(f"{row['n']} documents numbered {row['low']}..{row['high']}: numbers are missing")
        if last is None:
            problems.append(f"{row['n']} documents but no counter")
        elif last != row["n"] or (row["n"] and last != row["high"]):
            problems.append(f"counter says {last}, {row['n']} documents issued (highest {row['high'] or 0})")
        result.violations.extend(Violation("invoice_numbers", subject, message) for message in problems)
    return result


@invariant("orders_invoiced")
def check_orders_invoiced() -> CheckResult:
    """Every order paid more than ten minutes ago has exactly one invoice."""
    result = CheckResult()
    orders = (
        Order.objects.filter(paid_at__lte=timezone.now() - INVOICE_GRACE)
        .annotate(invoice_count=Count("invoices", filter=Q(invoices__kind=InvoiceKind.INVOICE)))
        .order_by("pk")
        .values_list("number", "invoice_count")
    )
    for number, count in orders.iterator(chunk_size=2000):
        result.examined += 1
        if count != 1:
            result.violations.append(Violation("orders_invoiced", f"order {number}", f"paid, with {count} invoices"))
    return result


@invariant("invoice_totals")
def check_invoice_totals() -> CheckResult:
    """Every invoice's total equals its order's total, less the credit notes of staff edits made after it
    was issued (credit notes for returns and refunds record money given back; the order's total stays)."""
    result = CheckResult()
    invoices = Invoice.objects.filter(kind=InvoiceKind.INVOICE).order_by("pk")
    result.examined = invoices.count()
    edits: dict[int, Decimal] = {}
    for order_id, total in Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE, source__startswith="edit:").values_list(
        "order_id", "total"
    ):
        edits[order_id] = edits.get(order_id, Decimal(0)) + total
    for number, total, order_id, order_number, order_total in invoices.values_list(
        "number", "total", "order_id", "order__number", "order__total"
    ).iterator(chunk_size=2000):
        if total - edits.get(order_id, Decimal(0)) != order_total:
            result.violations.append(
                Violation(
                    "invoice_totals", f"invoice {number}", f"total {total}, order {order_number} total {order_total}"
                )
            )
    return result
