"""Refunds: money back to the buyer for a received return, or without one (goodwill, a partial refund by staff).

Where the money goes: for an order paid in instalments, first off the instalments not collected yet, last
first (`payments.instalments.services.reduce_instalment_plan`: the buyer owes less, no money moves); then
back to the order's payments, oldest first, through the provider that took
it (`payments.services.refund_payment`); what is left goes back onto the gift cards that paid, first card
first (`pricing.giftcards.credit_gift_card`). Each refund issues a credit note and moves the order to
partially refunded, or refunded once everything captured and paid by gift card has been given back.

Locks, in the global order of comptoir/core/locks.py: the order row (which serialises every refund,
cancellation and edit of one order, so the split planned from the payments' balances still holds when it
is carried out), the return row, then gift cards, then the instalment plan, then payments, then the credit
note's number counter.
That is why gift cards are credited before payments are refunded, though the split is planned payments-first.
The payment row lock and its CHECK constraint stay behind as the backstop: a refund never exceeds what
was captured.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from comptoir.core.errors import ConflictError, InvalidInputError
from comptoir.core.events import record_event
from comptoir.core.money import CurrencyMismatchError, Money, sum_money
from comptoir.orders import locks
from comptoir.orders.models import (
    Order,
    OrderEvent,
    OrderEventKind,
    OrderLine,
    OrderStatus,
    ReturnLine,
    ReturnRequest,
    ReturnStatus,
)
from comptoir.orders.services._timeline import log, move
from comptoir.orders.services.returns import _lock_return, _require_status
from comptoir.orders.states import PAID_STATES
from comptoir.payments import queries as payment_queries
from comptoir.payments.instalments.queries import reducible_on_plan
from comptoir.payments.instalments.services import reduce_instalment_plan
from comptoir.payments.services import refund_payment
from comptoir.pricing.giftcards import credit_gift_card
from comptoir.pricing.models import GiftCardTransaction, GiftCardTransactionKind

# Orders that took money and have not given all of it back.
REFUNDABLE = PAID_STATES - {OrderStatus.REFUNDED}
MAX_KEY = 64


class RefundNotAllowedError(ConflictError):
    code = "refund-not-allowed"
    title = "This refund cannot be made"


class RefundExceedsRefundableError(ConflictError):
    code = "refund-exceeds-refundable"
    title = "A refund cannot exceed what is left to refund on the order"


@dataclass(frozen=True, slots=True)
class RefundResult:
    """One refund as carried out (or, with `replayed`, as carried out by the first call with its key)."""

    order_id: int
    source: str
    amount: Money
    """Everything given back: goods plus shipping."""
    shipping: Money
    to_payments: Money
    to_gift_cards: Money
    credit_note_id: int | None
    replayed: bool = False
    off_instalments: Money | None = None
    """Taken off the instalments not collected yet (an order paid in instalments), before any money back."""


@dataclass(frozen=True, slots=True)
class _Part:
    """What one order line contributes to a refund (and to its credit note)."""

    line: OrderLine
    quantity: int
    amount: Money
    tax: Money


# --- Amounts --------------------------------------------------------------------------------------------


def line_paid(order: Order, line: OrderLine) -> Money:
    """What the buyer paid for the whole line: its total after discounts, with tax (added when prices
    are shown without it)."""
    amount = line.total if order.prices_include_tax else line.total + line.tax_amount
    return Money(amount, order.currency).quantize()


def shipping_paid(order: Order, lines: Sequence[OrderLine]) -> Money:
    """What the buyer paid for shipping, with its tax (the order's tax less its lines' when prices exclude tax)."""
    amount = order.shipping_price
    if not order.prices_include_tax:
        amount += order.tax_total - sum((line.tax_amount for line in lines), Decimal(0))
    return Money(max(amount, Decimal(0)), order.currency).quantize()


def units_value(paid: Money, *, quantity: int, before: int, units: int) -> Money:
    """What `units` more units of a line of `quantity` units paid `paid` are worth, `before` being refunded.

    Each unit is worth the line's price per unit rounded to the cent; the line's last unit takes what is
    left, so refunding a whole line, in any number of steps, gives back exactly what it cost (and never more).
    """
    unit = Money(paid.amount / quantity, paid.currency).quantize()

    def worth(n: int) -> Money:
        return paid if n >= quantity else min(unit * n, paid)

    return worth(before + units) - worth(before)


def refundable_left(order: Order) -> Money:
    """What is left to give back on the order: captured less refunded on its payments, plus what gift
    cards paid less what went back onto them, plus what its instalment plan has still to collect (a refund
    takes that off first)."""
    ref, currency = order.ref, order.currency
    on_payments = payment_queries.captured_total(order_ref=ref, currency=currency) - payment_queries.refunded_total(
        order_ref=ref, currency=currency
    )
    on_plan = reducible_on_plan(order_ref=ref, currency=currency)
    return (
        on_payments + on_plan + sum_money([left for _card, _code, left in _gift_card_balances(order)], currency)
    ).quantize()


def _gift_card_balances(order: Order) -> list[tuple[int, str, Money]]:
    """(card id, code, left to give back to it) per card that paid the order, first card first."""
    moved: dict[int, tuple[str, Decimal]] = {}
    rows = (
        GiftCardTransaction.objects.filter(
            order_ref=order.ref, kind__in=[GiftCardTransactionKind.DEBIT, GiftCardTransactionKind.CREDIT]
        )
        .order_by("pk")
        .values_list("gift_card_id", "gift_card__code", "amount")
    )
    for card_id, code, amount in rows:
        _code, total = moved.get(card_id, (code, Decimal(0)))
        moved[card_id] = (code, total + amount)  # debits are negative, credits positive
    return [
        (card_id, code, Money(-total, order.currency).quantize())
        for card_id, (code, total) in moved.items()
        if total < 0
    ]


def _tax_share(line: OrderLine, paid: Money, amount: Money) -> Money:
    if not paid.amount:
        return Money.zero(amount.currency)
    return Money(line.tax_amount * amount.amount / paid.amount, amount.currency).quantize()


def _spread(parts: list[_Part], order: Order, total: Money) -> list[_Part]:
    """The same lines, their amounts scaled to add up exactly to `total` (weights: their amounts, or
    what each line paid when they are all zero)."""
    if not parts:
        return []
    weights = [p.amount.amount for p in parts]
    if not any(weights):
        weights = [line_paid(order, p.line).amount for p in parts]
    shares = total.allocate(weights)
    return [
        _Part(p.line, p.quantity, share, _tax_share(p.line, line_paid(order, p.line), share))
        for p, share in zip(parts, shares, strict=True)
    ]


def _shipping_refunded(order: Order) -> bool:
    """Shipping is refunded once per order; earlier refunds say on the timeline what shipping they gave back."""
    events = OrderEvent.objects.filter(order=order, kind=OrderEventKind.REFUNDED).values_list("data", flat=True)
    return any(Decimal(str((data or {}).get("shipping", "0"))) > 0 for data in events)


def _check_amount(amount: Money | None, order: Order) -> Money | None:
    if amount is None:
        return None
    if amount.currency != order.currency:
        raise CurrencyMismatchError(
            detail=f"The refund is in {amount.currency}, order {order.number} in {order.currency}.",
            data={"currencies": [amount.currency, order.currency]},
        )
    amount = amount.quantize()
    if amount.amount < 0:
        raise InvalidInputError(detail="A refund cannot be negative.")
    return amount


def _check_refundable(order: Order) -> None:
    if order.status not in REFUNDABLE:
        raise RefundNotAllowedError(
            detail=_("Order %(number)s is %(status)s: there is nothing to refund.")
            % {"number": order.number, "status": order.get_status_display()},
            data={"order": order.number, "status": order.status},
        )


def _shipping_part(order: Order, lines: Sequence[OrderLine], include: bool) -> Money:
    if not include:
        return Money.zero(order.currency)
    if _shipping_refunded(order):
        raise RefundNotAllowedError(
            detail=f"The shipping of order {order.number} was already refunded.", data={"order": order.number}
        )
    return shipping_paid(order, lines)


def _too_much(order: Order, wanted: Money, left: Money) -> RefundExceedsRefundableError:
    return RefundExceedsRefundableError(
        detail=f"Only {left} is left to refund on order {order.number}; {wanted} was asked.",
        data={"order": order.number, "refundable": str(left.amount), "currency": order.currency},
    )


# --- Writes ---------------------------------------------------------------------------------------------


def refund_return(
    *,
    return_id: int,
    include_shipping: bool = False,
    amount: Money | None = None,
    actor_id: int | None = None,
) -> ReturnRequest:
    """Refund a received return: by default what the buyer paid for the units that came back (restocked or
    written off), per unit to the cent, the last unit of a line taking the remainder (`units_value`).

    `amount`, when given, replaces that default (a restocking fee, a gesture); `include_shipping` adds
    what the buyer paid for shipping, once per order. The default is capped at what is left to refund on
    the order; an explicit amount above it raises RefundExceedsRefundableError. Raises ReturnStateError
    unless the return is received (a refunded return is returned as it is: a retried click refunds
    nothing more), RefundNotAllowedError for shipping already refunded or nothing to refund. All or nothing.

    Issues a credit note (source `refund:<return number>`), marks the return refunded with the amount, and
    moves the order (see `refund_order`). Emits `orders.return_refunded` and `orders.refund_issued`.
    """
    with transaction.atomic():
        order, ret = _lock_return(return_id)
        if ret.status == ReturnStatus.REFUNDED:
            return ret
        _require_status(ret, [ReturnStatus.RECEIVED], "Return %(number)s is %(status)s: receive it before refunding.")
        _check_refundable(order)
        amount = _check_amount(amount, order)
        lines = list(order.lines.all())
        parts = _returned_parts(order, ret)
        shipping = _shipping_part(order, lines, include_shipping)
        left = refundable_left(order)
        if amount is None:
            goods = sum_money([p.amount for p in parts], order.currency)
            if goods + shipping > left:  # an earlier goodwill refund already gave part of it back
                shipping = min(shipping, left)
                goods = left - shipping
                parts = _spread(parts, order, goods)
        else:
            goods = amount
            parts = _spread(parts, order, goods)
            if goods + shipping > left:
                raise _too_much(order, goods + shipping, left)
        result = _give_back(
            order,
            parts=parts,
            shipping=shipping,
            left=left,
            source=f"refund:{ret.number}",
            reason=f"Return {ret.number}",
            actor_id=actor_id,
            extra={"return_id": ret.pk, "number": ret.number},
        )
        ret.status, ret.refund_amount = ReturnStatus.REFUNDED, result.amount.amount
        ret.save(update_fields=["status", "refund_amount", "updated_at"])
        log(
            order,
            OrderEventKind.RETURN_UPDATED,
            public=True,
            actor_id=actor_id,
            return_id=ret.pk,
            number=ret.number,
            old=ReturnStatus.RECEIVED,
            new=ReturnStatus.REFUNDED,
        )
        record_event("orders.return_refunded", order_id=order.pk, return_id=ret.pk, amount=str(result.amount.amount))
    return ret


def _returned_parts(order: Order, ret: ReturnRequest) -> list[_Part]:
    """Per line of the return, the units that came back and what they are worth (`units_value`)."""
    earlier: dict[int, int] = {}
    refunded = ReturnRequest.objects.filter(order=order, status=ReturnStatus.REFUNDED).exclude(pk=ret.pk)
    for rl in (
        ReturnLine.objects.filter(return_request__in=refunded)
        .annotate(received=F("quantity_restocked") + F("quantity_written_off"))
        .values_list("order_line_id", "received")
    ):
        earlier[rl[0]] = earlier.get(rl[0], 0) + rl[1]
    parts = []
    for rl in ret.lines.select_related("order_line").order_by("pk"):
        units = rl.quantity_restocked + rl.quantity_written_off
        if not units:
            continue
        line = rl.order_line
        paid = line_paid(order, line)
        value = units_value(paid, quantity=line.quantity, before=earlier.get(line.pk, 0), units=units)
        parts.append(_Part(line, units, value, _tax_share(line, paid, value)))
    return parts


def refund_order(
    *,
    order_id: int,
    amount: Money,
    include_shipping: bool = False,
    reason: str,
    actor_id: int | None = None,
    key: str,
) -> RefundResult:
    """Give `amount` back without a return (a gesture, a partial refund by staff), plus what the buyer paid
    for shipping when `include_shipping` (once per order).

    Never more than what is left to refund (RefundExceedsRefundableError, nothing refunded). Idempotent per
    `key` (1 to 64 characters, unique across orders like an Idempotency-Key): a retry returns the first
    refund's result with `replayed` set and moves no money; the same key with another amount, or on another
    order, raises InvalidInputError. Raises RefundNotAllowedError for an order that took no money or is
    already refunded. All or nothing.

    Issues a credit note (source `refund:<key>`; the amount spread over the order's lines in proportion to
    what they cost, with no units), moves the order to partially refunded or refunded (which emits
    `orders.order_partially_refunded` / `orders.order_refunded`), adds a public `refunded` line to the
    timeline with the amount, and emits `orders.refund_issued`.
    """
    key = (key or "").strip()
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise InvalidInputError(detail=f"A refund key is 1 to {MAX_KEY} printable characters.")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInputError(detail="Say why the order is refunded: the credit note shows it.")
    source = f"refund:{key}"
    with transaction.atomic():
        order = locks.order(order_id=order_id)
        goods = _check_amount(amount, order)
        if (replay := _replay(order, source, goods, include_shipping)) is not None:
            return replay
        _check_refundable(order)
        lines = list(order.lines.all())
        shipping = _shipping_part(order, lines, include_shipping)
        left = refundable_left(order)
        if goods + shipping > left:
            raise _too_much(order, goods + shipping, left)
        parts = _spread(
            [_Part(line, 0, line_paid(order, line), Money.zero(order.currency)) for line in lines], order, goods
        )
        return _give_back(
            order,
            parts=[p for p in parts if p.amount.amount],
            shipping=shipping,
            left=left,
            source=source,
            reason=reason,
            actor_id=actor_id,
            extra={"key": key},
        )


def _replay(order: Order, source: str, goods: Money, include_shipping: bool) -> RefundResult | None:
    """The refund already made with this source, if any (read under the order's lock: a concurrent retry
    waits for the first call and then finds it)."""
    event = OrderEvent.objects.filter(kind=OrderEventKind.REFUNDED, data__source=source).first()
    if event is None:
        return None
    data = event.data
    same = (
        event.order_id == order.pk
        and Decimal(data["goods"]) == goods.amount
        and (Decimal(data["shipping"]) > 0) == include_shipping
    )
    if not same:
        raise InvalidInputError(detail="This refund key was already used for another refund.", data={"source": source})
    money = lambda field: Money(Decimal(data[field]), data["currency"])  # noqa: E731
    return RefundResult(
        order_id=order.pk,
        source=source,
        amount=money("amount"),
        shipping=money("shipping"),
        to_payments=money("to_payments"),
        to_gift_cards=money("to_gift_cards"),
        credit_note_id=data.get("credit_note_id"),
        replayed=True,
        off_instalments=money("off_instalments") if Decimal(data.get("off_instalments", "0")) else None,
    )


def _give_back(
    order: Order,
    *,
    parts: list[_Part],
    shipping: Money,
    left: Money,
    source: str,
    reason: str,
    actor_id: int | None,
    extra: dict,
) -> RefundResult:
    """Move the money, issue the credit note, move the order and write its timeline. Order already locked."""
    currency = order.currency
    goods = sum_money([p.amount for p in parts], currency)
    total = goods + shipping
    if total.amount <= 0:
        raise RefundNotAllowedError(detail="There is nothing to refund.", data={"order": order.number})
    if total > left:
        raise _too_much(order, total, left)

    # Instalments not collected yet first (the buyer owes less), then payments, oldest first; then gift
    # cards with what is left.
    off_plan = min(total, reducible_on_plan(order_ref=order.ref, currency=currency))
    remaining, to_payments, to_cards = total - off_plan, [], []
    for payment in payment_queries.refundable_payments(order_ref=order.ref):
        part = min(payment.refundable, remaining)
        if part.amount > 0:
            to_payments.append((payment.reference, part))
            remaining -= part
    for _card_id, code, card_left in _gift_card_balances(order):
        part = min(card_left, remaining)
        if part.amount > 0:
            to_cards.append((code, part))
            remaining -= part
    if remaining.amount > 0:  # `left` said there was enough: only a change outside the order's lock gets here
        raise _too_much(order, total, total - remaining)

    # Carry it out in the global lock order: gift cards, then the instalment plan, then payments.
    for code, part in to_cards:
        credit_gift_card(code=code, amount=part, order_ref=order.ref, reason=source)
    reduce_instalment_plan(order_ref=order.ref, amount=off_plan, source=source)
    for reference, part in to_payments:
        refund_payment(reference=reference, amount=part, key=f"{source}:{reference}")
    credit_note_id = _issue_credit_note(order, source=source, parts=parts, shipping=shipping, reason=reason)

    result = RefundResult(
        order_id=order.pk,
        source=source,
        amount=total,
        shipping=shipping,
        to_payments=sum_money([p for _r, p in to_payments], currency),
        to_gift_cards=sum_money([p for _c, p in to_cards], currency),
        credit_note_id=credit_note_id,
        off_instalments=off_plan if off_plan.amount else None,
    )
    everything_back = (left - total).amount <= 0
    move(order, OrderStatus.REFUNDED if everything_back else OrderStatus.PARTIALLY_REFUNDED, actor_id=actor_id)
    log(
        order,
        OrderEventKind.REFUNDED,
        public=True,
        actor_id=actor_id,
        source=source,
        amount=str(total.amount),
        goods=str(goods.amount),
        shipping=str(shipping.amount),
        currency=currency,
        to_payments=str(result.to_payments.amount),
        to_gift_cards=str(result.to_gift_cards.amount),
        off_instalments=str(off_plan.amount),
        credit_note_id=credit_note_id,
        **extra,
    )
    record_event(
        "orders.refund_issued",
        order_id=order.pk,
        source=source,
        amount=str(total.amount),
        currency=currency,
        credit_note_id=credit_note_id,
    )
    return result


def _issue_credit_note(order: Order, *, source: str, parts: list[_Part], shipping: Money, reason: str) -> int:
    # Imported here: comptoir.orders.invoices imports the services package (its timeline helpers).
    from comptoir.orders.invoices import CreditLine, issue_credit_note

    note = issue_credit_note(
        order_id=order.pk,
        source=source,
        lines=[
            CreditLine(
                order_line_id=p.line.pk,
                label=p.line.label,
                quantity=p.quantity,
                amount=p.amount,
                tax_rate=p.line.tax_rate,
                tax=p.tax,
            )
            for p in parts
        ],
        shipping=shipping,
        reason=reason,
    )
    return note.pk
