"""The back office in a real browser: a merchant logs in, reads the dashboard, finds a product and opens it.

Drives Debian's Chromium (/usr/bin/chromium) with Playwright against pytest-django's live server. Fails on
any console error (a Content-Security-Policy violation included), any failed or 4xx/5xx request, and any
request to another host. Screenshots go to test-results/browser/.
"""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model

from comptoir.catalog.services import add_product_image
from tests.backoffice.sheets import csv_bytes, row
from tests.factories import image_bytes, sellable_product

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "browser"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not installed at {CHROMIUM}"),
]


@pytest.fixture
def desk(live_server, monkeypatch):
    """A desktop-sized Chromium page; what the page reports as wrong is collected in `page.problems`."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop here
    from playwright.sync_api import expect, sync_playwright

    host = urlsplit(live_server.url).netloc
    problems: list[str] = []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(30_000)  # a loaded 2-core CI machine can take over 10 s (seen once)
        expect.set_options(timeout=15_000)
        page = context.new_page()
        page.on("console", lambda message: message.type == "error" and problems.append(f"console: {message.text}"))
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status} for {r.url}"))
        page.on(
            "request",
            lambda r: (
                urlsplit(r.url).netloc not in {host, ""}
                and urlsplit(r.url).scheme in {"http", "https"}
                and problems.append(f"request to another host: {r.url}")
            ),
        )
        page.problems = problems
        try:
            yield page
        finally:
            context.close()
            browser.close()


def open_tab(page, name: str) -> None:
    """Click a change page's tab the way a merchant would find it.

    Once the page has loaded, Unfold moves the tabs that do not fit the width into a "more" menu; how much fits
    depends on how the page was laid out at that moment, which on a loaded machine is not always the final layout
    (the CI saw "Variants" there). So wait for that move, then open the menu when the tab is in it.
    """
    page.wait_for_load_state("load")
    if page.locator("#tabs-dropdown a", has_text=name).count():
        page.locator("#tabs-dropdown").locator("xpath=..").locator("[x-on\\:click]").first.click()
        page.locator("#tabs-dropdown").get_by_role("link", name=name).click()
    else:
        page.locator("#tabs-items").get_by_role("link", name=name).click()


@pytest.mark.django_db(transaction=True)
def test_a_merchant_logs_in_reads_the_dashboard_opens_a_product_and_imports_a_sheet(
    channel, desk, live_server, tmp_path
):
    from playwright.sync_api import expect

    product = sellable_product(channel=channel, name="Linen shirt", stock=3, variants=2)
    add_product_image(product_id=product.pk, filename="shirt.png", data=image_bytes(600, 450))
    get_user_model().objects.create_superuser(username="boss", email="boss@example.com", password="a-long-secret")

    desk.goto(f"{live_server.url}/admin/")
    desk.fill("input[name=username]", "boss")
    desk.fill("input[name=password]", "a-long-secret")
    desk.click("button[type=submit]")
    expect(desk.locator("#comptoir-dashboard")).to_be_visible()
    expect(desk.locator("[data-count=low-stock]")).to_have_text("2")
    desk.screenshot(path=SCREENSHOTS / "backoffice-dashboard.png", full_page=True)

    desk.goto(f"{live_server.url}/admin/catalog/product/")
    expect(desk.get_by_text("Linen shirt").first).to_be_visible()
    desk.screenshot(path=SCREENSHOTS / "backoffice-products.png", full_page=True)

    desk.get_by_text("Linen shirt").first.click()
    expect(desk.locator("input[name=name]")).to_have_value("Linen shirt")
    desk.screenshot(path=SCREENSHOTS / "backoffice-product-general.png", full_page=True)
    open_tab(desk, "Variants")
    expect(desk.locator("input[name='variants-0-sku']")).to_be_visible()
    desk.screenshot(path=SCREENSHOTS / "backoffice-product.png", full_page=True)

    desk.goto(f"{live_server.url}/admin/catalog/product/import/")
    sheet = tmp_path / "catalogue.csv"
    sheet.write_bytes(csv_bytes([row(product_name="Cap", category_slug="hats", sku="CAP-1", price="-3")]))
    desk.set_input_files("input[name=file]", sheet)
    desk.get_by_role("button", name="Import").click()
    expect(desk.locator("table.import-errors tbody tr")).to_have_count(2)
    desk.screenshot(path=SCREENSHOTS / "backoffice-import-errors.png", full_page=True)

    assert desk.problems == []
