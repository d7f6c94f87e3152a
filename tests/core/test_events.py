import pytest
from django.db import transaction

from comptoir.core import events
from comptoir.core.events import dispatch, dispatch_pending, handles, record_event
from comptoir.core.models import Event


@pytest.fixture
def calls():
    seen = []

    @handles("test.thing_happened")
    def remember(event):
        seen.append(event.payload["n"])

    yield seen
    events._handlers.pop("test.thing_happened", None)


@pytest.mark.django_db(transaction=True)
def test_an_event_is_dispatched_after_its_transaction_commits(calls):
    with transaction.atomic():
        record_event("test.thing_happened", n=1)
        assert calls == []

    assert calls == [1]
    assert Event.objects.get().dispatched_at is not None


@pytest.mark.django_db(transaction=True)
def test_an_event_of_a_rolled_back_transaction_is_neither_kept_nor_dispatched(calls):
    with pytest.raises(RuntimeError), transaction.atomic():
        record_event("test.thing_happened", n=1)
        raise RuntimeError("the change failed")

    assert calls == []
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_dispatching_the_same_event_twice_runs_its_handlers_once(calls):
    event = Event.objects.create(name="test.thing_happened", payload={"n": 7})

    assert dispatch(event.pk) is True
    assert dispatch(event.pk) is False
    assert calls == [7]


@pytest.mark.django_db
def test_a_failing_handler_leaves_the_event_pending_with_the_error():
    @handles("test.broken")
    def explode(event):
        raise ValueError("carrier down")

    try:
        event = Event.objects.create(name="test.broken")

        assert dispatch(event.pk) is False
        event.refresh_from_db()
        assert event.dispatched_at is None
        assert event.attempts == 1
        assert "carrier down" in event.last_error
    finally:
        events._handlers.pop("test.broken", None)


@pytest.mark.django_db
def test_the_sweep_dispatches_events_whose_task_was_lost(calls):
    Event.objects.create(name="test.thing_happened", payload={"n": 3})

    assert dispatch_pending(older_than_seconds=0) == 1
    assert calls == [3]
