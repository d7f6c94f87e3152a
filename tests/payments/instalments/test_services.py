"""Paying in instalments: the first at checkout, the others charged off-session when due, retried on a
decline with a reminder each time, the plan in default after the last retry; cancellation stops it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction

from comptoir.core.invariants import registered_checks
from comptoir.orders.errors import PaymentInProgressError
from comptoir.orders.instalments import pay_order_in_instalments
from comptoir.orders.models import OrderEvent, OrderEventKind, OrderStatus
from comptoir.orders.services import cancel_order
from comptoir.payments.instalment_models import InstalmentPlan, InstalmentStatus, PlanStatus
from comptoir.payments.instalments.errors import (
    InstalmentNotPayableError,
    InstalmentOfferUnavailableError,
    InstalmentPlanExistsError,
)
from comptoir.payments.instalments.services import (
    charge_due_instalments,
    charge_instalment,
    pay_instalment_by_hand,
    start_instalment_plan,
)
from comptoir.payments.models import Payment, PaymentStatus
from tests.payments.instalments.factories import (
    DECLINED,
    SUCCESS,
    declining,
    due,
    make_offer,
    paid_in_instalments,
    placed,
    plan_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://shop.example.com/"
    settings.MANAGERS = ["staff@example.com"]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run `fn` in a transaction, then what it scheduled after commit (events, then the mail task)."""

    def run(fn):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            return fn()

    return run


def statuses(order):
    return list(plan_of(order).instalments.order_by("sequence").values_list("status", flat=True))


def reminders(order):
    """The reminder e-mails of `order`, recognised by their subject in the order's language."""
    from django.utils import translation

    from comptoir.orders.instalments import SUBJECT

    with translation.override(order.language):
        subject = str(SUBJECT) % {"number": order.number}
    return [m for m in mail.outbox if m.subject == subject]


# --- At checkout -------------------------------------------------------------------------------------------


def test_paying_in_three_charges_the_first_instalment_saves_the_card_and_settles_the_order(channel):
    offer = make_offer(channel, count=3)
    order = placed(channel)

    payment = pay_order_in_instalments(
        order_id=order.pk, offer_id=offer.pk, method_code="test:card", data={"card_number": SUCCESS}
    )

    order.refresh_from_db()
    plan = plan_of(order)
    assert order.status == OrderStatus.PAID
    assert payment.status == PaymentStatus.CAPTURED and payment.captured_amount == Decimal("33.34")
    assert plan.status == PlanStatus.ACTIVE and plan.saved_method == payment.saved_method != ""
    rows = list(plan.instalments.order_by("sequence"))
    assert [(r.amount, r.status) for r in rows] == [
        (Decimal("33.34"), "paid"),
        (Decimal("33.33"), "pending"),
        (Decimal("33.33"), "pending"),
    ]
    assert rows[0].payment == payment and rows[1].next_attempt_on == rows[1].due_on
    paid_line = OrderEvent.objects.get(order=order, kind=OrderEventKind.PAID)
    assert paid_line.data["instalments_outstanding"] == "66.66"


def test_a_declined_first_instalment_starts_no_plan_and_the_order_still_waits(channel):
    offer = make_offer(channel)
    order = placed(channel)

    payment = pay_order_in_instalments(
        order_id=order.pk, offer_id=offer.pk, method_code="test:card", data={"card_number": DECLINED}
    )

    order.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert not InstalmentPlan.objects.exists()
    assert OrderEvent.objects.filter(order=order, kind=OrderEventKind.PAYMENT_FAILED).count() == 1


@pytest.mark.parametrize(
    "rules",
    [
        {"max_amount": Decimal("99.99")},
        {"min_amount": Decimal("100.01")},
        {"countries": ["BE", "DE"]},
        {"excluded_kinds": ["physical"]},
        {"enabled": False},
    ],
)
def test_an_order_outside_the_offers_rules_cannot_use_it_and_nothing_is_charged(channel, rules):
    offer = make_offer(channel, **rules)
    order = placed(channel)

    with pytest.raises(InstalmentOfferUnavailableError):
        pay_order_in_instalments(
            order_id=order.pk, offer_id=offer.pk, method_code="test:card", data={"card_number": SUCCESS}
        )

    assert not Payment.objects.exists() and not InstalmentPlan.objects.exists()


def test_another_channels_offer_cannot_be_used(channel, usd_channel):
    theirs = make_offer(usd_channel)
    order = placed(channel)

    with pytest.raises(InstalmentOfferUnavailableError):
        pay_order_in_instalments(order_id=order.pk, offer_id=theirs.pk, method_code="test:card", data={})


def test_an_order_already_on_a_plan_cannot_start_another(channel):
    order = paid_in_instalments(channel)
    order.status = OrderStatus.AWAITING_PAYMENT  # as if the page were posted twice before the first answer
    order.save()

    # The order's guard refuses first (its first instalment took money the order has not settled), before any
    # call to the provider; the payments domain refuses a second plan too, for callers without that guard.
    with pytest.raises(PaymentInProgressError):
        pay_order_in_instalments(
            order_id=order.pk, offer_id=plan_of(order).offer_id, method_code="test:card", data={"card_number": SUCCESS}
        )
    with pytest.raises(InstalmentPlanExistsError):
        start_instalment_plan(
            order_ref=order.ref,
            channel_id=channel.pk,
            offer_id=plan_of(order).offer_id,
            amount_due=order.money(order.total),
            country="FR",
            product_kinds=["physical"],
            method_code="test:card",
            data={"card_number": SUCCESS},
        )

    assert Payment.objects.filter(order_ref=order.ref).count() == 1


# --- The periodic charge ------------------------------------------------------------------------------------


def test_a_due_instalment_is_charged_off_session_on_the_saved_card(channel):
    order = paid_in_instalments(channel)

    charged = charge_due_instalments(today=due(order, 2))

    assert charged == 1
    assert statuses(order) == ["paid", "paid", "pending"]
    second = plan_of(order).instalments.get(sequence=2)
    assert second.payment.status == PaymentStatus.CAPTURED and second.payment.captured_amount == Decimal("33.33")
    assert second.attempts == 1 and second.paid_at is not None


def test_nothing_is_charged_before_its_due_date_nor_twice(channel):
    order = paid_in_instalments(channel)

    early = charge_due_instalments(today=due(order, 2) - timedelta(days=1))
    first = charge_due_instalments(today=due(order, 2))
    again = charge_due_instalments(today=due(order, 2))

    assert (early, first, again) == (0, 1, 0)
    assert Payment.objects.filter(order_ref=order.ref, status=PaymentStatus.CAPTURED).count() == 2


def test_the_last_instalment_completes_the_plan_and_the_books_balance(channel):
    order = paid_in_instalments(channel)

    charge_due_instalments(today=due(order, 3))  # both overdue ones, oldest first

    assert statuses(order) == ["paid", "paid", "paid"]
    assert plan_of(order).status == PlanStatus.COMPLETED
    checks = registered_checks()
    for name in ("order_payments", "instalment_plans"):
        assert checks[name]().violations == []


def test_a_decline_is_retried_a_day_later_and_the_buyer_reminded_once(channel, committed):
    order = paid_in_instalments(channel)
    declining(order)
    day = due(order, 2)

    committed(lambda: charge_due_instalments(today=day))
    committed(lambda: charge_due_instalments(today=day))  # the same day again: not retried yet

    second = plan_of(order).instalments.get(sequence=2)
    assert second.status == InstalmentStatus.FAILED and second.attempts == 1
    assert second.next_attempt_on == day + timedelta(days=1)
    assert second.last_error == "The card was declined."
    [reminder] = reminders(order)
    assert reminder.to == [order.email]
    assert f"https://shop.example.com/{order.language}/orders/track/{order.token}/instalments/2/" in reminder.body
    assert plan_of(order).status == PlanStatus.ACTIVE


def test_the_reminder_task_sends_each_reminder_once(channel, committed):
    from comptoir.orders.instalments import deliver_instalment_reminder

    order = paid_in_instalments(channel)
    declining(order)
    committed(lambda: charge_due_instalments(today=due(order, 2)))
    second = plan_of(order).instalments.get(sequence=2)

    again = deliver_instalment_reminder(order_id=order.pk, instalment_id=second.pk, attempt=1)

    assert again is False and len(reminders(order)) == 1


def test_after_the_last_retry_the_plan_is_in_default_and_staff_are_told(channel, committed):
    order = paid_in_instalments(channel)
    declining(order)
    day = due(order, 2)

    for offset in (0, 1, 4, 11):  # due date, then +1, +3 and +7 days after each failure
        committed(lambda offset=offset: charge_due_instalments(today=day + timedelta(days=offset)))

    plan = plan_of(order)
    second = plan.instalments.get(sequence=2)
    assert plan.status == PlanStatus.DEFAULTED
    assert second.status == InstalmentStatus.FAILED and second.attempts == 4 and second.next_attempt_on is None
    assert len(reminders(order)) == 4
    staff_line = OrderEvent.objects.filter(order=order, kind=OrderEventKind.PAYMENT_FAILED).last()
    assert "in default" in staff_line.message and staff_line.public is False
    assert any("instalment plan in default" in m.subject for m in mail.outbox)
    # In default, nothing more is charged automatically, not even the next instalment.
    assert committed(lambda: charge_due_instalments(today=day + timedelta(days=60))) == 0


def test_a_failed_instalment_paid_by_hand_puts_a_defaulted_plan_back_on_track_with_the_new_card(channel):
    order = paid_in_instalments(channel)
    declining(order)
    day = due(order, 2)
    for offset in (0, 1, 4, 11):
        charge_due_instalments(today=day + timedelta(days=offset))

    instalment, payment = pay_instalment_by_hand(
        order_ref=order.ref, sequence=2, method_code="test:card", data={"card_number": SUCCESS}
    )

    plan = plan_of(order)
    assert instalment.status == InstalmentStatus.PAID and payment.status == PaymentStatus.CAPTURED
    assert plan.status == PlanStatus.ACTIVE and plan.saved_method == payment.saved_method
    assert charge_instalment(instalment_id=plan.instalments.get(sequence=3).pk, today=due(order, 3)).status == "paid"
    assert plan_of(order).status == PlanStatus.COMPLETED


def test_a_card_declined_by_hand_is_not_counted_as_a_retry(channel):
    order = paid_in_instalments(channel)

    instalment, payment = pay_instalment_by_hand(
        order_ref=order.ref, sequence=2, method_code="test:card", data={"card_number": DECLINED}
    )

    assert payment.status == PaymentStatus.FAILED
    assert instalment.status == InstalmentStatus.PENDING and instalment.attempts == 0


def test_a_paid_instalment_cannot_be_paid_again_by_hand(channel):
    order = paid_in_instalments(channel)

    with pytest.raises(InstalmentNotPayableError):
        pay_instalment_by_hand(order_ref=order.ref, sequence=1, method_code="test:card", data={"card_number": SUCCESS})


# --- Cancellation -------------------------------------------------------------------------------------------


def test_cancelling_the_order_cancels_the_instalments_left_and_refunds_the_first(channel):
    order = paid_in_instalments(channel)

    cancel_order(order_id=order.pk, reason="changed my mind")

    plan = plan_of(order)
    assert plan.status == PlanStatus.CANCELLED
    assert statuses(order) == ["paid", "cancelled", "cancelled"]
    first = plan.instalments.get(sequence=1).payment
    first.refresh_from_db()
    assert first.status == PaymentStatus.REFUNDED
    assert charge_due_instalments(today=due(order, 3)) == 0


def test_a_charge_landing_after_the_order_was_cancelled_is_refunded(channel, monkeypatch):
    from comptoir.payments.instalments import services

    order = paid_in_instalments(channel)
    real_confirm = services.confirm_payment

    def cancel_meanwhile(**kwargs):
        cancel_order(order_id=order.pk)
        return real_confirm(**kwargs)

    monkeypatch.setattr(services, "confirm_payment", cancel_meanwhile)

    charge_due_instalments(today=due(order, 2))

    second = plan_of(order).instalments.get(sequence=2)
    assert second.status == InstalmentStatus.PAID
    second.payment.refresh_from_db()
    assert second.payment.status == PaymentStatus.REFUNDED
    assert statuses(order) == ["paid", "paid", "cancelled"]


def test_a_charge_left_half_done_by_a_dead_worker_is_finished_on_the_same_payment(channel):
    from comptoir.payments.instalment_models import Instalment
    from comptoir.payments.instalments.services import STALE_CLAIM, _claim

    order = paid_in_instalments(channel)
    second = plan_of(order).instalments.get(sequence=2)
    claimed = _claim(
        second.pk, today=second.due_on, due_only=True, method="", plan_statuses=(PlanStatus.ACTIVE,)
    )  # ...and the worker dies before asking the provider
    Instalment.objects.filter(pk=second.pk).update(claimed_at=claimed.claimed_at - STALE_CLAIM - timedelta(minutes=1))

    handled = charge_due_instalments(today=second.due_on)
    second.refresh_from_db()

    assert handled == 1 and second.status == InstalmentStatus.PAID
    assert second.payment_id == claimed.payment.pk  # the same payment, asked about again: no second charge
    assert Payment.objects.filter(order_ref=order.ref).count() == 2


def test_a_fresh_claim_is_left_to_its_worker(channel):
    from comptoir.payments.instalments.services import _claim

    order = paid_in_instalments(channel)
    second = plan_of(order).instalments.get(sequence=2)
    _claim(second.pk, today=second.due_on, due_only=True, method="", plan_statuses=(PlanStatus.ACTIVE,))

    assert charge_due_instalments(today=second.due_on) == 0
    second.refresh_from_db()
    assert second.status == InstalmentStatus.PROCESSING


def test_check_invariants_reports_an_instalment_order_charged_outside_its_plan(channel):
    from comptoir.core.money import Money
    from comptoir.payments.services import confirm_payment, create_payment

    order = paid_in_instalments(channel)
    stray = create_payment(order_ref=order.ref, method_code="test:card", amount=Money(Decimal("33.33"), "EUR"))
    confirm_payment(reference=stray.reference, data={"card_number": SUCCESS})

    violations = registered_checks()["instalment_plans"]().violations

    assert [v.message for v in violations] == [f"payment {stray.reference} captured 33.3300 outside the plan"]


def test_the_confirmation_mail_of_an_order_paid_in_instalments_lists_the_instalments_to_come(channel, committed):
    offer = make_offer(channel)
    order = placed(channel)

    committed(
        lambda: pay_order_in_instalments(
            order_id=order.pk, offer_id=offer.pk, method_code="test:card", data={"card_number": SUCCESS}
        )
    )

    [confirmation] = [m for m in mail.outbox if order.number in m.subject]
    plan = plan_of(order)
    assert "33,34" in confirmation.body  # the order's language is French: 33,34 €
    assert confirmation.body.count("33,33") == 2 and len(plan.instalments.all()) == 3


def test_an_offline_method_cannot_pay_in_instalments(channel, monkeypatch):
    from comptoir.payments import gateways
    from comptoir.payments.instalments.errors import InstalmentMethodUnsupportedError

    class Transfer:
        code = "offline"

        def methods(self):
            return [gateways.PaymentMethod(code="offline:bank_transfer", label="Bank transfer", offline=True)]

    monkeypatch.setitem(gateways.GATEWAYS, "offline", Transfer())
    monkeypatch.setattr("django.conf.settings.PAYMENT_PROVIDERS", ["test", "offline"])
    offer = make_offer(channel)
    order = placed(channel)

    with pytest.raises(InstalmentMethodUnsupportedError):
        pay_order_in_instalments(order_id=order.pk, offer_id=offer.pk, method_code="offline:bank_transfer", data={})

    assert not Payment.objects.filter(order_ref=order.ref).exists()
