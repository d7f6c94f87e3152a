"""The currency switcher: a buyer picks the channel (and so the currency) they shop in."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from comptoir.core.middleware import CHANNEL_COOKIE
from comptoir.core.queries import list_active_channels

CHANNEL_COOKIE_SECONDS = 365 * 24 * 3600


@require_POST
def set_channel(request: HttpRequest) -> HttpResponse:
    """Remember the chosen channel in the `comptoir_channel` cookie and go back to where the buyer was.

    An unknown or inactive channel is refused (400, nothing set); a `next` pointing off the site is
    replaced by the home page, so the form cannot be used as an open redirect.
    """
    slug = request.POST.get("channel", "")
    channel = next((c for c in list_active_channels() if c.slug == slug), None)
    if channel is None:
        return render(request, "storefront/channel_refused.html", status=400)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("storefront:home")
    response = HttpResponseRedirect(target)
    response.set_cookie(
        CHANNEL_COOKIE,
        channel.slug,
        max_age=CHANNEL_COOKIE_SECONDS,
        samesite="Lax",
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response
