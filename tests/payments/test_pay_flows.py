"""The buyer's side through the pay page (Django test client): 3-D Secure, the late webhook, the provider
that does not answer, capture at fulfilment, and the card-testing limits."""

import pytest

from comptoir.checkout import services
from comptoir.orders.models import Order, OrderStatus
from comptoir.payments.accounts import save_account
from comptoir.payments.models import Payment, PaymentStatus, PaymentTransaction, ProviderAccount, TestCharge
from comptoir.payments.providers.test import TestGateway
from comptoir.payments.services import reconcile_payments
from tests.checkout.factories import ready_checkout
from tests.payments.helpers import post_webhook, signed_test_webhook
from tests.storefront.checkout_helpers import HX, page_text, soup, text

pytestmark = pytest.mark.django_db

SUCCESS, DECLINED = "4242 4242 4242 4242", "4000 0000 0000 0002"
THREE_DS, LATE, UNREACHABLE = "4000 0027 6000 3184", "4000 0000 0000 0077", "4000 0000 0000 0119"


def placed(channel, **kwargs) -> Order:
    checkout, _ = ready_checkout(channel, **kwargs)
    return services.place_order(checkout_id=checkout.pk)


def pay(client, order, card, **kwargs):
    return client.post(f"/en/checkout/pay/{order.token}/", {"card_number": card}, **kwargs)


def status(order) -> str:
    order.refresh_from_db()
    return order.status


def test_the_pay_page_lists_the_3ds_and_late_webhook_test_cards(client, channel):
    order = placed(channel)

    cards = text(soup(client.get(f"/en/checkout/pay/{order.token}/")).select_one(".test-cards"))

    assert "4000 0027 6000 3184 — a 3-D Secure check to approve or fail" in cards
    assert "4000 0000 0000 0077 — pending, confirmed a few seconds later" in cards


def test_the_3ds_card_sends_the_buyer_to_a_test_mode_challenge_and_back_to_a_paid_order(client, channel):
    order = placed(channel)

    response = pay(client, order, THREE_DS)
    challenge_url = response["Location"]
    challenge = client.get(challenge_url)
    back = client.post(challenge_url, {"outcome": "approve"})
    returned = client.get(back["Location"])

    assert challenge_url.startswith("/payments/test/challenge/test_")
    assert "TEST MODE" in text(soup(challenge).select_one("h1"))
    assert back["Location"] == f"http://testserver/en/checkout/pay/{order.token}/return/"
    assert returned.status_code == 302 and returned["Location"] == f"/en/checkout/done/{order.token}/"
    assert status(order) == OrderStatus.PAID


def test_the_3ds_card_through_htmx_redirects_the_whole_page_to_the_challenge(client, channel):
    order = placed(channel)

    response = pay(client, order, THREE_DS, headers=HX)

    assert response["HX-Redirect"].startswith("/payments/test/challenge/")


def test_a_failed_challenge_brings_the_buyer_back_to_the_pay_page_with_the_reason(client, channel):
    order = placed(channel)
    challenge_url = pay(client, order, THREE_DS)["Location"]

    back = client.post(challenge_url, {"outcome": "fail"})
    returned = client.get(back["Location"])

    assert returned.status_code == 422
    assert text(soup(returned).select_one("#pay-error")) == "The 3-D Secure check failed."
    assert status(order) == OrderStatus.AWAITING_PAYMENT
    assert pay(client, order, SUCCESS, headers=HX)["HX-Redirect"] == f"/en/checkout/done/{order.token}/"
    assert status(order) == OrderStatus.PAID


@pytest.mark.parametrize("webhook_first", [True, False])
def test_the_webhook_before_or_after_the_buyers_return_reaches_the_same_state(
    client, channel, webhook_first, django_capture_on_commit_callbacks
):
    order = placed(channel)
    challenge_url = pay(client, order, THREE_DS)["Location"]
    back = client.post(challenge_url, {"outcome": "approve"})
    payment = Payment.objects.get(order_ref=order.number)
    body, headers = signed_test_webhook(payment, event_id="evt_3ds")

    with django_capture_on_commit_callbacks(execute=True):  # the payment_captured handler settles the order
        if webhook_first:
            assert post_webhook(client, body, headers).status_code == 200
            client.get(back["Location"])
        else:
            client.get(back["Location"])
            assert post_webhook(client, body, headers).status_code == 200

    payment.refresh_from_db()
    assert status(order) == OrderStatus.PAID
    assert (payment.status, payment.captured_amount) == (PaymentStatus.CAPTURED, order.amount_due.amount)
    assert sum(PaymentTransaction.objects.filter(payment=payment).values_list("captured_delta", flat=True)) == (
        order.amount_due.amount
    )


def test_the_late_webhook_card_shows_the_payment_being_confirmed_until_the_webhook_pays_the_order(
    client, channel, django_capture_on_commit_callbacks
):
    order = placed(channel)

    response = pay(client, order, LATE)
    waiting = client.get(response["Location"])
    payment = Payment.objects.get(order_ref=order.number)
    TestGateway().settle_late(provider_reference=payment.provider_reference, force=True)
    with django_capture_on_commit_callbacks(execute=True):
        with_webhook = post_webhook(client, *signed_test_webhook(payment, event_id="evt_late"))

    assert response["Location"] == f"/en/checkout/done/{order.token}/"
    assert soup(waiting).select_one("#payment-confirming")
    assert with_webhook.status_code == 200
    assert status(order) == OrderStatus.PAID
    assert not soup(client.get(response["Location"])).select_one("#payment-confirming")


def test_when_the_provider_does_not_answer_the_order_waits_and_reconciliation_pays_it(
    client, channel, django_capture_on_commit_callbacks
):
    order = placed(channel)

    pay(client, order, UNREACHABLE)
    assert status(order) == OrderStatus.AWAITING_PAYMENT
    with django_capture_on_commit_callbacks(execute=True):
        reconcile_payments(older_than_minutes=0)

    assert status(order) == OrderStatus.PAID


def test_an_order_with_a_pending_payment_is_not_cancelled_as_unpaid(client, channel, settings):
    from datetime import timedelta

    from django.utils import timezone

    from comptoir.orders.services import expire_unpaid_orders

    order = placed(channel)
    pay(client, order, UNREACHABLE)
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=1))

    assert expire_unpaid_orders() == 0
    assert status(order) == OrderStatus.AWAITING_PAYMENT


def test_capture_at_fulfilment_makes_the_order_paid_with_the_money_only_authorised(client, channel):
    save_account(account=ProviderAccount(channel=channel, provider="test", capture_mode="fulfilment"))
    order = placed(channel)

    pay(client, order, SUCCESS)

    payment = Payment.objects.get(order_ref=order.number)
    assert status(order) == OrderStatus.PAID
    assert (payment.status, payment.captured_amount, payment.capture_mode) == ("authorized", 0, "fulfilment")
    assert TestCharge.objects.get(reference=payment.reference).status == "authorized"


def test_shipping_an_order_captures_its_held_payment(client, channel, django_capture_on_commit_callbacks):
    from comptoir.core.events import dispatch
    from comptoir.core.models import Event
    from comptoir.inventory.models import StockLevel
    from comptoir.orders.services import fulfil_order

    save_account(account=ProviderAccount(channel=channel, provider="test", capture_mode="fulfilment"))
    order = placed(channel)
    pay(client, order, SUCCESS)
    location_id = StockLevel.objects.values_list("location_id", flat=True).first()

    fulfil_order(order_id=order.pk, location_id=location_id)
    shipped = Event.objects.get(name="orders.shipment_created")
    with django_capture_on_commit_callbacks(execute=True):
        dispatch(shipped.pk)

    payment = Payment.objects.get(order_ref=order.number)
    assert (payment.status, payment.captured_amount) == (PaymentStatus.CAPTURED, order.amount_due.amount)


def test_one_card_tried_on_many_orders_is_rate_limited_with_a_clear_message(client, channel):
    orders = [placed(channel) for _ in range(11)]
    for i, order in enumerate(orders[:10]):
        pay(client, order, DECLINED, REMOTE_ADDR=f"10.0.0.{i}")

    response = pay(client, orders[10], DECLINED, REMOTE_ADDR="10.0.1.1")

    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Too many tries" in page_text(response)
    assert Payment.objects.count() == 10


def test_one_order_tried_from_many_addresses_is_rate_limited(client, channel):
    order = placed(channel)
    for i in range(10):
        pay(client, order, f"4000 0000 0000 {i:04d}", REMOTE_ADDR=f"10.0.0.{i}")

    response = pay(client, order, SUCCESS, REMOTE_ADDR="10.0.9.9")

    assert response.status_code == 429
    assert status(order) == OrderStatus.AWAITING_PAYMENT
