"""The page cache against a real Redis server (REDIS_URL, e.g. redis://127.0.0.1:6379/15; skipped without).

Each test writes under its own key prefix and removes only its own keys."""

import os
import uuid

import pytest
from django.core.cache import cache
from django.test import override_settings

from comptoir.pricing.services import set_variant_prices
from tests.factories import sellable_product

pytestmark = [pytest.mark.redis, pytest.mark.django_db]

REDIS_URL = os.environ.get("REDIS_URL", "")


@pytest.fixture
def redis_cache():
    if not REDIS_URL:
        pytest.skip("REDIS_URL is not set (e.g. REDIS_URL=redis://127.0.0.1:6379/15)")
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    prefix = f"comptoir-test-{uuid.uuid4().hex[:12]}"
    caches = {
        "default": {"BACKEND": "comptoir.core.redis_cache.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": prefix}
    }
    with override_settings(CACHES=caches):
        yield client
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


def test_the_redis_backend_makes_one_client_and_reuses_it(redis_cache):
    cache.set("a", 1, 30)

    first, second = cache._cache.get_client(), cache._cache.get_client(write=True)

    assert first is second
    assert cache.get("a") == 1


def test_a_page_cached_in_redis_is_served_without_a_query_and_invalidated_by_a_price_change(
    redis_cache, client, channel, commit, django_assert_num_queries
):
    product = sellable_product(channel=channel, price="19.90")
    client.get(f"/en/p/{product.slug}/")

    with django_assert_num_queries(0):
        hit = client.get(f"/en/p/{product.slug}/")
    commit(set_variant_prices, variant_id=product.variants.get().pk, prices={channel.pk: "24.50"})
    after = client.get(f"/en/p/{product.slug}/")

    assert hit["X-Cache"] == "hit"
    assert after["X-Cache"] == "miss" and "€24.50" in after.text
