"""A business buyer on a phone, in a real browser: a mistyped VAT number is refused at its field, the right
one drops the tax from the summary (htmx swaps, no reload)."""

import pytest

from comptoir.checkout.cookies import CART_COOKIE
from comptoir.checkout.models import Checkout
from tests.checkout.factories import ready_checkout
from tests.storefront.test_browser_smoke import (
    CHROMIUM,
    SCREENSHOTS,
    phone,  # noqa: F401 (a fixture)
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not installed at {CHROMIUM}"),
]


@pytest.mark.django_db(transaction=True)
def test_a_business_buyer_corrects_a_mistyped_vat_number_and_sees_the_tax_go(phone, live_server, channel, flat_tax):  # noqa: F811
    from playwright.sync_api import expect

    cart, _variant = ready_checkout(channel, price="24.00")
    phone.context.add_cookies([{"name": CART_COOKIE, "value": str(cart.token), "url": live_server.url}])
    phone.goto(f"{live_server.url}/en/checkout/")
    expect(phone.locator("#checkout-summary .totals-note dd")).to_have_text("€4.82")

    phone.locator("#section-business summary").click()
    phone.fill("#company-name", "Acme SARL")
    phone.fill("#vat-number", "FR40303265046")
    phone.locator("#business-save").click()
    expect(phone.locator("#vat-number-error")).to_contain_text("FR40303265046 is not a valid EU VAT number")
    expect(phone.locator("#checkout-summary .totals-note dd")).to_have_text("€4.82")
    phone.screenshot(path=SCREENSHOTS / "taxb2b-1-refused.png", full_page=True)

    phone.fill("#vat-number", "FR40303265045")
    phone.locator("#business-save").click()
    expect(phone.locator("#section-business .notice")).to_contain_text("VAT number FR40303265045 recorded")
    expect(phone.locator("#checkout-summary .totals-note")).to_have_count(0)
    phone.screenshot(path=SCREENSHOTS / "taxb2b-2-recorded.png", full_page=True)

    assert Checkout.objects.get(pk=cart.pk).vat_number == "FR40303265045"
    # The refused try answered 422, which htmx swaps in on purpose: the only "problem" the buyer could see.
    assert [p for p in phone.problems if "422" not in p] == []
