"""The built-in TEST payment provider, for the demo and the tests. It moves no money.

Like the test modes of real providers, the card number chooses the outcome:

    4242 4242 4242 4242   success (captured, or authorised when the shop captures at fulfilment)
    4000 0000 0000 0002   declined
    4000 0000 0000 9995   declined: insufficient funds
    4000 0027 6000 3184   3-D Secure challenge: the buyer is sent to a TEST MODE page on our site, approves or
                          fails it, and comes back
    4000 0000 0000 0077   late webhook: the payment stays pending; a signed webhook captures it after
                          `late_seconds` (a task delivers it; reconciliation also settles it by then)
    4000 0000 0000 0119   provider unreachable: the call "times out" (pending), yet the provider took the
                          money; the next `fetch` (the buyer's return, reconciliation) says captured
    4000 0000 0000 0341   succeeds and the card can be saved, but later off-session charges on it decline
    any other number      declined: not a test card

With `save_method="1"` a successful payment answers a reusable token `test_pm_<hex>`; a later
`confirm` with `saved_method=<token>` and `off_session="1"` charges it without the buyer (instalments).

The provider's own side (what a real provider keeps: the charge, its state, saved cards) is the
`TestCharge` table, written only here. Webhooks are signed like Stripe's: header
`Comptoir-Test-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, rejected past
`WEBHOOK_TOLERANCE` seconds.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from comptoir.core.money import Money
from comptoir.payments.gateways import (
    PaymentMethod,
    ProviderEvent,
    ProviderResult,
    ProviderStatus,
    WebhookSignatureError,
    register,
)
from comptoir.payments.providers import faults

SUCCESS_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"
INSUFFICIENT_FUNDS_CARD = "4000000000009995"
THREE_DS_CARD = "4000002760003184"
LATE_WEBHOOK_CARD = "4000000000000077"
UNREACHABLE_CARD = "4000000000000119"
SAVED_THEN_DECLINES_CARD = "4000000000000341"

SCENARIOS = {
    SUCCESS_CARD: "success",
    DECLINED_CARD: "declined",
    INSUFFICIENT_FUNDS_CARD: "insufficient_funds",
    THREE_DS_CARD: "three_ds",
    LATE_WEBHOOK_CARD: "late_webhook",
    UNREACHABLE_CARD: "unreachable",
    SAVED_THEN_DECLINES_CARD: "saved_then_declines",
}
SIGNATURE_HEADER = "Comptoir-Test-Signature"
WEBHOOK_TOLERANCE = 300
DEFAULT_LATE_SECONDS = 10


def card_digits(value: str) -> str:
    return "".join(ch for ch in str(value or "") if ch.isdigit())


def card_fingerprint(number: str) -> str:
    """What the card-testing limit counts: a keyed hash of the number, never the number."""
    return hmac.new(settings.SECRET_KEY.encode(), card_digits(number).encode(), hashlib.sha256).hexdigest()[:32]


def default_webhook_secret() -> str:
    return "whsec_test_" + hashlib.sha256(("comptoir.test-webhooks:" + settings.SECRET_KEY).encode()).hexdigest()[:32]


def sign(body: bytes, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def saved_method_token(card_number: str, reference: str) -> str:
    """The token of a test card saved with payment `reference`. The card number (digits, so hex) ends the
    token: an off-session charge knows which outcome to give without the provider storing anything."""
    digits = "".join(ch for ch in card_number if ch.isdigit())
    return "test_pm_" + hashlib.sha256(reference.encode()).hexdigest()[:8] + digits


def _card_of(token: str) -> str:
    if not token.startswith("test_pm_") or len(token) < 16:
        return ""
    return token[16:]


class TestGateway:
    code = "test"
    REFUND_EVENTS_ARE_TOTALS = True  # a refund event carries the payment's refunded total
    __test__ = False  # not a pytest class

    def __init__(self, config: Mapping[str, str] | None = None) -> None:
        config = config or {}
        self.webhook_secret = config.get("webhook_secret") or default_webhook_secret()
        self.late_seconds = int(config.get("late_seconds") or DEFAULT_LATE_SECONDS)
        self.capture_mode = config.get("capture", "")

    def fingerprint(self, data: Mapping[str, str]) -> str:
        number = card_digits(data.get("card_number", ""))
        return card_fingerprint(number) if number else ""

    def methods(self) -> list[PaymentMethod]:
        return [
            PaymentMethod(
                code="test:card",
                label=str(_("Card (TEST MODE: no money moves)")),
                description=str(_("Use 4242 4242 4242 4242 to pay, 4000 0000 0000 0002 to be declined.")),
                is_test=True,
                fields=("card_number",),
            )
        ]

    # --- the provider's side -------------------------------------------------------------------------

    @staticmethod
    def _charge(provider_reference: str):
        from comptoir.payments.models import TestCharge

        return TestCharge.objects.filter(provider_reference=provider_reference).first()

    def _result(self, charge, *, saved_method: str = "") -> ProviderResult:
        status = charge.status
        messages = {
            "declined": (_("The card was declined."), "card_declined"),
            "insufficient_funds": (_("The card has insufficient funds."), "insufficient_funds"),
            "not_a_test_card": (
                _("This is not a test card number. In test mode use 4242 4242 4242 4242."),
                "not_a_test_card",
            ),
            "saved_then_declines": (_("The card was declined."), "card_declined"),
            "three_ds": (_("The 3-D Secure check failed."), "authentication_failed"),
            "authentication_required": (_("The bank asks the buyer to authenticate."), "authentication_required"),
        }
        message, code = ("", "")
        if status == ProviderStatus.FAILED:
            message, code = messages.get(charge.scenario, (_("The card was declined."), "card_declined"))
        action_url = ""
        if status == ProviderStatus.REQUIRES_ACTION:
            action_url = reverse("payments:test_challenge", args=[charge.provider_reference])
        return ProviderResult(
            succeeded=status in (ProviderStatus.AUTHORIZED, ProviderStatus.CAPTURED),
            provider_reference=charge.provider_reference,
            captured=status == ProviderStatus.CAPTURED,
            error_code=code,
            message=str(message),
            status=status,
            action_url=action_url,
            saved_method=saved_method,
            amount=Money(
                charge.captured_amount if status == ProviderStatus.CAPTURED else charge.amount, charge.currency
            ),
        )

    def confirm(self, *, reference: str, amount: Money, data: Mapping[str, str]) -> ProviderResult:
        faults.inject("confirm")  # opt-in load-test faults (COMPTOIR_TEST_PROVIDER_FAULTS); nothing when unset
        from comptoir.payments.models import TestCharge

        provider_reference = "test_" + hashlib.sha256(reference.encode()).hexdigest()[:16]
        if existing := self._charge(provider_reference):  # a retried call: the provider answers the same
            return self._result(existing, saved_method=existing.saved_method)
        manual = data.get("capture") == "fulfilment"
        success = ProviderStatus.AUTHORIZED if manual else ProviderStatus.CAPTURED
        token = (data.get("saved_method") or "").strip()
        if token:
            saved = TestCharge.objects.filter(saved_method=token).order_by("pk").first()
            # A token the provider saved, else one minted by `saved_method_token` (it names its card).
            scenario = saved.scenario if saved else SCENARIOS.get(_card_of(token), "unknown_method")
            if data.get("off_session") == "1" and scenario == "three_ds":
                scenario, status = "authentication_required", ProviderStatus.FAILED
            elif scenario in ("success", "late_webhook", "unreachable", "three_ds"):
                status = success
            else:
                status = ProviderStatus.FAILED
        else:
            scenario = SCENARIOS.get(card_digits(data.get("card_number", "")), "not_a_test_card")
            status = {
                "success": success,
                "saved_then_declines": success,
                "three_ds": ProviderStatus.REQUIRES_ACTION,
                "late_webhook": ProviderStatus.PENDING,
                "unreachable": ProviderStatus.PENDING,
            }.get(scenario, ProviderStatus.FAILED)
        saved_method = ""
        if data.get("save_method") == "1" and status != ProviderStatus.FAILED and not token:
            saved_method = "test_pm_" + secrets.token_hex(12)
        charge = TestCharge.objects.create(
            provider_reference=provider_reference,
            reference=reference,
            scenario=scenario,
            status=status,
            currency=amount.currency,
            amount=amount.amount,
            captured_amount=amount.amount if status == ProviderStatus.CAPTURED else Decimal(0),
            saved_method=saved_method,
            manual_capture=manual,
            return_url=(data.get("return_url") or "")[:500],
        )
        if scenario == "late_webhook":
            self._schedule_late_webhook(provider_reference)
        if scenario == "unreachable":
            # The provider took the payment, but its answer never reached us (a timeout).
            charge.status = success
            charge.captured_amount = amount.amount if success == ProviderStatus.CAPTURED else Decimal(0)
            charge.save(update_fields=["status", "captured_amount"])
            return ProviderResult(
                False,
                provider_reference,
                error_code="provider_unreachable",
                message=str(_("The payment provider did not answer in time; we check again shortly.")),
                status=ProviderStatus.PENDING,
            )
        return self._result(charge, saved_method=saved_method)

    def _schedule_late_webhook(self, provider_reference: str) -> None:
        """The webhook arrives `late_seconds` later, from a deferred task. A task backend that cannot defer
        (the tests' immediate one) gets none: the test delivers it, or reconciliation settles the payment."""
        from functools import partial

        from django.db import transaction
        from django.tasks import default_task_backend

        from comptoir.payments.tasks import deliver_test_webhook

        if not default_task_backend.supports_defer:
            return
        run_after = timezone.now() + timedelta(seconds=self.late_seconds)
        transaction.on_commit(
            partial(deliver_test_webhook.using(run_after=run_after).enqueue, provider_reference=provider_reference)
        )

    def complete_challenge(self, *, provider_reference: str, approve: bool):
        """The buyer approved or failed the TEST 3-D Secure challenge on our TEST MODE page."""
        charge = self._charge(provider_reference)
        if charge is None or charge.status != ProviderStatus.REQUIRES_ACTION:
            return charge
        if approve:
            charge.status = ProviderStatus.AUTHORIZED if charge.manual_capture else ProviderStatus.CAPTURED
            charge.captured_amount = charge.amount if charge.status == ProviderStatus.CAPTURED else Decimal(0)
        else:
            charge.status = ProviderStatus.FAILED
        charge.save(update_fields=["status", "captured_amount"])
        return charge

    def settle_late(self, *, provider_reference: str, force: bool = False):
        """The late-webhook card's payment goes through once `late_seconds` have passed (or when forced)."""
        charge = self._charge(provider_reference)
        if charge is None or charge.status != ProviderStatus.PENDING:
            return charge
        if force or charge.created_at <= timezone.now() - timedelta(seconds=self.late_seconds):
            charge.status = ProviderStatus.AUTHORIZED if charge.manual_capture else ProviderStatus.CAPTURED
            charge.captured_amount = charge.amount if charge.status == ProviderStatus.CAPTURED else Decimal(0)
            charge.save(update_fields=["status", "captured_amount"])
        return charge

    def capture(self, *, reference: str, provider_reference: str, amount: Money, key: str) -> ProviderResult:
        charge = self._charge(provider_reference)
        if charge is None:
            return ProviderResult(False, provider_reference, error_code="no_such_payment", status="failed")
        if charge.status == ProviderStatus.AUTHORIZED:
            charge.status = ProviderStatus.CAPTURED
            charge.captured_amount = min(amount.amount, charge.amount)
            charge.save(update_fields=["status", "captured_amount"])
        if charge.status != ProviderStatus.CAPTURED:
            return ProviderResult(
                False,
                provider_reference,
                error_code="not_capturable",
                message=str(_("Only an authorised payment can be captured.")),
                status=ProviderStatus.FAILED,
            )
        return self._result(charge)

    def void(self, *, reference: str, provider_reference: str, key: str) -> ProviderResult:
        charge = self._charge(provider_reference)
        if charge is not None and charge.status in (
            ProviderStatus.AUTHORIZED,
            ProviderStatus.PENDING,
            ProviderStatus.REQUIRES_ACTION,
        ):
            charge.status = ProviderStatus.CANCELLED
            charge.save(update_fields=["status"])
        if charge is None or charge.status != ProviderStatus.CANCELLED:
            return ProviderResult(
                False,
                provider_reference,
                error_code="not_voidable",
                message=str(_("Only a payment not yet captured can be cancelled.")),
                status=ProviderStatus.FAILED,
            )
        return ProviderResult(True, provider_reference, status=ProviderStatus.CANCELLED)

    def refund(self, *, reference: str, provider_reference: str, amount: Money, key: str) -> ProviderResult:
        from django.db.models import F

        from comptoir.payments.models import TestCharge

        updated = TestCharge.objects.filter(
            provider_reference=provider_reference, refunded_amount__lte=F("captured_amount") - amount.amount
        ).update(refunded_amount=F("refunded_amount") + amount.amount)
        if provider_reference and not updated and self._charge(provider_reference) is not None:
            return ProviderResult(
                False,
                provider_reference,
                error_code="refund_exceeds_charge",
                message=str(_("The provider refuses to refund more than it captured.")),
                status=ProviderStatus.FAILED,
            )
        # Payments made before the TEST provider kept charges have none: it refunds them all the same.
        return ProviderResult(
            True, "test_refund_" + hashlib.sha256(key.encode()).hexdigest()[:16], status=ProviderStatus.REFUNDED
        )

    def fetch(self, *, reference: str, provider_reference: str) -> ProviderResult:
        charge = self.settle_late(provider_reference=provider_reference)
        if charge is None:
            return ProviderResult(False, provider_reference, error_code="no_such_payment", status="pending")
        # Like a real provider's payment object, the answer names the method saved with it (the first answer,
        # which carried it, may have been lost: the unreachable card).
        return self._result(charge, saved_method=charge.saved_method)

    # --- webhooks -------------------------------------------------------------------------------------

    def event_body(self, charge, *, event_id: str | None = None) -> bytes:
        payload = {
            "id": event_id or "evt_test_" + secrets.token_hex(10),
            "type": "payment." + charge.status,
            "created": int(time.time()),
            "data": {
                "reference": charge.reference,
                "provider_reference": charge.provider_reference,
                "status": charge.status,
                "amount": str(charge.refunded_amount if charge.status == "refunded" else charge.amount),
                "currency": charge.currency,
            },
        }
        return json.dumps(payload).encode()

    def signed_event(self, charge, *, event_id: str | None = None, timestamp: int | None = None):
        """(body, headers) of the webhook the TEST provider sends about `charge`."""
        body = self.event_body(charge, event_id=event_id)
        return body, {SIGNATURE_HEADER: sign(body, self.webhook_secret, timestamp)}

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> list[ProviderEvent]:
        header = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER.lower()), "")
        parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
        try:
            timestamp = int(parts.get("t", ""))
        except ValueError as exc:
            raise WebhookSignatureError("No timestamp in the signature header.") from exc
        expected = sign(body, self.webhook_secret, timestamp).split("v1=", 1)[1]
        if not hmac.compare_digest(expected, parts.get("v1", "")):
            raise WebhookSignatureError("The signature does not match.")
        if abs(time.time() - timestamp) > WEBHOOK_TOLERANCE:
            raise WebhookSignatureError("The signature's timestamp is too old (a replay?).")
        try:
            payload = json.loads(body)
            data = payload["data"]
            return [
                ProviderEvent(
                    event_id=str(payload["id"]),
                    status=str(data["status"]),
                    provider_reference=str(data.get("provider_reference", "")),
                    reference=str(data.get("reference", "")),
                    amount=Money(Decimal(str(data["amount"])), str(data["currency"])),
                    raw=payload,
                )
            ]
        except (ValueError, KeyError, TypeError, ArithmeticError) as exc:
            raise WebhookSignatureError("The signed body is not a TEST provider event.") from exc


register(TestGateway())
