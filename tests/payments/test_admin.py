"""Back office: capture and void from a payment's page, the ledger's movements, provider accounts."""

import pytest

from comptoir.payments.accounts import decrypt_secrets
from comptoir.payments.models import PaymentStatus, ProviderAccount
from tests.payments.helpers import SUCCESS, started

pytestmark = pytest.mark.django_db


def test_staff_capture_a_held_payment_after_confirming(admin_client):
    payment = started(SUCCESS, capture_mode="fulfilment")
    url = f"/admin/payments/payment/{payment.pk}/capture/"

    asked = admin_client.get(url)
    payment.refresh_from_db()
    assert asked.status_code == 200 and payment.status == PaymentStatus.AUTHORIZED  # a GET changes nothing
    done = admin_client.post(url)

    payment.refresh_from_db()
    assert done.status_code == 302 and payment.status == PaymentStatus.CAPTURED
    page = admin_client.get(f"/admin/payments/payment/{payment.pk}/change/").content.decode()
    assert "captured +€50.00" in page


def test_voiding_a_captured_payment_is_refused_with_a_message(admin_client):
    payment = started(SUCCESS)

    response = admin_client.post(f"/admin/payments/payment/{payment.pk}/void/", follow=True)

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED
    assert "cannot be voided" in response.content.decode()


def test_a_provider_account_is_saved_with_its_secrets_encrypted(admin_client, channel):
    response = admin_client.post(
        "/admin/payments/provideraccount/add/",
        {
            "channel": channel.pk,
            "provider": "stripe",
            "enabled": "on",
            "mode": "test",
            "capture_mode": "order",
            "settings": '{"publishable_key": "pk_test_9"}',
            "env_prefix": "",
            "api_key": "sk_test_9",
            "webhook_secret": "whsec_9",
            "client_id": "",
            "client_secret": "",
        },
    )

    assert response.status_code == 302
    account = ProviderAccount.objects.get()
    assert "sk_test_9" not in account.encrypted_secrets
    assert decrypt_secrets(account.encrypted_secrets) == {"api_key": "sk_test_9", "webhook_secret": "whsec_9"}
    listing = admin_client.get("/admin/payments/provideraccount/").content.decode()
    assert "api_key, webhook_secret" in listing and "sk_test_9" not in listing
