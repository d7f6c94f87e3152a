"""Offline payment reads: which offline methods a checkout or order may use (per channel, delivery and
amount), the cash-on-delivery fee, and what the buyer is told to do to pay (comptoir/payments/
offline_services.py writes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

from comptoir.core.money import Money
from comptoir.payments.gateways import PaymentMethod
from comptoir.payments.models import Payment, PaymentStatus
from comptoir.payments.providers.offline import BANK_TRANSFER, CASH_ON_DELIVERY, IN_STORE, METHODS, format_reference
from comptoir.payments.statement_models import OfflineMethodSettings

# Delivery kinds (comptoir.checkout.models.DeliveryKind values) each method may be used with.
_COD_DELIVERY = ("shipping", "local_delivery")
_IN_STORE_DELIVERY = ("collect",)


# --- which methods a checkout or order may use -----------------------------------------------------------


def shown(money: Money) -> str:
    """An amount as the buyer reads it in the active language ("€3.50", "3,50 €")."""
    return money.quantize().format(to_locale(get_language() or "en"))


def channel_settings(*, channel_id: int) -> OfflineMethodSettings | None:
    return OfflineMethodSettings.objects.filter(channel_id=channel_id).first()


def method_refusal(
    method_code: str,
    *,
    settings: OfflineMethodSettings | None,
    delivery_kind: str,
    total: Money | None,
) -> str:
    """Why `method_code` cannot pay an order of this channel, delivery and total ("" when it can; always "" for
    a method that is not offline). The channel's settings switch each method on; cash on delivery needs a
    carrier or local delivery and a total within its maximum; payment in store needs click & collect."""
    if method_code not in METHODS:
        return ""
    if method_code == BANK_TRANSFER:
        if settings is None or not settings.bank_transfer_enabled or not settings.iban:
            return _("Bank transfer is not offered in this shop.")
        return ""
    if method_code == CASH_ON_DELIVERY:
        if settings is None or not settings.cod_enabled:
            return _("Cash on delivery is not offered in this shop.")
        if delivery_kind not in _COD_DELIVERY:
            return _("Cash on delivery is only possible with delivery to your address.")
        if settings.cod_max_amount is not None and total is not None and total.amount > settings.cod_max_amount:
            limit = Money(settings.cod_max_amount, total.currency)
            return _("Cash on delivery is possible for orders up to %(limit)s.") % {"limit": shown(limit)}
        return ""
    if settings is None or not settings.in_store_enabled:
        return _("Payment in store is not offered in this shop.")
    if delivery_kind not in _IN_STORE_DELIVERY:
        return _("Payment in store is only possible when you collect your order in store.")
    return ""


def usable_methods(
    methods: Sequence[PaymentMethod], *, channel_id: int, delivery_kind: str, total: Money | None
) -> list[PaymentMethod]:
    """`methods` less the offline ones this channel, delivery and total do not allow; cash on delivery says
    its fee. Reads the channel's settings only when an offline method is among `methods`."""
    if not any(m.code in METHODS for m in methods):
        return list(methods)
    settings = channel_settings(channel_id=channel_id)
    usable = []
    for method in methods:
        if method_refusal(method.code, settings=settings, delivery_kind=delivery_kind, total=total):
            continue
        if method.code == CASH_ON_DELIVERY and settings and settings.cod_fee and total is not None:
            fee = Money(settings.cod_fee, total.currency)
            method = replace(
                method,
                description=_("Pay the carrier when your parcel is delivered. A fee of %(fee)s is added to shipping.")
                % {"fee": shown(fee)},
            )
        usable.append(method)
    return usable


def cod_fee(*, channel_id: int, currency: str) -> Money:
    """The cash-on-delivery fee of a channel (zero when none), added to the shipping price at checkout."""
    settings = channel_settings(channel_id=channel_id)
    if settings is None or not settings.cod_enabled:
        return Money.zero(currency)
    return Money(settings.cod_fee, currency)


# --- what the buyer is told --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaymentInstructions:
    method: str
    amount: Money
    """What is left to pay."""
    reference: str = ""
    reference_display: str = ""
    account_holder: str = ""
    iban: str = ""
    bic: str = ""
    bank_name: str = ""
    pay_by: date | None = None

    @property
    def is_bank_transfer(self) -> bool:
        return self.method == BANK_TRANSFER

    @property
    def is_cash_on_delivery(self) -> bool:
        return self.method == CASH_ON_DELIVERY

    @property
    def is_in_store(self) -> bool:
        return self.method == IN_STORE

    @property
    def iban_display(self) -> str:
        from stdnum import iban

        return iban.format(self.iban) if self.iban else ""


def payment_instructions(*, order_ref: str) -> PaymentInstructions | None:
    """How the buyer pays an order waiting for an offline payment (None when none is awaited). Two queries:
    the pending payment, and its channel's bank details with the order's date."""
    payment = (
        Payment.objects.filter(order_ref=order_ref, provider="offline", status=PaymentStatus.PENDING)
        .order_by("-created_at", "-pk")
        .first()
    )
    if payment is None:
        return None
    left = Money(payment.amount - payment.captured_amount, payment.currency)
    if payment.method != BANK_TRANSFER:
        return PaymentInstructions(method=payment.method, amount=left)
    settings = (
        OfflineMethodSettings.objects.filter(channel__orders__number=order_ref)
        .values("account_holder", "iban", "bic", "bank_name", "transfer_deadline_days", "channel__orders__created_at")
        .first()
    )
    settings = settings or {}
    placed = settings.get("channel__orders__created_at")
    days = settings.get("transfer_deadline_days")
    return PaymentInstructions(
        method=payment.method,
        amount=left,
        reference=payment.provider_reference,
        reference_display=format_reference(payment.provider_reference) if payment.provider_reference else "",
        account_holder=settings.get("account_holder", ""),
        iban=settings.get("iban", ""),
        bic=settings.get("bic", ""),
        bank_name=settings.get("bank_name", ""),
        pay_by=timezone.localdate(placed + timedelta(days=days)) if placed and days else None,
    )
