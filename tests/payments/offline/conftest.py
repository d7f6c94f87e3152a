import pytest


@pytest.fixture(autouse=True)
def _offline_provider_on(settings):
    settings.PAYMENT_PROVIDERS = ["test", "offline"]
