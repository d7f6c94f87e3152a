import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache():
    """The waiting room lives in the cache: every test starts with an empty queue."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def waiting_room(settings):
    """Switch the waiting room through the settings: waiting_room(mode="on", rate=2)."""

    def configure(**values):
        settings.COMPTOIR = {**settings.COMPTOIR, "WAITING_ROOM": {k.upper(): v for k, v in values.items()}}

    return configure


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock():
    """The waiting room's clock, stopped: `clock.now += 1` is a second later."""
    from unittest import mock

    stopped = Clock(1_900_000_000.0)
    with mock.patch("comptoir.checkout.admission.time", stopped):
        yield stopped
