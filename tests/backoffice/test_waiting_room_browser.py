"""The waiting-room screen in a real browser: the merchant finds it in the sidebar, switches the waiting room
on before the newsletter, then goes back to the settings. Screenshots go to test-results/browser/."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from comptoir.checkout import admission
from tests.backoffice.test_browser import CHROMIUM, SCREENSHOTS, desk  # noqa: F401 (the fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not installed at {CHROMIUM}"),
]


@pytest.mark.django_db(transaction=True)
def test_a_merchant_switches_the_waiting_room_on_and_back_to_the_settings(desk, live_server):  # noqa: F811
    from playwright.sync_api import expect

    cache.clear()
    get_user_model().objects.create_superuser(username="boss", email="boss@example.com", password="a-long-secret")
    desk.goto(f"{live_server.url}/admin/")
    desk.fill("input[name=username]", "boss")
    desk.fill("input[name=password]", "a-long-secret")
    desk.click("button[type=submit]")

    desk.locator("#nav-sidebar-inner").get_by_role("link", name="Waiting room").click()
    expect(desk.locator("#page-title")).to_have_text("Waiting room")
    desk.select_option("select[name=mode]", "on")
    desk.fill("input[name=rate]", "3")
    desk.get_by_role("button", name="Switch for every buyer").click()
    expect(desk.get_by_text("Waiting room switched: On, 3 buyers let into checkout per second.")).to_be_visible()
    desk.screenshot(path=SCREENSHOTS / "backoffice-waiting-room.png", full_page=True)
    assert (admission.config().mode, admission.config().rate) == ("on", 3)

    desk.get_by_role("button", name="Back to the settings").click()
    expect(desk.get_by_text("Waiting room back to the settings")).to_be_visible()
    assert admission.switched() == {}
    assert desk.problems == []
    cache.clear()
