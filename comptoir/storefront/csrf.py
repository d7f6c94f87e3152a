"""CSRF protection that needs no token in the page, for the one form a cached page carries (add to cart).

A cached product page is the same for everyone, so it cannot hold a per-visitor CSRF token. Its form is
protected instead by what every current browser says about where a request comes from:

- `Sec-Fetch-Site` (sent by every major browser since 2023): only `same-origin` (and `none`: the buyer
  typed it) pass; `same-site` and `cross-site` are refused;
- otherwise `Origin` (sent with every cross-origin POST since 2020): it must be this site or one of
  CSRF_TRUSTED_ORIGINS;
- with neither header the request is not a browser's cross-site form (or a browser old enough to send
  neither), and passes.

A signed-in customer's page is never cached and carries Django's usual token, and for them the usual
check runs too. On top of that the cart and session cookies are SameSite=Lax, so a cross-site POST never
carries the buyer's existing cart or account anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.middleware.csrf import CsrfViewMiddleware

ALLOWED_FETCH_SITES = {"same-origin", "none"}


def same_origin(request: HttpRequest) -> bool:
    """Whether a browser says this request comes from a page of this site (see the module docstring)."""
    site = request.META.get("HTTP_SEC_FETCH_SITE")
    if site is not None:
        return site in ALLOWED_FETCH_SITES
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None:
        return True
    own = f"{request.scheme}://{request.get_host()}"
    return origin == own or origin in settings.CSRF_TRUSTED_ORIGINS


def _token_refusal(request: HttpRequest) -> HttpResponse | None:
    """Django's CSRF check (token and origin), run for a signed-in customer."""
    middleware = CsrfViewMiddleware(lambda _request: HttpResponseForbidden())
    request.csrf_processing_done = False
    return middleware.process_view(request, None, (), {})


def origin_checked(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Protect a POST without a token for anonymous buyers; with the usual token for signed-in customers."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                refusal = _token_refusal(request)
                if refusal is not None:
                    return refusal
            elif not same_origin(request):
                return HttpResponseForbidden("Cross-site request refused.")
        return view(request, *args, **kwargs)

    wrapper.csrf_exempt = True
    return wrapper
