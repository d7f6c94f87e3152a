"""A first instalment not decided at once (3-D Secure, the late webhook, a provider that did not answer): the
buyer's choice waits with its payment, and the plan starts when that payment is captured, whichever path
captures it (the buyer's return, a webhook, reconciliation), exactly once."""

from decimal import Decimal

import pytest
from django.test import Client

from comptoir.orders.models import Order, OrderStatus
from comptoir.orders.services.payment import return_from_provider
from comptoir.payments.instalment_models import InstalmentPlan, PendingInstalmentPlan, PendingPlanStatus, PlanStatus
from comptoir.payments.instalments.services import start_pending_plan
from comptoir.payments.models import Payment, PaymentStatus, PaymentTransaction, TestCharge
from comptoir.payments.providers.test import TestGateway
from comptoir.payments.services import reconcile_payments
from tests.payments.helpers import post_webhook, signed_test_webhook
from tests.payments.instalments.factories import SUCCESS, make_offer, placed, plan_of

THREE_DS, LATE, UNREACHABLE = "4000 0027 6000 3184", "4000 0000 0000 0077", "4000 0000 0000 0119"


def choose(client, order, offer, card):
    return client.post(f"/en/checkout/pay/{order.token}/", {"card_number": card, "offer": str(offer.pk)})


def status(order) -> str:
    order.refresh_from_db()
    return order.status


def first_payment(order) -> Payment:
    return Payment.objects.filter(order_ref=order.ref).order_by("pk").first()


def assert_started(order, payment):
    payment.refresh_from_db()
    plan = plan_of(order)
    instalments = list(plan.instalments.order_by("sequence"))
    assert plan.status == PlanStatus.ACTIVE and plan.total == Decimal("100.00") and plan.count == 3
    assert plan.saved_method == payment.saved_method and plan.saved_method.startswith("test_pm_")
    assert [(i.sequence, i.amount, i.status) for i in instalments] == [
        (1, Decimal("33.34"), "paid"),
        (2, Decimal("33.33"), "pending"),
        (3, Decimal("33.33"), "pending"),
    ]
    assert instalments[0].payment_id == payment.pk and payment.captured_amount == Decimal("33.34")
    assert PendingInstalmentPlan.objects.get(payment=payment).status == PendingPlanStatus.STARTED
    assert status(order) == OrderStatus.PAID


@pytest.mark.django_db
def test_a_3ds_first_instalment_starts_the_plan_when_the_challenge_is_approved(client, channel):
    offer = make_offer(channel, count=3)
    order = placed(channel)

    challenge_url = choose(client, order, offer, THREE_DS)["Location"]
    waiting = status(order), InstalmentPlan.objects.filter(order_ref=order.ref).exists()
    back = client.post(challenge_url, {"outcome": "approve"})
    returned = client.get(back["Location"])

    assert challenge_url.startswith("/payments/test/challenge/")
    assert waiting == (OrderStatus.AWAITING_PAYMENT, False)
    pending = PendingInstalmentPlan.objects.get(order_ref=order.ref)
    assert [item["amount"] for item in pending.schedule] == ["33.34", "33.33", "33.33"]
    assert returned.status_code == 302 and returned["Location"] == f"/en/checkout/done/{order.token}/"
    assert_started(order, first_payment(order))


@pytest.mark.django_db
def test_a_failed_challenge_starts_no_plan_and_the_buyer_can_choose_again(client, channel):
    offer = make_offer(channel, count=3)
    order = placed(channel)

    challenge_url = choose(client, order, offer, THREE_DS)["Location"]
    back = client.post(challenge_url, {"outcome": "fail"})
    returned = client.get(back["Location"])
    failed = first_payment(order)

    assert returned.status_code == 422 and failed.status == PaymentStatus.FAILED
    assert status(order) == OrderStatus.AWAITING_PAYMENT
    assert not InstalmentPlan.objects.filter(order_ref=order.ref).exists()
    pending = PendingInstalmentPlan.objects.get(payment=failed)
    assert (pending.status, pending.reason) == (PendingPlanStatus.DROPPED, "payment-failed")
    assert start_pending_plan(reference=failed.reference).plan is None

    again = choose(client, order, offer, SUCCESS)

    assert again["Location"] == f"/en/checkout/done/{order.token}/"
    assert_started(order, Payment.objects.filter(order_ref=order.ref).latest("pk"))


@pytest.mark.django_db
def test_the_late_webhook_starts_the_plan_and_pays_the_order(client, channel, django_capture_on_commit_callbacks):
    offer = make_offer(channel, count=3)
    order = placed(channel)

    response = choose(client, order, offer, LATE)
    payment = first_payment(order)
    assert response["Location"] == f"/en/checkout/done/{order.token}/"
    assert (payment.status, status(order)) == (PaymentStatus.PENDING, OrderStatus.AWAITING_PAYMENT)
    TestGateway().settle_late(provider_reference=payment.provider_reference, force=True)
    with django_capture_on_commit_callbacks(execute=True):  # the payment_captured handlers start the plan
        assert post_webhook(client, *signed_test_webhook(payment, event_id="evt_late_1")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):  # redelivered: nothing more
        assert post_webhook(client, *signed_test_webhook(payment, event_id="evt_late_1")).status_code == 200

    assert_started(order, payment)
    assert InstalmentPlan.objects.filter(order_ref=order.ref).count() == 1


@pytest.mark.django_db
def test_reconciliation_starts_the_plan_when_the_provider_did_not_answer(
    client, channel, django_capture_on_commit_callbacks
):
    offer = make_offer(channel, count=3)
    order = placed(channel)

    choose(client, order, offer, UNREACHABLE)
    assert status(order) == OrderStatus.AWAITING_PAYMENT
    with django_capture_on_commit_callbacks(execute=True):
        reconcile_payments(older_than_minutes=0)

    # The provider's first answer was lost; its answer to reconciliation names the card saved.
    assert_started(order, first_payment(order))


@pytest.mark.django_db
@pytest.mark.parametrize("webhook_first", [True, False])
def test_the_webhook_and_the_return_in_either_order_start_one_plan(
    client, channel, webhook_first, django_capture_on_commit_callbacks
):
    offer = make_offer(channel, count=3)
    order = placed(channel)
    challenge_url = choose(client, order, offer, THREE_DS)["Location"]
    back = client.post(challenge_url, {"outcome": "approve"})
    payment = first_payment(order)
    body, headers = signed_test_webhook(payment, event_id="evt_3ds_bnpl")

    with django_capture_on_commit_callbacks(execute=True):
        if webhook_first:
            assert post_webhook(client, body, headers).status_code == 200
            client.get(back["Location"])
        else:
            client.get(back["Location"])
            assert post_webhook(client, body, headers).status_code == 200

    assert_started(order, payment)
    assert InstalmentPlan.objects.filter(order_ref=order.ref).count() == 1
    assert sum(PaymentTransaction.objects.filter(payment=payment).values_list("refunded_delta", flat=True)) == 0


@pytest.mark.django_db
def test_a_first_instalment_captured_after_the_order_was_paid_another_way_starts_no_plan(
    client, channel, django_capture_on_commit_callbacks
):
    offer = make_offer(channel, count=3)
    order = placed(channel)
    choose(client, order, offer, LATE)
    payment = first_payment(order)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.PAID)  # paid in full meanwhile (by staff)
    TestGateway().settle_late(provider_reference=payment.provider_reference, force=True)

    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(client, *signed_test_webhook(payment, event_id="evt_late_paid"))

    assert not InstalmentPlan.objects.filter(order_ref=order.ref).exists()
    pending = PendingInstalmentPlan.objects.get(payment=payment)
    assert (pending.status, pending.reason) == (PendingPlanStatus.DROPPED, "order-not-awaiting-payment")


@pytest.mark.django_db
def test_two_choices_captured_for_one_order_give_one_plan_and_the_second_first_instalment_back(client, channel):
    offer = make_offer(channel, count=3)
    order = placed(channel)
    first_url = choose(client, order, offer, THREE_DS)["Location"]
    second_url = choose(client, order, offer, THREE_DS)["Location"]  # the buyer tried again in another tab
    client.post(first_url, {"outcome": "approve"})
    client.post(second_url, {"outcome": "approve"})

    return_from_provider(order_id=order.pk)

    first, second = Payment.objects.filter(order_ref=order.ref).order_by("pk")
    assert InstalmentPlan.objects.filter(order_ref=order.ref).count() == 1
    assert_started(order, first)
    second.refresh_from_db()
    assert second.status == PaymentStatus.REFUNDED and second.refunded_amount == Decimal("33.34")
    assert PendingInstalmentPlan.objects.get(payment=second).reason == "duplicate-plan"


@pytest.mark.django_db(transaction=True)
def test_the_webhook_and_the_buyers_return_racing_start_one_plan(channel, run_in_threads):
    offer = make_offer(channel, count=3)
    order = placed(channel)
    buyer = Client()
    challenge_url = choose(buyer, order, offer, THREE_DS)["Location"]
    buyer.post(challenge_url, {"outcome": "approve"})
    payment = first_payment(order)
    webhooks = [signed_test_webhook(payment, event_id=f"evt_race_{i}") for i in range(3)]

    def race(i):
        if i % 2:
            return post_webhook(Client(), *webhooks[i // 2]).status_code
        return return_from_provider(order_id=order.pk).reference

    results = run_in_threads(race, n=6)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert InstalmentPlan.objects.filter(order_ref=order.ref).count() == 1
    assert_started(order, payment)
    assert TestCharge.objects.get(reference=payment.reference).refunded_amount == 0
    assert Payment.objects.filter(order_ref=order.ref).count() == 1


@pytest.mark.django_db(transaction=True)
def test_six_workers_starting_one_captured_choice_at_once_start_one_plan_and_refund_nothing(channel, run_in_threads):
    offer = make_offer(channel, count=3)
    order = placed(channel)
    buyer = Client()
    challenge_url = choose(buyer, order, offer, THREE_DS)["Location"]
    buyer.post(challenge_url, {"outcome": "approve"})
    payment = first_payment(order)
    # The capture recorded, its handlers not run yet (the state between the ledger write and the events).
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.CAPTURED, captured_amount=payment.amount)

    results = run_in_threads(lambda i: start_pending_plan(reference=payment.reference), n=6)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(1 for r in results if r.created) == 1
    assert {r.plan.pk for r in results} == {InstalmentPlan.objects.get(order_ref=order.ref).pk}
    assert TestCharge.objects.get(reference=payment.reference).refunded_amount == 0
    assert PendingInstalmentPlan.objects.get(payment=payment).status == PendingPlanStatus.STARTED
