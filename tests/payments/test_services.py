"""The payment ledger through the TEST provider: outcomes, out-of-order events, capture, void, refunds."""

from decimal import Decimal

import pytest

from comptoir.core.models import Event
from comptoir.payments.errors import PaymentStateError
from comptoir.payments.gateways import ProviderEvent, ProviderStatus
from comptoir.payments.models import Payment, PaymentStatus, PaymentTransaction, TestCharge
from comptoir.payments.providers.test import TestGateway
from comptoir.payments.services import (
    capture_payment,
    confirm_payment,
    create_payment,
    reconcile_payments,
    record_provider_event,
    refresh_payment,
    refund_payment,
    void_payment,
)
from tests.payments.helpers import DECLINED, LATE, SUCCESS, THREE_DS, UNREACHABLE, eur, started

pytestmark = pytest.mark.django_db


def event(payment, status, *, event_id, amount=None):
    return ProviderEvent(
        event_id=event_id,
        status=status,
        provider_reference=payment.provider_reference,
        amount=eur(amount) if amount else None,
    )


def test_the_success_card_captures_and_the_ledger_says_so():
    payment = started(SUCCESS)

    assert payment.status == PaymentStatus.CAPTURED and payment.captured_amount == Decimal("50.00")
    row = PaymentTransaction.objects.get(payment=payment)
    assert (row.kind, row.status, row.captured_delta, row.provider_status) == ("capture", "succeeded", 50, "captured")
    assert Event.objects.filter(name="payments.payment_captured").count() == 1


def test_a_declined_card_fails_with_the_providers_message_and_captures_nothing():
    payment = started(DECLINED)

    assert payment.status == PaymentStatus.FAILED and payment.error == "The card was declined."
    assert payment.captured_amount == 0
    assert Event.objects.filter(name="payments.payment_failed").count() == 1


def test_the_3ds_card_waits_for_the_buyer_then_the_return_fetches_the_approved_outcome():
    payment = started(THREE_DS)
    assert payment.status == PaymentStatus.REQUIRES_ACTION
    assert payment.action_url == f"/payments/test/challenge/{payment.provider_reference}/"

    TestGateway().complete_challenge(provider_reference=payment.provider_reference, approve=True)
    payment = refresh_payment(reference=payment.reference)

    assert payment.status == PaymentStatus.CAPTURED and payment.captured_amount == Decimal("50.00")
    assert payment.action_url == ""


def test_a_failed_3ds_challenge_fails_the_payment():
    payment = started(THREE_DS)

    TestGateway().complete_challenge(provider_reference=payment.provider_reference, approve=False)
    payment = refresh_payment(reference=payment.reference)

    assert payment.status == PaymentStatus.FAILED and payment.error == "The 3-D Secure check failed."


def test_the_late_webhook_card_stays_pending_until_its_webhook_captures_it():
    payment = started(LATE)
    assert payment.status == PaymentStatus.PENDING

    charge = TestGateway().settle_late(provider_reference=payment.provider_reference, force=True)
    record_provider_event(provider="test", event=event(payment, charge.status, event_id="evt_late", amount="50.00"))

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED and payment.captured_amount == Decimal("50.00")


def test_a_provider_that_does_not_answer_leaves_the_payment_pending_and_reconciliation_settles_it():
    payment = started(UNREACHABLE)
    assert payment.status == PaymentStatus.PENDING and payment.captured_amount == 0

    counts = reconcile_payments(older_than_minutes=0)

    payment.refresh_from_db()
    assert counts == {"captured": 1}
    assert payment.status == PaymentStatus.CAPTURED
    assert Event.objects.filter(name="payments.payment_captured").count() == 1


def test_reconciliation_leaves_recent_payments_alone():
    payment = started(UNREACHABLE)

    assert reconcile_payments(older_than_minutes=15) == {}
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_an_adapter_that_raises_is_no_answer_not_a_decline(monkeypatch):
    payment = create_payment(order_ref="ORD-1", method_code="test:card", amount=eur("10.00"))

    def broken(self, **kwargs):
        raise TimeoutError("read timed out")

    monkeypatch.setattr(TestGateway, "confirm", broken)
    payment = confirm_payment(reference=payment.reference, data=SUCCESS)

    assert payment.status == PaymentStatus.PENDING
    assert PaymentTransaction.objects.get(payment=payment).status == "pending"


def test_a_redelivered_event_is_recorded_once_and_changes_nothing_the_second_time():
    payment = started(LATE)
    TestGateway().settle_late(provider_reference=payment.provider_reference, force=True)
    captured = event(payment, ProviderStatus.CAPTURED, event_id="evt_1", amount="50.00")

    record_provider_event(provider="test", event=captured)
    record_provider_event(provider="test", event=captured)

    assert PaymentTransaction.objects.filter(provider_event_id="evt_1").count() == 1
    assert Event.objects.filter(name="payments.payment_captured").count() == 1


def test_a_refund_event_arriving_before_the_capture_event_reaches_the_same_state_as_in_order():
    in_order, reversed_ = started(LATE, order_ref="A"), started(LATE, order_ref="B")

    record_provider_event(provider="test", event=event(in_order, "captured", event_id="a1", amount="50.00"))
    record_provider_event(provider="test", event=event(in_order, "refunded", event_id="a2", amount="20.00"))
    record_provider_event(provider="test", event=event(reversed_, "refunded", event_id="b2", amount="20.00"))
    record_provider_event(provider="test", event=event(reversed_, "captured", event_id="b1", amount="50.00"))

    a, b = Payment.objects.get(pk=in_order.pk), Payment.objects.get(pk=reversed_.pk)
    assert (a.status, a.captured_amount, a.refunded_amount) == ("partially_refunded", 50, 20)
    assert (b.status, b.captured_amount, b.refunded_amount) == ("partially_refunded", 50, 20)
    assert Event.objects.filter(name="payments.payment_captured").count() == 2


def test_a_refund_event_for_a_refund_we_made_does_not_count_it_twice():
    payment = started(SUCCESS)
    refund_payment(reference=payment.reference, amount=eur("10.00"), key="r1")

    record_provider_event(provider="test", event=event(payment, "refunded", event_id="e1", amount="10.00"))
    record_provider_event(provider="test", event=event(payment, "refunded", event_id="e2", amount="25.00"))

    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("25.00")  # the provider's running total: 10 ours + 15 more


def test_a_late_failure_never_undoes_a_capture():
    payment = started(SUCCESS)

    record_provider_event(provider="test", event=event(payment, "failed", event_id="f1"))
    record_provider_event(provider="test", event=event(payment, "pending", event_id="f2"))

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED and payment.captured_amount == Decimal("50.00")
    assert PaymentTransaction.objects.filter(payment=payment).count() == 3


def test_an_event_about_no_payment_of_ours_is_ignored():
    assert record_provider_event(provider="test", event=ProviderEvent("x1", "captured", "test_unknown")) is None
    assert not PaymentTransaction.objects.exists()


def test_capture_at_fulfilment_authorises_first_and_captures_later():
    payment = started(SUCCESS, capture_mode="fulfilment")
    assert payment.status == PaymentStatus.AUTHORIZED and payment.captured_amount == 0
    assert payment.authorized_amount == Decimal("50.00")

    payment = capture_payment(reference=payment.reference)

    assert payment.status == PaymentStatus.CAPTURED and payment.captured_amount == Decimal("50.00")
    assert TestCharge.objects.get(reference=payment.reference).status == "captured"


def test_an_authorised_payment_can_be_voided_and_then_not_captured():
    payment = started(SUCCESS, capture_mode="fulfilment")

    payment = void_payment(reference=payment.reference)

    assert payment.status == PaymentStatus.CANCELLED
    with pytest.raises(PaymentStateError):
        capture_payment(reference=payment.reference)


def test_a_captured_payment_cannot_be_voided():
    payment = started(SUCCESS)

    with pytest.raises(PaymentStateError):
        void_payment(reference=payment.reference)


def test_a_saved_card_charges_off_session_and_one_from_a_declining_card_declines():
    good = confirm_payment(
        reference=create_payment(order_ref="S", method_code="test:card", amount=eur("30.00")).reference,
        data={**SUCCESS, "save_method": "1"},
    )
    bad = confirm_payment(
        reference=create_payment(order_ref="S", method_code="test:card", amount=eur("30.00")).reference,
        data={"card_number": "4000000000000341", "save_method": "1"},
    )
    assert good.saved_method.startswith("test_pm_") and bad.saved_method.startswith("test_pm_")

    def charge(token):
        payment = create_payment(order_ref="S2", method_code="test:card", amount=eur("10.00"))
        return confirm_payment(reference=payment.reference, data={"saved_method": token, "off_session": "1"})

    assert charge(good.saved_method).status == PaymentStatus.CAPTURED
    assert charge(bad.saved_method).status == PaymentStatus.FAILED
    assert charge("test_pm_unknown").status == PaymentStatus.FAILED


def test_a_refund_the_provider_refuses_records_nothing():
    payment = started(SUCCESS)
    TestCharge.objects.filter(reference=payment.reference).update(captured_amount=Decimal("5.00"))

    with pytest.raises(PaymentStateError):
        refund_payment(reference=payment.reference, amount=eur("10.00"), key="too-much-at-provider")

    payment.refresh_from_db()
    assert payment.refunded_amount == 0


def test_a_refund_event_naming_our_own_refund_changes_nothing_and_one_made_elsewhere_counts(monkeypatch):
    monkeypatch.setattr(TestGateway, "REFUND_EVENTS_ARE_TOTALS", False, raising=False)  # each event: one refund
    payment = started(SUCCESS)
    ours = refund_payment(reference=payment.reference, amount=eur("10.00"), key="r-ours")

    record_provider_event(
        provider="test", event=ProviderEvent("e-ours", "refunded", ours.provider_reference, amount=eur("10.00"))
    )
    record_provider_event(
        provider="test", event=ProviderEvent("e-dash", "refunded", "re_dashboard", payment.reference, eur("5.00"))
    )

    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("15.00")


def test_a_pending_event_makes_us_ask_the_provider_at_once():
    payment = started(LATE)
    TestGateway().settle_late(provider_reference=payment.provider_reference, force=True)

    payment = record_provider_event(provider="test", event=event(payment, "pending", event_id="p1"))

    assert payment.status == PaymentStatus.CAPTURED
