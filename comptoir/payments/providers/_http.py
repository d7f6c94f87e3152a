"""What the Mollie and PayPal adapters share: one HTTP call that never raises, and amounts in a provider's format.

A provider that cannot be reached (timeout, connection refused, a 5xx, a 429) has not said no: the payment is
left PENDING and reconciliation asks again later. Only a 4xx is the provider refusing, with its own message.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from comptoir.core.money import InvalidMoneyError, Money
from comptoir.payments.gateways import ProviderResult, ProviderStatus

logger = logging.getLogger("comptoir.payments.providers")

DEFAULT_TIMEOUT = 10.0


class ProviderUnreachableError(Exception):
    """Raised by `parse_webhook` when the provider could not be asked to confirm an event (timeout, 5xx):
    the webhook endpoint should answer 503 so that the provider delivers it again later."""


@dataclass(frozen=True, slots=True)
class Reply:
    """A provider's answer: `status` 0 means it never answered (timeout, connection error)."""

    status: int
    body: Any = None
    error: str = ""
    content: bytes = b""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def unreachable(self) -> bool:
        """No decision was taken: retry later. 429 (rate limited) and 5xx count as not reached."""
        return self.status == 0 or self.status == 429 or self.status >= 500

    def json(self) -> dict[str, Any]:
        return self.body if isinstance(self.body, dict) else {}


def require(config: Mapping[str, str], provider: str, *keys: str) -> None:
    missing = [key for key in keys if not str(config.get(key) or "").strip()]
    if missing:
        raise ImproperlyConfigured(f"{provider}: missing setting(s) {', '.join(missing)}.")


def timeout_from(config: Mapping[str, str]) -> float:
    raw = config.get("timeout") or DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"timeout must be a number of seconds, not {raw!r}.") from exc
    if value <= 0:
        raise ImproperlyConfigured("timeout must be a positive number of seconds.")
    return value


def new_client(*, base_url: str, timeout: float, headers: Mapping[str, str]) -> httpx.Client:
    # httpx.Client is thread-safe and pools connections; one per gateway instance.
    return httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout, headers=dict(headers), follow_redirects=False)


def send(client: httpx.Client, provider: str, method: str, path: str, **kwargs: Any) -> Reply:
    """One HTTP call that never raises: a timeout or transport error is `Reply(status=0)`."""
    try:
        response = client.request(method, path, **kwargs)
    except httpx.TimeoutException as exc:
        logger.warning("%s %s %s timed out: %s", provider, method, path, exc)
        return Reply(0, error="timeout")
    except httpx.HTTPError as exc:
        logger.warning("%s %s %s failed: %s", provider, method, path, exc)
        return Reply(0, error="connection")
    body: Any = None
    if response.content:
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
    if response.status_code >= 400:
        logger.warning("%s %s %s answered %s: %s", provider, method, path, response.status_code, response.text[:500])
    return Reply(response.status_code, body, content=response.content)


def unreachable_result(provider_label: str, reply: Reply, provider_reference: str = "") -> ProviderResult:
    """The call did not reach a decision: not a failure, the payment stays pending."""
    if reply.status == 0:
        code, detail = f"provider_{reply.error or 'unreachable'}", _("did not answer in time")
    elif reply.status == 429:
        code, detail = "provider_rate_limited", _("is busy (too many requests)")
    else:
        code, detail = "provider_unavailable", _("is unavailable (error %(status)s)") % {"status": reply.status}
    return ProviderResult(
        succeeded=False,
        provider_reference=provider_reference,
        status=ProviderStatus.PENDING,
        error_code=code,
        message=_("%(provider)s %(detail)s; the payment stays pending and will be checked again.")
        % {"provider": provider_label, "detail": detail},
    )


def refused_result(error_code: str, message: str, provider_reference: str = "") -> ProviderResult:
    return ProviderResult(
        succeeded=False,
        provider_reference=provider_reference,
        status=ProviderStatus.FAILED,
        error_code=error_code,
        message=message,
    )


class AmountFormatError(ValueError):
    """The amount cannot be sent in this currency: unsupported currency, or more decimals than allowed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def format_amount(amount: Money, decimals: Mapping[str, int], provider_label: str) -> str:
    """'10.00' for EUR 10, '1000' for JPY 1000, as the provider expects; refuses what it would misread.

    `decimals` is the provider's own table (it is not always ISO 4217's: PayPal takes HUF without fillér).
    An amount finer than the currency allows is refused rather than rounded: rounding belongs to
    `Money.quantize`, and silently charging a different amount than the order says is worse than an error.
    """
    places = decimals.get(amount.currency)
    if places is None:
        raise AmountFormatError(
            "unsupported_currency",
            _("%(provider)s does not accept payments in %(currency)s.")
            % {"provider": provider_label, "currency": amount.currency},
        )
    exponent = Decimal(1).scaleb(-places)
    value = amount.amount.quantize(exponent)
    if value != amount.amount:
        raise AmountFormatError(
            "invalid_amount_precision",
            _("%(provider)s takes %(currency)s amounts with %(places)s decimal(s); %(amount)s has more.")
            % {"provider": provider_label, "currency": amount.currency, "places": places, "amount": amount.amount},
        )
    if value <= 0:
        raise AmountFormatError("invalid_amount", _("The amount to charge or refund must be positive."))
    return f"{value:f}"


def parse_amount(obj: object, *, currency_key: str = "currency") -> Money | None:
    """{'currency': 'EUR', 'value': '10.00'} (Mollie) or {'currency_code': ..., 'value': ...} (PayPal)."""
    if not isinstance(obj, Mapping):
        return None
    try:
        return Money(Decimal(str(obj["value"])), str(obj[currency_key]))
    except (KeyError, InvalidOperation, ValueError, InvalidMoneyError):
        logger.warning("unreadable amount from provider: %r", obj)
        return None
