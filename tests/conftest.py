import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connections
from hypothesis import HealthCheck, settings

# CI machines are small and run the suite on every core: generation speed and per-example time depend on the
# load, not on the code, so they are not checked. The properties themselves are.
settings.register_profile("comptoir", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("comptoir")


def pytest_sessionfinish(session, exitstatus):
    """Remove the SQLite test database's -wal and -shm files, which Django's teardown leaves behind."""
    import glob
    import os

    from django.conf import settings

    name = settings.DATABASES["default"].get("TEST", {}).get("NAME") or ""
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and name:
        for leftover in glob.glob(f"{name}*-wal") + glob.glob(f"{name}*-shm"):
            os.remove(leftover)


@pytest.fixture(autouse=True)
def _own_media_root(settings, tmp_path):
    """Each test stores uploads in its own folder: tests must not see (or delete) each other's pictures."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a /fr/ page requested by an earlier test must not leave French
    active for the next one in the same worker."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts with an empty cache (channels and the category tree are cached)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def run_in_threads() -> Callable[..., list[Any]]:
    """Run `fn(i)` for i in range(n) on n threads started together; returns each result or exception.

    Each thread has its own database connection and closes it, as separate web workers would.
    Use with `django_db(transaction=True)`.
    """

    def run(fn: Callable[[int], Any], *, n: int) -> list[Any]:
        barrier = threading.Barrier(n)
        results: list[Any] = [None] * n

        def worker(i: int) -> None:
            try:
                barrier.wait(timeout=30)
                results[i] = fn(i)
            except Exception as exc:  # the caller asserts on what each loser got
                results[i] = exc
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        return results

    return run


@pytest.fixture
def channel(db):
    from tests.factories import ChannelFactory

    return ChannelFactory(slug="web-eur", currency="EUR", default_language="fr", default_country="FR", is_default=True)


@pytest.fixture
def usd_channel(db):
    from tests.factories import ChannelFactory

    return ChannelFactory(slug="web-usd", currency="USD", default_language="en", default_country="US")
