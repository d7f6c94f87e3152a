"""The end-to-end tests' shop and browser: a French shop selling one shirt, and Debian's Chromium.

The shop is built through the services where a service owns the rows (stock is received, so the stock ledger
agrees with the shelves and `check_invariants` has nothing to say). The browser is Debian's Chromium
(/usr/bin/chromium) driven by Playwright against pytest-django's live server; no browser is ever downloaded.
Every page it opens, on the buyer's phone or on the staff's desk, reports its problems to one list: console
errors (a Content-Security-Policy violation included), uncaught script errors, failed requests, 4xx/5xx
answers, and any request to a host other than the live server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from comptoir.inventory.queries import forget_locations
from comptoir.inventory.services import receive_stock
from comptoir.orders.models import LegalEntity
from tests.checkout.factories import shipping_method
from tests.factories import CategoryFactory, LocationFactory, sellable_product

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "e2e"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# An iPhone 13-sized phone: what most buyers hold.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "en-GB",
}
DESK = {"viewport": {"width": 1400, "height": 1000}, "locale": "en-GB"}
STAFF_PASSWORD = "a-long-staff-secret"
# What the staff member may do: run orders and returns, nothing else (not a superuser).
STAFF_PERMISSIONS = ["view_order", "change_order", "view_returnrequest", "change_returnrequest"]


@dataclass
class Shop:
    product: object
    variant: object
    warehouse: object
    method: object
    staff: object


@pytest.fixture
def shop(channel) -> Shop:
    """Shirts > Linen shirt at €39.00 with 10 units in one warehouse, Colissimo to France (€4.90, a tracking
    link), the company that issues invoices, and a staff member who runs orders and returns."""
    shirts = CategoryFactory(name="Shirts", slug="shirts")
    product = sellable_product(
        channel=channel, name="Linen shirt", slug="linen-shirt", category=shirts, price="39.00", stock=None
    )
    variant = product.variants.get()
    warehouse = LocationFactory(name="Main warehouse")
    receive_stock(location_id=warehouse.pk, variant_id=variant.pk, quantity=10)
    forget_locations()  # the factory made a warehouse behind the services' back
    method = shipping_method(channel, price="4.90")  # tracking link: https://track.example/{tracking_number}
    LegalEntity.objects.create(
        name="Comptoir SAS",
        address="1 rue de la Paix\n75002 Paris",
        invoice_prefix="FA-",
        credit_note_prefix="AV-",
        is_default=True,
    )
    staff = get_user_model().objects.create_user(
        username="sam", email="sam@comptoir.example", password=STAFF_PASSWORD, is_staff=True
    )
    staff.user_permissions.set(
        Permission.objects.filter(content_type__app_label="orders", codename__in=STAFF_PERMISSIONS)
    )
    return Shop(product=product, variant=variant, warehouse=warehouse, method=method, staff=staff)


@dataclass
class Browser:
    """One Chromium; `phone()` and `desk()` open a page in a context of their own (their own cookies)."""

    chromium: object
    host: str
    problems: list[str] = field(default_factory=list)
    contexts: list = field(default_factory=list)

    def phone(self):
        return self._page("phone", PHONE)

    def desk(self):
        return self._page("desk", DESK)

    def _page(self, who: str, options: dict):
        context = self.chromium.new_context(**options)
        context.set_default_timeout(30_000)  # a loaded 2-core CI machine can take over 10 s (seen once)
        from playwright.sync_api import expect

        expect.set_options(timeout=15_000)
        self.contexts.append(context)
        page = context.new_page()
        problems = self.problems

        def watch_request(request) -> None:
            where = urlsplit(request.url)
            if where.scheme in {"http", "https"} and where.netloc != self.host:
                problems.append(f"{who}: request to another host: {request.url}")

        def watch_failure(request) -> None:
            # A request cut short because the page moved on (a tap on a link before the header's cart count
            # arrived) is "aborted" and harms no one; refused, blocked or unreachable ones count.
            if request.failure != "net::ERR_ABORTED":
                problems.append(f"{who}: failed: {request.url} {request.failure}")

        page.on("console", lambda msg: msg.type == "error" and problems.append(f"{who}: console: {msg.text}"))
        page.on("pageerror", lambda error: problems.append(f"{who}: page error: {error}"))
        page.on("request", watch_request)
        page.on("response", lambda r: r.status >= 400 and problems.append(f"{who}: HTTP {r.status} for {r.url}"))
        page.on("requestfailed", watch_failure)
        page.problems = problems
        return page


@pytest.fixture
def browser(live_server, monkeypatch, settings):
    """Debian's Chromium against the live server; e-mailed links point at the live server too."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API keeps an event loop in this thread; Django would refuse ORM calls made from it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.SITE_URL = live_server.url
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        browser = Browser(chromium=chromium, host=urlsplit(live_server.url).netloc)
        try:
            yield browser
        finally:
            for context in browser.contexts:
                context.close()
            chromium.close()
