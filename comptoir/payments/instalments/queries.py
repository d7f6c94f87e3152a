"""What the buyer and the merchant see of instalment plans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from comptoir.core.money import Money
from comptoir.payments.instalment_models import OWED, Instalment, InstalmentPlan, InstalmentStatus, PlanStatus


@dataclass(frozen=True, slots=True)
class InstalmentView:
    sequence: int
    due_on: date
    amount: Money
    status: str
    status_label: str
    attempts: int
    next_attempt_on: date | None
    paid_at: datetime | None
    last_error: str
    payment_reference: str

    @property
    def payable(self) -> bool:
        """The buyer may pay it by hand now (a failed charge, or one not yet due)."""
        return self.status in (InstalmentStatus.PENDING, InstalmentStatus.FAILED)

    @property
    def late(self) -> bool:
        return self.status == InstalmentStatus.FAILED


@dataclass(frozen=True, slots=True)
class PlanView:
    order_ref: str
    label: str
    status: str
    status_label: str
    total: Money
    paid: Money
    outstanding: Money
    instalments: list[InstalmentView]

    @property
    def next_due(self) -> InstalmentView | None:
        return next((i for i in self.instalments if i.payable), None)

    @property
    def open(self) -> bool:
        return self.status in (PlanStatus.ACTIVE, PlanStatus.DEFAULTED)


def get_plan_view(*, order_ref: str) -> PlanView | None:
    """The order's plan with its schedule, or None. Two queries."""
    plan = InstalmentPlan.objects.filter(order_ref=order_ref).first()
    if plan is None:
        return None
    rows = list(plan.instalments.select_related("payment").order_by("sequence"))
    views = [
        InstalmentView(
            sequence=row.sequence,
            due_on=row.due_on,
            amount=plan.money(row.owed),
            status=row.status,
            status_label=str(row.get_status_display()),
            attempts=row.attempts,
            next_attempt_on=row.next_attempt_on,
            paid_at=row.paid_at,
            last_error=row.last_error,
            payment_reference=row.payment.reference if row.payment else "",
        )
        for row in rows
    ]
    zero = Money.zero(plan.currency)
    return PlanView(
        order_ref=plan.order_ref,
        label=plan.label,
        status=plan.status,
        status_label=str(plan.get_status_display()),
        total=plan.money(plan.total),
        paid=sum((v.amount for v in views if v.status == InstalmentStatus.PAID), zero),
        outstanding=sum((v.amount for v in views if v.status in OWED), zero),
        instalments=views,
    )


def outstanding_on_plan(*, order_ref: str) -> Money | None:
    """What an active (or completed) plan still has to collect on the order: the amounts of its scheduled,
    being-charged and failed instalments; None when the order has no such plan, or its first instalment is
    not paid. One query."""
    plan = (
        InstalmentPlan.objects.filter(order_ref=order_ref, status__in=[PlanStatus.ACTIVE, PlanStatus.COMPLETED])
        .annotate(
            owed=Sum(F("instalments__amount") - F("instalments__reduced"), filter=Q(instalments__status__in=OWED)),
            first_paid=Count(
                "instalments", filter=Q(instalments__sequence=1, instalments__status=InstalmentStatus.PAID)
            ),
        )
        .values("currency", "owed", "first_paid")
        .first()
    )
    if plan is None or not plan["first_paid"]:
        return None
    return Money(plan["owed"] or Decimal(0), plan["currency"]).quantize()


def list_plans(*, status: str = "", late: bool = False) -> QuerySet[InstalmentPlan]:
    """Plans for the back office, newest first; `late`: with a failed instalment or one overdue. A QuerySet:
    the caller paginates."""
    plans = InstalmentPlan.objects.all()
    if status:
        plans = plans.filter(status=status)
    if late:
        plans = plans.filter(is_late_q())
    return plans


def is_late_q() -> Q:
    overdue = Instalment.objects.filter(plan=OuterRef("pk")).filter(
        Q(status=InstalmentStatus.FAILED) | Q(status=InstalmentStatus.PENDING, due_on__lt=timezone.localdate())
    )
    return Q(Exists(overdue))


def reducible_on_plan(*, order_ref: str, currency: str) -> Money:
    """What a refund may still take off the order's plan before it is collected: its scheduled and failed
    instalments on an active or defaulted plan (one being charged is not: its payment is refunded once
    captured). One query."""
    total = Instalment.objects.filter(
        plan__order_ref=order_ref,
        plan__status__in=[PlanStatus.ACTIVE, PlanStatus.DEFAULTED],
        status__in=[InstalmentStatus.PENDING, InstalmentStatus.FAILED],
    ).aggregate(owed=Sum(F("amount") - F("reduced")))["owed"]
    return Money(total or Decimal(0), currency).quantize()
