import pytest

from comptoir.core.errors import ConflictError
from comptoir.core.idempotency import (
    IdempotencyKeyInvalidError,
    IdempotencyKeyReusedError,
    run_once,
)
from comptoir.core.models import Event, IdempotencyRecord


def counting_action(calls):
    def action():
        calls.append(1)
        event = Event.objects.create(name="test.written")
        return 201, {"id": event.pk}

    return action


@pytest.mark.django_db
def test_a_retry_with_the_same_key_replays_the_first_answer_without_writing_again():
    calls = []

    first = run_once(scope="user:1:POST /x", key="k1", body=b'{"a":1}', action=counting_action(calls))
    second = run_once(scope="user:1:POST /x", key="k1", body=b'{"a":1}', action=counting_action(calls))

    assert first == second
    assert len(calls) == 1
    assert Event.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_a_different_body_is_refused():
    run_once(scope="s", key="k1", body=b"one", action=counting_action([]))

    with pytest.raises(IdempotencyKeyReusedError):
        run_once(scope="s", key="k1", body=b"two", action=counting_action([]))


@pytest.mark.django_db
def test_the_same_key_from_another_client_is_a_different_request():
    calls = []

    run_once(scope="user:1", key="k1", body=b"x", action=counting_action(calls))
    run_once(scope="user:2", key="k1", body=b"x", action=counting_action(calls))

    assert len(calls) == 2


@pytest.mark.django_db
def test_a_refused_write_stores_nothing_so_a_corrected_retry_runs():
    def refuse():
        Event.objects.create(name="half-written")
        raise ConflictError("sold out")

    with pytest.raises(ConflictError):
        run_once(scope="s", key="k1", body=b"x", action=refuse)

    assert not IdempotencyRecord.objects.exists()
    assert not Event.objects.exists()
    assert run_once(scope="s", key="k1", body=b"x", action=counting_action([]))[0] == 201


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "line\nbreak"])
def test_an_empty_overlong_or_unprintable_key_is_refused(key):
    with pytest.raises(IdempotencyKeyInvalidError):
        run_once(scope="s", key=key, body=b"", action=counting_action([]))


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_requests_with_one_key_write_once_and_all_get_the_same_answer(run_in_threads):
    calls = []

    results = run_in_threads(lambda i: run_once(scope="s", key="k1", body=b"x", action=counting_action(calls)), n=10)

    assert [r for r in results if isinstance(r, Exception)] == []
    assert len({r[1]["id"] for r in results}) == 1
    assert Event.objects.count() == 1
