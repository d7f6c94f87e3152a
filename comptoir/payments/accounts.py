"""Provider accounts: which providers a channel offers, in which mode, with which settings and secrets.

Secrets never sit in the database in clear. An account either names an environment-variable prefix
(`STRIPE_FR` reads `STRIPE_FR_API_KEY`, `STRIPE_FR_WEBHOOK_SECRET`, ...) or stores its secrets encrypted with
Fernet (AES-128-CBC + HMAC-SHA256) under `settings.PAYMENT_SECRETS_KEYS`: a comma-separated list of Fernet
keys, the first encrypting, all decrypting (rotate by putting a new key first). Without that setting the key
is derived from SECRET_KEY, so rotating SECRET_KEY then means re-entering the secrets.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Mapping

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from comptoir.payments.models import ProviderAccount

SECRET_NAMES = ("api_key", "webhook_secret", "client_id", "client_secret")
_CACHE_KEY = "payments:provider-accounts"
_CACHE_SECONDS = 60


class SecretsUnreadableError(Exception):
    """The stored secrets were encrypted with a key we no longer have."""


def _fernet() -> MultiFernet:
    keys = [k.strip() for k in (getattr(settings, "PAYMENT_SECRETS_KEYS", "") or "").split(",") if k.strip()]
    if not keys:
        derived = hashlib.sha256(("comptoir.payments.secrets:" + settings.SECRET_KEY).encode()).digest()
        keys = [base64.urlsafe_b64encode(derived).decode()]
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt_secrets(secrets: Mapping[str, str]) -> str:
    clean = {name: value for name, value in secrets.items() if name in SECRET_NAMES and value}
    return _fernet().encrypt(json.dumps(clean, sort_keys=True).encode()).decode() if clean else ""


def decrypt_secrets(token: str) -> dict[str, str]:
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise SecretsUnreadableError("The provider secrets cannot be decrypted with PAYMENT_SECRETS_KEYS.") from exc


def account_config(account: ProviderAccount) -> dict[str, str]:
    """The mapping a gateway class is built with: settings, then stored secrets, then environment secrets."""
    config = {str(k): str(v) for k, v in (account.settings or {}).items()}
    config["mode"] = account.mode
    config["capture"] = account.capture_mode
    config.update(decrypt_secrets(account.encrypted_secrets))
    if account.env_prefix:
        for name in SECRET_NAMES:
            value = os.environ.get(f"{account.env_prefix}_{name.upper()}")
            if value:
                config[name] = value
    return config


def list_accounts() -> list[ProviderAccount]:
    """Every account, cached for a minute (the checkout asks on every page); `save_account` forgets it."""
    accounts = cache.get(_CACHE_KEY)
    if accounts is None:
        accounts = list(ProviderAccount.objects.order_by("provider", "channel_id", "pk"))
        cache.set(_CACHE_KEY, accounts, _CACHE_SECONDS)
    return accounts


def forget_accounts() -> None:
    cache.delete(_CACHE_KEY)


def accounts_for(channel_id: int | None, *, enabled_only: bool = True) -> list[ProviderAccount]:
    """The accounts a channel uses: its own, and the all-channel ones for providers it has none of."""
    accounts = list_accounts()
    # A channel's own account decides for that provider, even disabled (it hides the all-channel one).
    own = {a.provider: a for a in accounts if channel_id is not None and a.channel_id == channel_id}
    shared = {a.provider: a for a in accounts if a.channel_id is None and a.provider not in own}
    return [a for a in [*own.values(), *shared.values()] if a.enabled or not enabled_only]


def save_account(
    *, account: ProviderAccount, secrets: Mapping[str, str] | None = None, keep_existing: bool = True
) -> ProviderAccount:
    """Save an account from the back office; `secrets` (name -> value) replace the stored ones, and blank
    values keep what was stored when `keep_existing`."""
    if secrets is not None:
        merged = decrypt_secrets(account.encrypted_secrets) if keep_existing and account.pk else {}
        merged.update({k: v for k, v in secrets.items() if v})
        account.encrypted_secrets = encrypt_secrets(merged)
    with transaction.atomic():
        account.save()
        transaction.on_commit(forget_accounts)
    forget_accounts()
    return account
