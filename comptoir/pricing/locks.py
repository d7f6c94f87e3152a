"""Every row lock the pricing domain takes.

Lock order (comptoir/core/locks.py has the order across domains): after the checkout and the stock levels,
vouchers, then gift cards, each table's rows in primary-key order. The queries have no joins: MariaDB has
no FOR UPDATE OF, and a join would lock the joined rows too.

A voucher's total usage limit needs no lock (a conditional UPDATE with a row-count check decides); the lock
is for what a single UPDATE cannot check: a customer's own uses, and a gift card's ledger beside its balance.
On SQLite `select_for_update()` is a no-op; there the IMMEDIATE transaction mode serialises writers.
"""

from __future__ import annotations

from collections.abc import Sequence

from comptoir.pricing.models import GiftCard, Voucher


def voucher(*, voucher_id: int) -> Voucher:
    """Lock one voucher row (its per-customer uses are counted under this lock)."""
    return Voucher.objects.select_for_update().get(pk=voucher_id)


def vouchers(*, voucher_ids: Sequence[int]) -> dict[int, Voucher]:
    """Lock these vouchers in primary-key order and return them by id."""
    rows = Voucher.objects.select_for_update().filter(pk__in=sorted(set(voucher_ids))).order_by("pk")
    return {row.pk: row for row in rows}


def gift_card(*, code: str) -> GiftCard | None:
    """Lock the gift card with this (normalised) code; None when there is none."""
    return GiftCard.objects.select_for_update().filter(code=code).first()


def gift_card_by_id(*, gift_card_id: int) -> GiftCard | None:
    """Lock one gift card by primary key; None when there is none."""
    return GiftCard.objects.select_for_update().filter(pk=gift_card_id).first()
