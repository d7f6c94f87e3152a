"""comptoir.core.cache.ResilientRedisCache with Redis away: misses and dropped writes, never an exception
that would turn a page into a 500. (Its normal work against a real Redis: tests/redis/test_cache.py.)"""

import socket

import pytest
from django.contrib.sessions.backends.cached_db import SessionStore
from django.core.cache import caches
from django.test import override_settings

from comptoir.core.cache import ResilientRedisCache


@pytest.fixture
def dead_redis():
    """A cache pointed at a loopback port where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "dead": {
            "BACKEND": "comptoir.core.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    }
    with override_settings(CACHES=settings, SESSION_CACHE_ALIAS="dead"):
        yield caches["dead"]


def test_reads_miss_and_writes_are_dropped_while_redis_is_away(dead_redis):
    assert isinstance(dead_redis, ResilientRedisCache)

    dead_redis.set("key", "value")

    assert dead_redis.get("key", "fallback") == "fallback"
    assert dead_redis.add("key", 1) is False
    assert dead_redis.get_many(["key"]) == {}
    assert dead_redis.errors >= 4


def test_incr_says_the_key_is_missing_as_callers_already_expect(dead_redis):
    with pytest.raises(ValueError):
        dead_redis.incr("counter")


@pytest.mark.django_db
def test_cached_db_sessions_are_kept_in_the_database_while_redis_is_away(dead_redis):
    session = SessionStore()
    session["cart"] = "abc"
    session.save()

    assert SessionStore(session.session_key).load() == {"cart": "abc"}
