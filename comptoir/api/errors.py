"""Every API error is an RFC 9457 problem (`application/problem+json`), whatever raised it.

One place maps what can go wrong to a problem body: domain errors (their own `to_problem()`), request
validation (422, with one entry per field in `errors`), unknown routes and objects (404), wrong methods
(405), ninja's HTTP errors, and anything unexpected (a 500 that names no internals; the traceback goes
to the `django.request` log, as for any other Django view).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from ninja.errors import HttpError, Throttled, ValidationError

from comptoir.core.errors import PROBLEM_CONTENT_TYPE, DomainError, problem, problem_response

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger("django.request")


class InvalidCursorError(DomainError):
    code = "invalid-cursor"
    title = "Invalid cursor"
    status = 400


def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return problem_response(exc.to_problem(instance=request.path))


def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [_field_error(error) for error in exc.errors]
    fields = ", ".join(dict.fromkeys(str(error["loc"][-1]) for error in errors if error["loc"]))
    body = problem(
        status=422,
        title="Invalid request",
        detail=f"Check these parameters: {fields}." if fields else "The request is not valid.",
        code="validation-error",
        errors=errors,
        instance=request.path,
    )
    return problem_response(body)


def _field_error(error: dict[str, Any]) -> dict[str, Any]:
    """One pydantic error as `{"loc": [...], "message": ..., "type": ...}` (no input echo, no internals)."""
    loc = [part if isinstance(part, int) else str(part) for part in error.get("loc", ())]
    message = str(error.get("msg") or "Invalid value.")
    # Our own validators raise ValueError; pydantic prefixes their text with "Value error, ".
    message = message.removeprefix("Value error, ")
    return {"loc": loc, "message": message, "type": str(error.get("type", "invalid"))}


def not_found(request: HttpRequest, exc: Exception | None = None) -> HttpResponse:
    # Http404's own text can name models or lookups; the problem says only what a client needs.
    body = problem(
        status=404,
        title="Not found",
        detail="Nothing exists at this address.",
        code="not-found",
        instance=request.path,
    )
    return problem_response(body)


def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    body = problem(
        status=exc.status_code,
        title=_STATUS_TITLES.get(exc.status_code, "Request refused"),
        detail=str(exc),
        code=_STATUS_CODES.get(exc.status_code, "http-error"),
        instance=request.path,
    )
    headers = {"Retry-After": str(exc.wait)} if isinstance(exc, Throttled) and exc.wait else None
    return problem_response(body, headers=headers)


def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.error(
        "Internal Server Error: %s",
        request.path,
        exc_info=exc,
        extra={"status_code": 500, "request": request},
    )
    body = problem(
        status=500,
        title="Server error",
        detail="Something went wrong on our side. Please try again later.",
        code="server-error",
        instance=request.path,
    )
    response = problem_response(body)
    # Logged above with its traceback; the flag is how Django's handler knows not to log it a second time.
    response._has_been_logged = True
    return response


_STATUS_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Invalid request",
    429: "Too many requests",
}
_STATUS_CODES = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    422: "validation-error",
    429: "rate-limited",
}


def register_problem_handlers(api: NinjaAPI) -> None:
    """Replace ninja's default handlers (plain JSON, or Django's HTML 500) with problem responses."""
    api.add_exception_handler(DomainError, domain_error)
    api.add_exception_handler(ValidationError, validation_error)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(Exception, server_error)


@csrf_exempt  # it writes nothing: a POST to a wrong address gets the 404 problem, not an HTML CSRF page
def unknown_route(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """The view behind every /api/ address no route matches: a 404 problem, not the storefront's page."""
    return not_found(request)


def problem_responses(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap an API URL's view so what ninja answers outside its handlers is a problem too.

    That is ninja's plain-text 405 for a method a route lacks (the `Allow` header is kept), and the
    Http404 of the bare /api/ address.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return not_found(request)
        if response.status_code != 405 or response.get("Content-Type") == PROBLEM_CONTENT_TYPE:
            return response
        allowed = response.get("Allow", "")
        body = problem(
            status=405,
            title="Method not allowed",
            detail=f"{request.method} is not allowed here; use {allowed}." if allowed else None,
            code="method-not-allowed",
            instance=request.path,
        )
        return problem_response(body, headers={"Allow": allowed} if allowed else None)

    return wrapped
