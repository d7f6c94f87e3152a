"""POST /payments/webhooks/<provider>/: signed, once per event, quick answers."""

import time

import pytest
from django.test import Client

from comptoir.core.models import Event
from comptoir.payments.models import Payment, PaymentStatus, PaymentTransaction
from comptoir.payments.providers.test import TestGateway
from tests.payments.helpers import LATE, post_webhook, signed_test_webhook, started


@pytest.mark.django_db
def test_a_signed_test_webhook_captures_a_pending_payment(client):
    payment = started(LATE)
    TestGateway().settle_late(provider_reference=payment.provider_reference, force=True)
    body, headers = signed_test_webhook(payment, event_id="evt_a")

    response = post_webhook(client, body, headers)

    assert response.status_code == 200 and response.json() == {"received": 1}
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED


@pytest.mark.django_db
def test_the_endpoint_is_outside_the_language_prefix_and_needs_no_csrf_token():
    payment = started(LATE)
    body, headers = signed_test_webhook(payment, status="captured", event_id="evt_b")

    response = post_webhook(Client(enforce_csrf_checks=True), body, headers)

    assert response.status_code == 200


@pytest.mark.django_db
def test_a_bad_signature_is_a_400_problem_and_records_nothing(client):
    payment = started(LATE)
    body, headers = signed_test_webhook(payment, status="captured", event_id="evt_c")

    response = post_webhook(client, body.replace(b"captured", b"refunded"), headers)

    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 400
    assert not PaymentTransaction.objects.filter(provider_event_id="evt_c").exists()


@pytest.mark.django_db
def test_a_replayed_webhook_older_than_five_minutes_is_refused(client):
    payment = started(LATE)
    gateway = TestGateway()
    charge = gateway.settle_late(provider_reference=payment.provider_reference, force=True)
    body, headers = gateway.signed_event(charge, event_id="evt_old", timestamp=int(time.time()) - 301)

    assert post_webhook(client, body, headers).status_code == 400
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


@pytest.mark.django_db
def test_an_unknown_provider_is_a_404_and_get_is_not_allowed(client):
    assert post_webhook(client, b"{}", {}, provider="nosuchpay").status_code == 404
    assert client.get("/payments/webhooks/test/").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_the_same_webhook_delivered_ten_times_at_once_changes_the_payment_once(run_in_threads):
    payment = started(LATE)
    charge = TestGateway().settle_late(provider_reference=payment.provider_reference, force=True)
    body, headers = TestGateway().signed_event(charge, event_id="evt_storm")

    responses = run_in_threads(lambda i: post_webhook(Client(), body, headers), n=10)

    assert [getattr(r, "status_code", r) for r in responses] == [200] * 10
    payment = Payment.objects.get(pk=payment.pk)
    assert payment.status == PaymentStatus.CAPTURED and payment.captured_amount == charge.amount
    assert PaymentTransaction.objects.filter(provider_event_id="evt_storm").count() == 1
    assert sum(PaymentTransaction.objects.filter(payment=payment).values_list("captured_delta", flat=True)) == 50
    assert Event.objects.filter(name="payments.payment_captured").count() == 1


@pytest.mark.django_db(transaction=True)
def test_ten_different_capture_events_racing_capture_once(run_in_threads):
    payment = started(LATE)
    charge = TestGateway().settle_late(provider_reference=payment.provider_reference, force=True)
    deliveries = [TestGateway().signed_event(charge, event_id=f"evt_{i}") for i in range(10)]

    responses = run_in_threads(lambda i: post_webhook(Client(), *deliveries[i]), n=10)

    assert [getattr(r, "status_code", r) for r in responses] == [200] * 10
    assert PaymentTransaction.objects.filter(payment=payment, provider_event_id__startswith="evt_").count() == 10
    assert sum(PaymentTransaction.objects.filter(payment=payment).values_list("captured_delta", flat=True)) == 50
    assert Event.objects.filter(name="payments.payment_captured").count() == 1


@pytest.mark.django_db
def test_the_late_webhook_task_settles_the_test_charge_and_delivers_a_signed_event():
    from comptoir.payments.tasks import deliver_test_webhook

    payment = started(LATE)

    received = deliver_test_webhook.call(provider_reference=payment.provider_reference)

    payment.refresh_from_db()
    assert received == 1 and payment.status == PaymentStatus.CAPTURED
    assert PaymentTransaction.objects.filter(payment=payment, provider_event_id__startswith="evt_test_").count() == 1


@pytest.mark.django_db
def test_the_late_webhook_is_scheduled_when_the_task_backend_can_defer(settings, django_capture_on_commit_callbacks):
    from django.tasks import default_task_backend

    from comptoir.payments.tasks import deliver_test_webhook

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        payment = started(LATE)
    scheduled = [r for r in default_task_backend.results if r.task.func == deliver_test_webhook.func]

    assert len(scheduled) == 1 and scheduled[0].kwargs == {"provider_reference": payment.provider_reference}
    assert scheduled[0].task.run_after is not None
