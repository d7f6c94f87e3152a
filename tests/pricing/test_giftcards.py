"""Gift cards: issuing, the balance, paying part or all of an order, refunds back onto the card, invariants."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from comptoir.core.models import Event
from comptoir.core.money import Money
from comptoir.pricing.errors import (
    GiftCardCreditTooLargeError,
    GiftCardEmptyError,
    GiftCardNotFoundError,
    GiftCardNotUsableError,
    InvalidGiftCardError,
)
from comptoir.pricing.giftcards import (
    CODE_ALPHABET,
    credit_gift_card,
    debit_gift_card,
    format_gift_card_code,
    get_gift_card_balance,
    issue_gift_card,
    set_gift_card_active,
)
from comptoir.pricing.models import GiftCard, GiftCardTransaction
from comptoir.pricing.vouchers import redeem_voucher, release_voucher
from tests.pricing.factories import VoucherFactory, eur, gift_card

pytestmark = pytest.mark.django_db


def ledger_sum(card: GiftCard) -> Decimal:
    return sum(card.transactions.values_list("amount", flat=True), Decimal(0))


# --- Issuing ----------------------------------------------------------------------------------------------


def test_an_issued_card_has_an_unguessable_code_its_balance_and_an_issue_line_in_its_ledger():
    card = issue_gift_card(currency="EUR", amount=eur("50"), note="Prize")

    assert len(card.code) == 16 and set(card.code) <= set(CODE_ALPHABET)
    assert not set(card.code) & set("0O1IL")
    assert card.current_balance == eur("50.00") and card.initial_balance == Decimal("50")
    [entry] = card.transactions.all()
    assert (entry.kind, entry.amount, entry.note) == ("issue", Decimal("50"), "Prize")


def test_two_cards_never_share_a_code():
    codes = {issue_gift_card(currency="EUR", amount=eur("5")).code for _ in range(20)}

    assert len(codes) == 20


def test_the_issue_event_names_the_card_but_never_its_code():
    card = gift_card("20.00")

    event = Event.objects.get(name="pricing.gift_card_issued")
    assert event.payload["gift_card_id"] == card.pk
    assert card.code not in str(event.payload)


def test_a_card_can_be_issued_with_a_code_printed_beforehand_typed_any_way():
    card = issue_gift_card(currency="EUR", amount=eur("10"), code="abcd-2345 wxyz-6789")

    assert card.code == "ABCD2345WXYZ6789"
    assert format_gift_card_code(card.code) == "ABCD-2345-WXYZ-6789"


def test_a_code_already_taken_is_refused():
    gift_card(code="ABCD2345WXYZ6789")

    with pytest.raises(InvalidGiftCardError):
        gift_card(code="abcd2345wxyz6789")

    assert GiftCard.objects.count() == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"currency": "EUR", "amount": Money("0", "EUR")},
        {"currency": "EUR", "amount": Money("-5", "EUR")},
        {"currency": "USD", "amount": Money("5", "EUR")},
        {"currency": "EUR", "amount": Money("5", "EUR"), "code": "SHORT"},
        {"currency": "EUR", "amount": Money("5", "EUR"), "expires_at": timezone.now() - timedelta(days=1)},
    ],
    ids=["zero", "negative", "currency", "code", "past-expiry"],
)
def test_a_card_with_bad_settings_is_refused_and_nothing_is_written(kwargs):
    with pytest.raises(InvalidGiftCardError):
        issue_gift_card(**kwargs)

    assert GiftCard.objects.count() == GiftCardTransaction.objects.count() == 0


# --- Balance ----------------------------------------------------------------------------------------------


def test_the_balance_shows_a_masked_code_the_money_left_and_whether_it_can_pay():
    card = gift_card("25.00", expires_at=timezone.now() + timedelta(days=365))

    balance = get_gift_card_balance(code=format_gift_card_code(card.code).lower())

    assert balance.masked_code == f"•••• {card.code[-4:]}"
    assert balance.balance == eur("25.00") and balance.usable is True
    assert balance.expires_at == card.expires_at


@pytest.mark.parametrize("change", [{"is_active": False}, {"balance": 0}, {"expires_at": timezone.now()}])
def test_an_inactive_empty_or_expired_card_shows_its_balance_but_cannot_pay(change):
    card = gift_card("25.00")
    GiftCard.objects.filter(pk=card.pk).update(**change)

    assert get_gift_card_balance(code=card.code).usable is False


@pytest.mark.parametrize("code", ["ABCD2345WXYZ6789", "", "not a code at all!", "x" * 40])
def test_an_unknown_code_is_not_found(code):
    with pytest.raises(GiftCardNotFoundError) as error:
        get_gift_card_balance(code=code)

    assert error.value.status == 404


# --- Paying -----------------------------------------------------------------------------------------------


def test_a_card_pays_the_whole_order_when_it_holds_enough():
    card = gift_card("50.00")

    taken = debit_gift_card(code=card.code, amount=eur("20.00"), order_ref="O-1")

    card.refresh_from_db()
    assert taken == eur("20.00") and card.current_balance == eur("30.00")
    assert ledger_sum(card) == card.balance
    assert card.transactions.get(kind="debit").amount == Decimal("-20")


def test_a_card_holding_less_than_the_order_pays_what_it_holds():
    card = gift_card("30.00")

    taken = debit_gift_card(code=card.code, amount=eur("50.00"), order_ref="O-1")

    card.refresh_from_db()
    assert taken == eur("30.00") and card.balance == 0


def test_paying_again_for_the_same_order_returns_the_first_amount_and_takes_nothing_more():
    card = gift_card("50.00")
    first = debit_gift_card(code=card.code, amount=eur("20.00"), order_ref="O-1")

    retry = debit_gift_card(code=card.code, amount=eur("20.00"), order_ref="O-1")

    card.refresh_from_db()
    assert first == retry == eur("20.00") and card.current_balance == eur("30.00")
    assert card.transactions.filter(kind="debit").count() == 1


def test_an_empty_card_is_refused():
    card = gift_card("10.00")
    debit_gift_card(code=card.code, amount=eur("10.00"), order_ref="O-1")

    with pytest.raises(GiftCardEmptyError):
        debit_gift_card(code=card.code, amount=eur("5.00"), order_ref="O-2")


@pytest.mark.parametrize(
    "change",
    [{"is_active": False}, {"expires_at": timezone.now() - timedelta(seconds=1)}, {"currency": "USD"}],
    ids=["inactive", "expired", "other-currency"],
)
def test_a_card_that_cannot_pay_is_refused_and_nothing_is_taken(change):
    card = gift_card("10.00")
    GiftCard.objects.filter(pk=card.pk).update(**change)

    with pytest.raises(GiftCardNotUsableError) as refused:
        debit_gift_card(code=card.code, amount=eur("5.00"), order_ref="O-1")

    card.refresh_from_db()
    assert refused.value.status == 409
    assert card.balance == Decimal("10") and not card.transactions.filter(kind="debit").exists()


def test_paying_with_an_unknown_card_is_not_found():
    with pytest.raises(GiftCardNotFoundError):
        debit_gift_card(code="ABCD2345WXYZ6789", amount=eur("5.00"), order_ref="O-1")


def test_a_deactivated_card_can_pay_again_once_reactivated():
    card = gift_card("10.00")
    set_gift_card_active(gift_card_id=card.pk, is_active=False)
    set_gift_card_active(gift_card_id=card.pk, is_active=True)

    assert debit_gift_card(code=card.code, amount=eur("5.00"), order_ref="O-1") == eur("5.00")
    assert Event.objects.filter(name="pricing.gift_card_deactivated").count() == 1


# --- Refunds ----------------------------------------------------------------------------------------------


def test_a_refund_goes_back_onto_the_card_in_parts_up_to_what_the_order_took():
    card = gift_card("50.00")
    debit_gift_card(code=card.code, amount=eur("40.00"), order_ref="O-1")

    credit_gift_card(code=card.code, amount=eur("15.00"), order_ref="O-1")
    card = credit_gift_card(code=card.code, amount=eur("25.00"), order_ref="O-1", reason="return RMA-7")

    assert card.current_balance == eur("50.00") and ledger_sum(card) == card.balance
    assert card.transactions.filter(kind="credit").last().note == "return RMA-7"


def test_a_refund_larger_than_what_the_order_took_is_refused():
    card = gift_card("50.00")
    debit_gift_card(code=card.code, amount=eur("20.00"), order_ref="O-1")
    credit_gift_card(code=card.code, amount=eur("15.00"), order_ref="O-1")

    with pytest.raises(GiftCardCreditTooLargeError):
        credit_gift_card(code=card.code, amount=eur("5.01"), order_ref="O-1")

    card.refresh_from_db()
    assert card.current_balance == eur("45.00")


def test_an_order_that_did_not_pay_with_the_card_cannot_be_refunded_onto_it():
    card = gift_card("50.00")

    with pytest.raises(GiftCardCreditTooLargeError):
        credit_gift_card(code=card.code, amount=eur("1.00"), order_ref="O-9")


# --- Invariants -------------------------------------------------------------------------------------------


def run_check(capsys, *only):
    try:
        call_command("check_invariants", *[f"--only={name}" for name in only])
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cards_and_vouchers_changed_through_the_services_break_no_invariant(capsys, channel):
    card = gift_card("50.00")
    debit_gift_card(code=card.code, amount=eur("20.00"), order_ref="O-1")
    credit_gift_card(code=card.code, amount=eur("5.00"), order_ref="O-1")
    VoucherFactory(code="ONCE")
    for order_ref in ("O-1", "O-2"):
        redeem_voucher(code="ONCE", channel=channel, order_ref=order_ref, email="", user_id=None, amount=eur("1"))
    release_voucher(order_ref="O-2")

    code, out, _ = run_check(capsys, "gift_cards", "vouchers")

    assert code == 0
    assert out.strip() == "invariants gift_cards_rows=1 vouchers_rows=1 violations=0"


def test_a_balance_changed_behind_the_ledger_is_reported(capsys):
    card = gift_card("50.00")
    GiftCard.objects.filter(pk=card.pk).update(balance=Decimal("60"))

    code, _, err = run_check(capsys, "gift_cards")

    assert code == 1
    assert "ledger says 50.00 EUR, balance says 60.00 EUR" in err


def test_a_use_counter_changed_behind_the_redemptions_is_reported(capsys):
    VoucherFactory(code="ONCE", used_count=2)

    code, _, err = run_check(capsys, "vouchers")

    assert code == 1
    assert "0 uses recorded, counter says 2" in err
