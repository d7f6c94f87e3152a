"""Stripe, over the official SDK (`stripe`), with PaymentIntents and the Payment Element.

`confirm` creates a PaymentIntent with `automatic_payment_methods` (the methods enabled in the merchant's
Stripe dashboard: cards with 3-D Secure, Apple Pay, Google Pay, SEPA Direct Debit, iDEAL, Bancontact,
Klarna, ...) and answers REQUIRES_ACTION with its `client_secret`: the pay page mounts the Payment Element,
stripe.js confirms in the browser (card data never reaches us: SAQ-A) and Stripe sends the buyer to our return
address, where `fetch` reads the PaymentIntent. `capture_method=manual` when the shop captures at fulfilment.
An off-session charge (instalments) confirms at once on the saved PaymentMethod and customer.

Failures: a card error is FAILED with Stripe's message; no answer (timeout, connection error), a 5xx or a
429 is PENDING (the payment waits for the webhook or `reconcile_payments`). Every creating call carries an
idempotency key derived from our reference, so a retry after a timeout cannot charge twice.

Webhooks: `stripe.Webhook.construct_event` checks the `Stripe-Signature` header (HMAC-SHA256 of
"<t>.<body>" with the endpoint's signing secret, v1 scheme) and refuses timestamps older than 300 s.

Disputes: `charge.dispute.funds_withdrawn` is a chargeback of the dispute's `amount` on the payment its
`payment_intent` names, recorded once per dispute (event id `stripe:<dp_…>`, whichever delivery or event
brings it); `charge.dispute.funds_reinstated` (the merchant won, or the part of a partly refunded payment
that was not due) moves no money back on the ledger: staff are told. Other dispute events are acknowledged
and not recorded (staff follow disputes in Stripe's dashboard, where evidence is submitted).

Config: `api_key` (secret key), `publishable_key`, `webhook_secret`, `base_url` (API root, for tests),
`capture`, `timeout` (seconds, default 20).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal

import stripe
from django.utils.translation import gettext_lazy as _

from comptoir.core.money import Money, minor_unit_exponent
from comptoir.payments.gateways import (
    PaymentMethod,
    ProviderAdjustment,
    ProviderEvent,
    ProviderResult,
    ProviderStatus,
    WebhookSignatureError,
)

WEBHOOK_TOLERANCE = 300

STATUSES = {
    "succeeded": ProviderStatus.CAPTURED,
    "requires_capture": ProviderStatus.AUTHORIZED,
    "processing": ProviderStatus.PENDING,
    "requires_action": ProviderStatus.REQUIRES_ACTION,
    "requires_confirmation": ProviderStatus.REQUIRES_ACTION,
    "requires_payment_method": ProviderStatus.REQUIRES_ACTION,
    "canceled": ProviderStatus.CANCELLED,
}

EVENTS = {
    "payment_intent.succeeded": ProviderStatus.CAPTURED,
    "payment_intent.amount_capturable_updated": ProviderStatus.AUTHORIZED,
    "payment_intent.payment_failed": ProviderStatus.FAILED,
    "payment_intent.canceled": ProviderStatus.CANCELLED,
    "payment_intent.processing": ProviderStatus.PENDING,
    "charge.refunded": ProviderStatus.REFUNDED,
}

# A dispute's funds leaving the merchant's balance (a chargeback), or coming back to it: whether money moved.
DISPUTE_EVENTS = {"charge.dispute.funds_withdrawn": True, "charge.dispute.funds_reinstated": False}


def plain(obj) -> dict:
    """The SDK's StripeObject as a plain dict (nested objects too)."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj or {})


def to_minor(amount: Money) -> int:
    return amount.quantize().minor_units


def from_minor(value: int, currency: str) -> Money:
    return Money(Decimal(int(value)) * minor_unit_exponent(currency.upper()), currency.upper())


class StripeGateway:
    code = "stripe"
    REFUND_EVENTS_ARE_TOTALS = True  # a refund event carries the payment's refunded total

    def __init__(self, config: Mapping[str, str] | None = None) -> None:
        config = dict(config or {})
        self.api_key = config.get("api_key", "")
        self.publishable_key = config.get("publishable_key", "")
        self.webhook_secret = config.get("webhook_secret", "")
        self.capture_mode = config.get("capture", "")
        self.test_mode = config.get("mode", "test") != "live" or self.api_key.startswith("sk_test_")
        timeout = float(config.get("timeout") or 20)
        self.client = stripe.StripeClient(
            self.api_key or "sk_unconfigured",
            base_addresses={"api": config["base_url"]} if config.get("base_url") else None,
            http_client=stripe.RequestsClient(timeout=timeout),
            max_network_retries=0,  # reconciliation retries; a retry here would hold the buyer's request
        )

    def methods(self) -> list[PaymentMethod]:
        label = _("Card, Apple Pay, Google Pay, bank debit and more (Stripe)")
        return [
            PaymentMethod(
                code="stripe:card",
                label=str(label) + (" " + str(_("(TEST MODE)")) if self.test_mode else ""),
                description=str(_("Pay securely on Stripe's form; your card details never reach the shop.")),
                is_test=self.test_mode,
            )
        ]

    # --- calls ------------------------------------------------------------------------------------------

    def _unreachable(self, exc: Exception, provider_reference: str = "") -> ProviderResult:
        return ProviderResult(
            False,
            provider_reference,
            error_code="provider_unreachable",
            message=str(_("The payment provider did not answer in time; we check again shortly.")),
            status=ProviderStatus.PENDING,
        )

    def _guard(self, call, provider_reference: str = "") -> ProviderResult:
        try:
            return call()
        except stripe.CardError as exc:
            return ProviderResult(
                False,
                provider_reference,
                error_code=str(exc.code or "card_declined"),
                message=exc.user_message or str(_("The card was declined.")),
                status=ProviderStatus.FAILED,
            )
        except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
            return self._unreachable(exc, provider_reference)
        except stripe.StripeError as exc:
            if (exc.http_status or 500) >= 500:
                return self._unreachable(exc, provider_reference)
            return ProviderResult(
                False,
                provider_reference,
                error_code=str(exc.code or "provider_refused"),
                message=exc.user_message or str(_("The payment provider refused the payment.")),
                status=ProviderStatus.FAILED,
            )

    def _intent_result(self, intent) -> ProviderResult:
        intent = plain(intent)
        status = STATUSES.get(intent.get("status", ""), ProviderStatus.PENDING)
        currency = str(intent.get("currency", "")).upper()
        error = intent.get("last_payment_error") or {}
        if status == ProviderStatus.REQUIRES_ACTION and intent.get("status") == "requires_payment_method" and error:
            status = ProviderStatus.FAILED  # the buyer's attempt was declined; a new payment starts over
        amount = None
        if currency:
            minor = (
                {
                    ProviderStatus.CAPTURED: intent.get("amount_received"),
                    ProviderStatus.AUTHORIZED: intent.get("amount_capturable"),
                }.get(status)
                or intent.get("amount")
                or 0
            )
            amount = from_minor(minor, currency)
        next_action = intent.get("next_action") or {}
        redirect = (next_action.get("redirect_to_url") or {}).get("url", "") if next_action else ""
        saved = intent.get("payment_method") if intent.get("setup_future_usage") else ""
        return ProviderResult(
            succeeded=status in (ProviderStatus.AUTHORIZED, ProviderStatus.CAPTURED),
            provider_reference=str(intent.get("id", "")),
            captured=status == ProviderStatus.CAPTURED,
            error_code=str(error.get("code", "")) if status == ProviderStatus.FAILED else "",
            message=str(error.get("message", "")) if status == ProviderStatus.FAILED else "",
            status=status,
            action_url=redirect or "",
            client_secret=str(intent.get("client_secret") or "") if status == ProviderStatus.REQUIRES_ACTION else "",
            saved_method=str(saved or ""),
            amount=amount,
        )

    def confirm(self, *, reference: str, amount: Money, data: Mapping[str, str]) -> ProviderResult:
        params: dict = {
            "amount": to_minor(amount),
            "currency": amount.currency.lower(),
            "metadata": {"reference": reference},
            "description": f"Payment {reference}",
            "capture_method": "manual" if data.get("capture") == "fulfilment" else "automatic",
        }
        if data.get("saved_method"):
            params.update(
                payment_method=data["saved_method"],
                confirm=True,
                off_session=data.get("off_session") == "1",
            )
            if data.get("customer"):
                params["customer"] = data["customer"]
        else:
            params["automatic_payment_methods"] = {"enabled": True}
            if data.get("save_method") == "1":
                params["setup_future_usage"] = "off_session"
                if data.get("customer"):
                    params["customer"] = data["customer"]
        return self._guard(
            lambda: self._intent_result(
                self.client.v1.payment_intents.create(params=params, options={"idempotency_key": f"create:{reference}"})
            )
        )

    def fetch(self, *, reference: str, provider_reference: str) -> ProviderResult:
        if not provider_reference:
            # The creating call timed out: find the PaymentIntent by our reference (Search API).
            def search() -> ProviderResult:
                found = self.client.v1.payment_intents.search(
                    params={"query": f"metadata['reference']:'{reference}'", "limit": 1}
                )
                items = list(plain(found).get("data") or [])
                if not items:
                    return ProviderResult(False, status=ProviderStatus.PENDING, error_code="not_found_yet")
                return self._intent_result(items[0])

            return self._guard(search)
        return self._guard(
            lambda: self._intent_result(self.client.v1.payment_intents.retrieve(provider_reference)), provider_reference
        )

    def capture(self, *, reference: str, provider_reference: str, amount: Money, key: str) -> ProviderResult:
        return self._guard(
            lambda: self._intent_result(
                self.client.v1.payment_intents.capture(
                    provider_reference, params={"amount_to_capture": to_minor(amount)}, options={"idempotency_key": key}
                )
            ),
            provider_reference,
        )

    def void(self, *, reference: str, provider_reference: str, key: str) -> ProviderResult:
        return self._guard(
            lambda: self._intent_result(
                self.client.v1.payment_intents.cancel(provider_reference, options={"idempotency_key": key})
            ),
            provider_reference,
        )

    def refund(self, *, reference: str, provider_reference: str, amount: Money, key: str) -> ProviderResult:
        def call() -> ProviderResult:
            refund = plain(
                self.client.v1.refunds.create(
                    params={"payment_intent": provider_reference, "amount": to_minor(amount)},
                    options={"idempotency_key": key},
                )
            )
            status = refund.get("status", "")
            if status in ("succeeded", "pending", "requires_action"):
                # Stripe accepted the refund; a pending one completes (or fails, then a webhook says so).
                return ProviderResult(True, str(refund.get("id", "")), status=ProviderStatus.REFUNDED)
            return ProviderResult(
                False,
                str(refund.get("id", "")),
                error_code=str(refund.get("failure_reason") or "refund_failed"),
                message=str(_("Stripe refused the refund.")),
                status=ProviderStatus.FAILED,
            )

        result = self._guard(call, provider_reference)
        if result.status == ProviderStatus.PENDING:  # no answer: not refunded as far as we know
            return ProviderResult(False, error_code=result.error_code, message=result.message, status="failed")
        return result

    # --- webhooks ---------------------------------------------------------------------------------------

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> list[ProviderEvent]:
        header = next((v for k, v in headers.items() if k.lower() == "stripe-signature"), None)
        if not self.webhook_secret:
            raise WebhookSignatureError("No webhook signing secret is configured for Stripe.")
        try:
            stripe.Webhook.construct_event(body, header, self.webhook_secret, tolerance=WEBHOOK_TOLERANCE)
        except (stripe.SignatureVerificationError, ValueError) as exc:
            raise WebhookSignatureError(str(exc)) from exc
        payload = json.loads(body)
        if payload.get("type") in DISPUTE_EVENTS:
            return _dispute_event(payload)
        status = EVENTS.get(payload.get("type", ""))
        if status is None:
            return []  # an event type we do not act on: acknowledged, not recorded
        obj = (payload.get("data") or {}).get("object") or {}
        currency = str(obj.get("currency", "")).upper()
        if payload["type"] == "charge.refunded":
            provider_reference = str(obj.get("payment_intent") or "")
            minor = obj.get("amount_refunded", 0)  # the running total, as ProviderStatus.REFUNDED expects
        else:
            provider_reference = str(obj.get("id", ""))
            minor = {
                ProviderStatus.CAPTURED: obj.get("amount_received"),
                ProviderStatus.AUTHORIZED: obj.get("amount_capturable"),
            }.get(status) or obj.get("amount", 0)
        return [
            ProviderEvent(
                event_id=str(payload["id"]),
                status=status,
                provider_reference=provider_reference,
                reference=str((obj.get("metadata") or {}).get("reference", "")),
                amount=from_minor(minor, currency) if currency else None,
                raw=payload,
            )
        ]


def _dispute_event(payload: dict) -> list[ProviderEvent]:
    """A dispute's funds withdrawn (a chargeback) or reinstated, as one adjustment of the payment its
    `payment_intent` names. Both carry the dispute's id as their event id (`stripe:dp_…`): the withdrawal is
    recorded once however often, and by whichever event, it arrives; the reinstatement is told once."""
    dispute = (payload.get("data") or {}).get("object") or {}
    dispute_id, currency = str(dispute.get("id") or ""), str(dispute.get("currency") or "").upper()
    intent = dispute.get("payment_intent") or ""
    intent = str(intent.get("id", "") if isinstance(intent, Mapping) else intent)  # expanded or not
    if not dispute_id.startswith("dp_") or not currency or not intent:
        return []  # not a dispute of a PaymentIntent (a legacy charge): nothing of ours to record
    withdrawn = DISPUTE_EVENTS[payload["type"]]
    minor = dispute.get("amount") or 0
    if not withdrawn:  # what came back: the dispute's reinstating balance transaction, when in its currency
        back = [
            t.get("amount") or 0
            for t in dispute.get("balance_transactions") or []
            if isinstance(t, Mapping) and str(t.get("currency", "")).upper() == currency and (t.get("amount") or 0) > 0
        ]
        minor = back[0] if back else minor
    amount = from_minor(minor, currency)
    return [
        ProviderEvent(
            event_id=str(payload.get("id", "")),
            status=ProviderStatus.CHARGED_BACK,  # the adjustment says whether money moved
            provider_reference=intent,
            amount=amount,
            raw=payload,
            adjustment=ProviderAdjustment(
                event_id=f"stripe:{dispute_id}",
                kind="chargeback",
                provider_reference=dispute_id,
                amount=amount,
                status="funds_withdrawn" if withdrawn else "funds_reinstated",
                moved=withdrawn,
                reason=str(dispute.get("reason") or ""),
            ),
        )
    ]
