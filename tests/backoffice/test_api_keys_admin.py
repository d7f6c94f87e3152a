"""Staff API keys in the back office: made for a staff member, the secret shown once, revoked."""

import hashlib
import re

import pytest
from django.contrib.auth import get_user_model

from comptoir.core.apikeys import create_api_key, user_for_secret
from comptoir.core.models import ApiKey
from tests.backoffice.inventory_support import body, count_queries, messages_of, staff

pytestmark = pytest.mark.django_db

LIST = "/admin/core/apikey/"
ADD = "/admin/core/apikey/add/"


def shown_secret(response) -> str:
    return re.search(r'id="api-key-secret"[^>]*value="(cpt_[^"]+)"', body(response)).group(1)


def scanner_user():
    return get_user_model().objects.create_user(username="scanner", password="pw", is_staff=True)


def test_a_new_key_shows_its_secret_once_and_keeps_only_its_digest(admin_client):
    user = scanner_user()

    response = admin_client.post(ADD, {"name": "Warehouse scanner", "user": user.pk})

    secret = shown_secret(response)
    key = ApiKey.objects.get()
    assert (key.name, key.user, key.prefix) == ("Warehouse scanner", user, secret[:12])
    assert key.digest != secret and secret not in key.digest
    assert key.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert "shown only this once" in body(response)
    assert "no-store" in response["Cache-Control"]
    assert user_for_secret(secret) == user


def test_the_secret_is_never_shown_again(admin_client):
    response = admin_client.post(ADD, {"name": "ERP sync", "user": scanner_user().pk})
    secret, key = shown_secret(response), ApiKey.objects.get()

    pages = [body(admin_client.get(url)) for url in (LIST, f"{LIST}{key.pk}/change/", f"{LIST}?q=ERP")]

    assert all(secret not in page and key.digest not in page for page in pages)
    assert all(key.prefix in page for page in pages)
    assert secret not in str(admin_client.session.items())


def test_a_key_needs_a_name(admin_client):
    response = admin_client.post(ADD, {"name": "   ", "user": scanner_user().pk})

    assert response.status_code == 200 and response.context["form"].errors["name"]
    assert not ApiKey.objects.exists()


def test_revoking_a_key_asks_first_then_refuses_its_secret(admin_client):
    key, secret = create_api_key(user_id=scanner_user().pk, name="Till")
    url = f"{LIST}{key.pk}/revoke/"

    question = admin_client.get(url)
    still_valid = user_for_secret(secret) is not None
    response = admin_client.post(url, follow=True)

    assert question.status_code == 200 and still_valid
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert user_for_secret(secret) is None
    assert messages_of(response) == ["1 key revoked."]


def test_selected_keys_are_revoked_together(admin_client):
    user = scanner_user()
    keys = [create_api_key(user_id=user.pk, name=f"Scanner {i}")[0] for i in range(3)]

    admin_client.post(LIST, {"action": "revoke", "_selected_action": [k.pk for k in keys[:2]]})

    assert list(ApiKey.objects.order_by("pk").values_list("revoked_at", flat=True)).count(None) == 1


def test_the_list_shows_who_uses_each_key_and_whether_it_is_revoked(admin_client):
    user = scanner_user()
    _active, _ = create_api_key(user_id=user.pk, name="Active one")
    revoked, _ = create_api_key(user_id=user.pk, name="Old one")
    admin_client.post(f"{LIST}{revoked.pk}/revoke/")

    only_revoked = body(admin_client.get(f"{LIST}?state=revoked"))

    assert "Old one" in only_revoked and "Active one" not in only_revoked and "scanner" in only_revoked


def test_the_list_takes_the_same_queries_for_one_key_and_for_many(admin_client):
    create_api_key(user_id=scanner_user().pk, name="First")
    admin_client.get(LIST)
    one = count_queries(admin_client, LIST)

    for i in range(10):
        user = get_user_model().objects.create_user(username=f"bot{i}", password="pw", is_staff=True)
        create_api_key(user_id=user.pk, name=f"Bot {i}")
    many = count_queries(admin_client, LIST)

    assert one == many


def test_a_staff_member_who_may_make_keys_makes_them_for_themselves_only(client):
    clerk = staff(client, "core.add_apikey", "core.view_apikey")
    boss = get_user_model().objects.create_superuser(username="boss", email="b@example.com", password="pw")

    refused = client.post(ADD, {"name": "Borrowed rights", "user": boss.pk})
    made = client.post(ADD, {"name": "My scanner", "user": clerk.pk})

    assert refused.status_code == 200 and refused.context["form"].errors["user"]
    assert made.status_code == 200
    assert list(ApiKey.objects.values_list("user__username", flat=True)) == ["clerk"]


def test_staff_without_the_right_cannot_make_or_revoke_keys(client):
    key, secret = create_api_key(user_id=scanner_user().pk, name="Till")
    staff(client, "core.view_apikey", username="viewer")

    assert client.get(LIST).status_code == 200
    assert client.post(ADD, {"name": "Mine", "user": key.user_id}).status_code == 403
    assert client.post(f"{LIST}{key.pk}/revoke/").status_code == 403
    assert user_for_secret(secret) is not None
