"""The page cache is on by default only with a shared cache (Redis); these tests turn it on over the tests'
memory cache, which one test process shares with itself."""

import pytest


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.COMPTOIR = {**settings.COMPTOIR, "PAGE_CACHE": True, "FRAGMENT_CACHE": True}


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a change as if its transaction committed: the cache versions are bumped on commit."""

    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    return run
