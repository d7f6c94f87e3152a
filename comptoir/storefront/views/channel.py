"""The currency and language switchers: a buyer picks the channel (and so the currency) and the language they
shop in.

Both are plain GET forms in every page's footer: a page that offers them stays the same for every visitor,
with no CSRF token and no cookie, so it can be cached. What a forged switch could do is change a visitor's
currency or language preference, which they see and change back; it touches no cart, order or account.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, translate_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language, override
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from comptoir.core.middleware import CHANNEL_COOKIE
from comptoir.core.queries import list_active_channels

CHANNEL_COOKIE_SECONDS = 365 * 24 * 3600


def _safe_target(request: HttpRequest, target: str, *, default: str) -> str:
    """`target` when it stays on this site, else `default`: the switch cannot be used as an open redirect."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@never_cache
@require_http_methods(["GET", "POST"])
def set_channel(request: HttpRequest) -> HttpResponse:
    """Remember the chosen channel in the `comptoir_channel` cookie and go back to where the buyer was.

    An unknown or inactive channel is refused (400, nothing set); a `next` pointing off the site is
    replaced by the home page. GET is what the footer sends; POST (CSRF-checked) still works for older pages.
    """
    data = request.POST if request.method == "POST" else request.GET
    slug = data.get("channel", "")
    channel = next((c for c in list_active_channels() if c.slug == slug), None)
    if channel is None:
        return render(request, "storefront/channel_refused.html", status=400)
    response = HttpResponseRedirect(_safe_target(request, data.get("next", ""), default=reverse("storefront:home")))
    response.set_cookie(
        CHANNEL_COOKIE,
        channel.slug,
        max_age=CHANNEL_COOKIE_SECONDS,
        samesite="Lax",
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


@never_cache
@require_http_methods(["GET"])
def set_language(request: HttpRequest) -> HttpResponse:
    """Go to the page the buyer was on (`next`) in the chosen `language`, and remember that language for the
    next visit to `/` (Django's language cookie). An unknown language keeps the address as it was."""
    language = request.GET.get("language", "")
    with override(settings.LANGUAGE_CODE):
        home = reverse("storefront:home")
    target = _safe_target(request, request.GET.get("next", ""), default=home)
    if not language or not check_for_language(language) or language not in dict(settings.LANGUAGES):
        return HttpResponseRedirect(target)
    response = HttpResponseRedirect(translate_url(target, language))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
    )
    return response
