"""PayPal end to end: the storefront pay page, the buyer's return (capture of the approved order), signed
webhooks verified through PayPal's verify-webhook-signature endpoint, reconciliation, the order's refund service
and capture at shipping, through the real services, with PayPal's API served locally (pytest-httpserver) in
the shapes of the recorded answers in tests/payments/providers/fixtures/paypal."""

import json
from decimal import Decimal

import pytest
from django.utils import timezone
from werkzeug import Response

from comptoir.checkout import services as checkout
from comptoir.core.money import Money
from comptoir.orders.models import Order, OrderStatus
from comptoir.orders.services.refunds import refund_order
from comptoir.payments.accounts import save_account
from comptoir.payments.models import Payment, PaymentStatus, PaymentTransaction, ProviderAccount
from comptoir.payments.services import reconcile_payments
from tests.checkout.factories import ready_checkout
from tests.orders.return_factories import legal_entity
from tests.payments.providers.conftest import PAYPAL_CONFIG, load

pytestmark = pytest.mark.django_db

ORDER = "5O190127TN364715T"
CAPTURE = "3C679366HH908993F"
AUTHORIZATION = "0VF52814937998046"
APPROVAL_URL = f"https://www.sandbox.paypal.com/checkoutnow?token={ORDER}"
SIGNATURE = "pL7BdXx4ADzP8MZr9wO6WBc7lW7uWZm0C6S2VmsWyMXq7rV0fXbVnLXzJw6y1c1N2dEi0o4XBJgXwW9r5xKxDg=="


class FakePayPal:
    """PayPal's Orders, Payments and webhook verification endpoints, remembering where the order stands."""

    def __init__(self, httpserver, order: Order):
        self.server = httpserver
        self.value = f"{order.amount_due.amount:.2f}"
        self.reference = ""
        self.state = "created"  # created -> approved -> captured | authorized -> auth_captured
        self.created: list[tuple[dict, str]] = []
        self.captures = 0
        self.refunds: list[tuple[dict, str]] = []
        routes = {
            ("/v1/oauth2/token", "POST"): lambda r: load("paypal/oauth_token"),
            ("/v2/checkout/orders", "POST"): self._create,
            (f"/v2/checkout/orders/{ORDER}", "GET"): lambda r: self.order(),
            (f"/v2/checkout/orders/{ORDER}/capture", "POST"): self._capture_order,
            (f"/v2/checkout/orders/{ORDER}/authorize", "POST"): self._authorize_order,
            (f"/v2/payments/authorizations/{AUTHORIZATION}/capture", "POST"): self._capture_authorization,
            (f"/v2/payments/captures/{CAPTURE}/refund", "POST"): self._refund,
            ("/v1/notifications/verify-webhook-signature", "POST"): self._verify,
        }
        for (path, method), handler in routes.items():
            httpserver.expect_request(path, method=method).respond_with_handler(self._json(handler))

    @staticmethod
    def _json(handler):
        def respond(request):
            answer = handler(request)
            if isinstance(answer, Response):
                return answer
            return Response(json.dumps(answer), content_type="application/json")

        return respond

    def _ours(self, body: dict) -> dict:
        """A recorded answer with this order's amount and our payment reference."""
        for unit in body.get("purchase_units") or []:
            unit.update(reference_id=self.reference, custom_id=self.reference)
            unit["amount"] = {"currency_code": "EUR", "value": self.value}
            for items in (unit.get("payments") or {}).values():
                for item in items:
                    item.update(custom_id=self.reference, amount={"currency_code": "EUR", "value": self.value})
        return body

    def order(self) -> dict:
        if self.state == "created":
            return self._ours(load("paypal/order_payer_action_required"))
        if self.state == "approved":
            return self._ours(load("paypal/order_approved", intent=self.intent))
        if self.state == "captured":
            return self._ours(load("paypal/order_captured"))
        body = self._ours(load("paypal/order_authorized"))
        if self.state == "auth_captured":
            payments = body["purchase_units"][0]["payments"]
            payments["authorizations"][0]["status"] = "CAPTURED"
            payments["captures"] = [self._authorization_capture()]
        return body

    def _create(self, request):
        body = json.loads(request.get_data(as_text=True))
        self.created.append((body, request.headers.get("PayPal-Request-Id", "")))
        self.reference = body["purchase_units"][0]["custom_id"]
        self.intent = body["intent"]
        return self.order()

    def _capture_order(self, request):
        if self.state == "captured":
            issue = {"name": "UNPROCESSABLE_ENTITY", "details": [{"issue": "ORDER_ALREADY_CAPTURED"}]}
            return Response(json.dumps(issue), status=422, content_type="application/json")
        self.captures += 1
        self.state = "captured"
        return self.order()

    def _authorize_order(self, request):
        self.state = "authorized"
        return self.order()

    def _authorization_capture(self) -> dict:
        capture = load("paypal/authorization_capture", final_capture=True, custom_id=self.reference)
        capture["amount"] = {"currency_code": "EUR", "value": self.value}
        return capture

    def _capture_authorization(self, request):
        self.captures += 1
        self.state = "auth_captured"
        return self._authorization_capture()

    def _refund(self, request):
        self.refunds.append((json.loads(request.get_data(as_text=True)), request.headers.get("PayPal-Request-Id")))
        return load("paypal/refund_completed", custom_id=self.reference)

    def _verify(self, request):
        sent = json.loads(request.get_data())
        genuine = sent["transmission_sig"] == SIGNATURE and sent["webhook_id"] == PAYPAL_CONFIG["webhook_id"]
        return {"verification_status": "SUCCESS" if genuine else "FAILURE"}

    def event(self, name: str, **changes) -> bytes:
        """A webhook event of this order (the recorded one, with our reference and amount)."""
        event = load(f"paypal/{name}", **changes)
        resource = event["resource"]
        self._ours(resource)
        if "custom_id" in resource:
            resource["custom_id"] = self.reference
        if name == "webhook_capture_completed":
            resource["amount"] = {"currency_code": "EUR", "value": self.value}
        return json.dumps(event, indent=2).encode()


def webhook_headers(signature=SIGNATURE) -> dict[str, str]:
    return {
        "Paypal-Auth-Algo": "SHA256withRSA",
        "Paypal-Cert-Url": "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77",
        "Paypal-Transmission-Id": "69cd13f0-d67a-11e5-baa3-778b53f4ae55",
        "Paypal-Transmission-Sig": signature,
        "Paypal-Transmission-Time": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def paypal_webhook(client, body: bytes, signature=SIGNATURE):
    return client.post(
        "/payments/webhooks/paypal/", data=body, content_type="application/json", headers=webhook_headers(signature)
    )


def make_account(httpserver, channel, capture_mode="order"):
    settings = {
        "base_url": httpserver.url_for("/"),
        "timeout": "1",
        "webhook_id": PAYPAL_CONFIG["webhook_id"],
        "brand_name": "Comptoir Test Shop",
    }
    account = ProviderAccount(
        channel=channel, provider="paypal", mode="test", capture_mode=capture_mode, settings=settings
    )
    secrets = {"client_id": PAYPAL_CONFIG["client_id"], "client_secret": PAYPAL_CONFIG["client_secret"]}
    return save_account(account=account, secrets=secrets)


@pytest.fixture
def paypal_account(httpserver, channel):
    return make_account(httpserver, channel)


@pytest.fixture
def order(channel) -> Order:
    cart, _ = ready_checkout(channel, price="20.00")
    return checkout.place_order(checkout_id=cart.pk)


@pytest.fixture
def paypal(httpserver, order):
    return FakePayPal(httpserver, order)


def pay(client, order):
    return client.post(f"/en/checkout/pay/{order.token}/", {"method": "paypal:paypal"})


def come_back(client, order):
    return client.get(f"/en/checkout/pay/{order.token}/return/?token={ORDER}&PayerID=QYR5Z8XDVJNXQ")


def paid_once(order: Order, paypal: FakePayPal) -> Payment:
    order.refresh_from_db()
    payment = Payment.objects.get(order_ref=order.ref)
    assert order.status == OrderStatus.PAID
    assert payment.status == PaymentStatus.CAPTURED and payment.captured_amount == order.total
    assert PaymentTransaction.objects.filter(payment=payment, captured_delta__gt=0).count() == 1
    assert paypal.captures == 1
    return payment


def test_the_buyer_approves_on_paypal_and_the_return_captures_the_order(client, paypal_account, paypal, order):
    chosen = pay(client, order)

    payment = Payment.objects.get(order_ref=order.ref)
    assert chosen.status_code == 302 and chosen["Location"] == APPROVAL_URL
    assert (payment.status, payment.provider_reference) == (PaymentStatus.REQUIRES_ACTION, ORDER)
    [(body, request_id)] = paypal.created
    assert body["intent"] == "CAPTURE" and request_id == payment.reference
    unit = body["purchase_units"][0]
    assert unit["amount"] == {"currency_code": "EUR", "value": f"{order.amount_due.amount:.2f}"}
    assert unit["custom_id"] == payment.reference and unit["description"] == f"Order {order.number}"
    context = body["payment_source"]["paypal"]["experience_context"]
    assert context["return_url"] == f"http://testserver/en/checkout/pay/{order.token}/return/"
    assert context["cancel_url"] == f"http://testserver/en/checkout/pay/{order.token}/"

    paypal.state = "approved"  # the buyer approved on PayPal's page
    returned = come_back(client, order)
    again = come_back(client, order)

    assert returned["Location"] == again["Location"] == f"/en/checkout/done/{order.token}/"
    paid_once(order, paypal)


def test_the_buyer_cancelling_at_paypal_comes_back_to_an_order_still_awaiting_payment(
    client, paypal_account, paypal, order
):
    pay(client, order)

    returned = come_back(client, order)  # PayPal's order is still waiting for the buyer

    order.refresh_from_db()
    payment = Payment.objects.get(order_ref=order.ref)
    assert returned["Location"] == f"/en/checkout/done/{order.token}/"
    assert order.status == OrderStatus.AWAITING_PAYMENT and payment.status == PaymentStatus.REQUIRES_ACTION
    assert paypal.captures == 0


@pytest.mark.parametrize("webhook_first", [True, False], ids=["webhook-then-return", "return-then-webhook"])
def test_signed_webhooks_before_or_after_the_return_reach_the_same_state_with_one_capture(
    client, paypal_account, paypal, order, webhook_first, django_capture_on_commit_callbacks
):
    pay(client, order)
    paypal.state = "approved"
    approved = paypal.event("webhook_order_approved")

    with django_capture_on_commit_callbacks(execute=True):
        if webhook_first:
            hooked = paypal_webhook(client, approved)  # the shop captures the approved order there and then
            returned = come_back(client, order)
        else:
            returned = come_back(client, order)
            hooked = paypal_webhook(client, approved)
        completed = paypal_webhook(client, paypal.event("webhook_capture_completed"))
        redelivered = paypal_webhook(client, paypal.event("webhook_capture_completed"))

    assert [hooked.status_code, completed.status_code, redelivered.status_code] == [200, 200, 200]
    assert returned["Location"] == f"/en/checkout/done/{order.token}/"
    payment = paid_once(order, paypal)
    events = payment.transactions.exclude(provider_event_id=None).values_list("provider_event_id", flat=True)
    assert sorted(events) == sorted(
        [load("paypal/webhook_order_approved")["id"], load("paypal/webhook_capture_completed")["id"]]
    )


def test_a_webhook_paypal_does_not_verify_is_refused_and_changes_nothing(client, paypal_account, paypal, order):
    pay(client, order)
    paypal.state = "approved"

    response = paypal_webhook(client, paypal.event("webhook_order_approved"), signature="forged")

    assert response.status_code == 400 and response.json()["title"] == "Invalid webhook signature"
    payment = Payment.objects.get(order_ref=order.ref)
    assert payment.status == PaymentStatus.REQUIRES_ACTION and paypal.captures == 0


@pytest.mark.parametrize("failure", ["5xx", "timeout"])
def test_paypal_failing_on_create_keeps_the_order_and_a_pending_payment(
    client, httpserver, paypal_account, order, failure
):
    import threading
    import time

    answered = threading.Event()

    def broken(request):
        if failure == "timeout":
            time.sleep(1.6)
        answered.set()
        return Response('{"name": "INTERNAL_SERVER_ERROR"}', status=500, content_type="application/json")

    httpserver.expect_request("/v1/oauth2/token", method="POST").respond_with_json(load("paypal/oauth_token"))
    httpserver.expect_request("/v2/checkout/orders", method="POST").respond_with_handler(broken)

    response = pay(client, order)
    answered.wait(5)  # the local server answers one request at a time

    order.refresh_from_db()
    payment = Payment.objects.get(order_ref=order.ref)
    assert response["Location"] == f"/en/checkout/done/{order.token}/"
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert payment.status == PaymentStatus.PENDING and payment.provider_reference == ""
    assert "PayPal" in payment.error and "pending" in payment.error
    assert reconcile_payments(older_than_minutes=0) == {PaymentStatus.PENDING: 1}  # no order at PayPal to ask
    assert client.get(response["Location"]).context["confirming"] is True


def test_reconciliation_captures_an_order_the_buyer_approved_but_never_came_back_from(
    client, paypal_account, paypal, order, django_capture_on_commit_callbacks
):
    pay(client, order)
    paypal.state = "approved"  # the buyer approved, then closed the tab; no webhook arrived

    with django_capture_on_commit_callbacks(execute=True):
        counts = reconcile_payments(older_than_minutes=0)

    assert counts == {PaymentStatus.CAPTURED: 1}
    paid_once(order, paypal)


def test_a_partial_refund_goes_to_paypal_and_its_redelivered_webhook_counts_once(
    client, channel, paypal_account, paypal, order, django_capture_on_commit_callbacks
):
    legal_entity(channel)  # the refund issues a credit note
    pay(client, order)
    paypal.state = "approved"
    come_back(client, order)

    result = refund_order(order_id=order.pk, amount=Money(Decimal("10.00"), "EUR"), reason="Scratched", key="r-1")

    assert result.to_payments == Money(Decimal("10.00"), "EUR")
    [(body, request_id)] = paypal.refunds
    assert body["amount"] == {"currency_code": "EUR", "value": "10.00"} and request_id
    payment = Payment.objects.get(order_ref=order.ref)
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.PARTIALLY_REFUNDED, Decimal("10.00"))

    refunded = paypal.event("webhook_capture_refunded")
    with django_capture_on_commit_callbacks(execute=True):
        assert paypal_webhook(client, refunded).status_code == 200
        assert paypal_webhook(client, refunded).status_code == 200

    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.PARTIALLY_REFUNDED, Decimal("10.00"))
    assert payment.transactions.filter(refunded_delta__gt=0).count() == 1
    assert order.status == OrderStatus.PARTIALLY_REFUNDED


def test_with_capture_at_fulfilment_paypal_authorises_and_shipping_captures(
    client, httpserver, channel, paypal, order, django_capture_on_commit_callbacks
):
    from comptoir.core.events import dispatch
    from comptoir.core.models import Event
    from comptoir.inventory.models import StockLevel
    from comptoir.orders.services import fulfil_order

    make_account(httpserver, channel, capture_mode="fulfilment")
    pay(client, order)
    [(body, _key)] = paypal.created
    assert body["intent"] == "AUTHORIZE"
    paypal.state = "approved"

    come_back(client, order)

    order.refresh_from_db()
    payment = Payment.objects.get(order_ref=order.ref)
    assert order.status == OrderStatus.PAID
    assert (payment.status, payment.capture_mode, payment.captured_amount) == (
        PaymentStatus.AUTHORIZED,
        "fulfilment",
        0,
    )
    assert payment.authorized_amount == order.total and paypal.captures == 0

    location_id = StockLevel.objects.values_list("location_id", flat=True).first()
    fulfil_order(order_id=order.pk, location_id=location_id)
    shipped = Event.objects.get(name="orders.shipment_created")
    with django_capture_on_commit_callbacks(execute=True):
        dispatch(shipped.pk)

    payment.refresh_from_db()
    assert (payment.status, payment.captured_amount) == (PaymentStatus.CAPTURED, order.total)
    assert paypal.captures == 1
    assert paypal.state == "auth_captured"
