"""The payment gateway protocol and the registry of providers offered at checkout.

A gateway never sees card data on our server: it either hosts the fields itself (redirect, hosted fields)
or, for the built-in test provider, takes a *test* card number that only chooses an outcome.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from django.conf import settings

from comptoir.core.money import Money


class ProviderStatus:
    """What the provider says of a payment (`ProviderResult.status`, `ProviderEvent.status`)."""

    PENDING = "pending"  # not decided yet: an async method, a timeout, a 5xx; reconciliation asks again
    REQUIRES_ACTION = "requires_action"  # the buyer must act: a redirect or a 3-D Secure challenge (action_url)
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    FAILED = "failed"
    CANCELLED = "cancelled"  # voided or expired before capture
    REFUNDED = "refunded"  # (events only) money given back; `amount` is the payment's TOTAL refunded so far
    # (Stripe's charge amount_refunded, PayPal's total_refunded_amount), so a redelivered or reordered refund
    # event never counts twice. (Mollie's refunds are each their own ProviderAdjustment instead.)
    CHARGED_BACK = "charged_back"  # (adjustments only) the buyer's bank took the money back: a chargeback


@dataclass(frozen=True, slots=True)
class ProviderResult:
    """The answer to one provider call. A call that could not reach the provider (timeout, 5xx) is not a
    failure: it is `status=PENDING` with `succeeded=False` and the payment waits for a webhook or for
    `reconcile_payments`."""

    succeeded: bool
    provider_reference: str = ""
    captured: bool = False
    error_code: str = ""
    message: str = ""
    status: str = ""
    """One of ProviderStatus; empty means derived from succeeded/captured (the TEST provider's old answers)."""
    action_url: str = ""
    """Where to send the buyer (hosted payment page, 3-D Secure challenge, PayPal approval)."""
    client_secret: str = ""
    """For provider-hosted fields on our page (Stripe Payment Element); never a card number."""
    saved_method: str = ""
    """A reusable payment method token (for instalments charged off-session)."""
    amount: Money | None = None
    """What the provider reports as authorised/captured/refunded by this call, when it says."""
    refunded_total: Money | None = None
    charged_back_total: Money | None = None
    """What the provider says was refunded and charged back on the payment in all, whoever did it (Mollie's
    `amountRefunded`, `amountChargedBack`), when it says: compared with the ledger to know whether refunds
    and chargebacks made outside the shop are still to be recorded (`list_adjustments`)."""

    @property
    def outcome(self) -> str:
        if self.status:
            return self.status
        if self.succeeded:
            return ProviderStatus.CAPTURED if self.captured else ProviderStatus.AUTHORIZED
        return ProviderStatus.FAILED


@dataclass(frozen=True, slots=True)
class ProviderEvent:
    """One event a provider pushed to our webhook, after its signature was verified."""

    event_id: str
    """The provider's unique event id: recorded once (PaymentTransaction.provider_event_id is unique)."""
    status: str
    """One of ProviderStatus: what the event says happened."""
    provider_reference: str = ""
    """The provider's id of the payment (payment intent, Mollie payment, PayPal order or capture)."""
    reference: str = ""
    """Our payment reference when the provider echoes it back (metadata, description, custom_id)."""
    amount: Money | None = None
    occurred_at: datetime | None = None
    raw: Mapping[str, object] = field(default_factory=dict)
    refunded_total: Money | None = None
    charged_back_total: Money | None = None
    """As in ProviderResult: the payment's refunded and charged-back totals at the provider, when it says."""
    adjustment: ProviderAdjustment | None = None
    """A refund or chargeback the event carries whole (a Stripe dispute's funds withdrawn or reinstated):
    recorded as a listed one is, once per its own `event_id`, on the payment `provider_reference` names."""


@dataclass(frozen=True, slots=True)
class ProviderAdjustment:
    """One refund or chargeback the provider lists on a payment, whoever made it (the shop through `refund`,
    the merchant in the provider's dashboard, the buyer's bank): see `list_adjustments`."""

    event_id: str
    """Unique across providers (e.g. 'mollie:re_4qqhO89gsT'): the ledger records it once."""
    kind: str
    """'refund' or 'chargeback'."""
    provider_reference: str
    """The provider's id of the refund or chargeback (`re_...`, `chb_...`): what `refund()` returned for ours."""
    amount: Money
    status: str
    """The provider's own word for it ('queued', 'refunded', 'failed'; 'charged_back' or 'reversed')."""
    moved: bool
    """Whether money went (or is going) back to the buyer: not for a failed or cancelled refund, nor for a
    chargeback the bank reversed."""
    occurred_at: datetime | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class PaymentMethod:
    code: str
    """'<provider>:<method>', e.g. 'test:card', 'stripe:card', 'offline:bank_transfer'."""
    label: str
    description: str = ""
    is_test: bool = False
    fields: tuple[str, ...] = field(default_factory=tuple)
    """Form fields the buyer fills in on our page (the test card number only; real cards are provider-hosted)."""
    offline: bool = False
    """Paid outside any provider (bank transfer, cash on delivery, in store): the order waits, unpaid."""


class WebhookSignatureError(Exception):
    """The webhook's signature is missing or wrong, or its timestamp too old (a replay): answer 400."""


class PaymentGateway(Protocol):
    """A payment provider. Every method is called outside any database transaction (a provider may take
    seconds); the services record what it answered. A method a provider cannot do raises NotImplementedError."""

    code: str

    def methods(self) -> list[PaymentMethod]: ...

    def confirm(self, *, reference: str, amount: Money, data: Mapping[str, str]) -> ProviderResult:
        """Start the payment with what the buyer provided: authorise (and capture when the merchant captures at
        order), or answer REQUIRES_ACTION with the URL to send the buyer to. `data` may carry `return_url`,
        `capture` ("order"/"fulfilment"), `saved_method` and `off_session` ("1") for an instalment."""
        ...

    def capture(self, *, reference: str, provider_reference: str, amount: Money, key: str) -> ProviderResult: ...

    def void(self, *, reference: str, provider_reference: str, key: str) -> ProviderResult: ...

    def refund(self, *, reference: str, provider_reference: str, amount: Money, key: str) -> ProviderResult: ...

    def fetch(self, *, reference: str, provider_reference: str) -> ProviderResult:
        """Ask the provider where the payment stands now (for `reconcile_payments` and the buyer's return)."""
        ...

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> list[ProviderEvent]:
        """Verify the signature (raise WebhookSignatureError) and turn the body into events. Providers that
        do not sign (Mollie sends only an id) fetch the payment from their API here instead."""
        ...

    # Optional, for providers whose events give refunded and charged-back totals (`refunded_total`,
    # `charged_back_total`) rather than one event per refund (Mollie):
    #
    #     def list_adjustments(self, *, provider_reference: str) -> list[ProviderAdjustment]:
    #         """Every refund and chargeback of the payment, oldest first; raises
    #         comptoir.payments.providers._http.ProviderUnreachableError when the provider cannot be asked."""


# Gateway classes by provider code, each built as `GatewayClass(config)` with a mapping of str -> str:
# `api_key`, `webhook_secret`, `client_id`, `client_secret`, `base_url` (the API root, which tests point at a
# local server), `mode` ("test"/"live"), `capture` ("order"/"fulfilment"), plus the account's other settings
# (e.g. `publishable_key`). Imported when first used, so a provider module that is not installed only makes
# that provider unavailable. settings.PAYMENT_GATEWAY_CLASSES adds or replaces entries.
GATEWAY_CLASSES: dict[str, str] = {
    "test": "comptoir.payments.providers.test.TestGateway",
    "stripe": "comptoir.payments.providers.stripe.StripeGateway",
    "mollie": "comptoir.payments.providers.mollie.MollieGateway",
    "paypal": "comptoir.payments.providers.paypal.PayPalGateway",
}

# Gateways registered as ready-made instances (providers needing no configuration); kept for modules that
# call `register()`. A code listed here is used as it is when no provider account configures it.
GATEWAYS: dict[str, PaymentGateway] = {}


def register(gateway: PaymentGateway) -> PaymentGateway:
    GATEWAYS[gateway.code] = gateway
    return gateway


def provider_label(code: str) -> str:
    """The provider's name as merchants know it ('Mollie', 'PayPal'): its gateway class's `label`."""
    return str(getattr(gateway_class(code), "label", "") or code.capitalize())


def gateway_class(code: str) -> type | None:
    """The class registered for `code`, or None when unknown or its module is not there."""
    from django.utils.module_loading import import_string

    path = {**GATEWAY_CLASSES, **getattr(settings, "PAYMENT_GATEWAY_CLASSES", {})}.get(code)
    if not path:
        return None
    try:
        return import_string(path)
    except ImportError:
        return None


def build_gateway(code: str, config: Mapping[str, str] | None = None) -> PaymentGateway | None:
    """A gateway for provider `code` built with `config`; with no config, a registered instance if any."""
    if config is None and code in GATEWAYS:
        return GATEWAYS[code]
    cls = gateway_class(code)
    if cls is None:
        return GATEWAYS.get(code)
    return cls(dict(config or {}))


def _account_gateway(account) -> PaymentGateway | None:
    """The gateway of a provider account, or None (logged) when it is misconfigured (a missing key, secrets
    no longer readable): one bad account must not take the checkout down with it."""
    import logging

    from django.core.exceptions import ImproperlyConfigured

    from comptoir.payments.accounts import SecretsUnreadableError, account_config

    try:
        return build_gateway(account.provider, account_config(account))
    except (ImproperlyConfigured, SecretsUnreadableError, ValueError, KeyError) as exc:
        logging.getLogger(__name__).error("payment provider account %s is misconfigured: %s", account.pk, exc)
        return None


def _env_config(code: str) -> dict[str, str]:
    """Secrets of a provider enabled by settings.PAYMENT_PROVIDERS alone: `<CODE>_API_KEY`, ... from the
    environment (the simplest setup for a one-channel shop)."""
    import os

    from comptoir.payments.accounts import SECRET_NAMES

    return {
        name: os.environ[f"{code.upper()}_{name.upper()}"]
        for name in (*SECRET_NAMES, "publishable_key", "base_url")
        if os.environ.get(f"{code.upper()}_{name.upper()}")
    }


def enabled_gateways(channel=None) -> list[PaymentGateway]:
    """The gateways offered in `channel` (a Channel, a channel id, or None for the shop-wide ones): the
    providers with an enabled account for the channel (or for all channels), then those listed in
    settings.PAYMENT_PROVIDERS (the TEST provider by default) that no account configures."""
    from comptoir.payments.accounts import accounts_for, list_accounts

    channel_id = getattr(channel, "pk", channel)
    gateways: list[PaymentGateway] = []
    for account in accounts_for(channel_id):
        gateway = _account_gateway(account)
        if gateway is not None:
            gateways.append(gateway)
    configured = {a.provider for a in list_accounts()}
    for code in settings.PAYMENT_PROVIDERS:
        if code in configured:
            continue  # an account decides (disabled, or for other channels only)
        if code == "test":
            from comptoir.payments.providers import test as _test  # noqa: F401  (registers itself)
        gateway = GATEWAYS.get(code) or build_gateway(code, _env_config(code))
        if gateway is not None and all(g.code != code for g in gateways):
            gateways.append(gateway)
    return gateways


def available_methods(channel=None) -> list[PaymentMethod]:
    return [method for gateway in enabled_gateways(channel) for method in gateway.methods()]


def gateway_for(method_code: str, channel=None) -> PaymentGateway | None:
    """The gateway of a method code ('stripe:card') as `channel` has it configured, or None."""
    provider = method_code.partition(":")[0]
    return next((g for g in enabled_gateways(channel) if g.code == provider), None)


def gateway_for_payment(provider: str, channel=None) -> PaymentGateway | None:
    """The gateway to follow up a payment already made (capture, void, refund, fetch): the channel's account
    for its provider even when disabled since (disabling stops offering it, not refunding what it took),
    else what the channel offers, else the TEST provider for TEST payments."""
    from comptoir.payments.accounts import accounts_for

    channel_id = getattr(channel, "pk", channel)
    for account in accounts_for(channel_id, enabled_only=False):
        if account.provider == provider:
            return _account_gateway(account)
    gateway = gateway_for(provider + ":", channel_id)
    if gateway is None and provider == "test":
        from comptoir.payments.providers import test as _test  # noqa: F401  (registers itself)

        gateway = GATEWAYS.get("test")
    return gateway


def gateways_for_provider(code: str) -> list[PaymentGateway]:
    """Every configured gateway of one provider, whatever the channel (a webhook does not say which
    account it is for: each account's secret is tried)."""
    from comptoir.payments.accounts import list_accounts

    gateways = [
        g
        for a in list_accounts()
        if a.provider == code  # a disabled account's events are still genuine (refunds, late captures)
        for g in [_account_gateway(a)]
        if g is not None
    ]
    if not gateways and code in settings.PAYMENT_PROVIDERS:
        if code == "test":
            from comptoir.payments.providers import test as _test  # noqa: F401
        gateway = GATEWAYS.get(code) or build_gateway(code, _env_config(code))
        if gateway is not None:
            gateways.append(gateway)
    return gateways
