"""Gift cards: issue, check the balance, spend on an order, refund onto the card.

A card's balance moves only here, each move with its ledger line (`GiftCardTransaction`), so the balance
always equals the ledger's sum (checked by `manage.py check_invariants`). Spending locks the card's row
(pricing.locks: after vouchers in the global lock order) and takes the money with a conditional
`UPDATE ... SET balance = balance - x WHERE balance >= x`; the CHECK `balance >= 0` is the backstop.

Codes are bearer secrets: 16 characters drawn with `secrets` from an alphabet without look-alikes
(about 79 bits), printed in groups of four, never logged or put in events; lists show the last four.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.core.events import record_event
from comptoir.core.money import CurrencyMismatchError, Money, validate_currency
from comptoir.pricing import locks
from comptoir.pricing.errors import (
    GiftCardCreditTooLargeError,
    GiftCardEmptyError,
    GiftCardNotFoundError,
    GiftCardNotUsableError,
    InvalidGiftCardError,
)
from comptoir.pricing.models import GiftCard, GiftCardTransaction
from comptoir.pricing.models import GiftCardTransactionKind as Kind

# No 0/O, 1/I/L: a code read aloud or copied from paper cannot be mistyped into another valid-looking one.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16
CODE_GROUP = 4
_CODE_FORMAT = re.compile(r"^[A-Z0-9]{8,32}$")
_ISSUE_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class GiftCardBalance:
    masked_code: str
    balance: Money
    expires_at: datetime | None
    usable: bool  # active, not expired, money left


# --- Codes ------------------------------------------------------------------------------------------------


def generate_gift_card_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_gift_card_code(code: str) -> str:
    """What the buyer typed, as stored: 'abcd-efgh jkmn-pqrs' is ABCDEFGHJKMNPQRS."""
    return re.sub(r"[\s\-]", "", code or "").upper()


def format_gift_card_code(code: str) -> str:
    """'ABCD-EFGH-JKMN-PQRS', as printed on the card."""
    return "-".join(code[i : i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


# --- Reads ------------------------------------------------------------------------------------------------


def get_gift_card_balance(*, code: str, now: datetime | None = None) -> GiftCardBalance:
    """The balance of the card with `code` (one query). Raises GiftCardNotFoundError (404) for no such card.

    Callers facing the public rate-limit it (comptoir.pricing.ratelimit): codes must not be guessable by
    trying.
    """
    code = normalise_gift_card_code(code)
    if not _CODE_FORMAT.match(code):
        raise GiftCardNotFoundError()
    card = GiftCard.objects.filter(code=code).first()
    if card is None:
        raise GiftCardNotFoundError()
    balance = card.current_balance
    return GiftCardBalance(
        masked_code=card.masked_code,
        balance=balance,
        expires_at=card.expires_at,
        usable=_refusal(card, now=now or timezone.now()) is None and balance.amount > 0,
    )


def _refusal(card: GiftCard, *, now: datetime) -> str | None:
    """Why the card cannot be spent now (translated), or None."""
    if not card.is_active:
        return _("The gift card %(code)s has been deactivated.") % {"code": card.masked_code}
    if card.expires_at is not None and card.expires_at <= now:
        return _("The gift card %(code)s has expired.") % {"code": card.masked_code}
    return None


# --- Writes -----------------------------------------------------------------------------------------------


def issue_gift_card(
    *,
    currency: str,
    amount: Money,
    code: str = "",
    expires_at: datetime | None = None,
    note: str = "",
    now: datetime | None = None,
) -> GiftCard:
    """Issue a card worth `amount` in `currency`, with a generated code unless one is given (e.g. codes
    printed on physical cards, or brought over from another system: 8 to 32 letters and digits).

    Raises InvalidGiftCardError for an amount of 0 or less, a currency that differs from the amount's,
    a past expiry, a malformed code or one already taken; then nothing is written. Emits
    `pricing.gift_card_issued` (with the card's id, never its code).
    """
    currency = validate_currency((currency or "").upper())
    if amount.currency != currency:
        raise InvalidGiftCardError(detail=f"The amount is in {amount.currency}, the card in {currency}.")
    amount = amount.quantize()
    if amount.amount <= 0:
        raise InvalidGiftCardError(detail=_("A gift card is worth more than zero."))
    if expires_at is not None and expires_at <= (now or timezone.now()):
        raise InvalidGiftCardError(detail=_("The expiry date must be in the future."))
    wanted = normalise_gift_card_code(code)
    if wanted and not _CODE_FORMAT.match(wanted):
        raise InvalidGiftCardError(detail=_("A gift card code has 8 to 32 letters and digits."))
    with transaction.atomic():
        if wanted and GiftCard.objects.filter(code=wanted).exists():
            raise InvalidGiftCardError(detail=_("Another gift card already has this code."))
        card = _create_card(wanted, currency=currency, amount=amount, expires_at=expires_at, note=note[:255])
        GiftCardTransaction.objects.create(gift_card=card, kind=Kind.ISSUE, amount=amount.amount, note=note[:255])
        record_event("pricing.gift_card_issued", gift_card_id=card.pk, amount=str(amount.amount), currency=currency)
    return card


def _create_card(code: str, *, currency: str, amount: Money, expires_at, note: str) -> GiftCard:
    # A generated code colliding with an existing one is astronomically unlikely; retrying keeps it harmless.
    for attempt in range(_ISSUE_ATTEMPTS):
        try:
            with transaction.atomic():
                return GiftCard.objects.create(
                    code=code or generate_gift_card_code(),
                    currency=currency,
                    initial_balance=amount.amount,
                    balance=amount.amount,
                    expires_at=expires_at,
                    note=note,
                )
        except IntegrityError:
            if code or attempt == _ISSUE_ATTEMPTS - 1:
                raise InvalidGiftCardError(detail=_("Another gift card already has this code.")) from None
    raise AssertionError("unreachable")


def debit_gift_card(*, code: str, amount: Money, order_ref: str, now: datetime | None = None) -> Money:
    """Pay up to `amount` of an order with a gift card; returns what was taken (the balance, if lower).

    Idempotent per card and order: a retry for the same `order_ref` returns what the first call took and
    takes nothing more. Raises GiftCardNotFoundError (404); GiftCardNotUsableError (409) for an expired,
    deactivated or other-currency card; GiftCardEmptyError (409) when nothing is left; then nothing is
    written. Locks the card's row (after any voucher, in the global lock order). Emits
    `pricing.gift_card_debited`.
    """
    code = normalise_gift_card_code(code)
    _check_order_ref(order_ref)
    wanted = amount.quantize()
    if wanted.amount <= 0:
        raise InvalidGiftCardError(detail="The amount to pay with a gift card must be above zero.")
    now = now or timezone.now()
    with transaction.atomic():
        card = locks.gift_card(code=code) if _CODE_FORMAT.match(code) else None
        if card is None:
            raise GiftCardNotFoundError()
        earlier = card.transactions.filter(kind=Kind.DEBIT, order_ref=order_ref).first()
        if earlier is not None:
            return Money(-earlier.amount, card.currency).quantize()
        if (refusal := _refusal(card, now=now)) is not None:
            raise GiftCardNotUsableError(detail=refusal, data={"gift_card": card.masked_code})
        if card.currency != wanted.currency:
            raise GiftCardNotUsableError(
                detail=_("The gift card %(code)s is in %(currency)s; it cannot pay in another currency.")
                % {"code": card.masked_code, "currency": card.currency},
                data={"gift_card": card.masked_code, "currency": card.currency},
            )
        taken = min(card.balance, wanted.amount)
        if taken <= 0:
            raise GiftCardEmptyError(masked_code=card.masked_code)
        if not GiftCard.objects.filter(pk=card.pk, balance__gte=taken).update(balance=F("balance") - taken):
            raise GiftCardEmptyError(masked_code=card.masked_code)  # the backstop; the row lock prevents it
        GiftCardTransaction.objects.create(gift_card=card, kind=Kind.DEBIT, amount=-taken, order_ref=order_ref)
        record_event(
            "pricing.gift_card_debited",
            gift_card_id=card.pk,
            order_ref=order_ref,
            amount=str(taken),
            currency=card.currency,
        )
    return Money(taken, card.currency).quantize()


def credit_gift_card(*, code: str, amount: Money, order_ref: str, reason: str = "refund") -> GiftCard:
    """Refund part or all of what an order paid with this card back onto it.

    Never more than the order took from the card, less what was already refunded: raises
    GiftCardCreditTooLargeError (409) otherwise. Works on expired or deactivated cards too (the money is
    the buyer's; whether to refund onto such a card or by other means is the refund's decision). Locks the
    card's row. Emits `pricing.gift_card_credited`.
    """
    code = normalise_gift_card_code(code)
    _check_order_ref(order_ref)
    amount = amount.quantize()
    if amount.amount <= 0:
        raise InvalidGiftCardError(detail="A refund onto a gift card must be above zero.")
    with transaction.atomic():
        card = locks.gift_card(code=code) if _CODE_FORMAT.match(code) else None
        if card is None:
            raise GiftCardNotFoundError()
        if card.currency != amount.currency:
            raise CurrencyMismatchError(
                detail=f"The card is in {card.currency}, the refund in {amount.currency}.",
                data={"currencies": [card.currency, amount.currency]},
            )
        moved = card.transactions.filter(order_ref=order_ref).aggregate(
            debited=Sum("amount", filter=Q(kind=Kind.DEBIT), default=Decimal(0)),
            credited=Sum("amount", filter=Q(kind=Kind.CREDIT), default=Decimal(0)),
        )
        refundable = -moved["debited"] - moved["credited"]
        if amount.amount > refundable:
            raise GiftCardCreditTooLargeError(
                detail=f"Order {order_ref} can get back at most {Money(refundable, card.currency).quantize()} "
                f"on this card.",
                data={"order_ref": order_ref, "refundable": str(Money(refundable, card.currency).quantize().amount)},
            )
        GiftCard.objects.filter(pk=card.pk).update(balance=F("balance") + amount.amount)
        GiftCardTransaction.objects.create(
            gift_card=card, kind=Kind.CREDIT, amount=amount.amount, order_ref=order_ref, note=reason[:255]
        )
        record_event(
            "pricing.gift_card_credited",
            gift_card_id=card.pk,
            order_ref=order_ref,
            amount=str(amount.amount),
            currency=card.currency,
            reason=reason,
        )
        card.refresh_from_db()
    return card


def set_gift_card_active(*, gift_card_id: int, is_active: bool) -> GiftCard:
    """Deactivate a card (lost, stolen, sold by mistake) or activate it again. Its balance is kept.

    Emits `pricing.gift_card_deactivated` or `pricing.gift_card_activated`.
    """
    with transaction.atomic():
        card = locks.gift_card_by_id(gift_card_id=gift_card_id)
        if card is None:
            raise GiftCardNotFoundError()
        if card.is_active != is_active:
            card.is_active = is_active
            card.save(update_fields=["is_active"])
            name = "pricing.gift_card_activated" if is_active else "pricing.gift_card_deactivated"
            record_event(name, gift_card_id=card.pk)
    return card


def _check_order_ref(order_ref: str) -> None:
    if not order_ref or len(order_ref) > 64:
        raise InvalidGiftCardError(detail="A gift card is used for an order reference of 1 to 64 characters.")
