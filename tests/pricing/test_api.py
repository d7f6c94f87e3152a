"""POST /api/v1/gift-cards/balance: the balance as JSON, problems for the rest, the shared rate limit."""

import json
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from comptoir.pricing.giftcards import format_gift_card_code
from tests.pricing.factories import gift_card

pytestmark = pytest.mark.django_db

URL = "/api/v1/gift-cards/balance"


def ask(client, code, **extra):
    return client.post(URL, json.dumps({"code": code}), content_type="application/json", **extra)


def test_the_balance_of_a_card_with_its_masked_code_and_expiry(client, channel):
    expires = timezone.now() + timedelta(days=90)
    card = gift_card("25.00", expires_at=expires)

    response = ask(client, format_gift_card_code(card.code), headers={"Accept-Language": "fr"})

    body = response.json()
    assert response.status_code == 200
    assert body["code"] == f"•••• {card.code[-4:]}"
    assert body["balance"] == {"amount": "25.00", "currency": "EUR", "formatted": "25,00\xa0€"}
    assert body["usable"] is True
    assert abs(datetime.fromisoformat(body["expires_at"]) - expires) < timedelta(seconds=1)
    assert card.code not in response.content.decode()


def test_an_unknown_code_is_a_404_problem(client, channel):
    response = ask(client, "ABCD-2345-WXYZ-6789")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("/gift-card-not-found")


def test_a_missing_code_is_a_422_problem(client, channel):
    response = client.post(URL, "{}", content_type="application/json")

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][-1] == "code"


def test_past_ten_tries_the_api_answers_429_with_retry_after(client, channel):
    card = gift_card("10.00")
    for i in range(10):
        ask(client, f"ABCD2345WXYZ{i:04d}")

    refused = ask(client, card.code)

    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert 0 < int(refused["Retry-After"]) <= 600
    assert refused.json()["type"].endswith("/rate-limited")


def test_the_page_and_the_api_share_one_allowance(client, channel):
    for i in range(10):
        client.post("/en/gift-cards/balance/", {"code": f"ABCD2345WXYZ{i:04d}"})

    assert ask(client, "ABCD2345WXYZ9999").status_code == 429


def test_the_operation_is_in_the_openapi_document_with_its_429(client):
    schema = client.get("/api/openapi.json").json()

    operation = schema["paths"]["/api/v1/gift-cards/balance"]["post"]
    assert "429" in operation["responses"] and operation["tags"] == ["gift cards"]
