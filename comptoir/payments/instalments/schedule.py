"""Instalment schedules: a total split into `count` amounts in the currency's minor unit, with due dates.

The split is exact: the amounts add up to the total to the minor unit (cent, yen, fils). Every instalment
but the first is the total divided by the count, rounded down to the minor unit; the first takes what is
left, so it may exceed the others by at most `count - 1` minor units (EUR 100.00 in 3: 33.34, 33.33, 33.33;
EUR 100.00 in 7: 14.32 then six of 14.28). That is how buyers read native instalment offers ("33.34 today,
then 2 of 33.33"), and it collects the odd cents at checkout rather than at the end of the plan.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.core.errors import InvalidInputError
from comptoir.core.money import Money, minor_unit_exponent

MIN_COUNT = 2
MAX_COUNT = 12


class Interval(models.TextChoices):
    MONTHLY = "monthly", _("Every month")
    DAYS_30 = "30_days", _("Every 30 days")
    DAYS_14 = "14_days", _("Every 14 days")


class ScheduleError(InvalidInputError):
    code = "instalment-schedule"
    title = "This amount cannot be split into these instalments"


@dataclass(frozen=True, slots=True)
class ScheduledInstalment:
    sequence: int
    """1 for the instalment paid at checkout, then 2, 3..."""
    due_on: date
    amount: Money


def add_months(start: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (31 January + 1 month is
    28 or 29 February; + 2 months is 31 March again: every date is computed from `start`, never chained)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def due_dates(*, first_due: date, count: int, interval: str) -> list[date]:
    if interval == Interval.MONTHLY:
        return [add_months(first_due, i) for i in range(count)]
    days = {Interval.DAYS_30: 30, Interval.DAYS_14: 14}.get(interval)
    if days is None:
        raise ScheduleError(detail=f"Unknown instalment interval {interval!r}.", data={"interval": interval})
    return [first_due + timedelta(days=days * i) for i in range(count)]


def split_amount(total: Money, count: int) -> list[Money]:
    """`total` in `count` parts in its minor unit, the remainder on the first part (see the module's doc).

    Raises ScheduleError when the count is outside 2..12, the total is not a whole number of minor units,
    or it is too small to give every part at least one minor unit."""
    if not MIN_COUNT <= count <= MAX_COUNT:
        raise ScheduleError(detail=f"Instalments come in {MIN_COUNT} to {MAX_COUNT} payments.", data={"count": count})
    unit = minor_unit_exponent(total.currency)
    if total.amount != total.amount.quantize(unit):
        raise ScheduleError(
            detail=f"{total.amount} is not a whole number of {total.currency} minor units.",
            data={"total": str(total.amount), "currency": total.currency},
        )
    minor = int(total.amount / unit)
    if minor < count:
        raise ScheduleError(
            detail=f"{total.amount} {total.currency} is too small to pay in {count} instalments.",
            data={"total": str(total.amount), "currency": total.currency, "count": count},
        )
    each = minor // count
    first = minor - each * (count - 1)
    return [Money((Decimal(part) * unit).quantize(unit), total.currency) for part in [first] + [each] * (count - 1)]


def instalment_schedule(total: Money, count: int, *, first_due: date, interval: str) -> list[ScheduledInstalment]:
    """The plan a buyer agrees to: `count` instalments adding up exactly to `total`, the first due on
    `first_due` (at checkout: today), the next ones `interval` apart. Raises ScheduleError."""
    amounts = split_amount(total, count)
    dates = due_dates(first_due=first_due, count=count, interval=interval)
    return [
        ScheduledInstalment(sequence=i + 1, due_on=due, amount=amount)
        for i, (due, amount) in enumerate(zip(dates, amounts, strict=True))
    ]
