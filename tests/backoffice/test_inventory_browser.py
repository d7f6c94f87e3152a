"""The stock screens in a real browser: a merchant opens a product's Stock tab, adjusts a variant, receives a
delivery and reads the low-stock report. Same rules as test_browser.py: no console error (a CSP violation
included), no failed request, nothing from another host. Screenshots go to test-results/browser/."""

import pytest
from django.contrib.auth import get_user_model

from comptoir.inventory.models import StockLevel
from tests.backoffice.test_browser import CHROMIUM, SCREENSHOTS, desk, open_tab  # noqa: F401 (the fixture)
from tests.factories import LocationFactory, sellable_product

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not installed at {CHROMIUM}"),
]


@pytest.mark.django_db(transaction=True)
def test_a_merchant_adjusts_stock_from_the_product_page_and_receives_a_delivery(channel, desk, live_server):  # noqa: F811
    from playwright.sync_api import expect

    product = sellable_product(channel=channel, name="Linen shirt", stock=3, variants=2)
    variant = product.variants.order_by("position").first()
    LocationFactory(name="Lyon store", slug="lyon", kind="store")
    get_user_model().objects.create_superuser(username="boss", email="boss@example.com", password="a-long-secret")

    desk.goto(f"{live_server.url}/admin/")
    desk.fill("input[name=username]", "boss")
    desk.fill("input[name=password]", "a-long-secret")
    desk.click("button[type=submit]")

    desk.goto(f"{live_server.url}/admin/catalog/product/{product.pk}/change/")
    open_tab(desk, "Stock")
    expect(desk.locator("#product-stock")).to_be_visible()
    desk.screenshot(path=SCREENSHOTS / "backoffice-product-stock.png", full_page=True)
    desk.locator(f"#product-stock tbody[data-sku='{variant.sku}'] tr[data-location] a", has_text="Adjust").click()

    desk.fill("input[name=count-counted]", "9")
    desk.locator("form[data-action=count] button[type=submit]").click()
    expect(desk.locator("[data-counter=on_hand]")).to_have_text("9")
    desk.screenshot(path=SCREENSHOTS / "backoffice-adjust-stock.png", full_page=True)

    desk.goto(f"{live_server.url}/admin/inventory/stocklevel/receive/?product={product.pk}")
    desk.select_option("select[name=location]", label="Lyon store")
    desk.fill("input[name=reference]", "DN-77")
    desk.fill("textarea[name=lines]", f"{variant.sku}\t5")
    desk.click("#receipt-form button[type=submit]")
    expect(desk.get_by_text("DN-77").first).to_be_visible()

    desk.goto(f"{live_server.url}/admin/inventory/stocklevel/low-stock/")
    expect(desk.locator("#low-stock-report")).to_be_visible()
    desk.screenshot(path=SCREENSHOTS / "backoffice-low-stock.png", full_page=True)

    assert StockLevel.objects.get(variant=variant, location__slug="lyon").on_hand == 5
    assert desk.problems == []
