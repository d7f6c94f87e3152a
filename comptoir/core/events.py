"""The events outbox: record an event with the change, react to it after commit.

    record_event("catalog.product_updated", product_id=42)

writes an `Event` row inside the caller's transaction and, once that transaction commits, enqueues
`dispatch_event` through Django's tasks API. Handlers subscribe with `@handles("catalog.product_updated")`
in their app's `handlers.py` (imported by the app's `ready()`); each receives the event and must be
idempotent, since a handler can run again after a crash or a sweep.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from comptoir.core import cache_versions
from comptoir.core.models import Event

logger = logging.getLogger(__name__)

Handler = Callable[[Event], None]
_handlers: dict[str, list[Handler]] = defaultdict(list)


def handles(name: str) -> Callable[[Handler], Handler]:
    """Subscribe the decorated function to events called `name`."""

    def register(handler: Handler) -> Handler:
        if handler not in _handlers[name]:
            _handlers[name].append(handler)
        return handler

    return register


def handlers_for(name: str) -> list[Handler]:
    return list(_handlers.get(name, ()))


def _json_ready(payload: dict[str, Any]) -> dict[str, Any]:

    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


def record_event(name: str, **payload: Any) -> Event:
    """Record `name` with `payload` in the current transaction; dispatch it after commit."""
    event = Event.objects.create(name=name, payload=_json_ready(payload))
    if name in cache_versions.EVENTS:
        # Synchronous and on commit (not through the task queue): the next page a buyer asks for must not be
        # a cached one from before the change, even while the task worker lags or Redis is back from a stop.
        cache_versions.bump_for_event(name, payload)
    if handlers_for(name):
        from comptoir.core.tasks import dispatch_event

        transaction.on_commit(partial(dispatch_event.enqueue, event_id=event.pk))
    return event


def dispatch(event_id: int) -> bool:
    """Run the handlers of one pending event, exactly once per success.

    The event row is locked while its handlers run, so two workers given the same event do not both run
    it; a handler failure rolls back its own work, counts an attempt, and leaves the event pending.
    Returns True when this call dispatched the event.
    """
    try:
        with transaction.atomic():
            event = Event.objects.select_for_update().filter(pk=event_id, dispatched_at__isnull=True).first()
            if event is None:
                return False
            for handler in handlers_for(event.name):
                handler(event)
            event.dispatched_at = timezone.now()
            event.attempts += 1
            event.save(update_fields=["dispatched_at", "attempts"])
            return True
    except Exception as exc:
        logger.exception("event %s failed", event_id)
        Event.objects.filter(pk=event_id).update(attempts=F("attempts") + 1, last_error=repr(exc)[:2000])
        return False


def dispatch_pending(*, older_than_seconds: int = 30, limit: int = 500) -> int:
    """Dispatch events whose task never ran (a lost enqueue, a crash). Returns how many were dispatched."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        Event.objects.filter(dispatched_at__isnull=True, occurred_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for event_id in ids if dispatch(event_id))
