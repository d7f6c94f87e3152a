"""Workers racing on the same due instalments: each instalment is charged once, whatever the interleaving."""

import pytest

from comptoir.payments.instalment_models import InstalmentStatus
from comptoir.payments.instalments.errors import InstalmentNotPayableError
from comptoir.payments.instalments.services import charge_due_instalments, charge_instalment, pay_instalment_by_hand
from comptoir.payments.models import Payment, PaymentStatus
from tests.payments.instalments.factories import SUCCESS, due, paid_in_instalments, plan_of


@pytest.mark.django_db(transaction=True)
def test_four_job_runs_at_once_charge_each_due_instalment_once(channel, run_in_threads):
    orders = [paid_in_instalments(channel) for _ in range(3)]
    day = due(orders[0], 3)  # two instalments due on each of three orders

    results = run_in_threads(lambda i: charge_due_instalments(today=day), n=4)

    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(results) == 6  # each due instalment charged by exactly one run
    for order in orders:
        assert set(plan_of(order).instalments.values_list("status", flat=True)) == {InstalmentStatus.PAID}
        # One payment per instalment, none created for a lost claim.
        assert Payment.objects.filter(order_ref=order.ref).count() == 3
        assert Payment.objects.filter(order_ref=order.ref, status=PaymentStatus.CAPTURED).count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_job_and_the_buyer_paying_by_hand_never_both_charge_one_instalment(channel, run_in_threads):
    order = paid_in_instalments(channel)
    second = plan_of(order).instalments.get(sequence=2)

    def race(i):
        if i % 2:
            return charge_instalment(instalment_id=second.pk, today=second.due_on)
        return pay_instalment_by_hand(
            order_ref=order.ref, sequence=2, method_code="test:card", data={"card_number": SUCCESS}
        )

    results = run_in_threads(race, n=6)

    winners = [r for r in results if r is not None and not isinstance(r, Exception)]
    losers = [r for r in results if r is None or isinstance(r, InstalmentNotPayableError)]
    assert len(winners) == 1 and len(losers) == 5, results
    assert Payment.objects.filter(order_ref=order.ref, status=PaymentStatus.CAPTURED).count() == 2
    second.refresh_from_db()
    assert second.status == InstalmentStatus.PAID


@pytest.mark.django_db(transaction=True)
def test_a_double_tapped_pay_in_three_charges_the_first_instalment_once(channel, run_in_threads, monkeypatch):
    from comptoir.orders.instalments import pay_order_in_instalments
    from comptoir.orders.models import OrderStatus
    from comptoir.payments.providers import faults
    from tests.payments.instalments.factories import make_offer, placed

    monkeypatch.setattr(faults, "configured", lambda: faults.Faults(delay=0.5))  # a provider taking its time
    offer = make_offer(channel)
    order = placed(channel)

    results = run_in_threads(
        lambda i: pay_order_in_instalments(
            order_id=order.pk, offer_id=offer.pk, method_code="test:card", data={"card_number": SUCCESS}
        ),
        n=4,
    )

    charged = [r for r in results if isinstance(r, Payment)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(charged) == 1 and charged[0].status == PaymentStatus.CAPTURED
    # The others were told at once, before any call to the provider: a payment is under way, or the order paid.
    assert {type(e).__name__ for e in refused} <= {"PaymentInProgressError", "OrderStateError"}
    assert Payment.objects.filter(order_ref=order.ref).count() == 1  # no second charge, so nothing to refund
    assert plan_of(order).instalments.count() == 3
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
