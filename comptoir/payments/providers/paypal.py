"""PayPal, over its documented REST API: Orders v2, Payments v2 and webhook signature verification.

The buyer approves the payment on PayPal's page; card data and PayPal logins never reach our server.

    confirm  -> create an order (intent CAPTURE, or AUTHORIZE when the shop captures at fulfilment) and answer
                REQUIRES_ACTION with PayPal's approval link
    fetch    -> on the buyer's return (or from reconciliation): an APPROVED order is captured (or authorised)
                there and then, idempotently; otherwise where the order stands
    capture  -> capture an authorisation (partial captures allowed)
    void     -> void an authorisation
    refund   -> refund a capture (PayPal-Request-Id makes a retried refund a no-op)

`provider_reference` is always the PayPal order id; captures and authorisations are looked up from the order.

Config keys: `client_id`, `client_secret` (required), `webhook_id` (required to accept webhooks), `mode`
("test" = sandbox, "live"), `base_url` (API root; default from `mode`), `brand_name`, `timeout` (seconds),
`webhook_tolerance` (seconds a webhook's transmission time may be off, default 300), `webhook_verification`
("api", the default: PayPal's verify-webhook-signature call; or "offline": PayPal's signature checked here with
its certificate, see _paypal_signature), `methods`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comptoir.core.money import Money, sum_money
from comptoir.payments.gateways import (
    PaymentMethod,
    ProviderEvent,
    ProviderResult,
    ProviderStatus,
    WebhookSignatureError,
)
from comptoir.payments.providers import _http, _paypal_signature
from comptoir.payments.providers._http import AmountFormatError, Reply

LIVE_URL = "https://api-m.paypal.com"
SANDBOX_URL = "https://api-m.sandbox.paypal.com"
LABEL = "PayPal"
TOKEN_MARGIN = 60  # seconds: a token is renewed this long before PayPal says it expires

METHODS: dict[str, tuple[Any, Any]] = {
    "paypal": (gettext_lazy("PayPal"), gettext_lazy("Pay with your PayPal account, or a card through PayPal.")),
    "paylater": (
        gettext_lazy("PayPal Pay Later"),
        gettext_lazy("Pay later or in instalments with PayPal, where PayPal offers it to you."),
    ),
}

# PayPal's REST currency list; HUF, JPY and TWD take no decimals there ("decimal amounts cause an error").
# fmt: off
CURRENCY_DECIMALS: dict[str, int] = {
    "AUD": 2, "BRL": 2, "CAD": 2, "CHF": 2, "CNY": 2, "CZK": 2, "DKK": 2, "EUR": 2, "GBP": 2, "HKD": 2, "HUF": 0,
    "ILS": 2, "JPY": 0, "MXN": 2, "MYR": 2, "NOK": 2, "NZD": 2, "PHP": 2, "PLN": 2, "RUB": 2, "SEK": 2, "SGD": 2,
    "THB": 2, "TWD": 0, "USD": 2,
}
# fmt: on

WEBHOOK_HEADERS = {
    "auth_algo": "paypal-auth-algo",
    "cert_url": "paypal-cert-url",
    "transmission_id": "paypal-transmission-id",
    "transmission_sig": "paypal-transmission-sig",
    "transmission_time": "paypal-transmission-time",
}

# event type -> what it says happened
EVENT_STATUSES = {
    "CHECKOUT.ORDER.APPROVED": ProviderStatus.PENDING,  # approved, not paid yet: fetch() completes it
    "PAYMENT.AUTHORIZATION.CREATED": ProviderStatus.AUTHORIZED,
    "PAYMENT.AUTHORIZATION.VOIDED": ProviderStatus.CANCELLED,
    "PAYMENT.CAPTURE.COMPLETED": ProviderStatus.CAPTURED,
    "PAYMENT.CAPTURE.PENDING": ProviderStatus.PENDING,
    "PAYMENT.CAPTURE.DENIED": ProviderStatus.FAILED,
    "PAYMENT.CAPTURE.DECLINED": ProviderStatus.FAILED,
    "PAYMENT.CAPTURE.REFUNDED": ProviderStatus.REFUNDED,
}

DONE_CAPTURES = ("COMPLETED", "PARTIALLY_REFUNDED", "REFUNDED")
OPEN_AUTHORIZATIONS = ("CREATED", "PARTIALLY_CAPTURED")


class PayPalGateway:
    code = "paypal"
    label = LABEL

    def __init__(self, config: Mapping[str, str]) -> None:
        _http.require(config, "PayPal", "client_id", "client_secret")
        self.mode = (config.get("mode") or "live").strip()
        if self.mode not in ("test", "live"):
            raise ImproperlyConfigured(f"PayPal: mode must be 'test' or 'live', not {self.mode!r}.")
        self.client_id = config["client_id"].strip()
        self.client_secret = config["client_secret"].strip()
        self.webhook_id = (config.get("webhook_id") or "").strip()
        # The account's capture mode ("order"/"fulfilment"): create_payment reads it for a new payment.
        self.capture_mode = (config.get("capture") or "").strip()
        self.brand_name = (config.get("brand_name") or "").strip()[:127]
        try:
            self.webhook_tolerance = int(config.get("webhook_tolerance") or 300)
        except ValueError as exc:
            raise ImproperlyConfigured("PayPal: webhook_tolerance must be a whole number of seconds.") from exc
        self.webhook_verification = (config.get("webhook_verification") or "api").strip()
        if self.webhook_verification not in ("api", "offline"):
            raise ImproperlyConfigured("PayPal: webhook_verification must be 'api' or 'offline'.")
        enabled = [m.strip() for m in (config.get("methods") or "").split(",") if m.strip()]
        unknown = sorted(set(enabled) - set(METHODS))
        if unknown:
            raise ImproperlyConfigured(f"PayPal: unknown method(s) {', '.join(unknown)}; known: {', '.join(METHODS)}.")
        self.enabled_methods = enabled or list(METHODS)
        self.base_url = (config.get("base_url") or (SANDBOX_URL if self.mode == "test" else LIVE_URL)).rstrip("/")
        self.client = _http.new_client(
            base_url=self.base_url, timeout=_http.timeout_from(config), headers={"Accept": "application/json"}
        )
        fingerprint = hashlib.sha256(f"{self.base_url}|{self.client_id}|{self.client_secret}".encode()).hexdigest()
        self._token_key = f"payments:paypal:token:{fingerprint[:32]}"

    def methods(self) -> list[PaymentMethod]:
        return [
            PaymentMethod(
                code=f"paypal:{name}",
                label=str(METHODS[name][0]),
                description=str(METHODS[name][1]),
                is_test=self.mode == "test",
            )
            for name in self.enabled_methods
        ]

    # -- calls ----------------------------------------------------------------------------------------------------

    def confirm(self, *, reference: str, amount: Money, data: Mapping[str, str]) -> ProviderResult:
        """Create the PayPal order; the buyer approves it at `action_url` and comes back to `return_url`."""
        if data.get("off_session") == "1":
            return _http.refused_result(
                "off_session_unsupported", _("Charging a saved payment method is not available with PayPal here.")
            )
        return_url = (data.get("return_url") or "").strip()
        if not return_url:
            return _http.refused_result("missing_return_url", _("PayPal needs a return URL for the buyer."))
        try:
            value = self._amount(amount)
        except AmountFormatError as exc:
            return _http.refused_result(exc.code, exc.message)
        context: dict[str, str] = {
            "return_url": return_url,
            "cancel_url": (data.get("cancel_url") or return_url).strip(),
            "user_action": "PAY_NOW",
            "shipping_preference": "NO_SHIPPING",  # the shop already has the delivery address
        }
        if self.brand_name:
            context["brand_name"] = self.brand_name
        if data.get("locale") and len(data["locale"]) == 5:
            context["locale"] = data["locale"].replace("_", "-")
        body = {
            "intent": "AUTHORIZE" if data.get("capture") == "fulfilment" else "CAPTURE",
            "purchase_units": [
                {
                    "reference_id": reference[:256],
                    "custom_id": reference[:127],
                    "description": (data.get("description") or reference)[:127],
                    "amount": value,
                }
            ],
            "payment_source": {"paypal": {"experience_context": context}},
        }
        reply = self._call("POST", "/v2/checkout/orders", body, request_id=data.get("idempotency_key") or reference)
        if not reply.ok:
            return self._failed(reply)
        return self._order_result(reply.json())

    def fetch(self, *, reference: str, provider_reference: str) -> ProviderResult:
        """Where the order stands; an order the buyer has approved is captured (or authorised) here."""
        if not provider_reference:
            return ProviderResult(
                False,
                status=ProviderStatus.PENDING,
                error_code="no_provider_reference",
                message=_("PayPal never confirmed this order's creation; confirm it again to learn its state."),
            )
        order = self._get_order(provider_reference)
        if isinstance(order, ProviderResult):
            return order
        if order.get("status") == "APPROVED":
            return self._complete(order)
        return self._order_result(order)

    def capture(self, *, reference: str, provider_reference: str, amount: Money, key: str) -> ProviderResult:
        try:
            value = self._amount(amount)
        except AmountFormatError as exc:
            return _http.refused_result(exc.code, exc.message, provider_reference)
        order = self._get_order(provider_reference)
        if isinstance(order, ProviderResult):
            return order
        if order.get("status") == "APPROVED":
            if order.get("intent") == "CAPTURE":
                return self._complete(order)
            order = self._post_order(order, "authorize")
            if isinstance(order, ProviderResult):
                return order
        unit = _unit(order)
        authorization = next(
            (a for a in _payments(unit, "authorizations") if a.get("status") in OPEN_AUTHORIZATIONS), None
        )
        if authorization is None:
            if any(c.get("status") in DONE_CAPTURES for c in _payments(unit, "captures")):
                return self._order_result(order)  # already captured (intent CAPTURE): nothing left to capture
            return _http.refused_result(
                "nothing_to_capture", _("PayPal holds no authorisation to capture for this order."), order["id"]
            )
        authorised = _http.parse_amount(authorization.get("amount"), currency_key="currency_code")
        if authorised is not None and authorised.currency != amount.currency:
            return _http.refused_result(
                "currency_mismatch",
                _("PayPal authorised %(currency)s, not %(asked)s.")
                % {"currency": authorised.currency, "asked": amount.currency},
                order["id"],
            )
        captured = sum_money(
            [
                m
                for c in _payments(unit, "captures")
                if c.get("status") in (*DONE_CAPTURES, "PENDING")
                and (m := _http.parse_amount(c.get("amount"), currency_key="currency_code"))
            ],
            amount.currency,
        )
        final = authorised is None or amount >= authorised - captured
        reply = self._call(
            "POST",
            f"/v2/payments/authorizations/{authorization['id']}/capture",
            {"amount": value, "final_capture": final},
            request_id=key,
        )
        if not reply.ok:
            return self._failed(reply, order["id"])
        return self._capture_result(reply.json(), order["id"])

    def void(self, *, reference: str, provider_reference: str, key: str) -> ProviderResult:
        order = self._get_order(provider_reference)
        if isinstance(order, ProviderResult):
            return order
        unit = _unit(order)
        authorization = next(
            (a for a in _payments(unit, "authorizations") if a.get("status") in OPEN_AUTHORIZATIONS), None
        )
        if authorization is not None:
            reply = self._call("POST", f"/v2/payments/authorizations/{authorization['id']}/void", None, request_id=key)
            if not reply.ok:
                return self._failed(reply, order["id"])
            return ProviderResult(True, order["id"], status=ProviderStatus.CANCELLED)
        if any(c.get("status") in (*DONE_CAPTURES, "PENDING") for c in _payments(unit, "captures")):
            return _http.refused_result(
                "already_captured", _("This PayPal payment is captured: refund it instead."), order["id"]
            )
        # Never authorised or captured: PayPal holds no money and lets the order expire.
        return ProviderResult(True, order["id"], status=ProviderStatus.CANCELLED)

    def refund(self, *, reference: str, provider_reference: str, amount: Money, key: str) -> ProviderResult:
        """Refund from the order's capture; PayPal refuses (422) more than is left to refund on it."""
        try:
            value = self._amount(amount)
        except AmountFormatError as exc:
            return _http.refused_result(exc.code, exc.message, provider_reference)
        order = self._get_order(provider_reference)
        if isinstance(order, ProviderResult):
            return order
        capture_id = _capture_to_refund(_unit(order), amount)
        if not capture_id:
            return _http.refused_result(
                "nothing_captured",
                _("Nothing was captured on this PayPal order: there is nothing to refund."),
                order["id"],
            )
        reply = self._call(
            "POST",
            f"/v2/payments/captures/{capture_id}/refund",
            {"amount": value, "custom_id": reference[:127]},
            request_id=key,
        )
        if not reply.ok:
            return self._failed(reply, order["id"])
        refund = reply.json()
        if refund.get("status") in ("FAILED", "CANCELLED"):
            return _http.refused_result("refund_failed", _("PayPal could not refund the payment."), order["id"])
        return ProviderResult(
            succeeded=True,
            provider_reference=refund.get("id", ""),
            status=ProviderStatus.REFUNDED,
            amount=_http.parse_amount(refund.get("amount"), currency_key="currency_code") or amount,
            message=refund.get("status", ""),
        )

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> list[ProviderEvent]:
        """Verify the delivery (with PayPal's API, or offline with its certificate), refuse stale ones, map it.

        Raises WebhookSignatureError (answer 400) for a missing header, a transmission time outside the
        tolerance (a replay), or a signature that does not hold; ProviderUnreachableError (answer 503) when
        PayPal could not be asked. An event type we do not act on yields no event.
        """
        if not self.webhook_id:
            raise WebhookSignatureError("PayPal webhook_id is not configured: webhooks cannot be verified.")
        lowered = {key.lower(): value for key, value in headers.items()}
        values = {field: (lowered.get(header) or "").strip() for field, header in WEBHOOK_HEADERS.items()}
        missing = [WEBHOOK_HEADERS[field] for field, value in values.items() if not value]
        if missing:
            raise WebhookSignatureError(f"PayPal webhook without {', '.join(missing)}.")
        sent_at = parse_datetime(values["transmission_time"])
        if sent_at is None or sent_at.tzinfo is None:
            raise WebhookSignatureError("PayPal webhook transmission time is unreadable.")
        if abs(timezone.now() - sent_at) > timedelta(seconds=self.webhook_tolerance):
            raise WebhookSignatureError("PayPal webhook transmission time is outside the tolerance (replay?).")
        try:
            text = body.decode("utf-8")
            event = json.loads(text)
        except (UnicodeDecodeError, ValueError) as exc:
            raise WebhookSignatureError("PayPal webhook body is not JSON.") from exc
        if not isinstance(event, dict) or not event.get("id"):
            raise WebhookSignatureError("PayPal webhook body is not an event.")
        if self.webhook_verification == "offline":
            _paypal_signature.verify(client=self.client, body=body, headers=values, webhook_id=self.webhook_id)
        else:
            self._verify_with_api(text, values)
        status = EVENT_STATUSES.get(str(event.get("event_type")))
        if status is None:
            return []
        return [_event(event, status)]

    def _verify_with_api(self, body: str, values: Mapping[str, str]) -> None:
        # The event goes back byte for byte: re-serialising it could change it and fail the verification.
        fields = json.dumps({**values, "webhook_id": self.webhook_id})[:-1]
        payload = f'{fields}, "webhook_event": {body}}}'.encode()
        reply = self._call("POST", "/v1/notifications/verify-webhook-signature", payload)
        if reply.unreachable or reply.status == 401:
            raise _http.ProviderUnreachableError(
                f"PayPal could not verify the webhook ({reply.status or reply.error})."
            )
        if not reply.ok or reply.json().get("verification_status") != "SUCCESS":
            raise WebhookSignatureError("PayPal did not verify the webhook signature.")

    # -- orders ---------------------------------------------------------------------------------------------------

    def _get_order(self, order_id: str) -> dict[str, Any] | ProviderResult:
        if not order_id or not order_id.isalnum():
            return _http.refused_result(
                "invalid_provider_reference",
                _("%(reference)r is not a PayPal order id.") % {"reference": order_id},
                order_id,
            )
        reply = self._call("GET", f"/v2/checkout/orders/{order_id}")
        if not reply.ok:
            return self._failed(reply, order_id)
        return reply.json()

    def _post_order(self, order: Mapping[str, Any], action: str) -> dict[str, Any] | ProviderResult:
        """Capture or authorise an approved order; the order id makes the request id, so a retry is a no-op."""
        reply = self._call(
            "POST", f"/v2/checkout/orders/{order['id']}/{action}", {}, request_id=f"{order['id']}-{action}"
        )
        if reply.ok:
            return reply.json()
        issue = _issue(reply)
        if issue in ("ORDER_ALREADY_CAPTURED", "ORDER_ALREADY_AUTHORIZED"):
            return self._get_order(order["id"])
        if issue == "INSTRUMENT_DECLINED":
            # PayPal's documented recovery: send the buyer back to choose another way to pay.
            return ProviderResult(
                False,
                order["id"],
                status=ProviderStatus.REQUIRES_ACTION,
                action_url=_approval_link(reply.json()) or _approval_link(order),
                error_code="INSTRUMENT_DECLINED",
                message=_("PayPal declined this way to pay; please choose another one at PayPal."),
            )
        return self._failed(reply, order["id"])

    def _complete(self, order: Mapping[str, Any]) -> ProviderResult:
        done = self._post_order(order, "authorize" if order.get("intent") == "AUTHORIZE" else "capture")
        return done if isinstance(done, ProviderResult) else self._order_result(done)

    def _order_result(self, order: Mapping[str, Any]) -> ProviderResult:
        order_id = str(order.get("id", ""))
        status = order.get("status")
        unit = _unit(order)
        ordered = _http.parse_amount(unit.get("amount"), currency_key="currency_code")
        captures = _payments(unit, "captures")
        authorizations = _payments(unit, "authorizations")
        if captures:
            return self._capture_result(captures[-1], order_id, total=_sum(captures, DONE_CAPTURES))
        if authorizations:
            auth = authorizations[-1]
            auth_status = auth.get("status")
            amount = _http.parse_amount(auth.get("amount"), currency_key="currency_code")
            if auth_status in OPEN_AUTHORIZATIONS:
                return ProviderResult(True, order_id, status=ProviderStatus.AUTHORIZED, amount=amount)
            if auth_status == "PENDING":
                return ProviderResult(True, order_id, status=ProviderStatus.PENDING, amount=amount)
            if auth_status == "VOIDED":
                return ProviderResult(False, order_id, status=ProviderStatus.CANCELLED, error_code="VOIDED")
            return _http.refused_result("authorization_denied", _("PayPal denied the payment."), order_id)
        if status in ("CREATED", "PAYER_ACTION_REQUIRED"):
            return ProviderResult(
                True, order_id, status=ProviderStatus.REQUIRES_ACTION, action_url=_approval_link(order), amount=ordered
            )
        if status == "VOIDED":
            return ProviderResult(False, order_id, status=ProviderStatus.CANCELLED, error_code="VOIDED")
        # APPROVED (not completed yet) or SAVED: nothing decided.
        return ProviderResult(True, order_id, status=ProviderStatus.PENDING, amount=ordered)

    @staticmethod
    def _capture_result(capture: Mapping[str, Any], order_id: str, total: Money | None = None) -> ProviderResult:
        status = capture.get("status")
        amount = total or _http.parse_amount(capture.get("amount"), currency_key="currency_code")
        if status in DONE_CAPTURES:
            return ProviderResult(True, order_id, captured=True, status=ProviderStatus.CAPTURED, amount=amount)
        if status == "PENDING":
            reason = (capture.get("status_details") or {}).get("reason", "")
            return ProviderResult(True, order_id, status=ProviderStatus.PENDING, message=str(reason), amount=amount)
        reason = (capture.get("status_details") or {}).get("reason", "") or str(status).lower()
        return _http.refused_result(str(reason), _("PayPal declined the payment."), order_id)

    # -- HTTP -----------------------------------------------------------------------------------------------------

    def _token(self, *, renew: bool = False) -> str | Reply:
        """An OAuth2 client-credentials token, kept in the cache until shortly before it expires."""
        if not renew and (token := cache.get(self._token_key)):
            return token
        reply = _http.send(
            self.client,
            "paypal",
            "POST",
            "/v1/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=(self.client_id, self.client_secret),
        )
        token = reply.json().get("access_token") if reply.ok else None
        if not token:
            return reply if not reply.ok else Reply(502, error="no token")
        lifetime = int(reply.json().get("expires_in") or 0) - TOKEN_MARGIN
        if lifetime > 0:
            cache.set(self._token_key, token, timeout=lifetime)
        return token

    def _call(self, method: str, path: str, body: Any = None, *, request_id: str = "") -> Reply:
        for attempt in (0, 1):
            token = self._token(renew=attempt == 1)
            if isinstance(token, Reply):
                return token
            headers = {"Authorization": f"Bearer {token}", "Prefer": "return=representation"}
            if request_id:
                headers["PayPal-Request-Id"] = request_id[:108]
            kwargs: dict[str, Any] = {"headers": headers}
            if isinstance(body, bytes):
                kwargs["content"] = body
                headers["Content-Type"] = "application/json"
            elif body is not None:
                kwargs["json"] = body
            reply = _http.send(self.client, "paypal", method, path, **kwargs)
            if reply.status != 401:
                return reply
            cache.delete(self._token_key)  # revoked or expired early: one fresh token, one more try
        return reply

    @staticmethod
    def _amount(amount: Money) -> dict[str, str]:
        return {"currency_code": amount.currency, "value": _http.format_amount(amount, CURRENCY_DECIMALS, LABEL)}

    @staticmethod
    def _failed(reply: Reply, provider_reference: str = "") -> ProviderResult:
        if reply.unreachable:
            return _http.unreachable_result(LABEL, reply, provider_reference)
        error = reply.json()
        if "error" in error:  # OAuth: {"error": "invalid_client", "error_description": "..."}
            return _http.refused_result(
                str(error["error"]),
                _("PayPal refused the shop's credentials: %(detail)s") % {"detail": error.get("error_description", "")},
                provider_reference,
            )
        details = [d for d in error.get("details") or [] if isinstance(d, dict)]
        code = str((details[0].get("issue") if details else None) or error.get("name") or f"http_{reply.status}")
        message = str(
            (details[0].get("description") if details else None) or error.get("message") or _("PayPal refused it.")
        )
        return _http.refused_result(code, message, provider_reference)


def _unit(order: Mapping[str, Any]) -> dict[str, Any]:
    units = order.get("purchase_units") or [{}]
    return units[0] if isinstance(units[0], dict) else {}


def _payments(unit: Mapping[str, Any], kind: str) -> list[dict[str, Any]]:
    payments = unit.get("payments") if isinstance(unit.get("payments"), dict) else {}
    return [item for item in payments.get(kind) or [] if isinstance(item, dict)]


def _sum(items: list[dict[str, Any]], statuses: tuple[str, ...]) -> Money | None:
    amounts = [
        m
        for item in items
        if item.get("status") in statuses
        and (m := _http.parse_amount(item.get("amount"), currency_key="currency_code"))
    ]
    return sum_money(amounts, amounts[0].currency) if amounts else None


def _issue(reply: Reply) -> str:
    details = reply.json().get("details") or [{}]
    return str(details[0].get("issue", "")) if isinstance(details[0], dict) else ""


def _approval_link(order: Mapping[str, Any]) -> str:
    links = {link.get("rel"): link.get("href", "") for link in order.get("links") or [] if isinstance(link, dict)}
    # "payer-action" on an order created with a payment source, "approve" without; "redirect" on INSTRUMENT_DECLINED
    return links.get("payer-action") or links.get("approve") or links.get("redirect") or ""


def _capture_to_refund(unit: Mapping[str, Any], amount: Money) -> str:
    """The capture to refund from: the first with enough left on it, else the one with the most left (PayPal
    then refuses the excess itself). Refunds name their capture in their `up` link."""
    refunded: dict[str, Money] = {}
    for refund in _payments(unit, "refunds"):
        if refund.get("status") not in ("COMPLETED", "PENDING"):
            continue
        up = next((link.get("href", "") for link in refund.get("links") or [] if link.get("rel") == "up"), "")
        money = _http.parse_amount(refund.get("amount"), currency_key="currency_code")
        if up and money:
            capture_id = up.rstrip("/").rsplit("/", 1)[-1]
            refunded[capture_id] = refunded.get(capture_id, Money.zero(money.currency)) + money
    left: list[tuple[Money, str]] = []
    for capture in _payments(unit, "captures"):
        money = _http.parse_amount(capture.get("amount"), currency_key="currency_code")
        if capture.get("status") in ("COMPLETED", "PARTIALLY_REFUNDED") and money and money.currency == amount.currency:
            left.append((money - refunded.get(capture["id"], Money.zero(money.currency)), capture["id"]))
    enough = next((capture_id for remaining, capture_id in left if remaining >= amount), "")
    if enough or not left:
        return enough
    return max(left, key=lambda pair: pair[0].amount)[1]


def _event(event: Mapping[str, Any], status: str) -> ProviderEvent:
    resource = event.get("resource") if isinstance(event.get("resource"), dict) else {}
    if str(event.get("event_type", "")).startswith("CHECKOUT.ORDER."):
        unit = _unit(resource)
        provider_reference = str(resource.get("id", ""))
        reference = str(unit.get("custom_id", ""))
        amount = _http.parse_amount(unit.get("amount"), currency_key="currency_code")
    else:
        related = ((resource.get("supplementary_data") or {}).get("related_ids") or {}) if resource else {}
        # A refund names no order: its own id lets the ledger match the refund() call that made it.
        provider_reference = str(related.get("order_id") or resource.get("id", ""))
        reference = str(resource.get("custom_id", ""))
        amount = _http.parse_amount(resource.get("amount"), currency_key="currency_code")
    return ProviderEvent(
        event_id=str(event["id"]),
        status=status,
        provider_reference=provider_reference,
        reference=reference,
        amount=amount,
        occurred_at=parse_datetime(str(event.get("create_time") or "")),
        raw=dict(event),
    )
