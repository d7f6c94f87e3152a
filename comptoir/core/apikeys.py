"""API keys for staff integrations: made, checked and revoked here."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from comptoir.core.errors import InvalidInputError
from comptoir.core.models import ApiKey

KEY_PREFIX = "cpt_"
LAST_USED_PRECISION = timedelta(minutes=5)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(*, user_id: int, name: str) -> tuple[ApiKey, str]:
    """Make a key for a staff user. Returns the key and its secret, which is never shown again."""
    if not name.strip():
        raise InvalidInputError(detail="Give the key a name that says what uses it.")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        key = ApiKey.objects.create(
            user_id=user_id, name=name.strip()[:100], prefix=secret[:12], digest=_digest(secret)
        )
    return key, secret


def user_for_secret(secret: str):
    """The active staff user behind `secret`, or None. Marks the key used (at most every few minutes)."""
    if not secret.startswith(KEY_PREFIX) or len(secret) > 200:
        return None
    key = (
        ApiKey.objects.select_related("user")
        .filter(digest=_digest(secret), revoked_at__isnull=True, user__is_active=True, user__is_staff=True)
        .first()
    )
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key.user


def revoke_api_key(*, key_id: int) -> None:
    ApiKey.objects.filter(pk=key_id, revoked_at__isnull=True).update(revoked_at=timezone.now())
