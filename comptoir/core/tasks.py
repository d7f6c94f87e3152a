from django.tasks import task

from comptoir.core import events


@task()
def dispatch_event(*, event_id: int) -> bool:
    return events.dispatch(event_id)


@task()
def dispatch_pending_events() -> int:
    return events.dispatch_pending()
