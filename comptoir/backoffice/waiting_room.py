"""The waiting-room screen of the back office: what the checkout waiting room does now, and a form to switch it
(the same run-time switch as `manage.py waiting_room`), e.g. just before the newsletter goes out.

The state lives in the cache (comptoir.checkout.admission): the page reads it without a query, and a switch
applies to every app server that shares the cache. Only superusers and staff holding
`checkout.switch_waiting_room` may see or change it. Each change is recorded in the admin's history
(LogEntry, with no object: it appears in "Recent actions" as "Waiting room") and confirmed by a message; a
refused form, or a cache that cannot be written, changes nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.widgets import UnfoldAdminIntegerFieldWidget, UnfoldAdminSelectWidget

from comptoir.checkout import admission

SWITCH_WAITING_ROOM = "checkout.switch_waiting_room"
URL_NAME = "waiting_room"
FIELDS = ("mode", "rate", "threshold", "latency_ms")
MAX_VALUE = 1_000_000


def may_switch(user) -> bool:
    """Superusers hold every permission; other staff need this one."""
    return user.is_active and user.is_staff and user.has_perm(SWITCH_WAITING_ROOM)


def _integer(label, help_text) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, help_text=help_text, min_value=1, max_value=MAX_VALUE, widget=UnfoldAdminIntegerFieldWidget
    )


class WaitingRoomForm(forms.Form):
    mode = forms.ChoiceField(
        label=gettext_lazy("Mode"),
        choices=[
            ("off", gettext_lazy("Off: every buyer goes straight to checkout")),
            ("on", gettext_lazy("On: every buyer entering checkout goes through the queue")),
            ("auto", gettext_lazy("Auto: queue buyers only while checkout is busy")),
        ],
        widget=UnfoldAdminSelectWidget,
    )
    rate = _integer(
        gettext_lazy("Buyers let into checkout per second"),
        gettext_lazy("For the whole shop. A little below the complete checkouts per second the shop can serve."),
    )
    threshold = _integer(
        gettext_lazy("Auto: checkout requests in progress at once that count as busy"),
        gettext_lazy("Used in auto mode only."),
    )
    latency_ms = _integer(
        gettext_lazy("Auto: average checkout request duration that counts as busy (milliseconds)"),
        gettext_lazy("Used in auto mode only."),
    )


@dataclass(frozen=True, slots=True)
class Setting:
    """One value of the waiting room as the screen shows it, and where it comes from."""

    label: str
    value: Any
    switched: bool


@dataclass(frozen=True, slots=True)
class State:
    config: admission.Config
    settings: list[Setting]
    switched: bool
    queue: int | None
    """Buyers waiting now; None when the cache cannot be read."""
    busy: bool | None
    """auto: whether checkout counts as busy now (buyers are being queued); None in the other modes."""
    shared_cache: bool


def _labels() -> dict[str, str]:
    return {
        "mode": _("Mode"),
        "rate": _("Buyers let in per second"),
        "threshold": _("Auto: requests in progress that count as busy"),
        "latency_ms": _("Auto: average duration that counts as busy (ms)"),
    }


def mode_label(mode: str) -> str:
    return {"off": _("Off"), "on": _("On"), "auto": _("Auto")}.get(mode, mode)


def current_state() -> State:
    """The waiting room now: a few cache reads, no query."""
    cfg = admission.config()
    switched = admission.switched()
    values = {"mode": mode_label(cfg.mode), "rate": cfg.rate, "threshold": cfg.threshold, "latency_ms": cfg.latency_ms}
    try:
        queue = admission.queue_length()
        busy = admission.under_load(cfg, now=time.time()) if cfg.mode == "auto" else None
    except Exception:  # the cache is unreachable: the waiting room lets everyone in (admission.safe_admit)
        queue, busy = None, None
    backend = settings.CACHES["default"]["BACKEND"]
    return State(
        config=cfg,
        settings=[Setting(label, values[name], name in switched) for name, label in _labels().items()],
        switched=bool(switched),
        queue=queue,
        busy=busy,
        shared_cache=not backend.endswith(("LocMemCache", "DummyCache")),
    )


def _describe(cfg: admission.Config) -> str:
    """The waiting room in one line, for the admin history (in English, as Django's own history lines)."""
    return f"mode {cfg.mode}, {cfg.rate} buyers a second, auto at {cfg.threshold} in flight or {cfg.latency_ms} ms"


def _record(request: HttpRequest, message: str) -> None:
    """A line in the admin history ("Recent actions"); the waiting room is no database object."""
    LogEntry.objects.create(
        user_id=request.user.pk,
        content_type=None,
        object_id=None,
        object_repr="Waiting room",
        action_flag=CHANGE,
        change_message=message,
    )


class SwitchError(Exception):
    """The cache refused the switch (unreachable, or a write dropped): nothing changed."""


def _busy_or_unreachable(errors: int) -> Exception:
    # A cache that is away refuses the lock too: tell the two apart by its error count.
    return SwitchError() if _cache_errors() != errors else admission.SwitchBusyError()


def _cache_errors() -> int:
    # A Redis cache that degrades (comptoir.core.cache) drops writes when Redis is away and counts them.
    return getattr(cache, "errors", 0)


def _changes(form: WaitingRoomForm, cfg: admission.Config) -> dict[str, Any]:
    """What the form changes: values equal to the current ones stay where they come from (settings or switch)."""
    return {name: form.cleaned_data[name] for name in FIELDS if form.cleaned_data[name] != getattr(cfg, name)}


def _switch(request: HttpRequest, form: WaitingRoomForm) -> str | None:
    """Apply the form; returns the success message, None when nothing changed. Raises SwitchError."""
    before = admission.config()
    changes = _changes(form, before)
    if not changes:
        return None
    errors = _cache_errors()
    try:
        after = admission.switch(**changes)
    except admission.SwitchBusyError as exc:
        raise _busy_or_unreachable(errors) from exc
    except Exception as exc:
        raise SwitchError from exc
    if _cache_errors() != errors or any(getattr(after, name) != value for name, value in changes.items()):
        raise SwitchError
    _record(request, f"Switched: {_describe(after)} (was {_describe(before)}).")
    return _("Waiting room switched: %(mode)s, %(rate)d buyers let into checkout per second.") % {
        "mode": mode_label(after.mode),
        "rate": after.rate,
    }


def _reset(request: HttpRequest) -> str | None:
    if not admission.switched():
        return None
    before = admission.config()
    errors = _cache_errors()
    try:
        after = admission.reset_switch()
    except admission.SwitchBusyError as exc:
        raise _busy_or_unreachable(errors) from exc
    except Exception as exc:
        raise SwitchError from exc
    if _cache_errors() != errors or admission.switched():
        raise SwitchError
    _record(request, f"Back to the settings: {_describe(after)} (was {_describe(before)}).")
    return _("Waiting room back to the settings: %(mode)s, %(rate)d buyers let into checkout per second.") % {
        "mode": mode_label(after.mode),
        "rate": after.rate,
    }


def waiting_room_view(site, request: HttpRequest) -> HttpResponse:
    """GET shows the state and the form; POST `action=switch` applies the form, `action=reset` goes back to
    the settings. Reached through the admin site (BackofficeSiteMixin.get_urls), which asks for a staff login."""
    if not may_switch(request.user):
        raise PermissionDenied
    state = current_state()
    initial = {name: getattr(state.config, name) for name in FIELDS}
    form = WaitingRoomForm(initial=initial)
    url = reverse(f"{site.name}:{URL_NAME}")
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "switch":
            form = WaitingRoomForm(request.POST)
        if action in ("switch", "reset") and (action == "reset" or form.is_valid()):
            try:
                message = _reset(request) if action == "reset" else _switch(request, form)
            except SwitchError:
                form.add_error(None, _("The cache cannot be reached: the waiting room was not switched. Try again."))
            except admission.SwitchBusyError:  # a colleague, or `manage.py waiting_room`, was switching
                form.add_error(
                    None, _("Someone else is switching the waiting room right now: nothing changed. Try again.")
                )
            else:
                if message is None:
                    messages.info(request, _("Nothing to change."))
                else:
                    messages.success(request, message)
                return HttpResponseRedirect(url)
        elif action not in ("switch", "reset"):
            return HttpResponseRedirect(url)
    context = {
        **site.each_context(request),
        "title": _("Waiting room"),
        "state": state,
        "form": form,
        "url": url,
    }
    return TemplateResponse(request, "backoffice/waiting_room.html", context)
