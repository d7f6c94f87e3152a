"""Paying an order in instalments through the API: the first instalment captured with the order, the rest
scheduled on the saved card, exactly as the storefront's pay page starts a plan; retries, refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from comptoir.orders.models import Order, OrderStatus
from comptoir.payments.instalment_models import (
    Instalment,
    InstalmentPlan,
    PendingInstalmentPlan,
)
from comptoir.payments.instalments.services import charge_due_instalments
from comptoir.payments.models import Payment, PaymentStatus
from comptoir.payments.services import reconcile_payments
from tests.api.buying import DECLINED_CARD, pay, pay_in_instalments, place, ready_cart
from tests.api.helpers import assert_problem
from tests.factories import ChannelFactory
from tests.payments.instalments.factories import make_offer, placed

pytestmark = pytest.mark.django_db

THREE_DS = "4000 0027 6000 3184"


def order_of(client, channel, *, price: str = "95.10") -> dict:
    """An order placed through the API, awaiting payment: `price` plus 4.90 shipping (100.00 by default)."""
    cart, _ = ready_cart(client, channel, price=price)
    placed_order = place(client, cart)
    assert placed_order.status_code == 201, placed_order.content
    return placed_order.json()


def nothing_paid(order: dict) -> None:
    assert Order.objects.get(number=order["number"]).status == OrderStatus.AWAITING_PAYMENT
    assert not InstalmentPlan.objects.exists()
    assert not Payment.objects.filter(status=PaymentStatus.CAPTURED).exists()


# --- Paying with a plan, end to end ----------------------------------------------------------------------


def test_paying_in_three_captures_the_first_instalment_pays_the_order_and_schedules_the_rest(client, channel):
    make_offer(channel, count=3)
    order = order_of(client, channel)
    [offer] = client.get(f"/api/v1/orders/by-token/{order['token']}/instalment-offers").json()["offers"]

    response = pay_in_instalments(client, order, offer["id"])

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["order_status"], body["amount"]["amount"]) == ("captured", "paid", "33.34")
    plan = body["instalment_plan"]
    assert (plan["order_number"], plan["label"], plan["status"], plan["count"]) == (
        order["number"], "Pay in 3", "active", 3,
    )  # fmt: skip
    assert (plan["total"]["amount"], plan["paid"]["amount"], plan["outstanding"]["amount"]) == (
        "100.00", "33.34", "66.66",
    )  # fmt: skip
    assert [(i["sequence"], i["amount"]["amount"], i["status"]) for i in plan["instalments"]] == [
        (1, "33.34", "paid"), (2, "33.33", "pending"), (3, "33.33", "pending"),
    ]  # fmt: skip
    assert [i["due_on"] for i in plan["instalments"]] == [s["due_on"] for s in offer["schedule"]]
    assert plan["instalments"][0]["paid_at"] and plan["instalments"][1]["paid_at"] is None
    # As the storefront starts it: one plan on the saved card, its first instalment the captured payment.
    saved = InstalmentPlan.objects.get(order_ref=order["number"])
    payment = Payment.objects.get(reference=body["reference"])
    assert saved.saved_method == payment.saved_method and saved.saved_method.startswith("test_pm_")
    assert Instalment.objects.get(plan=saved, sequence=1).payment_id == payment.pk
    assert payment.captured_amount == Decimal("33.34")
    order_row = Order.objects.get(number=order["number"])
    assert order_row.status == OrderStatus.PAID and order_row.paid_at is not None


def test_the_second_instalment_is_charged_on_its_due_date_and_the_schedule_shows_it(client, channel):
    offer = make_offer(channel, count=3)
    order = order_of(client, channel)
    pay_in_instalments(client, order, offer.pk)
    second = Instalment.objects.get(sequence=2)

    charge_due_instalments(today=second.due_on)
    schedule = client.get(f"/api/v1/orders/by-token/{order['token']}/instalments").json()

    assert [i["status"] for i in schedule["instalments"]] == ["paid", "paid", "pending"]
    assert (schedule["paid"]["amount"], schedule["outstanding"]["amount"]) == ("66.67", "33.33")


def test_a_declined_first_instalment_is_a_402_with_no_plan_then_another_card_starts_it(client, channel):
    offer = make_offer(channel)
    order = order_of(client, channel)

    declined = pay_in_instalments(client, order, offer.pk, card=DECLINED_CARD)

    body = assert_problem(declined, status=402, code="payment-declined")
    assert Payment.objects.get(reference=body["payment"]).status == PaymentStatus.FAILED
    nothing_paid(order)

    again = pay_in_instalments(client, order, offer.pk)

    assert again.status_code == 201 and again.json()["instalment_plan"]["status"] == "active"
    assert InstalmentPlan.objects.count() == 1


def test_a_first_instalment_behind_3d_secure_starts_the_plan_once_captured(
    client, channel, django_capture_on_commit_callbacks
):
    offer = make_offer(channel)
    order = order_of(client, channel)

    response = pay_in_instalments(client, order, offer.pk, card=THREE_DS)
    waiting = client.get(f"/api/v1/orders/by-token/{order['token']}/instalments")
    client.post(response.json()["action_url"], {"outcome": "approve"})
    with django_capture_on_commit_callbacks(execute=True):  # the payment_captured handler starts the plan
        reconcile_payments(older_than_minutes=0)
    started = client.get(f"/api/v1/orders/by-token/{order['token']}/instalments")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["order_status"], body["instalment_plan"]) == (
        "requires_action", "awaiting_payment", None,
    )  # fmt: skip
    assert body["action_url"].startswith("/payments/test/challenge/")
    assert_problem(waiting, status=404, code="instalment-plan-not-found")
    assert started.status_code == 200 and [i["status"] for i in started.json()["instalments"]] == [
        "paid", "pending", "pending",
    ]  # fmt: skip
    assert Order.objects.get(number=order["number"]).status == OrderStatus.PAID


# --- Retries ----------------------------------------------------------------------------------------------


def test_a_retry_with_the_same_idempotency_key_replays_the_answer_and_starts_one_plan(client, channel):
    offer = make_offer(channel)
    order = order_of(client, channel)

    first = pay_in_instalments(client, order, offer.pk, key="bnpl-1")
    again = pay_in_instalments(client, order, offer.pk, key="bnpl-1")

    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert InstalmentPlan.objects.count() == 1 and Instalment.objects.count() == 3
    assert Payment.objects.count() == 1 and PendingInstalmentPlan.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_double_tap_with_the_same_key_on_two_connections_starts_one_plan(channel, run_in_threads):
    offer = make_offer(channel)
    order = order_of(Client(), channel)

    answers = run_in_threads(lambda i: pay_in_instalments(Client(), order, offer.pk, key="double-tap"), n=2)

    assert not [a for a in answers if isinstance(a, Exception)], answers
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert InstalmentPlan.objects.count() == 1 and Payment.objects.count() == 1
    assert Payment.objects.get().status == PaymentStatus.CAPTURED


def test_paying_again_with_another_key_once_the_plan_started_is_a_409_and_changes_nothing(client, channel):
    offer = make_offer(channel)
    order = order_of(client, channel)
    pay_in_instalments(client, order, offer.pk)

    with_offer = pay_in_instalments(client, order, offer.pk)
    in_full = pay(client, order)

    assert_problem(with_offer, status=409, code="order-state")
    assert_problem(in_full, status=409, code="order-state")
    assert InstalmentPlan.objects.count() == 1 and Payment.objects.count() == 1


def test_a_payment_without_an_idempotency_key_is_a_428_and_charges_nothing(client, channel):
    offer = make_offer(channel)
    order = order_of(client, channel)

    response = pay_in_instalments(client, order, offer.pk, key=None)

    assert_problem(response, status=428, code="idempotency-key-required")
    assert not Payment.objects.exists()


# --- Refusals ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rules",
    [
        {"min_amount": Decimal("150")},
        {"max_amount": Decimal("99.99")},
        {"countries": ["DE", "BE"]},
        {"excluded_kinds": ["physical"]},
        {"enabled": False},
    ],
    ids=["below-minimum", "above-maximum", "country", "product-kind", "disabled"],
)
def test_an_offer_the_order_is_not_eligible_for_is_a_422_and_charges_nothing(client, channel, rules):
    offer = make_offer(channel, **rules)
    order = order_of(client, channel)

    response = pay_in_instalments(client, order, offer.pk)

    body = assert_problem(response, status=422, code="instalment-offer-unavailable")
    assert body["offer"] == offer.pk
    nothing_paid(order)
    assert not Payment.objects.exists()


def test_an_unknown_offer_or_another_channels_is_a_422_and_charges_nothing(client, channel):
    other_channel = ChannelFactory(slug="shop-eur-2", currency="EUR", default_country="FR")
    elsewhere = make_offer(other_channel)
    order = order_of(client, channel)

    unknown = pay_in_instalments(client, order, elsewhere.pk + 1000)
    foreign = pay_in_instalments(client, order, elsewhere.pk)

    assert_problem(unknown, status=422, code="instalment-offer-unavailable")
    assert_problem(foreign, status=422, code="instalment-offer-unavailable")
    assert not Payment.objects.exists()


def test_a_cancelled_order_is_not_payable_in_instalments(client, channel):
    from comptoir.orders.services import cancel_order

    offer = make_offer(channel)
    order = placed(channel)
    cancel_order(order_id=order.pk)

    response = pay_in_instalments(client, {"token": order.token}, offer.pk)

    body = assert_problem(response, status=409, code="order-state")
    assert body["current_status"] == OrderStatus.CANCELLED
    assert not Payment.objects.exists() and not InstalmentPlan.objects.exists()


def test_an_unknown_order_is_a_404(client, channel):
    offer = make_offer(channel)

    response = pay_in_instalments(client, {"token": "no-such-order"}, offer.pk)

    assert_problem(response, status=404, code="order-not-found")


def test_an_offline_method_cannot_pay_instalments(client, channel):
    from comptoir.payments.providers.offline import BANK_TRANSFER

    offer = make_offer(channel)
    order = order_of(client, channel)

    response = pay_in_instalments(client, order, offer.pk, method=BANK_TRANSFER)

    assert_problem(response, status=422, code="instalment-method-unsupported")
    nothing_paid(order)


@pytest.mark.parametrize("offer_id", ["three", 0, -1, 1.5, [1]])
def test_an_offer_id_that_is_not_a_positive_whole_number_is_a_422_naming_the_field(client, channel, offer_id):
    make_offer(channel)
    order = order_of(client, channel)

    response = pay_in_instalments(client, order, offer_id)

    body = assert_problem(response, status=422, code="validation-error")
    assert body["errors"][0]["loc"] == ["body", "payload", "instalment_offer_id"]
    assert not Payment.objects.exists()
