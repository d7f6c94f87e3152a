"""Tasks left "running" by a worker that died: put back in the queue.

The database task backend (django-tasks-db) marks a task RUNNING when a worker claims it and SUCCESSFUL or
FAILED when it ends. A worker killed in between — SIGKILL, an out-of-memory kill, the database restarting
under it (the flash-sale fault runs saw it) — leaves the task RUNNING for ever: no worker takes it again,
and an e-mail it was to send never leaves. `requeue_stalled_tasks` (a periodic job) puts a task that has
been running longer than `COMPTOIR["TASK_STALLED_MINUTES"]` back to READY. Every task of the shop may run
again safely: event handlers are idempotent (comptoir.core.events), order e-mails are sent once
(comptoir.orders.tasks), provider calls carry idempotency keys. The delay is far longer than any task of the
shop takes, so a slow task is not started twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.tasks import TaskResultStatus
from django.utils import timezone

logger = logging.getLogger(__name__)

DB_BACKEND = "django_tasks_db.DatabaseBackend"


def requeue_stalled_tasks(*, now=None) -> int:
    """Put tasks RUNNING for longer than TASK_STALLED_MINUTES back in the queue. Returns how many."""
    if settings.TASKS["default"]["BACKEND"] != DB_BACKEND:
        return 0  # another backend (Redis/RQ, immediate) looks after its own
    from django_tasks_db.models import DBTaskResult

    minutes = int(settings.COMPTOIR.get("TASK_STALLED_MINUTES", 30))
    cutoff = (now or timezone.now()) - timedelta(minutes=minutes)
    stalled = DBTaskResult.objects.running().filter(started_at__lt=cutoff)
    names = list(stalled.values_list("task_path", flat=True)[:20])
    count = stalled.update(status=TaskResultStatus.READY, started_at=None)
    if count:
        logger.warning("requeued %d task(s) left running by a worker that stopped: %s", count, ", ".join(names))
    return count
