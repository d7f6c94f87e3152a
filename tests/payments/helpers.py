"""Helpers for payment tests: money, TEST cards, signed TEST webhooks."""

from __future__ import annotations

from decimal import Decimal

from comptoir.core.money import Money
from comptoir.payments.models import TestCharge
from comptoir.payments.providers import test as test_provider
from comptoir.payments.services import confirm_payment, create_payment

SUCCESS = {"card_number": test_provider.SUCCESS_CARD}
DECLINED = {"card_number": test_provider.DECLINED_CARD}
THREE_DS = {"card_number": test_provider.THREE_DS_CARD}
LATE = {"card_number": test_provider.LATE_WEBHOOK_CARD}
UNREACHABLE = {"card_number": test_provider.UNREACHABLE_CARD}


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def started(card: dict, *, amount: str = "50.00", order_ref: str = "ORD-1", capture_mode: str | None = None):
    payment = create_payment(
        order_ref=order_ref, method_code="test:card", amount=eur(amount), capture_mode=capture_mode
    )
    return confirm_payment(reference=payment.reference, data=card)


def signed_test_webhook(payment, *, status: str | None = None, amount: str | None = None, event_id: str | None = None):
    """(body, headers) of the TEST provider's signed webhook about `payment`, optionally saying `status`."""
    gateway = test_provider.TestGateway()
    charge = TestCharge.objects.get(reference=payment.reference)
    if status:
        charge.status = status
    if amount is not None:
        charge.amount = Decimal(amount)
        charge.refunded_amount = Decimal(amount)
    return gateway.signed_event(charge, event_id=event_id)


def post_webhook(client, body: bytes, headers: dict, provider: str = "test"):
    return client.post(
        f"/payments/webhooks/{provider}/",
        data=body,
        content_type="application/json",
        headers=headers,
    )
