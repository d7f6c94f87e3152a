"""Idempotent writes: the same `Idempotency-Key` from the same client gives the same answer, once.

    status, body = run_once(scope=f"user:{user.pk}:POST /api/v1/orders", key=header, body=raw, action=place)

`action` runs inside the transaction that stores the key, so the write and its stored answer commit
together. A concurrent request with the same key waits on the unique index, then replays the stored
answer. A refused write (DomainError) stores nothing: the client may fix the request and retry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from comptoir.core.errors import ConflictError, InvalidInputError
from comptoir.core.models import IdempotencyRecord

KEEP_FOR = timedelta(hours=24)
MAX_KEY_LENGTH = 255


class IdempotencyKeyReusedError(InvalidInputError):
    code = "idempotency-key-reused"
    title = "This Idempotency-Key was used for a different request"


class IdempotencyKeyInvalidError(InvalidInputError):
    code = "idempotency-key-invalid"
    title = "Invalid Idempotency-Key"


class IdempotencyKeyInFlightError(ConflictError):
    code = "idempotency-key-in-flight"
    title = "A request with this Idempotency-Key is still being processed"


def fingerprint(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _replay(scope: str, key: str, digest: str) -> tuple[int, Any] | None:
    record = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
    if record is None:
        return None
    if record.fingerprint != digest:
        raise IdempotencyKeyReusedError(data={"key": key})
    return record.response_status, record.response_body


def run_once(*, scope: str, key: str, body: bytes, action: Callable[[], tuple[int, Any]]) -> tuple[int, Any]:
    """Run `action` (returning status and JSON body) once per (scope, key); replay its answer afterwards."""
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise IdempotencyKeyInvalidError(detail=f"An Idempotency-Key is 1 to {MAX_KEY_LENGTH} printable characters.")
    digest = fingerprint(body)
    if (stored := _replay(scope, key, digest)) is not None:
        return stored
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(scope=scope, key=key, fingerprint=digest)
            status, payload = action()
            record.response_status, record.response_body = status, payload
            record.save(update_fields=["response_status", "response_body"])
    except IntegrityError:
        # Either a concurrent twin committed first (replay its answer) or the action itself broke a
        # constraint (not ours to hide).
        if (stored := _replay(scope, key, digest)) is not None:
            return stored
        raise
    return status, payload


def purge_expired(*, now=None) -> int:
    """Forget answers older than a day (clients retry within minutes)."""
    cutoff = (now or timezone.now()) - KEEP_FOR
    return IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()[0]
