"""The TEST provider's 3-D Secure challenge in a real browser on a phone: the buyer pays with the challenge
card, approves the check on the TEST MODE page and lands on a paid order, with no console error, failed request
or CSP violation on the way."""

from __future__ import annotations

import pytest

from comptoir.checkout import services
from comptoir.orders.models import OrderStatus
from comptoir.payments.models import Payment, PaymentStatus
from tests.checkout.factories import ready_checkout
from tests.e2e.conftest import CHROMIUM, SCREENSHOTS, browser  # noqa: F401  (the fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"Chromium not installed at {CHROMIUM} (apt-get install chromium)"
    ),
]


@pytest.mark.django_db(transaction=True)
def test_a_buyer_passes_the_test_3ds_challenge_on_a_phone_and_the_order_is_paid(channel, browser, live_server):  # noqa: F811
    from playwright.sync_api import expect

    checkout, _ = ready_checkout(channel, price="20.00")
    order = services.place_order(checkout_id=checkout.pk)
    phone = browser.phone()

    phone.goto(f"{live_server.url}/en/checkout/pay/{order.token}/")
    expect(phone.locator(".test-cards")).to_contain_text("4000 0027 6000 3184")
    phone.fill("#card-number", "4000 0027 6000 3184")
    phone.get_by_role("button", name="Pay").click()

    expect(phone.get_by_role("heading", level=1)).to_contain_text("3-D Secure check")
    expect(phone.locator("h1 .badge-test")).to_have_text("TEST MODE")
    phone.screenshot(path=SCREENSHOTS / "3ds-1-challenge.png", full_page=True)
    phone.get_by_role("button", name="Approve the payment").click()

    expect(phone.get_by_role("heading", level=1, name="Thank you for your order")).to_be_visible()
    expect(phone.locator("main")).to_contain_text("We have received your payment.")
    phone.screenshot(path=SCREENSHOTS / "3ds-2-done.png", full_page=True)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert Payment.objects.get(order_ref=order.number).status == PaymentStatus.CAPTURED
    assert browser.problems == []
