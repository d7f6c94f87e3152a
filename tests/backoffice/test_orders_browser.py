"""The order screens in a real browser: a merchant finds a paid order, ships it, marks the parcel delivered and
adds a note. Same rules as test_browser.py: no console error (a CSP violation included), no failed request,
nothing from another host. Screenshots go to test-results/browser/."""

import pytest
from django.contrib.auth import get_user_model

from comptoir.orders.models import OrderStatus
from tests.backoffice.order_factories import paid_order
from tests.backoffice.test_browser import CHROMIUM, SCREENSHOTS, desk  # noqa: F401 (the fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not installed at {CHROMIUM}"),
]


@pytest.mark.django_db(transaction=True)
def test_a_merchant_ships_an_order_marks_it_delivered_and_adds_a_note(channel, desk, live_server):  # noqa: F811
    from playwright.sync_api import expect

    order, location = paid_order(channel, email="grace@example.com")
    get_user_model().objects.create_superuser(username="boss", email="boss@example.com", password="a-long-secret")

    desk.goto(f"{live_server.url}/admin/")
    desk.fill("input[name=username]", "boss")
    desk.fill("input[name=password]", "a-long-secret")
    desk.click("button[type=submit]")

    desk.goto(f"{live_server.url}/admin/orders/order/")
    expect(desk.get_by_text("grace@example.com")).to_be_visible()
    desk.screenshot(path=SCREENSHOTS / "backoffice-orders.png", full_page=True)
    desk.get_by_role("link", name=order.number).click()
    expect(desk.locator("#order-page")).to_have_attribute("data-status", "paid")
    desk.screenshot(path=SCREENSHOTS / "backoffice-order.png", full_page=True)

    desk.locator("#order-actions").get_by_role("link", name="Ship").click()
    desk.select_option("select[name=location]", str(location.pk))
    desk.fill("input[name=tracking_number]", "TRK-1")
    desk.screenshot(path=SCREENSHOTS / "backoffice-order-ship.png", full_page=True)
    desk.locator("#action-form button[type=submit]").click()
    expect(desk.locator("#order-page")).to_have_attribute("data-status", "fulfilled")

    desk.locator("form[data-action=delivered] button").click()
    expect(desk.locator("#order-page")).to_have_attribute("data-status", "delivered")

    desk.fill("#note-form textarea[name=text]", "Left with the concierge.")
    desk.locator("#note-form button[type=submit]").click()
    expect(desk.locator("#timeline")).to_contain_text("Left with the concierge.")
    desk.screenshot(path=SCREENSHOTS / "backoffice-order-delivered.png", full_page=True)

    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert desk.problems == []
