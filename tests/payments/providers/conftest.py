"""Mollie and PayPal adapters against a local server (pytest-httpserver) that answers as their documented APIs do.

The answers are in fixtures/<provider>/*.json, shaped like the providers' documented responses.
"""

import json
import time
from pathlib import Path

import pytest

from comptoir.payments.providers.mollie import MollieGateway
from comptoir.payments.providers.paypal import PayPalGateway

FIXTURES = Path(__file__).parent / "fixtures"
SHORT_TIMEOUT = "0.3"


def load(name: str, **changes) -> dict:
    """A recorded answer, e.g. load("mollie/payment_paid"), with top-level fields changed for the case."""
    data = json.loads((FIXTURES / f"{name}.json").read_text())
    data.update(changes)
    return data


def finished(httpserver, count: int = 1, within: float = 5.0) -> None:
    """Wait until the (single-threaded) local server has answered `count` requests, e.g. a slow one the
    gateway stopped waiting for, so that the next request is not queued behind it."""
    deadline = time.monotonic() + within
    while len(httpserver.log) < count and time.monotonic() < deadline:
        time.sleep(0.02)


def slow(seconds: float = 0.6):
    """A handler that answers too late for the gateways' short test timeout."""
    from werkzeug import Response

    def handler(request):
        time.sleep(seconds)
        return Response("{}", status=200, content_type="application/json")

    return handler


@pytest.fixture
def mollie(httpserver):
    return MollieGateway(
        {
            "api_key": "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM",
            "mode": "test",
            "base_url": httpserver.url_for("/"),
            "webhook_url": "https://shop.example.org/payments/webhooks/mollie/",
            "timeout": SHORT_TIMEOUT,
        }
    )


PAYPAL_CONFIG = {
    "client_id": "AeA1QIZXiflr1_-r0U2UbWTziOWX1GRQer5dx0lbF8UyuTaU6BSL_Thw95rs8BfWI1_8eBRxFGO8r1LZ",
    "client_secret": "ECYYrrSHdKfk_Q0EdvzdGkzj58a66kKaUQ5dZAEv4HvvtDId2_DpSuYDB088BZxGuMBiTfqj7D3s0a",
    "webhook_id": "1JE4291016473214C",
    "mode": "test",
    "brand_name": "Comptoir Test Shop",
    "timeout": SHORT_TIMEOUT,
}


@pytest.fixture
def paypal_config(httpserver):
    return {**PAYPAL_CONFIG, "base_url": httpserver.url_for("/")}


@pytest.fixture
def paypal(paypal_config):
    return PayPalGateway(paypal_config)


@pytest.fixture
def paypal_token(httpserver):
    """PayPal's OAuth2 endpoint, answering with a token valid for nine hours."""
    httpserver.expect_request("/v1/oauth2/token", method="POST").respond_with_json(load("paypal/oauth_token"))
    return load("paypal/oauth_token")["access_token"]
