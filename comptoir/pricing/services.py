"""Price writes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from comptoir.core.errors import InvalidInputError
from comptoir.core.events import record_event
from comptoir.core.models import Channel
from comptoir.core.money import Money
from comptoir.pricing.models import VariantPrice


class InvalidPriceError(InvalidInputError):
    code = "invalid-price"
    title = "Invalid price"


def _amount(value) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidPriceError(detail=f"{value!r} is not a price.") from exc
    if not amount.is_finite() or amount < 0:
        raise InvalidPriceError(detail=f"{value} is not a valid price (it must be zero or more).")
    return amount


def set_variant_prices(
    *, variant_id: int, prices: Mapping[int, Decimal], compare_at: Mapping[int, Decimal | None] | None = None
) -> list[VariantPrice]:
    """Set a variant's price in each channel (channel id -> amount in that channel's currency).

    Amounts are rounded to the currency's minor unit. A compare-at price must be above the price.
    """
    compare_at = compare_at or {}
    channels = {c.pk: c for c in Channel.objects.filter(pk__in=list(prices))}
    if missing := sorted(set(prices) - set(channels)):
        raise InvalidPriceError(detail=f"Unknown channel(s): {missing}.")
    rows = []
    with transaction.atomic():
        for channel_id, raw in sorted(prices.items()):
            currency = channels[channel_id].currency
            amount = Money(_amount(raw), currency).quantize().amount
            former = compare_at.get(channel_id)
            former_amount = Money(_amount(former), currency).quantize().amount if former is not None else None
            if former_amount is not None and former_amount <= amount:
                raise InvalidPriceError(detail="A compare-at price must be higher than the price.")
            row, _ = VariantPrice.objects.update_or_create(
                variant_id=variant_id,
                channel_id=channel_id,
                defaults={"currency": currency, "amount": amount, "compare_at_amount": former_amount},
            )
            rows.append(row)
        record_event("pricing.prices_changed", variant_ids=[variant_id])
    return rows


def change_prices_by_percentage(
    *, variant_ids: Sequence[int], percentage: Decimal, channel_id: int | None = None
) -> int:
    """Raise (positive) or lower (negative) prices by a percentage, rounded per currency. Returns rows changed.

    Compare-at prices that would no longer be above the new price are cleared.
    """
    percentage = _amount(abs(Decimal(str(percentage)))) * (1 if Decimal(str(percentage)) >= 0 else -1)
    if percentage <= -100:
        raise InvalidPriceError(detail="A price cannot be lowered by 100% or more.")
    factor = 1 + percentage / 100
    with transaction.atomic():
        rows = VariantPrice.objects.select_for_update().filter(variant_id__in=sorted(set(variant_ids)))
        if channel_id is not None:
            rows = rows.filter(channel_id=channel_id)
        rows = list(rows.order_by("pk"))
        now = timezone.now()
        for row in rows:
            row.amount = Money(row.amount * factor, row.currency).quantize().amount
            if row.compare_at_amount is not None and row.compare_at_amount <= row.amount:
                row.compare_at_amount = None
            row.updated_at = now
        VariantPrice.objects.bulk_update(rows, ["amount", "compare_at_amount", "updated_at"])
        record_event("pricing.prices_changed", variant_ids=sorted({r.variant_id for r in rows}))
    return len(rows)
