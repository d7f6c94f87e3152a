"""Mollie answering about a paid payment's refunds and chargebacks (pytest-httpserver), in the shapes of
tests/payments/providers/fixtures/mollie, for the refund and chargeback flow tests."""

from __future__ import annotations

import copy
from decimal import Decimal

from comptoir.checkout import services as checkout
from comptoir.core.invariants import registered_checks
from comptoir.orders.models import Order
from comptoir.payments.accounts import save_account
from comptoir.payments.models import Payment, PaymentStatus, ProviderAccount
from tests.checkout.factories import ready_checkout
from tests.payments.providers.conftest import load
from tests.payments.test_mollie_flow import PAYMENT_ID, WEBHOOK_URL, answer, come_back, created, pay

REFUNDS = f"/v2/payments/{PAYMENT_ID}/refunds"
CHARGEBACKS = f"/v2/payments/{PAYMENT_ID}/chargebacks"


def mollie_account_for(httpserver, channel, *, timeout: str = "1") -> ProviderAccount:
    """The channel takes payments with Mollie (test mode), whose API is the local server."""
    account = ProviderAccount(
        channel=channel,
        provider="mollie",
        mode="test",
        settings={"base_url": httpserver.url_for("/"), "timeout": timeout, "webhook_url": WEBHOOK_URL},
    )
    return save_account(account=account, secrets={"api_key": "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"})


def placed_order(channel) -> Order:
    cart, _ = ready_checkout(channel, price="20.00")
    return checkout.place_order(checkout_id=cart.pk)


def refund(refund_id: str, value, status: str = "refunded", created_at: str = "2026-11-30T14:22:40+00:00") -> dict:
    """One refund as List payment refunds shows it."""
    item = copy.deepcopy(load("mollie/refunds_list")["_embedded"]["refunds"][1])
    item.update(id=refund_id, status=status, createdAt=created_at, amount={"value": f"{value:.2f}", "currency": "EUR"})
    return item


def chargeback(chargeback_id: str, value, reversed_at: str | None = None) -> dict:
    """One chargeback as List payment chargebacks shows it."""
    item = copy.deepcopy(load("mollie/chargebacks_list")["_embedded"]["chargebacks"][0])
    item.update(id=chargeback_id, reversedAt=reversed_at, amount={"value": f"{value:.2f}", "currency": "EUR"})
    return item


def listed(name: str, items: list[dict]) -> dict:
    body = load(f"mollie/{name}_list")
    return {**body, "count": len(items), "_embedded": {name: items}}


def paid_with(order: Order, payment: Payment, *, refunded=Decimal(0), charged_back=None) -> dict:
    """The paid payment as Mollie shows it once refunds or chargebacks happened on it."""
    body = answer("payment_paid", order, payment, amountRefunded={"value": f"{refunded:.2f}", "currency": "EUR"})
    if charged_back is not None:
        body["amountChargedBack"] = {"value": f"{charged_back:.2f}", "currency": "EUR"}
        body["_links"]["chargebacks"] = {"href": f"https://api.mollie.com{CHARGEBACKS}", "type": "application/hal+json"}
    return body


def mollie_shows(httpserver, order, payment, *, refunds=(), chargebacks=(), refunded=None, charged_back=None):
    """From now on Mollie shows the payment with these refunds and chargebacks (totals from them by default:
    what is not failed, cancelled or reversed)."""
    if refunded is None:
        refunded = sum(
            (Decimal(r["amount"]["value"]) for r in refunds if r["status"] not in ("failed", "canceled")), Decimal(0)
        )
    if charged_back is None and chargebacks:
        charged_back = sum((Decimal(c["amount"]["value"]) for c in chargebacks if not c["reversedAt"]), Decimal(0))
    httpserver.clear_all_handlers()
    httpserver.expect_request(f"/v2/payments/{PAYMENT_ID}", method="GET").respond_with_json(
        paid_with(order, payment, refunded=refunded, charged_back=charged_back)
    )
    httpserver.expect_request(REFUNDS, method="GET").respond_with_json(listed("refunds", list(refunds)))
    httpserver.expect_request(CHARGEBACKS, method="GET").respond_with_json(listed("chargebacks", list(chargebacks)))


def paid_on_mollie(client, httpserver, order) -> Payment:
    """The buyer paid the order on Mollie's page and came back: the payment is captured."""
    created(httpserver, order)
    pay(client, order)
    payment = Payment.objects.get(order_ref=order.ref)
    httpserver.expect_request(f"/v2/payments/{PAYMENT_ID}", method="GET").respond_with_json(
        answer("payment_paid", order, payment)
    )
    come_back(client, order)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED
    return payment


def asked_for_lists(httpserver) -> list[str]:
    return [r.path for r, _ in httpserver.log if r.method == "GET" and r.path in (REFUNDS, CHARGEBACKS)]


def violations(*names: str) -> list:
    checks = registered_checks()
    return [v for name in names or checks for v in checks[name]().violations]
