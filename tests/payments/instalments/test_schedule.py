from datetime import date
from decimal import Decimal

import pytest
from babel.numbers import get_currency_precision
from hypothesis import given
from hypothesis import strategies as st

from comptoir.core.money import Money, minor_unit_exponent
from comptoir.payments.instalments.schedule import (
    Interval,
    ScheduleError,
    add_months,
    instalment_schedule,
    split_amount,
)

# Zero, two, three and four decimal currencies.
CURRENCIES = ["EUR", "USD", "GBP", "JPY", "KRW", "CLP", "ISK", "KWD", "BHD", "TND", "OMR", "UYW"]


def test_a_hundred_euros_in_three_puts_the_odd_cent_on_the_first_instalment():
    schedule = instalment_schedule(
        Money(Decimal("100.00"), "EUR"), 3, first_due=date(2026, 1, 31), interval=Interval.MONTHLY
    )

    assert [s.amount.amount for s in schedule] == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert [s.due_on for s in schedule] == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)]
    assert [s.sequence for s in schedule] == [1, 2, 3]


def test_yen_are_split_in_whole_yen_and_dinars_in_fils():
    assert [m.amount for m in split_amount(Money(Decimal("1000"), "JPY"), 3)] == [334, 333, 333]
    assert [m.amount for m in split_amount(Money(Decimal("10.000"), "KWD"), 3)] == [
        Decimal("3.334"),
        Decimal("3.333"),
        Decimal("3.333"),
    ]


def test_day_intervals_add_days_from_the_first_due_date():
    schedule = instalment_schedule(Money(Decimal("40"), "EUR"), 4, first_due=date(2026, 2, 20), interval="14_days")

    assert [s.due_on for s in schedule] == [date(2026, 2, 20), date(2026, 3, 6), date(2026, 3, 20), date(2026, 4, 3)]


def test_monthly_dates_come_back_to_the_anchor_day_after_a_short_month():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 1, 31), 2) == date(2024, 3, 31)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


@pytest.mark.parametrize(
    ("total", "count"),
    [("0.02", 3), ("1.005", 2), ("100", 1), ("100", 13)],
)
def test_a_schedule_that_cannot_be_exact_is_refused(total, count):
    with pytest.raises(ScheduleError):
        split_amount(Money(Decimal(total), "EUR"), count)


def test_an_unknown_interval_is_refused():
    with pytest.raises(ScheduleError):
        instalment_schedule(Money(Decimal("10"), "EUR"), 2, first_due=date(2026, 1, 1), interval="yearly")


@given(
    currency=st.sampled_from(CURRENCIES),
    count=st.integers(min_value=2, max_value=12),
    data=st.data(),
    first_due=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    interval=st.sampled_from(list(Interval)),
)
def test_any_schedule_adds_up_exactly_in_the_currency_minor_unit(currency, count, data, first_due, interval):
    minor = data.draw(st.integers(min_value=count, max_value=10**12), label="total in minor units")
    unit = minor_unit_exponent(currency)
    total = Money(Decimal(minor) * unit, currency)

    schedule = instalment_schedule(total, count, first_due=first_due, interval=interval)

    amounts = [s.amount for s in schedule]
    assert len(schedule) == count
    assert sum(amounts, Money.zero(currency)) == total
    assert all(a.currency == currency for a in amounts)
    assert all(a.amount > 0 for a in amounts)
    assert all(a.amount == a.amount.quantize(unit) for a in amounts)
    assert all(-a.amount.as_tuple().exponent <= get_currency_precision(currency) for a in amounts)
    # Every instalment after the first is the same; the first carries at most count - 1 minor units more.
    assert len({a.amount for a in amounts[1:]}) == 1
    assert 0 <= (amounts[0].amount - amounts[1].amount) / unit <= count - 1
    assert [s.due_on for s in schedule] == sorted(s.due_on for s in schedule)
    assert schedule[0].due_on == first_due
