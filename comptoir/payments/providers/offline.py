"""The OFFLINE payment provider: money that reaches the merchant outside any payment provider.

    offline:bank_transfer     the buyer transfers the amount with a structured reference (ISO 11649 "RF");
                              a bank statement import (comptoir/payments/offline_services.py) captures it
    offline:cash_on_delivery  the carrier collects the amount; captured when the parcel is delivered
    offline:in_store          click & collect only; staff record the payment at pickup

`confirm()` never moves money: it answers PENDING with the payment's reference and the order waits, unpaid.
Which method a channel offers, and the bank details shown, are the channel's `OfflineMethodSettings`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

from comptoir.core.money import Money
from comptoir.payments.gateways import PaymentMethod, ProviderResult, ProviderStatus, register

BANK_TRANSFER = "offline:bank_transfer"
CASH_ON_DELIVERY = "offline:cash_on_delivery"
IN_STORE = "offline:in_store"
METHODS = (BANK_TRANSFER, CASH_ON_DELIVERY, IN_STORE)
# Goods handed over before the money comes: these orders may ship (or be collected) while awaiting payment.
PAID_ON_HANDOVER = frozenset({CASH_ON_DELIVERY, IN_STORE})

# The reference's body: the order number left-padded to a fixed width, so a reference found in a bank's free
# text has one possible length. 12 characters leave room for order numbers up to 10^12; RF allows 21.
_BODY_WIDTH = 12


def creditor_reference(order_ref: str) -> str:
    """The ISO 11649 creditor reference of an order, compact ("RF" + two check digits + body), e.g.
    "RF71000000010042" for order 10042: the same for every payment of the order."""
    body = re.sub(r"[^0-9A-Z]", "", order_ref.upper())
    if not body or len(body) > _BODY_WIDTH:
        raise ValueError(f"order reference {order_ref!r} cannot make a creditor reference")
    body = body.rjust(_BODY_WIDTH, "0")
    # ISO 11649 check digits: ISO 7064 MOD 97-10 over the body followed by "RF" (python-stdnum computes and
    # validates them; `iso11649.validate` raises if we got it wrong).
    return iso11649.validate("RF" + mod_97_10.calc_check_digits(body + "RF") + body)


def format_reference(reference: str) -> str:
    """The reference in groups of four, as buyers type it into their bank's form ("RF71 0000 0001 0042")."""
    return iso11649.format(reference)


def is_valid_reference(text: str) -> bool:
    return iso11649.is_valid(text or "")


_CANDIDATE = re.compile(r"R\s?F\s?\d\s?\d(?:\s?[0-9A-Z]){" + str(_BODY_WIDTH) + "}")


def references_in(text: str) -> list[str]:
    """The valid creditor references of our shape found in free text (a bank's remittance information),
    compact, in order of appearance: tolerant of case and of the spaces buyers and banks put in."""
    found = []
    upper = (text or "").upper()
    for match in _CANDIDATE.finditer(upper):
        compact = re.sub(r"\s", "", match.group(0))
        if iso11649.is_valid(compact) and compact not in found:
            found.append(compact)
    return found


class OfflineGateway:
    code = "offline"

    def methods(self) -> list[PaymentMethod]:
        return [
            PaymentMethod(
                code=BANK_TRANSFER,
                label=str(_("Bank transfer")),
                description=str(_("Transfer the amount to our bank account with the reference we give you.")),
                offline=True,
            ),
            PaymentMethod(
                code=CASH_ON_DELIVERY,
                label=str(_("Cash on delivery")),
                description=str(_("Pay the carrier when your parcel is delivered.")),
                offline=True,
            ),
            PaymentMethod(
                code=IN_STORE,
                label=str(_("Pay in store")),
                description=str(_("Pay when you collect your order in store, in cash or by card.")),
                offline=True,
            ),
        ]

    def confirm(self, *, reference: str, amount: Money, data: Mapping[str, str]) -> ProviderResult:
        """Nothing to ask anyone: the payment waits (PENDING) under the order's creditor reference."""
        order_ref = str(data.get("order_ref", ""))
        return ProviderResult(
            succeeded=True,
            provider_reference=creditor_reference(order_ref) if order_ref else "",
            status=ProviderStatus.PENDING,
            message=str(_("Awaiting payment.")),
        )

    def capture(self, *, reference: str, provider_reference: str, amount: Money, key: str) -> ProviderResult:
        # Captured by our own records (a bank statement line, the carrier, the till), never by a call.
        return ProviderResult(True, provider_reference, captured=True, status=ProviderStatus.CAPTURED, amount=amount)

    def void(self, *, reference: str, provider_reference: str, key: str) -> ProviderResult:
        return ProviderResult(True, provider_reference, status=ProviderStatus.CANCELLED)

    def refund(self, *, reference: str, provider_reference: str, amount: Money, key: str) -> ProviderResult:
        """The merchant gives the money back by their own bank transfer or till: recorded, never sent."""
        return ProviderResult(
            True,
            provider_reference,
            status=ProviderStatus.REFUNDED,
            amount=amount,
            message=str(_("Refund to be paid by the merchant outside the shop (bank transfer or cash).")),
        )

    def fetch(self, *, reference: str, provider_reference: str) -> ProviderResult:
        return ProviderResult(False, provider_reference, status=ProviderStatus.PENDING)

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> list:
        raise NotImplementedError("offline payments have no webhook")


register(OfflineGateway())
