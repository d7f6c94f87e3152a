"""The checkout waiting room on a real Redis: one queue for every app server (thread here), numbers handed
out once each, and the degrading cache backend doing the same work as Django's when Redis is up.
Skipped without REDIS_URL, like the other tests here."""

import threading
import uuid

import pytest
from django.core.cache import cache
from django.test import override_settings

from comptoir.checkout import admission
from comptoir.checkout.admission import Config, admit
from tests.redis.test_cache import REDIS_URL, redis_client  # noqa: F401  (a fixture, used below)

pytestmark = pytest.mark.redis

T0 = 1_900_000_000.0


@pytest.fixture
def resilient_redis_cache(redis_client):  # noqa: F811
    prefix = f"comptoir-test-{uuid.uuid4().hex[:12]}"
    caches = {
        "default": {
            "BACKEND": "comptoir.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    with override_settings(CACHES=caches):
        yield prefix
    keys = list(redis_client.scan_iter(match=f"{prefix}:*"))
    if keys:
        redis_client.delete(*keys)


def test_buyers_arriving_at_once_on_several_servers_get_distinct_numbers_and_rate_admissions(
    resilient_redis_cache,
):
    cfg = Config(mode="on", rate=5)
    decisions, lock = [], threading.Lock()

    def arrive():
        decision = admit(cfg, None, now=T0)
        with lock:
            decisions.append(decision)

    threads = [threading.Thread(target=arrive) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    again = [d if d.admitted else admit(cfg, d.ticket, now=T0 + 0.5) for d in decisions]  # same second

    assert sorted(d.ticket.number for d in decisions) == list(range(1, 41))
    # Under the race of the first second a buyer may be told to wait and let in at the next look; never more
    # than the rate are let in, and those are the first five numbers.
    assert sorted(d.ticket.number for d in again if d.admitted) == [1, 2, 3, 4, 5]
    assert cache.errors == 0
    assert admission.queue_length() == 35
