"""An order's instalment schedule through the API, for its buyer only: by the order's tracking token, or by
number in the session of the customer who placed it. Anyone else gets a 404, never another's schedule."""

from __future__ import annotations

import pytest
from django.test import Client

from comptoir.payments.instalment_models import Instalment
from comptoir.payments.instalments.services import charge_due_instalments
from tests.api.helpers import assert_problem
from tests.payments.instalments.factories import declining, due, make_offer, paid_in_instalments, placed

pytestmark = pytest.mark.django_db


@pytest.fixture
def camille(django_user_model):
    return django_user_model.objects.create_user("camille", "camille@example.fr", "pw-123456789")


@pytest.fixture
def dominique(django_user_model):
    return django_user_model.objects.create_user("dominique", "dominique@example.fr", "pw-123456789")


def paid_by(channel, user=None, *, price: str = "95.10"):
    """An order of `user` (a guest's without), its first instalment paid, as the pay page would."""
    from comptoir.orders.instalments import pay_order_in_instalments
    from tests.payments.instalments.factories import SUCCESS

    offer = make_offer(channel)
    order = placed(channel, price=price, user=user)
    pay_order_in_instalments(
        order_id=order.pk, offer_id=offer.pk, method_code="test:card", data={"card_number": SUCCESS}
    )
    order.refresh_from_db()
    return order


def by_token(client, order):
    return client.get(f"/api/v1/orders/by-token/{order.token}/instalments")


def by_number(client, order):
    return client.get(f"/api/v1/orders/{order.number}/instalments")


# --- What the buyer sees ----------------------------------------------------------------------------------


def test_the_tracking_token_opens_the_orders_schedule(client, channel):
    order = paid_in_instalments(channel)

    response = by_token(client, order)

    assert response.status_code == 200, response.content
    body = response.json()
    rows = list(Instalment.objects.filter(plan__order_ref=order.number).order_by("sequence"))
    rows_out = body["instalments"]
    assert (body["order_number"], body["label"], body["status"], body["status_label"]) == (
        order.number, "Pay in 3", "active", "Active",
    )  # fmt: skip
    rows_shown = [(i["sequence"], i["amount"]["amount"], i["amount"]["currency"], i["status"]) for i in rows_out]
    assert rows_shown == [(1, "33.34", "EUR", "paid"), (2, "33.33", "EUR", "pending"), (3, "33.33", "EUR", "pending")]
    assert [i["due_on"] for i in body["instalments"]] == [row.due_on.isoformat() for row in rows]
    assert [i["paid_at"] is not None for i in body["instalments"]] == [True, False, False]
    assert rows[0].paid_at.isoformat().startswith(body["instalments"][0]["paid_at"][:19])
    assert [i["pay_url"] for i in body["instalments"]] == [None, None, None]
    assert (body["count"], body["paid"]["amount"], body["outstanding"]["amount"]) == (3, "33.34", "66.66")


def test_a_failed_instalment_shows_its_next_try_and_the_page_to_pay_it_by_hand(client, channel):
    order = paid_in_instalments(channel)
    declining(order)
    charge_due_instalments(today=due(order, 2))

    body = by_token(client, order).json()

    failed = body["instalments"][1]
    assert failed["status"] == "failed" and failed["next_attempt_on"] > failed["due_on"]
    assert failed["pay_url"] == f"http://testserver/fr/orders/track/{order.token}/instalments/2/"
    assert body["instalments"][2]["pay_url"] is None
    assert body["outstanding"]["amount"] == "66.66"


def test_an_order_paid_in_full_has_no_schedule(client, channel):
    from comptoir.orders.services import pay_order
    from tests.payments.instalments.factories import SUCCESS

    order = placed(channel)
    pay_order(order_id=order.pk, method_code="test:card", data={"card_number": SUCCESS})

    body = assert_problem(by_token(client, order), status=404, code="instalment-plan-not-found")
    assert body["order"] == order.number


# --- Who may see it ---------------------------------------------------------------------------------------


def test_each_token_opens_its_own_orders_schedule_only(client, channel):
    cheap, dear = paid_in_instalments(channel, price="25.10"), paid_in_instalments(channel, price="295.10")

    assert by_token(client, cheap).json()["total"]["amount"] == "30.00"
    assert by_token(client, dear).json()["total"]["amount"] == "300.00"
    assert by_token(client, cheap).json()["order_number"] == cheap.number


@pytest.mark.parametrize("token", ["no-such-order", "x" * 65])
def test_an_unknown_token_is_a_404(client, channel, token):
    paid_in_instalments(channel)

    response = client.get(f"/api/v1/orders/by-token/{token}/instalments")

    assert_problem(response, status=404, code="order-not-found")


def test_a_customer_reads_their_schedule_by_number(client, channel, camille):
    order = paid_by(channel, camille)
    client.force_login(camille)

    response = by_number(client, order)

    assert response.status_code == 200 and response.json()["order_number"] == order.number
    assert response.json() == by_token(Client(), order).json()


def test_a_customer_never_sees_another_customers_schedule(client, channel, camille, dominique):
    theirs = paid_by(channel, dominique)
    mine = paid_by(channel, camille)
    client.force_login(camille)

    other = by_number(client, theirs)

    body = assert_problem(other, status=404, code="order-not-found")
    assert "instalments" not in body and theirs.number not in body["detail"]
    assert by_number(client, mine).status_code == 200


def test_a_guests_order_is_not_found_by_number_even_signed_in(client, channel, camille):
    guest_order = paid_by(channel)
    client.force_login(camille)

    assert_problem(by_number(client, guest_order), status=404, code="order-not-found")


def test_reading_a_schedule_by_number_needs_a_session(client, channel, camille):
    order = paid_by(channel, camille)

    assert_problem(by_number(client, order), status=401, code="unauthorized")


# --- Cost ---------------------------------------------------------------------------------------------------


def test_a_schedule_takes_three_queries_by_token_whatever_the_number_of_instalments(
    client, channel, django_assert_num_queries
):
    from tests.payments.instalments.factories import make_offer as offer_of

    three = paid_in_instalments(channel)
    twelve = paid_in_instalments(channel, offer=offer_of(channel, count=12))

    # The order; its plan; the instalments with their payments.
    with django_assert_num_queries(3):
        with_three = by_token(client, three)
    with django_assert_num_queries(3):
        with_twelve = by_token(client, twelve)

    assert (len(with_three.json()["instalments"]), len(with_twelve.json()["instalments"])) == (3, 12)


def test_a_schedule_by_number_takes_the_session_reads_and_the_same_three(
    client, channel, camille, django_assert_num_queries
):
    order = paid_by(channel, camille)
    client.force_login(camille)

    # The session and its user; the order; its plan; the instalments with their payments.
    with django_assert_num_queries(5):
        response = by_number(client, order)

    assert response.status_code == 200
