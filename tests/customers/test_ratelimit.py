"""The cache-counted brake on guesses (comptoir.customers.ratelimit)."""

import pytest

from comptoir.customers import ratelimit
from comptoir.customers.errors import RateLimitedError

RULE = ratelimit.Limit(scope="test", limit=3, window=600)


def test_a_key_may_try_until_it_has_used_its_allowance():
    for _ in range(3):
        assert ratelimit.retry_after(RULE, key="k", now=1000.0) is None
        ratelimit.count(RULE, key="k", now=1000.0)

    assert ratelimit.retry_after(RULE, key="k", now=1000.0) == 600
    assert ratelimit.retry_after(RULE, key="k", now=1400.0) == 200


def test_the_wait_is_counted_from_the_first_try_of_the_window():
    ratelimit.count(RULE, key="k", now=1000.0)
    ratelimit.count(RULE, key="k", now=1300.0)
    ratelimit.count(RULE, key="k", now=1500.0)

    assert ratelimit.retry_after(RULE, key="k", now=1500.0) == 100


def test_keys_and_scopes_are_counted_apart():
    for _ in range(3):
        ratelimit.count(RULE, key="a")

    assert ratelimit.retry_after(RULE, key="b") is None
    assert ratelimit.retry_after(ratelimit.Limit(scope="other", limit=3, window=600), key="a") is None


def test_hit_counts_every_try_and_refuses_past_the_allowance_with_the_wait():
    for _ in range(3):
        ratelimit.hit(RULE, key="k")

    with pytest.raises(RateLimitedError) as refused:
        ratelimit.hit(RULE, key="k")

    assert refused.value.status == 429
    assert 0 < refused.value.retry_after <= 600 and refused.value.retry_minutes == 10


def test_reset_forgets_the_tries():
    for _ in range(3):
        ratelimit.count(RULE, key="k")

    ratelimit.reset(RULE, key="k")

    assert ratelimit.retry_after(RULE, key="k") is None


def test_the_client_is_its_remote_address(rf):
    assert ratelimit.client_ip(rf.get("/", REMOTE_ADDR="203.0.113.9")) == "203.0.113.9"
