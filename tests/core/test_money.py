from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comptoir.core.money import CurrencyMismatchError, InvalidMoneyError, Money, sum_money


def test_adding_two_currencies_is_refused():
    with pytest.raises(CurrencyMismatchError):
        Money(Decimal("1.00"), "EUR") + Money(Decimal("1.00"), "USD")


def test_comparing_two_currencies_is_refused():
    with pytest.raises(CurrencyMismatchError):
        assert Money(Decimal("1"), "EUR") < Money(Decimal("2"), "USD")


def test_a_float_amount_is_refused():
    with pytest.raises(InvalidMoneyError):
        Money(0.1, "EUR")


def test_a_lowercase_or_made_up_currency_code_is_refused():
    with pytest.raises(InvalidMoneyError):
        Money(Decimal(1), "eur")


def test_quantize_rounds_half_up_to_the_currency_minor_unit():
    assert Money(Decimal("2.345"), "EUR").quantize().amount == Decimal("2.35")
    assert Money(Decimal("2.5"), "JPY").quantize().amount == Decimal("3")
    assert Money(Decimal("1.2345"), "KWD").quantize().amount == Decimal("1.235")


def test_minor_units_are_cents_for_euros_and_yen_for_yen():
    assert Money(Decimal("12.34"), "EUR").minor_units == 1234
    assert Money(Decimal("1234"), "JPY").minor_units == 1234


def test_sum_of_money_starts_at_zero_in_the_given_currency():
    assert sum_money([], "EUR") == Money(Decimal(0), "EUR")
    assert sum_money([Money(Decimal("1.10"), "EUR"), Money(Decimal("2.20"), "EUR")], "EUR").amount == Decimal("3.30")


def test_splitting_ten_euros_in_three_gives_the_extra_cent_to_the_first_part():
    parts = Money(Decimal("10.00"), "EUR").allocate([1, 1, 1])

    assert [p.amount for p in parts] == [Decimal("3.34"), Decimal("3.33"), Decimal("3.33")]


def test_splitting_a_refund_keeps_its_sign():
    parts = Money(Decimal("-0.05"), "EUR").allocate([1, 1])

    assert sum(p.amount for p in parts) == Decimal("-0.05")


@given(
    cents=st.integers(min_value=-10_000_000, max_value=10_000_000),
    weights=st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=20),
    currency=st.sampled_from(["EUR", "USD", "JPY", "KWD", "GBP"]),
)
def test_a_split_always_adds_up_to_the_total_in_minor_units(cents, weights, currency):
    total = Money(Decimal(cents).scaleb(-{"JPY": 0, "KWD": 3}.get(currency, 2)), currency)

    parts = total.allocate(weights)

    assert sum(p.minor_units for p in parts) == total.minor_units
    assert len(parts) == len(weights)


def test_formatting_follows_the_locale():
    price = Money(Decimal("1234.5"), "EUR")

    assert price.format("en") == "€1,234.50"
    assert price.format("fr") == "1\u202f234,50\xa0€"
