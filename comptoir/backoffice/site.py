"""The back office's admin site: unfold's site, with the dashboard and a Content-Security-Policy it can live with.

unfold replaces `admin.site` with its own instance when its app loads, and every app's `admin.py` then
registers on that instance; `install()` (called from BackofficeConfig.ready) gives the instance our
behaviour without replacing it, so no registration is lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpResponseRedirect
from django.templatetags.static import static
from django.urls import URLPattern, URLResolver, reverse
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override


def admin_csp() -> dict[str, list[str]]:
    """The shop's policy, loosened only where the admin's libraries need it.

    unfold drives its screens with Alpine.js, whose expressions are compiled with `new Function`
    ('unsafe-eval'), and sets theme colours and sizes with inline styles ('unsafe-inline'). Everything
    else (sources, frames, forms, objects) stays as strict as on the storefront; staff pages are only
    reachable by staff, behind CSRF and login.
    """
    policy = {key: list(value) for key, value in settings.SECURE_CSP.items()}
    policy["script-src"] = [CSP.SELF, CSP.UNSAFE_EVAL]
    policy["style-src"] = [CSP.SELF, CSP.UNSAFE_INLINE]
    return policy


def _apply_csp(patterns: Iterable[URLPattern | URLResolver], policy: dict[str, list[str]]) -> None:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _apply_csp(pattern.url_patterns, policy)
        else:
            pattern.callback = csp_override(policy)(pattern.callback)


class BackofficeSiteMixin:
    """What Comptoir adds to the admin site: the dashboard page, the admin CSP on every admin URL, an icon,
    and a login page that returns to the dashboard."""

    index_template = "backoffice/index.html"

    def each_context(self, request):
        context = super().each_context(request)
        if not context.get("site_favicons"):
            # Without an icon link the browser asks for /favicon.ico, which the shop may not serve.
            icon = {"rel": "icon", "type": "image/svg+xml", "href": static("backoffice/favicon.svg")}
            context["site_favicons"] = [icon]
        return context

    def login(self, request, extra_context=None):
        # unfold's login form posts to the page's own URL and carries no hidden `next` field, so a login
        # started at /admin/login/ itself would land on settings.LOGIN_REDIRECT_URL (a 404 here). Give
        # the page a `next` before it is shown.
        if request.method == "GET" and REDIRECT_FIELD_NAME not in request.GET:
            query = urlencode({REDIRECT_FIELD_NAME: reverse("admin:index", current_app=self.name)})
            return HttpResponseRedirect(f"{request.path}?{query}")
        return super().login(request, extra_context)

    def get_urls(self):
        urls = super().get_urls()
        _apply_csp(urls, admin_csp())
        return urls


def install(site: AdminSite) -> AdminSite:
    """Give the (already populated) default admin site the back office's behaviour. Idempotent."""
    if not isinstance(site, BackofficeSiteMixin):
        site.__class__ = type(f"Backoffice{type(site).__name__}", (BackofficeSiteMixin, type(site)), {})
    return site
