"""A task a dead worker left "running" goes back in the queue, once it is clearly stalled."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.utils import timezone

from comptoir.core.task_recovery import DB_BACKEND, requeue_stalled_tasks
from comptoir.orders.tasks import send_order_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": DB_BACKEND}}
    settings.COMPTOIR = {**settings.COMPTOIR, "TASK_STALLED_MINUTES": 30}


def claimed(minutes_ago: int):
    """A task a worker claimed `minutes_ago` and never finished."""
    from django_tasks_db.models import DBTaskResult

    result = send_order_email.enqueue(order_id=1, kind="confirmation")
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim("worker-that-died")
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=timezone.now() - timedelta(minutes=minutes_ago))
    return row.pk


def status_of(pk):
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.get(pk=pk).status


def test_a_task_running_for_longer_than_the_limit_is_queued_again(database_tasks):
    stalled, recent = claimed(45), claimed(5)

    assert requeue_stalled_tasks() == 1

    assert status_of(stalled) == TaskResultStatus.READY
    assert status_of(recent) == TaskResultStatus.RUNNING
    assert requeue_stalled_tasks() == 0


def test_a_finished_task_is_left_alone(database_tasks):
    from django_tasks_db.models import DBTaskResult

    pk = claimed(60)
    DBTaskResult.objects.filter(pk=pk).update(status=TaskResultStatus.SUCCESSFUL)

    assert requeue_stalled_tasks() == 0
    assert status_of(pk) == TaskResultStatus.SUCCESSFUL


def test_it_runs_with_the_periodic_jobs(database_tasks, capsys):
    claimed(90)

    call_command("run_periodic_jobs", "--once", "--only", "requeue_stalled_tasks")

    assert "periodic job=requeue_stalled_tasks handled=1" in capsys.readouterr().out


def test_another_task_backend_is_not_touched():
    assert requeue_stalled_tasks() == 0  # the tests' immediate backend
