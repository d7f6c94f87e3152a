"""The structured reference a buyer writes on their transfer: ISO 11649, one per order, found in free text."""

import pytest
from stdnum import iso11649

from comptoir.payments.providers.offline import creditor_reference, format_reference, references_in


def test_an_orders_reference_is_a_valid_iso_11649_creditor_reference():
    reference = creditor_reference("10042")

    assert iso11649.is_valid(reference)
    assert reference == "RF82000000010042"
    assert format_reference(reference) == "RF82 0000 0001 0042"


def test_every_order_gets_its_own_reference_and_the_same_one_each_time():
    assert creditor_reference("10042") == creditor_reference("10042")
    assert creditor_reference("10042") != creditor_reference("10043")


def test_an_order_number_too_long_for_a_reference_is_refused():
    with pytest.raises(ValueError):
        creditor_reference("1" * 13)


@pytest.mark.parametrize(
    "text",
    [
        "RF82000000010042",
        "rf82 0000 0001 0042",
        "VIR SEPA COMMANDE 10042 RF82 0000 0001 0042 MERCI",
        "Cde n° 10042 / ref:rf820000 00010042.",
    ],
)
def test_a_reference_is_found_whatever_the_case_spaces_and_text_around_it(text):
    assert references_in(text) == ["RF82000000010042"]


def test_a_reference_with_a_wrong_check_digit_is_not_taken_for_one():
    assert references_in("RF83 0000 0001 0042") == []
    assert references_in("order 10042, thanks") == []
