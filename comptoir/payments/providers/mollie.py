"""Mollie, over its documented v2 REST API (Payments, Captures, Refunds, Chargebacks).

The buyer pays on Mollie's hosted page (cards, Apple Pay, iDEAL, Bancontact, bank transfer, Klarna): card data
never reaches our server. `confirm` creates the payment and answers REQUIRES_ACTION with the checkout URL;
Mollie then calls our webhook with only `id=tr_...`, unsigned, so `parse_webhook` asks the API where that
payment stands: the API's answer is the verification.

Mollie calls the same webhook when a refund or a chargeback happens on a paid payment (the payment then shows
`amountRefunded` / `amountChargedBack`); the events and fetch results carry those totals, and
`list_adjustments` lists the payment's refunds and chargebacks one by one, for the services to record each
one not in the ledger yet.

Config keys: `api_key` (required, `test_...` or `live_...`, matching `mode`), `mode` ("test" or "live",
default "live"), `webhook_url`, `base_url` (API root, default Mollie's), `timeout` (seconds), `methods`
(comma-separated subset of METHODS to offer).

Why no SDK: the classic `mollie-api-python` is superseded by a generated SDK that changes weekly and pins its
own pydantic; the handful of documented endpoints used here are simpler to keep right by hand, and we need
exact control over timeouts and over which errors mean "not decided yet".
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comptoir.core.money import Money
from comptoir.payments.gateways import (
    PaymentMethod,
    ProviderAdjustment,
    ProviderEvent,
    ProviderResult,
    ProviderStatus,
    WebhookSignatureError,
)
from comptoir.payments.providers import _http
from comptoir.payments.providers._http import AmountFormatError, Reply

LIVE_URL = "https://api.mollie.com"
LABEL = "Mollie"

METHODS: dict[str, tuple[Any, Any]] = {
    "creditcard": (gettext_lazy("Card"), gettext_lazy("Visa, Mastercard, American Express, paid on Mollie's page.")),
    "applepay": (gettext_lazy("Apple Pay"), gettext_lazy("Pay with Apple Pay on Mollie's page.")),
    "ideal": (gettext_lazy("iDEAL"), gettext_lazy("Pay from your Dutch bank account.")),
    "bancontact": (gettext_lazy("Bancontact"), gettext_lazy("Pay with your Bancontact card or app.")),
    "banktransfer": (
        gettext_lazy("Bank transfer (Mollie)"),
        gettext_lazy("Mollie gives you the account and reference to pay to; the order is paid when it arrives."),
    ),
    "klarna": (gettext_lazy("Klarna: pay later"), gettext_lazy("Pay later or in instalments with Klarna.")),
}
# Authorise now, capture later ("place a hold"): documented for cards and Klarna on the Payments API.
MANUAL_CAPTURE_METHODS = frozenset({"creditcard", "klarna"})

# Mollie's multicurrency table (decimal places as Mollie takes them: HUF keeps its fillér here).
# fmt: off
CURRENCY_DECIMALS: dict[str, int] = {
    "AED": 2, "AUD": 2, "BGN": 2, "BRL": 2, "CAD": 2, "CHF": 2, "CZK": 2, "DKK": 2, "EUR": 2, "GBP": 2, "HKD": 2,
    "HUF": 2, "ILS": 2, "ISK": 0, "JPY": 0, "MXN": 2, "MYR": 2, "NOK": 2, "NZD": 2, "PHP": 2, "PLN": 2, "RON": 2,
    "SEK": 2, "SGD": 2, "THB": 2, "TWD": 2, "USD": 2, "ZAR": 2,
}
# fmt: on

# The locales Mollie's hosted pages take (Create payment, `locale`).
# fmt: off
LOCALES = frozenset({
    "en_US", "en_GB", "nl_NL", "nl_BE", "de_DE", "de_AT", "de_CH", "fr_FR", "fr_BE", "es_ES", "ca_ES", "pt_PT",
    "it_IT", "nb_NO", "sv_SE", "fi_FI", "da_DK", "is_IS", "hu_HU", "pl_PL", "lv_LV", "lt_LT",
})
# fmt: on

PAYMENT_ID = re.compile(r"^tr_[A-Za-z0-9]+$")
LIST_LIMIT = 250  # the most a Mollie list (payments, refunds, chargebacks) answers in one page
MAX_PAGES = 20  # of refunds or chargebacks of one payment: far more than any payment has
# Refund statuses (Get payment refund): queued, pending and processing are on their way to the buyer, refunded
# has arrived; failed and canceled moved no money.
REFUND_NOT_MOVED = frozenset({"failed", "canceled"})


class MollieGateway:
    code = "mollie"
    label = LABEL

    def __init__(self, config: Mapping[str, str]) -> None:
        _http.require(config, "Mollie", "api_key")
        self.mode = (config.get("mode") or "live").strip()
        if self.mode not in ("test", "live"):
            raise ImproperlyConfigured(f"Mollie: mode must be 'test' or 'live', not {self.mode!r}.")
        self.api_key = config["api_key"].strip()
        if not self.api_key.startswith(f"{self.mode}_"):
            raise ImproperlyConfigured(
                f"Mollie: a {self.mode} shop needs a {self.mode}_... API key (the key given is for the other mode)."
            )
        self.webhook_url = (config.get("webhook_url") or "").strip()
        # The account's capture mode ("order"/"fulfilment"): create_payment reads it for a new payment.
        self.capture_mode = (config.get("capture") or "").strip()
        enabled = [m.strip() for m in (config.get("methods") or "").split(",") if m.strip()]
        unknown = sorted(set(enabled) - set(METHODS))
        if unknown:
            raise ImproperlyConfigured(f"Mollie: unknown method(s) {', '.join(unknown)}; known: {', '.join(METHODS)}.")
        self.enabled_methods = enabled or list(METHODS)
        self.client = _http.new_client(
            base_url=(config.get("base_url") or LIVE_URL),
            timeout=_http.timeout_from(config),
            headers={"Authorization": f"Bearer {self.api_key}", "Accept": "application/hal+json"},
        )

    # -- what the buyer can choose ------------------------------------------------------------------------------

    def methods(self) -> list[PaymentMethod]:
        return [
            PaymentMethod(
                code=f"mollie:{name}",
                label=str(METHODS[name][0]),
                description=str(METHODS[name][1]),
                is_test=self.mode == "test",
            )
            for name in self.enabled_methods
        ]

    # -- calls ----------------------------------------------------------------------------------------------------

    def confirm(self, *, reference: str, amount: Money, data: Mapping[str, str]) -> ProviderResult:
        """Create the Mollie payment; the buyer is sent to `action_url` (Mollie's checkout)."""
        method = (data.get("method") or "").removeprefix("mollie:")
        if method and method not in self.enabled_methods:
            return _http.refused_result("unknown_method", _("Mollie does not offer %(method)s.") % {"method": method})
        if data.get("off_session") == "1":
            return _http.refused_result(
                "off_session_unsupported", _("Charging a saved payment method is not available with Mollie here.")
            )
        return_url = (data.get("return_url") or "").strip()
        if not return_url:
            return _http.refused_result("missing_return_url", _("Mollie needs a return URL for the buyer."))
        try:
            value = self._amount(amount)
        except AmountFormatError as exc:
            return _http.refused_result(exc.code, exc.message)
        body: dict[str, Any] = {
            "amount": value,
            "description": (data.get("description") or reference)[:255],
            "redirectUrl": return_url,
            "metadata": {"reference": reference},
        }
        if data.get("cancel_url"):
            body["cancelUrl"] = data["cancel_url"]
        if self.webhook_url:
            body["webhookUrl"] = self.webhook_url
        if data.get("locale") in LOCALES:  # Mollie refuses a locale outside its list: better none than a failure
            body["locale"] = data["locale"]
        if method:
            body["method"] = method
        if method == "banktransfer" and data.get("email"):
            body["billingEmail"] = data["email"]  # Mollie emails the transfer instructions to the buyer
        if method in MANUAL_CAPTURE_METHODS and data.get("capture") == "fulfilment":
            body["captureMode"] = "manual"
        if method == "klarna":
            try:
                body.update(self._klarna_details(reference=reference, amount=amount, value=value, data=data))
            except ValueError as exc:
                return _http.refused_result("invalid_klarna_details", str(exc))
        reply = self._send(
            "POST", "/v2/payments", json=body, headers={"Idempotency-Key": data.get("idempotency_key") or reference}
        )
        if not reply.ok:
            return self._failed(reply)
        return self._payment_result(reply.json(), created=True)

    def capture(self, *, reference: str, provider_reference: str, amount: Money, key: str) -> ProviderResult:
        """Capture an authorised payment (cards with captureMode manual, Klarna); partial captures allowed."""
        if refused := self._check_reference(provider_reference):
            return refused
        try:
            value = self._amount(amount)
        except AmountFormatError as exc:
            return _http.refused_result(exc.code, exc.message, provider_reference)
        reply = self._send(
            "POST",
            f"/v2/payments/{provider_reference}/captures",
            json={"amount": value, "description": reference[:255], "metadata": {"reference": reference}},
            headers={"Idempotency-Key": key},
        )
        if not reply.ok:
            return self._failed(reply, provider_reference)
        capture = reply.json()
        status = capture.get("status", "succeeded")
        captured = _http.parse_amount(capture.get("amount")) or amount
        if status == "failed":
            return _http.refused_result(
                "capture_failed", _("Mollie could not capture the payment."), provider_reference
            )
        return ProviderResult(
            succeeded=True,
            provider_reference=provider_reference,
            captured=status == "succeeded",
            status=ProviderStatus.CAPTURED if status == "succeeded" else ProviderStatus.PENDING,
            amount=captured,
        )

    def void(self, *, reference: str, provider_reference: str, key: str) -> ProviderResult:
        """Release an authorisation (nothing captured yet), or cancel a payment the buyer has not completed."""
        if refused := self._check_reference(provider_reference):
            return refused
        payment_id = provider_reference
        current = self._send("GET", f"/v2/payments/{payment_id}")
        if not current.ok:
            return self._failed(current, provider_reference)
        status = current.json().get("status")
        if status == "authorized":
            reply = self._send(
                "POST", f"/v2/payments/{payment_id}/release-authorization", json={}, headers={"Idempotency-Key": key}
            )
            if not reply.ok:
                return self._failed(reply, provider_reference)
            # Accepted (202): Mollie releases the hold and reports `canceled` (or `paid` if partly captured).
            return ProviderResult(True, provider_reference, status=ProviderStatus.CANCELLED)
        if status in ("canceled", "expired"):
            return ProviderResult(True, provider_reference, status=ProviderStatus.CANCELLED)
        if not current.json().get("isCancelable"):
            return _http.refused_result(
                "not_cancelable",
                _("Mollie cannot cancel this payment (status %(status)s).") % {"status": status},
                provider_reference,
            )
        reply = self._send("DELETE", f"/v2/payments/{payment_id}", headers={"Idempotency-Key": key})
        if not reply.ok:
            return self._failed(reply, provider_reference)
        return self._payment_result(reply.json())

    def refund(self, *, reference: str, provider_reference: str, amount: Money, key: str) -> ProviderResult:
        """Refund part or all of a paid payment. Mollie refuses (422) more than is left to refund."""
        if refused := self._check_reference(provider_reference):
            return refused
        try:
            value = self._amount(amount)
        except AmountFormatError as exc:
            return _http.refused_result(exc.code, exc.message, provider_reference)
        reply = self._send(
            "POST",
            f"/v2/payments/{provider_reference}/refunds",
            json={"amount": value, "description": reference[:255], "metadata": {"reference": reference}},
            headers={"Idempotency-Key": key},
        )
        if not reply.ok:
            return self._failed(reply, provider_reference)
        refund = reply.json()
        if refund.get("status") in ("failed", "canceled"):
            return _http.refused_result("refund_failed", _("Mollie could not refund the payment."), provider_reference)
        # queued / pending / processing / refunded: Mollie has taken the refund on; it pays it out from the balance.
        return ProviderResult(
            succeeded=True,
            provider_reference=refund.get("id", ""),
            status=ProviderStatus.REFUNDED,
            amount=_http.parse_amount(refund.get("amount")) or amount,
            message=refund.get("status", ""),
        )

    def fetch(self, *, reference: str, provider_reference: str) -> ProviderResult:
        if not provider_reference:
            return self._find_created(reference)
        if refused := self._check_reference(provider_reference):
            return refused
        reply = self._send("GET", f"/v2/payments/{provider_reference}")
        if not reply.ok:
            return self._failed(reply, provider_reference)
        payment = reply.json()
        return dataclasses.replace(self._payment_result(payment), **_totals(payment))

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> list[ProviderEvent]:
        """Mollie posts `id=tr_...` and nothing else: fetch that payment to learn (and trust) its state.

        An id Mollie does not know (404) yields no event: the endpoint answers 200 without telling a prober
        anything. Raises WebhookSignatureError for a body that is not a Mollie payment id, and
        ProviderUnreachableError when Mollie could not be asked (the endpoint answers 503; Mollie retries).
        """
        try:
            ids = parse_qs(body.decode("ascii"), strict_parsing=True).get("id", [])
        except (UnicodeDecodeError, ValueError) as exc:
            raise WebhookSignatureError("Mollie webhook body is not a form with an id.") from exc
        if len(ids) != 1 or not PAYMENT_ID.match(ids[0]):
            raise WebhookSignatureError("Mollie webhook does not name a payment (id=tr_...).")
        reply = self._send("GET", f"/v2/payments/{ids[0]}")
        if reply.status == 404:
            return []
        if not reply.ok:
            raise _http.ProviderUnreachableError(f"Mollie answered {reply.status or reply.error} for {ids[0]}.")
        payment = reply.json()
        result = self._payment_result(payment)
        status = payment.get("status", "")
        metadata = payment.get("metadata") if isinstance(payment.get("metadata"), dict) else {}
        occurred = next(
            (
                parse_datetime(payment[key])
                for key in ("paidAt", "authorizedAt", "failedAt", "canceledAt", "expiredAt", "createdAt")
                if isinstance(payment.get(key), str) and parse_datetime(payment[key])
            ),
            None,
        )
        return [
            ProviderEvent(
                event_id=f"mollie:{payment.get('id', ids[0])}:{status}",
                status=result.outcome,
                provider_reference=payment.get("id", ids[0]),
                reference=str(metadata.get("reference", "")),
                amount=result.amount,
                occurred_at=occurred,
                raw=payment,
                **_totals(payment),
            )
        ]

    def list_adjustments(self, *, provider_reference: str) -> list[ProviderAdjustment]:
        """The payment's refunds (List payment refunds) and chargebacks (List payment chargebacks), oldest
        first, every page of each. Raises ProviderUnreachableError unless Mollie answered both lists in full:
        half a list must not be taken for the whole."""
        if not PAYMENT_ID.match(provider_reference or ""):
            raise _http.ProviderUnreachableError(f"{provider_reference!r} is not a Mollie payment id.")
        refunds = self._list(f"/v2/payments/{provider_reference}/refunds", "refunds")
        chargebacks = self._list(f"/v2/payments/{provider_reference}/chargebacks", "chargebacks")
        found = [_refund(item) for item in refunds] + [_chargeback(item) for item in chargebacks]
        adjustments = [adjustment for adjustment in found if adjustment is not None]
        return sorted(adjustments, key=lambda a: (a.occurred_at is None, a.occurred_at, a.provider_reference))

    def _find_created(self, reference: str) -> ProviderResult:
        """The payment Mollie may have created though its answer never reached us (a timeout on create): the
        latest payments (List payments, newest first) are searched for our reference in their metadata.
        Not found: still pending (Mollie did not create it, or it is older than the page searched)."""
        reply = self._send("GET", "/v2/payments", params={"limit": LIST_LIMIT})
        if not reply.ok:
            return self._failed(reply)
        embedded = reply.json().get("_embedded")
        payments = embedded.get("payments") if isinstance(embedded, dict) else None
        for payment in payments if isinstance(payments, list) else []:
            metadata = payment.get("metadata") if isinstance(payment, dict) else None
            if isinstance(metadata, dict) and metadata.get("reference") == reference:
                return self._payment_result(payment)
        return ProviderResult(
            False,
            status=ProviderStatus.PENDING,
            error_code="no_provider_reference",
            message=_("Mollie has no payment for this reference among its latest ones; it stays pending."),
        )

    # -- helpers --------------------------------------------------------------------------------------------------

    def _list(self, path: str, name: str) -> list[dict[str, Any]]:
        """Every item of a paginated Mollie list (`_embedded.<name>`), following `_links.next` by its `from`."""
        items: list[dict[str, Any]] = []
        params: dict[str, Any] = {"limit": LIST_LIMIT}
        for _page in range(MAX_PAGES):
            reply = self._send("GET", path, params=params)
            if not reply.ok:
                raise _http.ProviderUnreachableError(f"Mollie answered {reply.status or reply.error} for {path}.")
            body = reply.json() if isinstance(reply.json(), dict) else {}
            embedded = body.get("_embedded") if isinstance(body.get("_embedded"), dict) else {}
            page = embedded.get(name)
            items.extend(item for item in (page if isinstance(page, list) else []) if isinstance(item, dict))
            links = body.get("_links") if isinstance(body.get("_links"), dict) else {}
            following = links.get("next") if isinstance(links.get("next"), dict) else None
            start = parse_qs(urlsplit(str(following.get("href", ""))).query).get("from") if following else None
            if not start:
                return items
            params = {"limit": LIST_LIMIT, "from": start[0]}
        raise _http.ProviderUnreachableError(f"Mollie listed more than {MAX_PAGES} pages for {path}.")

    def _send(self, method: str, path: str, **kwargs: Any) -> Reply:
        return _http.send(self.client, "mollie", method, path, **kwargs)

    @staticmethod
    def _check_reference(provider_reference: str) -> ProviderResult | None:
        if PAYMENT_ID.match(provider_reference or ""):
            return None
        return _http.refused_result(
            "invalid_provider_reference",
            _("%(reference)r is not a Mollie payment id.") % {"reference": provider_reference},
            provider_reference,
        )

    @staticmethod
    def _amount(amount: Money) -> dict[str, str]:
        return {"currency": amount.currency, "value": _http.format_amount(amount, CURRENCY_DECIMALS, LABEL)}

    @staticmethod
    def _failed(reply: Reply, provider_reference: str = "") -> ProviderResult:
        if reply.unreachable:
            return _http.unreachable_result(LABEL, reply, provider_reference)
        error = reply.json()
        # Mollie errors are problem-JSON: {"status": 422, "title": ..., "detail": ..., "field": ...}
        message = str(error.get("detail") or error.get("title") or _("Mollie refused the request."))
        code = str(error.get("field") or error.get("title") or f"http_{reply.status}").lower().replace(" ", "_")
        return _http.refused_result(code, message, provider_reference)

    @staticmethod
    def _payment_result(payment: Mapping[str, Any], *, created: bool = False) -> ProviderResult:
        status = payment.get("status", "")
        reference = str(payment.get("id", ""))
        amount = _http.parse_amount(payment.get("amount"))
        links = payment.get("_links") if isinstance(payment.get("_links"), dict) else {}
        checkout = (links.get("checkout") or {}).get("href", "") if isinstance(links.get("checkout"), dict) else ""
        if status == "open" and payment.get("method") == "banktransfer" and not created:
            # The buyer has had the transfer instructions; now the money has to arrive (days). Sending them back
            # to Mollie's page again would be a loop: the link stays available to show the instructions again.
            return ProviderResult(True, reference, status=ProviderStatus.PENDING, action_url=checkout, amount=amount)
        if status == "open":
            outcome = ProviderStatus.REQUIRES_ACTION if checkout else ProviderStatus.PENDING
            return ProviderResult(True, reference, status=outcome, action_url=checkout, amount=amount)
        if status == "pending":
            return ProviderResult(True, reference, status=ProviderStatus.PENDING, action_url=checkout, amount=amount)
        if status == "authorized":
            return ProviderResult(True, reference, status=ProviderStatus.AUTHORIZED, amount=amount)
        if status == "paid":
            captured = _http.parse_amount(payment.get("amountCaptured"))
            return ProviderResult(
                True, reference, captured=True, status=ProviderStatus.CAPTURED, amount=captured or amount
            )
        if status in ("canceled", "expired"):
            return ProviderResult(
                False,
                reference,
                status=ProviderStatus.CANCELLED,
                error_code=status,
                message=_("The payment was cancelled at Mollie.")
                if status == "canceled"
                else _("The payment expired at Mollie before it was completed."),
            )
        if status == "failed":
            details = payment.get("details") if isinstance(payment.get("details"), dict) else {}
            reason = str(details.get("failureReason") or "failed")
            message = str(details.get("failureMessage") or _("The payment failed at Mollie."))
            return _http.refused_result(reason, message, reference)
        return ProviderResult(
            False, reference, status=ProviderStatus.PENDING, error_code="unknown_status", message=str(status)
        )

    @staticmethod
    def _klarna_details(*, reference: str, amount: Money, value: dict[str, str], data: Mapping[str, str]) -> dict:
        """Klarna needs order lines that add up to the amount, and the buyer's email or postal address.

        `data["lines"]` may carry the order's lines as JSON, in Mollie's line shape; without it one line covers
        the whole amount. Billing details come from `data["email"]` and `data["billing_*"]`.
        """
        lines: list[dict[str, Any]]
        if data.get("lines"):
            try:
                lines = json.loads(data["lines"])
                total = sum((Decimal(line["totalAmount"]["value"]) for line in lines), Decimal(0))
            except (ValueError, KeyError, TypeError, ArithmeticError) as exc:
                raise ValueError(_("The order lines given for Klarna are not readable.")) from exc
            if total != amount.amount:
                raise ValueError(_("The order lines do not add up to the amount to pay."))
        else:
            description = (data.get("description") or reference)[:255]
            lines = [{"description": description, "quantity": 1, "unitPrice": value, "totalAmount": value}]
        billing = {
            "givenName": data.get("billing_given_name", ""),
            "familyName": data.get("billing_family_name", ""),
            "email": data.get("email", ""),
            "streetAndNumber": data.get("billing_street", ""),
            "postalCode": data.get("billing_postal_code", ""),
            "city": data.get("billing_city", ""),
            "country": data.get("billing_country", ""),
        }
        billing = {key: val for key, val in billing.items() if val}
        postal = all(billing.get(key) for key in ("streetAndNumber", "postalCode", "city", "country"))
        if not billing.get("email") and not postal:
            raise ValueError(_("Klarna needs the buyer's email address or billing address."))
        return {"lines": lines, "billingAddress": billing}


def _totals(payment: Mapping[str, Any]) -> dict[str, Money | None]:
    """The payment's refunded and charged-back totals as Mollie shows them (absent: nothing yet)."""
    return {
        "refunded_total": _http.parse_amount(payment.get("amountRefunded")),
        "charged_back_total": _http.parse_amount(payment.get("amountChargedBack")),
    }


def _when(item: Mapping[str, Any], key: str):
    value = item.get(key)
    return parse_datetime(value) if isinstance(value, str) else None


def _refund(item: Mapping[str, Any]) -> ProviderAdjustment | None:
    amount = _http.parse_amount(item.get("amount"))
    refund_id = str(item.get("id") or "")
    if amount is None or not refund_id.startswith("re_"):
        return None
    status = str(item.get("status") or "")
    return ProviderAdjustment(
        event_id=f"mollie:{refund_id}",
        kind="refund",
        provider_reference=refund_id,
        amount=amount,
        status=status,
        moved=status not in REFUND_NOT_MOVED,
        occurred_at=_when(item, "createdAt"),
        reason=str(item.get("description") or "")[:200],
    )


def _chargeback(item: Mapping[str, Any]) -> ProviderAdjustment | None:
    """A chargeback has no status at Mollie: it stands unless `reversedAt` says the bank gave the money back."""
    amount = _http.parse_amount(item.get("amount"))
    chargeback_id = str(item.get("id") or "")
    if amount is None or not chargeback_id.startswith("chb_"):
        return None
    reversed_at = _when(item, "reversedAt")
    reason = item.get("reason") if isinstance(item.get("reason"), dict) else {}
    return ProviderAdjustment(
        event_id=f"mollie:{chargeback_id}",
        kind="chargeback",
        provider_reference=chargeback_id,
        amount=amount,
        status="reversed" if reversed_at else "charged_back",
        moved=reversed_at is None,
        occurred_at=_when(item, "createdAt"),
        reason=" ".join(str(reason.get(key) or "") for key in ("code", "description")).strip()[:200],
    )
