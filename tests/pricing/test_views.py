"""The gift-card balance page: /<lang>/gift-cards/balance/."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comptoir.pricing.giftcards import debit_gift_card, format_gift_card_code, set_gift_card_active
from tests.pricing.factories import eur, gift_card

pytestmark = pytest.mark.django_db

URL = "/en/gift-cards/balance/"


def test_the_page_has_a_labelled_code_field_and_a_csrf_protected_form(client, channel):
    response = client.get(URL)

    page = response.content.decode()
    assert response.status_code == 200
    assert reverse("pricing:gift_card_balance") == URL
    assert '<label for="id_code">Gift card code</label>' in page
    assert 'name="csrfmiddlewaretoken"' in page and 'method="post"' in page
    assert 'aria-describedby="id_code-help"' in page
    assert '<meta name="robots" content="noindex">' in page


def test_the_page_is_in_french_under_fr(client, channel):
    response = client.get("/fr/gift-cards/balance/")

    assert response.status_code == 200 and '<html lang="fr"' in response.content.decode()


def test_a_known_code_shows_its_balance_and_expiry_but_never_the_whole_code(client, channel):
    card = gift_card("42.50", expires_at=timezone.now() + timedelta(days=30))

    response = client.post(URL, {"code": format_gift_card_code(card.code).lower()})

    page = response.content.decode()
    assert response.status_code == 200
    assert "€42.50" in page and f"•••• {card.code[-4:]}" in page and "Valid until" in page
    assert card.code not in page and format_gift_card_code(card.code) not in page.upper()


def test_a_card_that_cannot_pay_says_so(client, channel):
    card = gift_card("10.00")
    set_gift_card_active(gift_card_id=card.pk, is_active=False)

    page = client.post(URL, {"code": card.code}).content.decode()

    assert "cannot be used for a purchase" in page


def test_an_unknown_code_is_told_on_the_form_with_a_422(client, channel):
    response = client.post(URL, {"code": "ABCD-2345-WXYZ-6789"})

    assert response.status_code == 422
    assert "No gift card has this code" in response.content.decode()


def test_an_empty_form_asks_for_the_code(client, channel):
    response = client.post(URL, {"code": ""})

    assert response.status_code == 422
    assert "This field is required" in response.content.decode()


def test_the_eleventh_try_in_ten_minutes_is_refused_with_a_429_and_when_to_come_back(client, channel):
    card = gift_card("10.00")
    for i in range(10):
        assert client.post(URL, {"code": f"ABCD2345WXYZ{i:04d}"}).status_code == 422

    refused = client.post(URL, {"code": card.code})

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 600
    page = refused.content.decode()
    assert "Too many tries" in page and "€10.00" not in page


def test_the_limit_is_per_client_address(client, channel):
    for i in range(10):
        client.post(URL, {"code": f"ABCD2345WXYZ{i:04d}"}, REMOTE_ADDR="10.0.0.1")

    other = client.post(URL, {"code": "ABCD2345WXYZ9999"}, REMOTE_ADDR="10.0.0.2")

    assert other.status_code == 422


def test_a_post_without_the_csrf_token_is_refused(channel):
    response = Client(enforce_csrf_checks=True).post(URL, {"code": "ABCD2345WXYZ6789"})

    assert response.status_code == 403


def test_checking_a_balance_takes_the_same_queries_whatever_the_card(client, channel, django_assert_num_queries):
    client.get(URL)  # warm the channel cache
    small, busy = gift_card("10.00"), gift_card("500.00")
    for i in range(5):
        debit_gift_card(code=busy.code, amount=eur("1.00"), order_ref=f"O-{i}")

    with django_assert_num_queries(1) as small_queries:
        client.post(URL, {"code": small.code})
    with django_assert_num_queries(len(small_queries)):
        client.post(URL, {"code": busy.code})
