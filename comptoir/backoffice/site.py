"""The back office's admin site: unfold's site, with the dashboard and a Content-Security-Policy it can live with.

unfold replaces `admin.site` with its own instance when its app loads, and every app's `admin.py` then
registers on that instance; `install()` (called from BackofficeConfig.ready) gives the instance our
behaviour without replacing it, so no registration is lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpResponseRedirect
from django.templatetags.static import static
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.csp import CSP
from django.utils.translation import gettext
from django.views.decorators.csp import csp_override

from comptoir.backoffice.waiting_room import URL_NAME, may_switch, waiting_room_view


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


def _with_waiting_room(app_list: list[dict], url: str) -> list[dict]:
    """The admin's list of apps (the sidebar, the index) with the waiting-room screen among the checkout's
    screens, as if it were one more model; the checkout app is added for staff who may see only this screen."""
    entry = {
        "model": None,
        "name": gettext("Waiting room"),
        "object_name": "WaitingRoom",
        "perms": {"add": False, "change": True, "delete": False, "view": True},
        "admin_url": url,
        "add_url": None,
        "view_only": False,
    }
    app = next((app for app in app_list if app["app_label"] == "checkout"), None)
    if app is None:
        app = {
            "name": apps.get_app_config("checkout").verbose_name,
            "app_label": "checkout",
            "app_url": url,
            "has_module_perms": True,
            "models": [],
        }
        app_list = sorted([*app_list, app], key=lambda app: str(app["name"]).lower())
    app["models"] = sorted([*app["models"], entry], key=lambda model: str(model["name"]))
    return app_list


class BackofficeSiteMixin:
    """What Comptoir adds to the admin site: the dashboard page, the waiting-room screen, the admin CSP on
    every admin URL, an icon, and a login page that returns to the dashboard."""

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
        def waiting_room(request):
            return waiting_room_view(self, request)

        urls = [path("waiting-room/", self.admin_view(waiting_room), name=URL_NAME), *super().get_urls()]
        _apply_csp(urls, admin_csp())
        return urls

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        if app_label in (None, "checkout") and may_switch(request.user):
            app_list = _with_waiting_room(app_list, reverse(f"{self.name}:{URL_NAME}", current_app=self.name))
        return app_list


def install(site: AdminSite) -> AdminSite:
    """Give the (already populated) default admin site the back office's behaviour. Idempotent."""
    if not isinstance(site, BackofficeSiteMixin):
        site.__class__ = type(f"Backoffice{type(site).__name__}", (BackofficeSiteMixin, type(site)), {})
    return site
