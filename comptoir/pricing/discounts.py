"""What a cart's discounts come to: automatic promotions first, then the buyer's voucher on what is left.

Read-only and lock-free, because the checkout totals call it on every page view. A fixed number of
queries whatever the number of lines: the channel's running promotions (one), the voucher (one, when a code
is given), the scopes of both (one UNION over the link tables), the customer's earlier uses (one, only for
a voucher limited per customer), and the category tree (cached) when a scope names categories.

Rules, in order:
1. Promotions are tried by priority (lower first). Each pools the units of the lines in its scope that no
   earlier promotion took, and discounts the cheapest of them (see `Promotion` for the two kinds); a
   promotion that gives a discount takes every line it pooled, so promotions never add up on one item.
2. The voucher applies to the lines in its scope, on their amounts after promotions: a percentage of that
   subtotal, or a fixed amount up to that subtotal, split over the lines pro rata with `Money.allocate`;
   a free-shipping voucher takes nothing off the items. Its minimum spend is checked on the same subtotal.
Every amount is rounded to the currency's minor unit, and each discount's line amounts add up exactly to it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import IntegerField, Q, Value
from django.utils import timezone

from comptoir.catalog.queries.categories import category_tree
from comptoir.core.errors import DomainError
from comptoir.core.models import Channel
from comptoir.core.money import Money, sum_money
from comptoir.pricing.errors import (
    InvalidDiscountLineError,
    VoucherError,
    VoucherMinimumSpendError,
    VoucherNoEligibleItemsError,
    VoucherNotFoundError,
)
from comptoir.pricing.models import Promotion, PromotionKind, Voucher, VoucherKind
from comptoir.pricing.vouchers import check_customer_limit, check_voucher_usable, normalise_voucher_code

HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class DiscountLine:
    line_id: str  # the checkout's line key
    variant_id: int
    product_id: int
    category_id: int | None
    collection_ids: frozenset[int]
    quantity: int
    unit_price: Money  # channel currency, as the buyer sees it

    @property
    def total(self) -> Money:
        return self.unit_price.quantize() * self.quantity


@dataclass(frozen=True, slots=True)
class AppliedDiscount:
    source: str  # "voucher" | "promotion"
    name: str  # voucher code or promotion name, shown to the buyer
    amount: Money  # total off (0 for a free-shipping voucher)
    line_amounts: dict[str, Money]  # per line_id (lines with nothing off are left out), adding up to `amount`
    free_shipping: bool = False


@dataclass(frozen=True, slots=True)
class DiscountResult:
    applied: list[AppliedDiscount]
    line_discounts: dict[str, Money]  # every line_id: the sum over all applied discounts, at most the line total
    free_shipping: bool
    voucher_error: DomainError | None  # why the entered code does not apply; the checkout shows it, drops the code

    @property
    def total(self) -> Money | None:
        """Everything taken off the items (None for a cart without lines)."""
        amounts = list(self.line_discounts.values())
        return sum_money(amounts, amounts[0].currency) if amounts else None


@dataclass(frozen=True, slots=True)
class _Scope:
    """The items a promotion or voucher is for; empty means every item. Categories include their children."""

    product_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()
    collection_ids: frozenset[int] = frozenset()
    scoped: bool = False
    """Items were chosen once: an empty selection (all of them deleted since) then covers nothing."""

    def covers(self, line: DiscountLine) -> bool:
        if not (self.product_ids or self.category_ids or self.collection_ids):
            return not self.scoped
        return (
            line.product_id in self.product_ids
            or (line.category_id is not None and line.category_id in self.category_ids)
            or not self.collection_ids.isdisjoint(line.collection_ids)
        )


def evaluate_discounts(
    *,
    channel: Channel,
    lines: Sequence[DiscountLine],
    voucher_code: str = "",
    email: str = "",
    user_id: int | None = None,
    now: datetime | None = None,
) -> DiscountResult:
    """The discounts of a cart in `channel`: the promotions running at `now`, then `voucher_code` if it applies.

    A code that does not apply is not an exception: the result carries it as `voucher_error` (unknown,
    inactive, not started, expired, other channel or currency, used up, already used by this customer,
    not for these products, minimum spend not reached with the amount missing) and the other discounts
    still apply. Raises InvalidDiscountLineError only for lines the checkout should never send (a price in
    another currency, a quantity below 1, a line id given twice). Writes nothing, locks nothing.
    """
    now = now or timezone.now()
    lines = list(lines)
    _check_lines(lines, channel.currency)
    code = normalise_voucher_code(voucher_code)

    promotions = _running_promotions(channel, now) if lines else []
    voucher = Voucher.objects.filter(code=code).first() if code else None
    scopes = _scopes(promotion_ids=[p.pk for p in promotions], voucher_id=voucher.pk if voucher else None)

    remaining = {line.line_id: line.total for line in lines}
    applied: list[AppliedDiscount] = []
    taken: set[str] = set()
    for promotion in promotions:
        scope = scopes.get(("promotion", promotion.pk), _Scope(scoped=promotion.is_scoped))
        pooled = [line for line in lines if line.line_id not in taken and scope.covers(line)]
        amounts = _promotion_amounts(promotion, pooled)
        if not amounts:
            continue
        taken.update(line.line_id for line in pooled)
        for line_id, amount in amounts.items():
            remaining[line_id] -= amount
        applied.append(
            AppliedDiscount(
                source="promotion",
                name=promotion.name,
                amount=sum_money(list(amounts.values()), channel.currency),
                line_amounts=amounts,
            )
        )

    voucher_error: DomainError | None = None
    if code:
        try:
            if voucher is None:
                raise VoucherNotFoundError(code=code)
            scope = scopes.get(("voucher", voucher.pk), _Scope(scoped=voucher.is_scoped))
            applied.append(
                _apply_voucher(voucher, lines, remaining, scope, channel=channel, email=email, user_id=user_id, now=now)
            )
        except VoucherError as exc:
            voucher_error = exc

    line_discounts = {line.line_id: Money.zero(channel.currency).quantize() for line in lines}
    for discount in applied:
        for line_id, amount in discount.line_amounts.items():
            line_discounts[line_id] += amount
    return DiscountResult(
        applied=applied,
        line_discounts=line_discounts,
        free_shipping=any(d.free_shipping for d in applied),
        voucher_error=voucher_error,
    )


# --- Promotions -------------------------------------------------------------------------------------------


def _running_promotions(channel: Channel, now: datetime) -> list[Promotion]:
    return list(
        Promotion.objects.filter(
            Q(channel__isnull=True) | Q(channel_id=channel.pk),
            Q(ends_at__isnull=True) | Q(ends_at__gt=now),
            is_active=True,
            starts_at__lte=now,
        ).order_by("priority", "pk")
    )


def _cheapest_units(lines: Sequence[DiscountLine], count: int) -> dict[str, int]:
    """Which units are the `count` cheapest of the pool, as line id -> units. Equal prices: earlier lines first."""
    picked: dict[str, int] = {}
    by_price = sorted(enumerate(lines), key=lambda item: (item[1].unit_price.quantize().amount, item[0]))
    for _, line in by_price:
        if count <= 0:
            break
        units = min(line.quantity, count)
        picked[line.line_id] = units
        count -= units
    return picked


def _promotion_amounts(promotion: Promotion, pooled: Sequence[DiscountLine]) -> dict[str, Money]:
    """Line id -> amount off for the lines `promotion` discounts (empty when it gives nothing)."""
    units = sum(line.quantity for line in pooled)
    by_id = {line.line_id: line for line in pooled}
    amounts: dict[str, Money] = {}
    if promotion.kind == PromotionKind.BUY_X_GET_Y:
        free = (units // promotion.buy_quantity) * promotion.free_quantity
        for line_id, count in _cheapest_units(pooled, free).items():
            amounts[line_id] = by_id[line_id].unit_price.quantize() * count
    elif promotion.kind == PromotionKind.NTH_ITEM_PERCENTAGE:
        for line_id, count in _cheapest_units(pooled, units // promotion.nth).items():
            amounts[line_id] = (
                by_id[line_id].unit_price.quantize() * (count * promotion.percentage / HUNDRED)
            ).quantize()
    return {line_id: amount for line_id, amount in amounts.items() if amount.amount > 0}


# --- Voucher ----------------------------------------------------------------------------------------------


def _apply_voucher(
    voucher: Voucher,
    lines: Sequence[DiscountLine],
    remaining: dict[str, Money],
    scope: _Scope,
    *,
    channel: Channel,
    email: str,
    user_id: int | None,
    now: datetime,
) -> AppliedDiscount:
    check_voucher_usable(voucher, channel=channel, now=now)
    check_customer_limit(voucher, email=email, user_id=user_id)
    eligible = [line for line in lines if scope.covers(line)]
    if not eligible:
        raise VoucherNoEligibleItemsError(code=voucher.code)
    subtotal = sum_money([remaining[line.line_id] for line in eligible], channel.currency)
    minimum = voucher.minimum
    if minimum is not None and subtotal < minimum:
        raise VoucherMinimumSpendError(code=voucher.code, minimum=minimum, missing=minimum - subtotal)

    if voucher.kind == VoucherKind.FREE_SHIPPING:
        return AppliedDiscount(
            source="voucher",
            name=voucher.code,
            amount=Money.zero(channel.currency).quantize(),
            line_amounts={},
            free_shipping=True,
        )
    if voucher.kind == VoucherKind.PERCENTAGE:
        # The percentage of the subtotal, then split: the buyer sees 10% of what they spend, not a sum of
        # per-line roundings that could be a cent off.
        total = (subtotal * (voucher.value / HUNDRED)).quantize()
    else:
        total = min(voucher.money_value, subtotal, key=lambda money: money.amount)
    parts = total.allocate([remaining[line.line_id].amount for line in eligible])
    amounts = {line.line_id: part for line, part in zip(eligible, parts, strict=True) if part.amount > 0}
    return AppliedDiscount(source="voucher", name=voucher.code, amount=total, line_amounts=amounts)


# --- Reading ----------------------------------------------------------------------------------------------


def _check_lines(lines: Sequence[DiscountLine], currency: str) -> None:
    seen: set[str] = set()
    for line in lines:
        if line.quantity < 1:
            raise InvalidDiscountLineError(detail=f"Line {line.line_id} has a quantity below 1.")
        if line.unit_price.currency != currency or line.unit_price.amount < 0:
            raise InvalidDiscountLineError(
                detail=f"Line {line.line_id} is priced {line.unit_price}; the channel sells in {currency}."
            )
        if line.line_id in seen:
            raise InvalidDiscountLineError(detail=f"Line {line.line_id} is listed twice.")
        seen.add(line.line_id)


# Scope dimensions: (tag in the UNION, link field on both models, column of the linked object).
_DIMENSIONS = ((0, "products", "product_id"), (1, "categories", "category_id"), (2, "collections", "collection_id"))
_OWNERS = (("promotion", Promotion, "promotion_id"), ("voucher", Voucher, "voucher_id"))


def _scopes(*, promotion_ids: Sequence[int], voucher_id: int | None) -> dict[tuple[str, int], _Scope]:
    """The scopes of these promotions and this voucher, read in one query (a UNION over the six link tables).

    Keyed by ("promotion" | "voucher", id); an owner with an empty scope (every item) is left out.
    """
    ids = {"promotion": list(promotion_ids), "voucher": [voucher_id] if voucher_id is not None else []}
    parts = []
    for owner_index, (owner, model, owner_column) in enumerate(_OWNERS):
        if not ids[owner]:
            continue
        for dimension, field, target_column in _DIMENSIONS:
            link = getattr(model, field).through
            parts.append(
                link.objects.filter(**{f"{owner_column}__in": ids[owner]})
                .annotate(tag=Value(owner_index * 3 + dimension, output_field=IntegerField()))
                .values_list("tag", owner_column, target_column)
            )
    if not parts:
        return {}
    rows = list(parts[0].union(*parts[1:], all=True)) if len(parts) > 1 else list(parts[0])
    found: dict[tuple[str, int], list[set[int]]] = defaultdict(lambda: [set(), set(), set()])
    for tag, owner_id, target_id in rows:
        owner_index, dimension = divmod(tag, 3)
        found[(_OWNERS[owner_index][0], owner_id)][dimension].add(target_id)
    return {
        key: _Scope(
            product_ids=frozenset(products),
            category_ids=_with_descendants(categories),
            collection_ids=frozenset(collections),
        )
        for key, (products, categories, collections) in found.items()
    }


def _with_descendants(category_ids: Iterable[int]) -> frozenset[int]:
    """A category scope covers its sub-categories too ("Kitchen" includes "Kitchen > Mugs")."""
    category_ids = list(category_ids)
    if not category_ids:
        return frozenset()
    tree = category_tree()
    expanded: set[int] = set()
    for category_id in category_ids:
        expanded.update(tree.descendant_ids(category_id) if category_id in tree.nodes else [category_id])
    return frozenset(expanded)
