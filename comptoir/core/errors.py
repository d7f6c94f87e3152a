"""The one error hierarchy of the shop, and its mapping to RFC 9457 problem details.

Services raise `DomainError` subclasses; the API turns them into `application/problem+json`, storefront
views into a form or page message, commands into a message and a non-zero exit.
"""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://comptoir.dev/problems/"


_PROBLEM_FIELDS = frozenset({"type", "title", "status", "detail", "errors", "instance", "code"})


class DomainError(Exception):
    """A business rule said no. Subclasses set `code` (kebab-case, also the problem type), `title`, `status`."""

    code: str = "domain-error"
    title: str = "The request could not be completed"
    status: int = 400

    def __init__(
        self,
        detail: str | None = None,
        *,
        data: dict[str, Any] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        self.detail = detail or self.title
        self.data = data or {}
        self.errors = errors or []
        super().__init__(self.detail)

    def to_problem(self, *, instance: str | None = None) -> dict[str, Any]:
        return problem(
            status=self.status,
            title=self.title,
            detail=self.detail,
            code=self.code,
            errors=self.errors,
            instance=instance,
            # A member named like a problem field (an order's `status`) is renamed, not allowed to clash.
            **{f"current_{k}" if k in _PROBLEM_FIELDS else k: v for k, v in self.data.items()},
        )


class NotFoundError(DomainError):
    code = "not-found"
    title = "Not found"
    status = 404


class InvalidInputError(DomainError):
    code = "invalid-input"
    title = "Invalid input"
    status = 422


class ConflictError(DomainError):
    code = "conflict"
    title = "Conflict with the current state"
    status = 409


class PermissionDeniedError(DomainError):
    code = "forbidden"
    title = "Forbidden"
    status = 403


def problem(
    *,
    status: int,
    title: str,
    detail: str | None = None,
    code: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    instance: str | None = None,
    **extensions: Any,
) -> dict[str, Any]:
    """An RFC 9457 problem body: `type`, `title`, `status`, `detail`, `errors`, plus extension members."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + (code or "about-blank"),
        "title": title,
        "status": status,
        "detail": detail or title,
        "errors": errors or [],
    }
    if instance:
        body["instance"] = instance
    body.update({key: value for key, value in extensions.items() if key not in body})
    return body


def problem_response(body: dict[str, Any], *, headers: dict[str, str] | None = None) -> JsonResponse:
    response = JsonResponse(body, status=body["status"], content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response
