"""Pricing invariants checked by `manage.py check_invariants`: every gift card's balance equals its ledger,
and every voucher's use counter equals its uses not given back."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, DecimalField, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from comptoir.core.invariants import CheckResult, Violation, invariant
from comptoir.core.money import Money
from comptoir.pricing.models import GiftCard, GiftCardTransaction, Voucher, VoucherRedemption


@invariant("gift_cards")
def check_gift_cards() -> CheckResult:
    """For every gift card: the balance equals the sum of its ledger, and is not negative."""
    result = CheckResult()
    ledger = (
        GiftCardTransaction.objects.filter(gift_card=OuterRef("pk"))
        .order_by()
        .values("gift_card")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    decimal = DecimalField(max_digits=16, decimal_places=4)
    cards = GiftCard.objects.annotate(
        ledger=Coalesce(Subquery(ledger, output_field=decimal), Value(Decimal(0)), output_field=decimal)
    ).order_by("pk")
    for card in cards.iterator(chunk_size=2000):
        result.examined += 1
        subject = f"gift card {card.pk} ({card.masked_code})"
        ledger_total, balance = Money(card.ledger, card.currency), Money(card.balance, card.currency)
        if ledger_total != balance:
            result.violations.append(
                Violation("gift_cards", subject, f"ledger says {ledger_total}, balance says {balance}")
            )
        if card.balance < 0:
            result.violations.append(Violation("gift_cards", subject, f"negative balance {balance}"))
    return result


@invariant("vouchers")
def check_vouchers() -> CheckResult:
    """For every voucher: `used_count` equals its redemptions not given back, within the usage limit."""
    result = CheckResult()
    uses = (
        VoucherRedemption.objects.filter(voucher=OuterRef("pk"), released_at__isnull=True)
        .order_by()
        .values("voucher")
        .annotate(n=Count("pk"))
        .values("n")
    )
    vouchers = Voucher.objects.annotate(uses=Coalesce(Subquery(uses, output_field=IntegerField()), Value(0))).order_by(
        "pk"
    )
    for voucher in vouchers.iterator(chunk_size=2000):
        result.examined += 1
        subject = f"voucher {voucher.pk} ({voucher.code})"
        if voucher.uses != voucher.used_count:
            result.violations.append(
                Violation("vouchers", subject, f"{voucher.uses} uses recorded, counter says {voucher.used_count}")
            )
        if voucher.usage_limit is not None and voucher.used_count > voucher.usage_limit:
            result.violations.append(
                Violation("vouchers", subject, f"used {voucher.used_count} times, limit {voucher.usage_limit}")
            )
    return result
