"""API writes with an `Idempotency-Key` header: a retry gets the first answer, and the write happens once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, JsonResponse

from comptoir.core.errors import DomainError
from comptoir.core.idempotency import run_once


class IdempotencyKeyRequiredError(DomainError):
    code = "idempotency-key-required"
    title = "Send an Idempotency-Key header with this request"
    status = 428


def idempotent(request: HttpRequest, action: Callable[[], tuple[int, Any]]) -> JsonResponse:
    """Run `action` once per Idempotency-Key of this user on this endpoint; replay its answer on retries."""
    key = request.headers.get("Idempotency-Key", "")
    if not key:
        raise IdempotencyKeyRequiredError(
            detail="Writes need an Idempotency-Key header (any unique string, e.g. a UUID) so a retry is safe."
        )
    who = f"user:{request.user.pk}" if getattr(request.user, "is_authenticated", False) else "anonymous"
    status, body = run_once(scope=f"{who}:{request.method} {request.path}", key=key, body=request.body, action=action)
    return JsonResponse(body, status=status, safe=False)
