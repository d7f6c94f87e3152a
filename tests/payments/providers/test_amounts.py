from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comptoir.core.money import Money
from comptoir.payments.providers import mollie, paypal
from comptoir.payments.providers._http import AmountFormatError, format_amount, parse_amount

TABLES = {"Mollie": mollie.CURRENCY_DECIMALS, "PayPal": paypal.CURRENCY_DECIMALS}


@given(
    provider=st.sampled_from(sorted(TABLES)),
    data=st.data(),
    minor=st.integers(min_value=1, max_value=10**12),
)
def test_every_amount_a_provider_takes_is_sent_with_its_exact_decimals_and_reads_back_the_same(provider, data, minor):
    table = TABLES[provider]
    currency = data.draw(st.sampled_from(sorted(table)))
    amount = Money(Decimal(minor).scaleb(-table[currency]), currency)

    value = format_amount(amount, table, provider)

    decimals = len(value.partition(".")[2])
    assert decimals == table[currency]
    assert "e" not in value.lower()
    assert parse_amount({"currency": currency, "value": value}) == amount


@given(minor=st.integers(min_value=1, max_value=10**9))
def test_an_amount_finer_than_the_currency_is_never_rounded(minor):
    amount = Money(Decimal(minor).scaleb(-3), "EUR")  # thousandths of a euro
    if minor % 10 == 0:
        assert format_amount(amount, mollie.CURRENCY_DECIMALS, "Mollie") == f"{amount.amount.quantize(Decimal('0.01'))}"
        return

    with pytest.raises(AmountFormatError) as refused:
        format_amount(amount, mollie.CURRENCY_DECIMALS, "Mollie")

    assert refused.value.code == "invalid_amount_precision"


@pytest.mark.parametrize("value", ["0", "0.00", "-5.00"])
def test_a_zero_or_negative_amount_is_refused(value):
    with pytest.raises(AmountFormatError):
        format_amount(Money(Decimal(value), "EUR"), paypal.CURRENCY_DECIMALS, "PayPal")


@pytest.mark.parametrize(
    "answer", [None, "10.00", {"value": "abc", "currency": "EUR"}, {"value": "1", "currency": "€"}]
)
def test_an_unreadable_amount_in_a_provider_answer_reads_as_none(answer):
    assert parse_amount(answer) is None
