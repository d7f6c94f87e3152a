"""Order invariants: totals equal the sum of their parts, stock promised matches what was ordered, paid
orders were paid once and in full."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, F, Q, Sum

from comptoir.catalog.kinds import rules_for
from comptoir.core.invariants import CheckResult, Violation, invariant
from comptoir.core.money import Money
from comptoir.inventory.models import Allocation
from comptoir.orders.models import Order, OrderLine, OrderStatus
from comptoir.orders.states import PAID_STATES
from comptoir.payments.instalment_models import OWED, InstalmentPlan, PlanStatus
from comptoir.payments.models import CaptureMode, Payment, PaymentStatus
from comptoir.payments.queries import CAPTURED_STATES

BATCH = 500


def _cents(amount: Decimal, currency: str) -> Decimal:
    return Money(amount, currency).quantize().amount


@invariant("order_totals")
def check_order_totals() -> CheckResult:
    """Each line's total is its price x quantity less its discount; the order's subtotal, discounts and
    total add up from its lines, shipping and tax; gift cards never pay more than the total."""
    result = CheckResult()
    orders = Order.objects.order_by("pk").prefetch_related("lines")
    for order in orders.iterator(chunk_size=BATCH):
        result.examined += 1
        subject, cur, lines = f"order {order.number}", order.currency, list(order.lines.all())
        problems = [
            f"line {line.pk}: {line.total} is not {line.unit_price} x {line.quantity} - {line.discount}"
            for line in lines
            if _cents(line.unit_price * line.quantity - line.discount, cur) != _cents(line.total, cur)
        ]
        subtotal = sum((line.unit_price * line.quantity for line in lines), Decimal(0))
        discount = sum((line.discount for line in lines), Decimal(0))
        expected = subtotal - discount + order.shipping_price + (0 if order.prices_include_tax else order.tax_total)
        if _cents(subtotal, cur) != _cents(order.subtotal, cur):
            problems.append(f"subtotal {order.subtotal} but lines add up to {subtotal}")
        if _cents(discount, cur) != _cents(order.discount_total, cur):
            problems.append(f"discounts {order.discount_total} but lines add up to {discount}")
        if _cents(expected, cur) != _cents(order.total, cur):
            problems.append(f"total {order.total} but its parts add up to {expected}")
        if order.gift_card_total > order.total:
            problems.append(f"gift cards paid {order.gift_card_total}, more than the total {order.total}")
        result.violations.extend(Violation("order_totals", subject, p) for p in problems)
    return result


@invariant("order_stock")
def check_order_stock() -> CheckResult:
    """For every order: units allocated plus units shipped equal the units ordered, per variant (a
    cancelled order holds nothing)."""
    result = CheckResult()
    allocated: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for ref, variant_id, quantity in (
        Allocation.objects.values_list("order_ref", "stock_level__variant_id").annotate(q=Sum("quantity")).order_by()
    ):
        allocated[ref][variant_id] += quantity
    wanted: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    statuses = dict(Order.objects.values_list("number", "status"))
    lines = OrderLine.objects.filter(variant__isnull=False).values_list(
        "order__number", "variant_id", "product_kind", "quantity", "quantity_fulfilled"
    )
    for number, variant_id, kind, quantity, fulfilled in lines.iterator(chunk_size=2000):
        if not rules_for(kind or "physical").tracks_stock or statuses.get(number) == OrderStatus.CANCELLED:
            continue
        wanted[number][variant_id] += quantity - fulfilled
    for number in statuses:
        result.examined += 1
        have, need = dict(allocated.get(number, {})), dict(wanted.get(number, {}))
        have = {v: q for v, q in have.items() if q}
        need = {v: q for v, q in need.items() if q}
        if have != need:
            result.violations.append(
                Violation("order_stock", f"order {number}", f"allocated {have} but still to ship {need}")
            )
    return result


@invariant("order_payments")
def check_order_payments() -> CheckResult:
    """Paid orders were paid in full and no more (captured, or held for capture at fulfilment), by one
    successful charge at most; refunds never exceed captures."""
    result = CheckResult()
    captured = {
        row["order_ref"]: row
        for row in Payment.objects.values("order_ref")
        .annotate(
            captured=Sum("captured_amount"),
            # Authorised, to be captured when the order ships (capture at fulfilment): the order is paid.
            held=Sum(
                "authorized_amount", filter=Q(status=PaymentStatus.AUTHORIZED, capture_mode=CaptureMode.FULFILMENT)
            ),
            refunded=Sum("refunded_amount"),
            charges=Count("pk", filter=Q(status__in=CAPTURED_STATES)),
        )
        .order_by()
    }
    # Orders paid in instalments: the plan's instalments not paid yet count as covered (the order is settled
    # when the first is captured), and each instalment is its own charge (checked by "instalment_plans").
    plans = {
        row["order_ref"]: row
        for row in InstalmentPlan.objects.values("order_ref", "total", "status")
        .annotate(
            owed=Sum(F("instalments__amount") - F("instalments__reduced"), filter=Q(instalments__status__in=OWED)),
            reduced=Sum("instalments__reduced"),
        )
        .order_by()
    }
    for order in Order.objects.filter(status__in=PAID_STATES).only("number", "total", "gift_card_total", "currency"):
        result.examined += 1
        row = captured.get(order.number, {"captured": Decimal(0), "refunded": Decimal(0), "charges": 0})
        subject = f"order {order.number}"
        secured = (row["captured"] or 0) + (row.get("held") or 0)
        plan = plans.get(order.number)
        if plan is not None:
            if plan["total"] != order.total - order.gift_card_total:
                result.violations.append(
                    Violation("order_payments", subject, f"instalment plan for {plan['total']}, amount due differs")
                )
            # What refunds took off before it was collected counts as paid (and given back) here.
            covered = secured + (plan["owed"] or 0) + (plan["reduced"] or 0) + order.gift_card_total
            if plan["status"] != PlanStatus.CANCELLED and covered < order.total:
                result.violations.append(
                    Violation("order_payments", subject, f"captured and scheduled fall short of {order.total}")
                )
        elif secured + order.gift_card_total < order.total:
            result.violations.append(
                Violation("order_payments", subject, f"captured {row['captured']} for a total of {order.total}")
            )
        elif secured - (row["refunded"] or 0) + order.gift_card_total > order.total:
            kept = secured - (row["refunded"] or 0)
            result.violations.append(
                Violation("order_payments", subject, f"kept {kept} (captured less refunded), more than the amount due")
            )
        if row["charges"] > 1 and plan is None:
            result.violations.append(
                Violation("order_payments", subject, f"{row['charges']} successful charges for one amount due")
            )
        if (row["refunded"] or 0) > (row["captured"] or 0):
            result.violations.append(
                Violation("order_payments", subject, f"refunded {row['refunded']}, more than captured")
            )
    return result
