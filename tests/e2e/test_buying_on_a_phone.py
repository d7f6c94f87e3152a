"""Selling end to end, in a real browser on a phone: a guest buys, pays with the test card and follows the parcel
the staff ship from the back office; a customer signs up, buys, finds the order in their account, returns an
item and is refunded.

The buyer's side is asserted on what a buyer sees (headings, text, links), then the database is checked at the
end: the order's status, the payment captured, the invoice and credit note issued, and every registered
invariant (`check_invariants`) holds. Nothing any page reports may go wrong on the way: no console error (a
CSP violation included), no failed request, no 4xx/5xx answer, nothing fetched from another host.
Screenshots of each step go to test-results/e2e/.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail

from comptoir.core.invariants import registered_checks
from comptoir.inventory.models import StockLevel
from comptoir.orders.models import Invoice, InvoiceKind, Order, OrderStatus, ReturnRequest, ReturnStatus
from comptoir.orders.services import fulfil_order, mark_shipment_delivered
from comptoir.payments.models import Payment, PaymentStatus
from tests.e2e.conftest import CHROMIUM, SCREENSHOTS, STAFF_PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"Chromium not installed at {CHROMIUM} (apt-get install chromium)"
    ),
]

TRACKING_NUMBER = "6A12345678901"
FOLLOW_LINK = re.compile(r"Follow your order:\s+(\S+)")
TEMPLATE_SYNTAX = re.compile(r"\{[{%#]|[}%#]\}")
# A known product bug, reported: storefront/checkout/address_fields.html opens with a two-line {# ... #} comment,
# which Django strips only when it fits on one line, so the checkout shows it to the buyer. Drop this once fixed.
KNOWN_LEAKS: list[re.Pattern] = []  # template text a buyer may see on purpose (none)


def shot(page, name: str) -> None:
    """A screenshot of the whole page; any template syntax a buyer would read on it is one of its problems."""
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    shown = page.locator("body").inner_text()
    for known in KNOWN_LEAKS:
        shown = known.sub("", shown)
    page.problems.extend(
        f"{name}: template syntax shown: {shown[max(m.start() - 40, 0) : m.end() + 40]!r}"
        for m in TEMPLATE_SYNTAX.finditer(shown)
    )


def violations() -> list[str]:
    """Every broken invariant, as `manage.py check_invariants` would list it."""
    return [
        f"{v.check}: {v.subject}: {v.message}" for check in registered_checks().values() for v in check().violations
    ]


def add_to_cart_and_check_out(phone, *, quantity: int, name: str, email: str, typed: bool, prefix: str) -> str:
    """From the product page to the confirmation: add `quantity` shirts, check out to `name` in Paris with
    Colissimo and the TEST card, pay with 4242 4242 4242 4242. The buyer types `email`, or finds it filled in
    when not `typed` (signed in). Returns the order number the confirmation shows."""
    from playwright.sync_api import expect

    expect(phone.get_by_role("heading", level=1, name="Linen shirt")).to_be_visible()
    expect(phone.locator("#variant-summary")).to_contain_text("€39.00")
    phone.fill("#add-quantity", str(quantity))
    phone.get_by_role("button", name="Add to cart").click()
    expect(phone.locator("#cart-feedback")).to_contain_text(f"Added {quantity} \u00d7 Linen shirt to your cart.")
    expect(phone.locator("header #cart-count .badge")).to_have_text(str(quantity))
    shot(phone, f"{prefix}-2-added")

    phone.get_by_role("link", name="View cart and check out").click()
    subtotal = f"€{39 * quantity}.00"
    expect(phone.locator("#cart-body .totals-total dd")).to_have_text(subtotal)
    phone.get_by_role("link", name="Checkout").click()
    expect(phone.locator("#checkout-summary .hold")).to_contain_text("We're holding your items until")
    if typed:
        phone.fill("#email", email)
        phone.locator("#email").blur()  # saved on change, as when a buyer leaves the field
    else:
        expect(phone.locator("#email")).to_have_value(email)
    phone.fill("#id_shipping-full_name", name)
    phone.fill("#id_shipping-street_address_1", "12 rue de la Paix")
    phone.fill("#id_shipping-postal_code", "75002")
    phone.fill("#id_shipping-city", "Paris")
    phone.get_by_role("button", name="Use this address").click()
    option = phone.locator("#section-delivery label").filter(has_text="Colissimo")
    expect(option).to_contain_text("€4.90")
    option.click()
    total = f"€{39 * quantity + 4}.90"
    expect(phone.locator("#checkout-summary .totals-total dd")).to_have_text(total)
    phone.locator("#section-payment label").filter(has_text="TEST MODE").click()
    shot(phone, f"{prefix}-3-checkout")

    phone.get_by_role("button", name="Place order").click()
    expect(phone.get_by_role("heading", level=1, name="Payment")).to_be_visible()
    expect(phone.locator(".test-mode")).to_contain_text("TEST MODE")
    expect(phone.locator("main")).to_contain_text(total)
    phone.fill("#card-number", "4242 4242 4242 4242")
    shot(phone, f"{prefix}-4-pay")
    phone.get_by_role("button", name="Pay").click()

    expect(phone.get_by_role("heading", level=1, name="Thank you for your order")).to_be_visible()
    expect(phone.locator("main")).to_contain_text("We have received your payment.")
    shot(phone, f"{prefix}-5-done")
    number = phone.locator(".order-number strong").inner_text()
    assert re.fullmatch(r"\S+", number), number
    return number


def sign_in_to_the_back_office(desk, live_url: str, staff) -> None:
    from playwright.sync_api import expect

    desk.goto(f"{live_url}/admin/")
    desk.fill("input[name=username]", staff.username)
    desk.fill("input[name=password]", STAFF_PASSWORD)
    desk.click("button[type=submit]")
    expect(desk.locator("input[name=password]")).to_have_count(0)


@pytest.mark.django_db(transaction=True)
def test_a_guest_buys_on_a_phone_pays_by_card_and_follows_the_parcel_the_staff_ship(shop, browser, live_server):
    from playwright.sync_api import expect

    base = f"{live_server.url}/en"
    phone = browser.phone()

    # A guest browses from the home page to the shirt and buys one.
    phone.goto(f"{base}/")
    expect(phone.get_by_role("heading", name="Shop by category")).to_be_visible()
    shot(phone, "guest-1-home")
    phone.locator("main").get_by_role("link", name="Shirts").first.click()
    expect(phone.get_by_role("heading", level=1, name="Shirts")).to_be_visible()
    phone.locator(".card").filter(has_text="Linen shirt").get_by_role("link").first.click()
    number = add_to_cart_and_check_out(
        phone, quantity=1, name="Camille Martin", email="camille@example.fr", typed=True, prefix="guest"
    )

    # The confirmation e-mail went out with the same private tracking link the page offers.
    follow = phone.get_by_role("link", name="Follow your order")
    track_path = follow.get_attribute("href")
    confirmations = [m for m in mail.outbox if m.subject == f"Order {number} confirmed"]
    assert [m.to for m in confirmations] == [["camille@example.fr"]]
    assert FOLLOW_LINK.search(confirmations[0].body).group(1) == f"{live_server.url}{track_path}"

    follow.click()
    expect(phone.get_by_role("heading", level=1, name=f"Order {number}")).to_be_visible()
    expect(phone.locator(".order-status strong").first).to_have_text("Paid")
    expect(phone.locator(".order-lines")).to_contain_text("1 \u00d7 Linen shirt")
    expect(phone.locator(".order-total td")).to_have_text("€43.90")
    expect(phone.locator(".order-invoices")).to_contain_text("FA-")
    shot(phone, "guest-6-tracking-paid")

    order = Order.objects.get(number=number)
    assert order.status == OrderStatus.PAID and order.total == Decimal("43.90") and order.user_id is None
    payments = Payment.objects.filter(order_ref=order.ref)
    assert [(p.status, p.captured_amount) for p in payments] == [(PaymentStatus.CAPTURED, Decimal("43.90"))]
    assert [i.kind for i in Invoice.objects.filter(order=order)] == [InvoiceKind.INVOICE]

    # The staff find the order in the back office and ship it with a tracking number, then the carrier
    # delivers it.
    desk = browser.desk()
    sign_in_to_the_back_office(desk, live_server.url, shop.staff)
    desk.goto(f"{live_server.url}/admin/orders/order/")
    desk.get_by_role("link", name=number).click()
    expect(desk.locator("#order-page")).to_have_attribute("data-status", "paid")
    desk.locator("#order-actions").get_by_role("link", name="Ship").click()
    desk.fill("input[name=tracking_number]", TRACKING_NUMBER)
    shot(desk, "guest-7-staff-ship")
    desk.locator("#action-form button[type=submit]").click()
    expect(desk.locator("#order-page")).to_have_attribute("data-status", "fulfilled")
    expect(desk.locator("#shipments")).to_contain_text(TRACKING_NUMBER)
    desk.locator("form[data-action=delivered] button").click()
    expect(desk.locator("#order-page")).to_have_attribute("data-status", "delivered")
    shot(desk, "guest-8-staff-delivered")

    # The guest's tracking page shows the parcel: carrier, tracking number, and the carrier's link.
    phone.reload()
    expect(phone.locator(".order-status strong").first).to_have_text("Delivered")
    parcel = phone.locator(".order-shipments .shipment")
    expect(parcel).to_have_count(1)
    expect(parcel).to_contain_text("Colissimo")
    expect(parcel.locator(".tracking-number")).to_have_text(TRACKING_NUMBER)
    link = parcel.get_by_role("link", name="Track this parcel")
    expect(link).to_have_attribute("href", f"https://track.example/{TRACKING_NUMBER}")
    shot(phone, "guest-9-tracking-delivered")
    shipped = [m for m in mail.outbox if m.subject == f"Your order {number} is on its way"]
    assert len(shipped) == 1 and f"https://track.example/{TRACKING_NUMBER}" in shipped[0].body

    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert StockLevel.objects.get(variant=shop.variant, location=shop.warehouse).on_hand == 9
    assert violations() == []
    assert browser.problems == []


@pytest.mark.django_db(transaction=True)
def test_a_customer_signs_up_on_a_phone_buys_finds_the_order_and_is_refunded_for_a_return(shop, browser, live_server):
    from playwright.sync_api import expect

    base = f"{live_server.url}/en"
    phone = browser.phone()

    # A new customer opens an account from the header's Account link.
    phone.goto(f"{base}/")
    phone.locator("header").get_by_role("link", name="Account").click()
    expect(phone.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    phone.locator("main").get_by_role("link", name="Create an account").click()
    expect(phone.get_by_role("heading", level=1, name="Create an account")).to_be_visible()
    phone.get_by_label("Email").fill("dominique@example.fr")
    phone.get_by_label("First name").fill("Dominique")
    phone.get_by_label("Last name").fill("Lefèvre")
    phone.get_by_label("Password").fill("correct horse battery staple")
    phone.get_by_role("button", name="Create my account").click()
    expect(phone.locator("main")).to_contain_text("Welcome! Your account is ready.")
    shot(phone, "customer-1-signed-up")

    # Signed in, they buy two shirts: the checkout knows their e-mail address.
    phone.goto(f"{base}/p/linen-shirt/")
    number = add_to_cart_and_check_out(
        phone, quantity=2, name="Dominique Lefèvre", email="dominique@example.fr", typed=False, prefix="customer"
    )
    expect(phone.get_by_role("heading", name="Save time next time")).to_have_count(0)
    confirmations = [m for m in mail.outbox if m.subject == f"Order {number} confirmed"]
    assert [m.to for m in confirmations] == [["dominique@example.fr"]]

    # Account → Orders → the order.
    phone.locator("header").get_by_role("link", name="Account").click()
    phone.get_by_role("navigation", name="Your account").get_by_role("link", name="Your orders").click()
    expect(phone.get_by_role("heading", level=1, name="Your orders")).to_be_visible()
    row = phone.locator(".order-row").filter(has_text=number)
    expect(row).to_contain_text("Paid")
    expect(row).to_contain_text("€82.90")
    shot(phone, "customer-6-orders")
    row.get_by_role("link", name=f"Order {number}").click()
    expect(phone.get_by_role("heading", level=1, name=f"Order {number}")).to_be_visible()
    expect(phone.locator(".order-status strong").first).to_have_text("Paid")
    expect(phone.locator(".order-return")).to_have_count(0)  # nothing shipped yet: nothing to return

    # The warehouse ships both shirts and the carrier delivers them (services: the back office's ship and
    # deliver screens are driven by the guest's test).
    order = Order.objects.get(number=number)
    assert order.user.email == "dominique@example.fr"
    shipment = fulfil_order(order_id=order.pk, carrier="Colissimo", tracking_number=TRACKING_NUMBER)
    mark_shipment_delivered(shipment_id=shipment.pk)

    # The customer asks to return one of the two: it does not fit.
    phone.reload()
    expect(phone.locator(".order-status strong").first).to_have_text("Delivered")
    phone.get_by_role("link", name="Request a return").click()
    expect(phone.get_by_role("heading", level=1, name=f"Return items from order {number}")).to_be_visible()
    line = phone.locator("fieldset.return-line").filter(has_text="Linen shirt")
    expect(line).to_contain_text("Up to 2 units can be returned")
    line.get_by_label("Units to return").select_option("1")
    line.get_by_label("Reason").select_option(label="Wrong size or fit")
    phone.get_by_label("Anything else we should know? (optional)").fill("Too tight at the shoulders.")
    shot(phone, "customer-7-return-request")
    phone.get_by_role("button", name="Ask for the return").click()
    heading = phone.get_by_role("heading", level=1, name=re.compile(r"^Return "))
    expect(heading).to_be_visible()
    return_number = heading.inner_text().removeprefix("Return ")
    expect(phone.locator("main")).to_contain_text(f"We received your return request {return_number}.")
    expect(phone.locator(".return-status")).to_have_text("Requested")
    expect(phone.locator(".return-lines tbody")).to_contain_text("Wrong size or fit")
    shot(phone, "customer-8-return-requested")

    # The staff approve it, receive the parcel (the shirt goes back on sale) and refund it.
    desk = browser.desk()
    sign_in_to_the_back_office(desk, live_server.url, shop.staff)
    desk.goto(f"{live_server.url}/admin/orders/returnrequest/")
    desk.get_by_role("link", name=return_number).click()
    expect(desk.locator("#return-page")).to_have_attribute("data-status", "requested")
    expect(desk.locator("#return-page")).to_contain_text("Too tight at the shoulders.")
    desk.locator("form[data-action=approve] button").click()
    expect(desk.locator("#return-page")).to_have_attribute("data-status", "approved")
    desk.locator("#return-actions").get_by_role("link", name="Receive the parcel").click()
    desk.select_option("select[name=location]", str(shop.warehouse.pk))
    shot(desk, "customer-9-staff-receive")
    desk.locator("#action-form button[type=submit]").click()
    expect(desk.locator("#return-page")).to_have_attribute("data-status", "received")
    desk.locator("#return-refund-form button[type=submit]").click()
    expect(desk.locator("#return-page")).to_have_attribute("data-status", "refunded")
    expect(desk.locator("#return-page")).to_contain_text("€39.00")
    shot(desk, "customer-10-staff-refunded")

    # The customer sees the refund on the return, and the order partly refunded with its credit note.
    phone.reload()
    expect(phone.locator(".return-status")).to_have_text("Refunded")
    expect(phone.locator("main")).to_contain_text("We refunded you €39.00, to the way you paid.")
    shot(phone, "customer-11-return-refunded")
    phone.get_by_role("link", name=f"Back to order {number}").click()
    expect(phone.locator(".order-status strong").first).to_have_text("Partially refunded")
    expect(phone.locator(".order-lines")).to_contain_text("1 returned")
    expect(phone.locator(".order-invoices li")).to_have_count(2)
    expect(phone.locator(".order-invoices")).to_contain_text("AV-")
    shot(phone, "customer-12-order-refunded")

    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    payment = Payment.objects.get(order_ref=order.ref)
    assert (payment.status, payment.captured_amount, payment.refunded_amount) == (
        PaymentStatus.PARTIALLY_REFUNDED,
        Decimal("82.90"),
        Decimal("39.00"),
    )
    documents = {(i.kind, i.total) for i in Invoice.objects.filter(order=order)}
    assert documents == {(InvoiceKind.INVOICE, Decimal("82.90")), (InvoiceKind.CREDIT_NOTE, Decimal("39.00"))}
    returned = ReturnRequest.objects.get(number=return_number)
    assert (returned.status, returned.refund_amount) == (ReturnStatus.REFUNDED, Decimal("39.00"))
    assert StockLevel.objects.get(variant=shop.variant, location=shop.warehouse).on_hand == 9  # 10 - 2 + 1
    assert violations() == []
    assert browser.problems == []
