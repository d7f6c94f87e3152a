"""The cache framework and the channel cache against a real Redis server.

Runs when REDIS_URL names a Redis that answers (CI uses redis://127.0.0.1:6379/15, a throw-away
database); otherwise every test here is skipped, saying why. Each test writes under its own key
prefix and removes only its own keys, so parallel workers and other users of that Redis database are
left alone (no FLUSHDB).
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.contrib.sessions.backends.cache import SessionStore
from django.core.cache import cache
from django.test import override_settings

from comptoir.core.queries import CHANNELS_CACHE_KEY, forget_channels, list_active_channels
from tests.factories import ChannelFactory

pytestmark = pytest.mark.redis

REDIS_URL = os.environ.get("REDIS_URL", "")
BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def redis_client():
    """A raw client on REDIS_URL, or a skip that names the missing service."""
    if not REDIS_URL:
        pytest.skip("REDIS_URL is not set (e.g. REDIS_URL=redis://127.0.0.1:6379/15)")
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    yield client
    client.close()


@pytest.fixture
def redis_cache(redis_client):
    """Point Django's default cache at Redis for one test, under a prefix of its own; returns the prefix."""
    prefix = f"comptoir-test-{uuid.uuid4().hex[:12]}"
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    with override_settings(CACHES=caches, SESSION_ENGINE="django.contrib.sessions.backends.cache"):
        yield prefix
    keys = list(redis_client.scan_iter(match=f"{prefix}:*"))
    if keys:
        redis_client.delete(*keys)


def stored_keys(client, prefix: str) -> set[str]:
    """The cache keys (without prefix and version) that really are in Redis under `prefix`."""
    return {key.decode().split(":", 2)[2] for key in client.scan_iter(match=f"{prefix}:*")}


def test_values_written_through_the_cache_framework_are_stored_in_redis_and_read_back(redis_client, redis_cache):
    cache.set("greeting", {"text": "bonjour", "n": 3}, timeout=60)
    cache.set_many({"a": 1, "b": 2}, timeout=60)

    value = cache.get("greeting")
    many = cache.get_many(["a", "b", "missing"])

    assert value == {"text": "bonjour", "n": 3}
    assert many == {"a": 1, "b": 2}
    assert stored_keys(redis_client, redis_cache) == {"greeting", "a", "b"}
    assert 0 < redis_client.ttl(f"{redis_cache}:1:greeting") <= 60


def test_add_incr_and_delete_behave_atomically_on_redis(redis_client, redis_cache):
    assert cache.add("counter", 1) is True
    assert cache.add("counter", 99) is False

    cache.incr("counter", 4)
    total = cache.get("counter")
    cache.delete("counter")

    assert total == 5
    assert cache.get("counter") is None
    assert stored_keys(redis_client, redis_cache) == set()


def test_active_channels_are_cached_in_redis_and_read_without_a_query(
    redis_client, redis_cache, django_assert_num_queries, db
):
    ChannelFactory(slug="web-eur", currency="EUR", is_default=True)
    ChannelFactory(slug="web-usd", currency="USD", position=1)
    with django_assert_num_queries(1):
        first = list_active_channels()

    with django_assert_num_queries(0):
        second = list_active_channels()

    assert [c.slug for c in second] == [c.slug for c in first] == ["web-eur", "web-usd"]
    assert second[0].currency == "EUR"
    assert CHANNELS_CACHE_KEY in stored_keys(redis_client, redis_cache)


def test_forgetting_channels_removes_them_from_redis_so_a_new_channel_shows_up(
    redis_client, redis_cache, django_assert_num_queries, db
):
    ChannelFactory(slug="web-eur", currency="EUR", is_default=True)
    list_active_channels()
    ChannelFactory(slug="web-gbp", currency="GBP", position=2)

    forget_channels()

    assert CHANNELS_CACHE_KEY not in stored_keys(redis_client, redis_cache)
    with django_assert_num_queries(1):
        assert [c.slug for c in list_active_channels()] == ["web-eur", "web-gbp"]


def test_sessions_kept_in_the_redis_cache_survive_a_new_store(redis_client, redis_cache):
    session = SessionStore()
    session["cart"] = [1, 2, 3]
    session.save()

    reloaded = SessionStore(session_key=session.session_key)

    assert reloaded["cart"] == [1, 2, 3]
    assert any(key.startswith("django.contrib.sessions.cache") for key in stored_keys(redis_client, redis_cache))


def test_production_settings_turn_cache_url_into_a_working_redis_cache(redis_client):
    """The real settings module (not the test settings) reads CACHE_URL; checked in a fresh process."""
    key = f"comptoir-test-probe-{uuid.uuid4().hex[:12]}"
    script = (
        "import django; django.setup();"
        "from django.conf import settings; from django.core.cache import cache;"
        "print(settings.CACHES['default']['BACKEND']);"
        f"cache.set({key!r}, 'ok', 30); print(cache.get({key!r}))"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "comptoir.settings",
        "SECRET_KEY": "redis-settings-test",
        "DATABASE_URL": "sqlite://:memory:",
        "CACHE_URL": "rediscache://" + REDIS_URL.split("://", 1)[1],
    }

    result = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=60
    )

    try:
        assert result.returncode == 0, result.stderr
        # Degrades when Redis is away (comptoir/core/cache.py), one Redis client per pool (core/redis_cache.py).
        assert result.stdout.split() == ["comptoir.core.cache.ResilientRedisCache", "ok"]
        # No KEY_PREFIX: Django stores it as ":<version>:<key>".
        assert redis_client.exists(f":1:{key}") == 1
    finally:
        redis_client.delete(f":1:{key}")
