"""A buyer's first visit on a phone, in a real browser: home → category → product (another size) → search.

Drives Debian's Chromium (/usr/bin/chromium) with Playwright against pytest-django's live server; no
browser is ever downloaded. Fails on any console error (a CSP violation included), any failed or 4xx/5xx
request, and any request to a host other than the live server. Screenshots of each step go to
test-results/browser/.
"""

from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import transaction

from comptoir.catalog.services import add_product_image, products_changed
from comptoir.pricing.services import set_variant_prices
from tests.factories import (
    AttributeFactory,
    AttributeValueFactory,
    BrandFactory,
    CategoryFactory,
    CollectionFactory,
    add_to_collection,
    image_bytes,
    sellable_product,
)

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "browser"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "fr-FR"}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"Chromium not installed at {CHROMIUM} (apt-get install chromium)"
    ),
]


@pytest.fixture
def shop(channel):
    """A small French shop: Vêtements > T-shirts holding a two-size T-shirt with photos, in a featured collection."""
    clothes = CategoryFactory(name="Vêtements", slug="vetements")
    tees = CategoryFactory(name="T-shirts", slug="t-shirts", parent=clothes)
    size = AttributeFactory(name="Taille", slug="taille", is_variant_option=True)
    small = AttributeValueFactory(attribute=size, name="S", slug="s", position=0)
    medium = AttributeValueFactory(attribute=size, name="M", slug="m", position=1)
    tee = sellable_product(
        channel=channel,
        name="T-shirt Marinière",
        slug="t-shirt-mariniere",
        category=tees,
        brand=BrandFactory(name="Armor"),
        price="19.90",
        stock=12,
        variants=2,
        description="<p>Coton bio, rayures bleues.</p>",
    )
    first, second = tee.variants.order_by("position")
    first.option_values.set([small])
    second.option_values.set([medium])
    set_variant_prices(variant_id=second.pk, prices={channel.pk: Decimal("24.90")})
    second.stock_levels.update(on_hand=2)
    other = sellable_product(channel=channel, name="Sweat Capuche", slug="sweat-capuche", category=clothes, stock=3)
    for product, colour in ((tee, "#1f3b73"), (other, "#8a2b2b")):
        add_product_image(
            product_id=product.pk, filename=f"{product.slug}.png", data=image_bytes(800, 800, colour), alt=product.name
        )
    add_to_collection(CollectionFactory(name="Nouveautés", slug="nouveautes", is_featured=True), tee, other)
    with transaction.atomic():
        products_changed([tee.pk, other.pk])  # the factories bypass the services that keep search in step
    return tee


@pytest.fixture
def phone(live_server, monkeypatch):
    """A Playwright page on a phone-sized Chromium, with every problem the page reports collected in `problems`."""
    # Playwright's sync API keeps an event loop in this thread; Django would refuse ORM calls made from it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect, sync_playwright

    host = urlsplit(live_server.url).netloc
    problems: list[str] = []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(**PHONE)
        context.set_default_timeout(30_000)  # a loaded 2-core CI machine can take over 10 s (seen once)
        expect.set_options(timeout=15_000)
        page = context.new_page()

        def watch_request(request):
            where = urlsplit(request.url)
            if where.scheme in {"http", "https"} and where.netloc != host:
                problems.append(f"request to another host: {request.url}")

        def watch_response(response):
            if response.status >= 400:
                problems.append(f"HTTP {response.status} for {response.url}")

        page.on("console", lambda message: message.type == "error" and problems.append(f"console: {message.text}"))
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("request", watch_request)
        page.on("response", watch_response)
        page.on("requestfailed", lambda request: problems.append(f"failed: {request.url} {request.failure}"))
        page.problems = problems
        try:
            yield page
        finally:
            context.close()
            browser.close()


@pytest.mark.django_db(transaction=True)
def test_a_buyer_on_a_phone_finds_a_product_by_browsing_and_by_searching(shop, phone, live_server):
    from playwright.sync_api import expect

    phone.goto(f"{live_server.url}/fr/")
    expect(phone.get_by_role("heading", name="Nouveautés")).to_be_visible()
    expect(phone.locator(".card").filter(has_text="T-shirt Marinière")).to_be_visible()
    phone.screenshot(path=SCREENSHOTS / "1-home.png")

    phone.locator("main").get_by_role("link", name="Vêtements").first.click()
    expect(phone.get_by_role("heading", level=1, name="Vêtements")).to_be_visible()
    phone.locator("main").get_by_role("link", name="T-shirts").first.click()
    expect(phone.get_by_role("heading", level=1, name="T-shirts")).to_be_visible()
    card = phone.locator(".card").filter(has_text="T-shirt Marinière")
    expect(card).to_be_visible()
    expect(card.locator("img")).to_have_js_property("complete", True)
    phone.screenshot(path=SCREENSHOTS / "2-category.png")

    card.get_by_role("link").first.click()
    expect(phone.get_by_role("heading", level=1, name="T-shirt Marinière")).to_be_visible()
    summary = phone.locator("#variant-summary")
    expect(summary).to_contain_text("19,90")
    expect(summary.locator(".stock")).to_have_class("stock stock-in_stock")
    expect(phone.locator(".gallery img").first).to_have_js_property("complete", True)
    phone.screenshot(path=SCREENSHOTS / "3-product.png")

    phone.locator("label[for='opt-taille-m']").click()
    expect(summary).to_contain_text("24,90")
    expect(summary.locator(".stock")).to_have_class("stock stock-low_stock")
    expect(phone).to_have_url(f"{live_server.url}/fr/p/t-shirt-mariniere/?taille=m")
    phone.screenshot(path=SCREENSHOTS / "4-product-size-m.png")

    phone.locator("#site-search").fill("mariniere")
    phone.locator("#site-search").press("Enter")
    results = phone.locator("#results .card")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("T-shirt Marinière")
    phone.screenshot(path=SCREENSHOTS / "5-search.png")
    results.first.get_by_role("link").first.click()
    expect(phone.get_by_role("heading", level=1, name="T-shirt Marinière")).to_be_visible()

    assert phone.problems == []
