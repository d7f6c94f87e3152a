"""A Redis cache that degrades instead of failing: when Redis cannot be reached, reads miss and writes are
dropped (logged once a minute per process), so the pages that use the cache keep working from the database.

settings.py uses it whenever CACHE_URL is a redis:// address, with short socket timeouts: a stopped Redis
costs each call a refused connection (microseconds), an unresponsive one at most half a second. `errors`
counts the failures, so a caller that must know (the checkout waiting room) can tell a miss from an outage.
"""

from __future__ import annotations

import logging
import time

from redis.exceptions import RedisError

from comptoir.core.redis_cache import RedisCache

logger = logging.getLogger(__name__)


class ResilientRedisCache(RedisCache):
    errors = 0
    _last_warning = 0.0

    def _failed(self, operation: str, exc: Exception) -> None:
        self.errors += 1
        now = time.monotonic()
        if now - ResilientRedisCache._last_warning > 60:
            ResilientRedisCache._last_warning = now
            logger.warning("cache: Redis unreachable during %s (%s); carrying on without it", operation, exc)

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError as exc:
            self._failed("add", exc)
            return False

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as exc:
            self._failed("get", exc)
            return default

    def set(self, key, value, timeout=None, version=None):
        try:
            super().set(key, value, timeout, version)
        except RedisError as exc:
            self._failed("set", exc)

    def touch(self, key, timeout=None, version=None):
        try:
            return super().touch(key, timeout, version)
        except RedisError as exc:
            self._failed("touch", exc)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError as exc:
            self._failed("delete", exc)
            return False

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError as exc:
            self._failed("get_many", exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except RedisError as exc:
            self._failed("has_key", exc)
            return False

    def incr(self, key, delta=1, version=None):
        """As RedisCache; with Redis away, ValueError as for a missing key (callers already handle that)."""
        try:
            return super().incr(key, delta, version)
        except RedisError as exc:
            self._failed("incr", exc)
            raise ValueError(f"Key '{key}' not found (Redis unreachable)") from exc

    def set_many(self, data, timeout=None, version=None):
        try:
            return super().set_many(data, timeout, version)
        except RedisError as exc:
            self._failed("set_many", exc)
            return list(data)

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except RedisError as exc:
            self._failed("delete_many", exc)

    def clear(self):
        try:
            return super().clear()
        except RedisError as exc:
            self._failed("clear", exc)
            return False
