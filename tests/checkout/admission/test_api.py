import uuid

import pytest

from comptoir.checkout import admission
from tests.checkout.factories import ready_checkout

pytestmark = pytest.mark.django_db


def hold(client, cart):
    return client.post(f"/api/v1/carts/{cart.token}/hold", headers={"Idempotency-Key": str(uuid.uuid4())})


def test_a_queued_cart_is_answered_503_with_retry_after_and_its_place(client, channel, waiting_room, clock):
    waiting_room(mode="on", rate=1, refresh_seconds=5)
    first, _ = ready_checkout(channel)
    second, _ = ready_checkout(channel)
    third, _ = ready_checkout(channel)

    answers = [hold(client, cart) for cart in (first, second, third)]

    assert [a.status_code for a in answers] == [200, 503, 503]
    body = answers[2].json()
    assert answers[2]["Content-Type"] == "application/problem+json"
    assert int(answers[2]["Retry-After"]) >= 5
    assert body["type"].endswith("/waiting-room") and body["status"] == 503 and body["position"] == 2


def test_an_admitted_cart_places_its_order_without_queueing_again(client, channel, waiting_room, clock):
    waiting_room(mode="on", rate=1)
    cart, _ = ready_checkout(channel)
    assert hold(client, cart).status_code == 200
    for _ in range(3):
        other, _ = ready_checkout(channel)
        hold(client, other)

    placed = client.post(f"/api/v1/carts/{cart.token}/order", headers={"Idempotency-Key": str(uuid.uuid4())})

    assert placed.status_code == 201


def test_switched_off_the_api_never_queues(client, channel, waiting_room, clock):
    waiting_room(mode="off")
    carts = [ready_checkout(channel)[0] for _ in range(3)]

    assert [hold(client, cart).status_code for cart in carts] == [200, 200, 200]
    assert admission.queue_length() == 0
