import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connections


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
