import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comptoir.checkout import services
from comptoir.checkout.cookies import CART_COOKIE
from comptoir.checkout.models import Checkout
from comptoir.inventory.models import Reservation
from comptoir.inventory.queries import forget_locations
from comptoir.orders.models import Order, OrderStatus
from comptoir.pricing.models import VariantPrice
from tests.checkout.factories import ADDRESS_FR, cart_with, ready_checkout, shipping_method
from tests.factories import LocationFactory, StockLevelFactory, sellable_product
from tests.fulfillment.shipping_factories import PickupPointFactory
from tests.pricing.factories import VoucherFactory, gift_card
from tests.storefront.checkout_helpers import (
    HX,
    address_fields,
    checkout_form,
    oob_ids,
    soup,
    text,
    use_cart,
)
from tests.storefront.test_browser_smoke import CHROMIUM, SCREENSHOTS
from tests.storefront.test_browser_smoke import phone as smoke_phone  # noqa: F401  (a fixture, used below)

pytestmark = pytest.mark.django_db


def fresh(cart) -> Checkout:
    return Checkout.objects.get(pk=cart.pk)


def totals_of(page) -> dict[str, str]:
    return {text(row.dt): text(row.dd) for row in page.select("#checkout-summary .totals-row")}


# --- Entering the checkout ----------------------------------------------------------------------------------------


def test_an_empty_or_missing_cart_sends_the_checkout_back_to_the_cart(client, channel):
    response = client.get("/en/checkout/")

    assert response.status_code == 302 and response["Location"] == "/en/cart/"


def test_entering_the_checkout_holds_the_items_and_says_until_when(client, channel):
    cart, _ = cart_with(channel, quantity=2)
    use_cart(client, cart)

    response = client.get("/en/checkout/")

    until = timezone.localtime(fresh(cart).reserved_until)
    assert response.status_code == 200
    assert Reservation.objects.get(holder=cart.holder).quantity == 2
    assert f"We're holding your items until {until:%H:%M}." in text(soup(response).select_one(".hold"))


def test_the_page_has_every_section_and_the_summary_with_todays_totals(client, channel):
    cart, _ = cart_with(channel, price="15.00", quantity=2, name="Blue shirt")
    use_cart(client, cart)

    page = soup(client.get("/en/checkout/"))

    ids = [section["id"] for section in page.select("#checkout-form section")]
    assert ids == [
        "section-contact",
        "section-address",
        "section-delivery",
        "section-billing",
        "section-business",
        "section-codes",
        "section-payment",
        "checkout-summary",
    ]
    assert "2 \u00d7 Blue shirt €30.00" in text(page.select_one(".summary-lines"))
    assert totals_of(page) == {"Subtotal": "€30.00", "Delivery": "Choose a delivery option", "Total": "€30.00"}
    assert page.select_one("#place-order")["value"] == "place"


def test_a_lapsed_hold_is_taken_again_and_the_buyer_is_told_the_items_are_still_there(client, channel):
    cart, _ = cart_with(channel)
    services.hold_stock(checkout_id=cart.pk, now=timezone.now() - timedelta(hours=1))
    use_cart(client, cart)

    page = soup(client.get("/en/checkout/"))

    notice = text(page.select_one("#checkout-summary .hold"))
    assert notice.startswith("Your earlier hold had lapsed, but your items are still available")
    assert fresh(cart).reserved_until > timezone.now()


def test_a_lapsed_hold_whose_items_sold_meanwhile_says_so_with_a_link_to_the_cart(client, channel):
    cart, variant = cart_with(channel, stock=3, quantity=2, name="Blue shirt")
    services.hold_stock(checkout_id=cart.pk, now=timezone.now() - timedelta(hours=1))
    Reservation.objects.filter(holder=cart.holder).delete()  # the expiry job gave the units back...
    variant.stock_levels.update(reserved=0, allocated=2)  # ...and another buyer's order took two of them
    use_cart(client, cart)

    response = client.get("/en/checkout/")

    alert = soup(response).select_one("#checkout-summary [role=alert]")
    assert "some have sold out meanwhile" in text(alert)
    assert "Only 1 left of Blue shirt." in text(alert)
    assert alert.select_one("a[href='/en/cart/']")


def test_a_hold_that_lapses_while_the_page_is_open_is_shown_at_the_next_change(client, channel):
    cart, _ = cart_with(channel)
    use_cart(client, cart)
    client.get("/en/checkout/")
    Checkout.objects.filter(pk=cart.pk).update(reserved_until=timezone.now() - timedelta(minutes=1))

    response = client.post("/en/checkout/email/", {"email": "camille@example.fr"}, headers=HX)

    summary = soup(response).select_one("#checkout-summary")
    assert "that time has passed" in text(summary)
    assert summary.select_one("a[href='/en/checkout/']")


def test_a_signed_in_customers_email_is_filled_in(client, channel):
    customer = get_user_model().objects.create_user(username="ann@example.fr", email="ann@example.fr")
    cart_with(channel, user=customer)
    client.force_login(customer)

    page = soup(client.get("/en/checkout/"))

    assert page.select_one("#email")["value"] == "ann@example.fr"


# --- Sections, each on its own endpoint (htmx) ---------------------------------------------------------------


def test_the_email_section_saves_and_answers_with_its_section_and_the_summary_out_of_band(client, channel):
    cart, _ = cart_with(channel)
    use_cart(client, cart)

    response = client.post("/en/checkout/email/", {"email": " Camille@Example.fr "}, headers=HX)

    assert response.status_code == 200
    assert fresh(cart).email == "camille@example.fr"
    assert set(oob_ids(response)) == {"section-contact", "section-codes", "checkout-summary", "cart-count"}
    assert soup(response).select_one("#email")["value"] == "camille@example.fr"


def test_an_invalid_email_comes_back_422_with_the_message_at_the_field(client, channel):
    cart, _ = cart_with(channel)
    use_cart(client, cart)

    response = client.post("/en/checkout/email/", {"email": "not-an-address"}, headers=HX)

    field = soup(response).select_one("#email")
    assert response.status_code == 422
    assert field["aria-invalid"] == "true" and field["value"] == "not-an-address"
    assert text(soup(response).select_one("#email-error")) == "Enter a valid e-mail address."
    assert fresh(cart).email == ""


def test_entering_the_address_lists_the_carrier_options_with_price_and_estimated_dates(client, channel):
    cart, _ = cart_with(channel)
    method = shipping_method(channel, price="4.90")
    use_cart(client, cart)

    response = client.post("/en/checkout/address/", {**address_fields(), "billing_same": "1"}, headers=HX)

    page = soup(response)
    assert response.status_code == 200
    assert {"section-address", "section-delivery", "section-billing", "checkout-summary"} <= set(oob_ids(response))
    option = page.select_one(f"#section-delivery input[value='method:{method.pk}']")
    label = text(page.select_one(f"label[for='{option['id']}']"))
    assert "Colissimo" in label and "€4.90" in label and "Estimated delivery:" in label
    assert fresh(cart).shipping_address["postal_code"] == "75002"


def test_an_incomplete_address_says_what_is_missing_at_each_field(client, channel):
    cart, _ = cart_with(channel)
    use_cart(client, cart)

    response = client.post("/en/checkout/address/", address_fields(street_address_1="", postal_code="ABC"), headers=HX)

    page = soup(response)
    assert response.status_code == 422
    assert page.select_one("#id_shipping-street_address_1")["aria-invalid"] == "true"
    assert text(page.select_one("#id_shipping-street_address_1_error"))
    assert "postcode" in text(page.select_one("#id_shipping-postal_code_error")).lower()
    assert fresh(cart).shipping_address == {}


def test_the_country_list_holds_only_the_countries_the_channel_ships_to(client, channel):
    cart, _ = cart_with(channel)
    shipping_method(channel, countries=("FR", "BE"))
    use_cart(client, cart)

    page = soup(client.get("/en/checkout/"))

    codes = [option["value"] for option in page.select("#id_shipping-country_code option")]
    assert sorted(codes) == ["BE", "FR"]
    assert len(page.select("#id_billing-country_code option")) > 200


def test_an_address_in_a_country_not_served_is_refused(client, channel):
    cart, _ = cart_with(channel)
    shipping_method(channel, countries=("FR",))
    use_cart(client, cart)

    response = client.post("/en/checkout/address/", address_fields(country_code="DE", postal_code="10115"), headers=HX)

    assert response.status_code == 422
    assert fresh(cart).shipping_address == {}


def test_choosing_a_delivery_option_adds_its_price_to_the_summary(client, channel):
    cart, _ = cart_with(channel, price="20.00")
    method = shipping_method(channel, price="4.90")
    services.set_addresses(checkout_id=cart.pk, shipping=ADDRESS_FR)
    use_cart(client, cart)

    response = client.post("/en/checkout/delivery/", {"delivery_option": f"method:{method.pk}"}, headers=HX)

    totals = totals_of(soup(response))
    assert totals["Delivery"] == "€4.90" and totals["Total"] == "€24.90"
    assert fresh(cart).delivery_option_id == f"method:{method.pk}"


def test_a_delivery_option_not_offered_is_refused(client, channel):
    cart, _ = cart_with(channel)
    services.set_addresses(checkout_id=cart.pk, shipping=ADDRESS_FR)
    use_cart(client, cart)

    response = client.post("/en/checkout/delivery/", {"delivery_option": "method:999999"}, headers=HX)

    assert response.status_code == 422
    assert "not available" in text(soup(response).select_one("#section-delivery [role=alert]"))


def test_click_and_collect_stores_with_the_items_on_the_shelf_are_offered_without_an_address(client, channel):
    cart, variant = cart_with(channel)
    store = LocationFactory(name="Paris Marais", kind="store", pickup_enabled=True, city="Paris", postcode="75004")
    StockLevelFactory(variant=variant, location=store, on_hand=5)
    forget_locations()
    use_cart(client, cart)

    page = soup(client.get("/en/checkout/"))

    option = page.select_one(f"#section-delivery input[value='collect:{store.pk}']")
    assert "Click & collect at Paris Marais" in text(page.select_one(f"label[for='{option['id']}']"))


def test_pickup_points_near_the_address_are_offered_with_their_address(client, channel):
    cart, _ = cart_with(channel)
    point = PickupPointFactory(name="Tabac du Port", street_address_1="3 quai Voltaire", postcode="75007")
    services.set_addresses(checkout_id=cart.pk, shipping=ADDRESS_FR)
    use_cart(client, cart)

    page = soup(client.get("/en/checkout/"))

    option = page.select_one(f"#section-delivery input[value='pickup:{point.method_id}:{point.pk}']")
    label = text(page.select_one(f"label[for='{option['id']}']"))
    assert "Tabac du Port · 3 quai Voltaire, 75007 Paris" in label and "€3.90" in label
    assert text(option.find_parent("fieldset").legend) == "Pickup points"


def test_billing_can_differ_from_the_delivery_address(client, channel):
    cart, _ = cart_with(channel)
    services.set_addresses(checkout_id=cart.pk, shipping=ADDRESS_FR)
    use_cart(client, cart)
    billing = address_fields("billing", full_name="Martin SARL", street_address_1="1 place Bellecour", city="Lyon")
    billing["billing-postal_code"] = "69002"

    response = client.post("/en/checkout/billing/", billing, headers=HX)

    saved = fresh(cart)
    assert response.status_code == 200
    assert not saved.billing_same_as_shipping
    assert saved.billing_address["full_name"] == "Martin SARL"
    assert saved.shipping_address["full_name"] == "Camille Martin"


def test_the_payment_section_labels_the_test_method_as_test_mode(client, channel):
    cart, _ = cart_with(channel)
    use_cart(client, cart)

    page = soup(client.get("/en/checkout/"))

    option = page.select_one("#section-payment input[value='test:card']")
    label = page.select_one(f"label[for='{option['id']}']")
    assert text(label.select_one(".badge-test")) == "TEST MODE"


def test_choosing_a_payment_method_that_does_not_exist_is_refused(client, channel):
    cart, _ = cart_with(channel)
    use_cart(client, cart)

    response = client.post("/en/checkout/payment-method/", {"payment_method": "cash:bag"}, headers=HX)

    assert response.status_code == 422
    assert "not available" in text(soup(response).select_one("#section-payment [role=alert]"))


def test_a_voucher_applied_at_checkout_shows_in_the_summary(client, channel):
    cart, _ = cart_with(channel, price="40.00")
    VoucherFactory(code="SPRING", value=Decimal("25"))
    use_cart(client, cart)

    response = client.post("/en/checkout/voucher/", {"voucher": "spring", "voucher_action": "apply"}, headers=HX)

    totals = totals_of(soup(response))
    assert totals["Voucher SPRING"] == "\u2212€10.00" and totals["Total"] == "€30.00"
    assert "Voucher SPRING · applied" in text(soup(response).select_one("#section-codes"))


def test_an_unknown_voucher_at_checkout_is_refused_in_its_section(client, channel):
    cart, _ = cart_with(channel)
    use_cart(client, cart)

    response = client.post("/en/checkout/voucher/", {"voucher": "NOPE", "voucher_action": "apply"}, headers=HX)

    assert response.status_code == 422
    assert "The code NOPE is not valid." in text(soup(response).select_one("#section-codes [role=alert]"))


def test_a_gift_card_is_shown_masked_and_lowers_what_is_left_to_pay(client, channel):
    cart, _ = cart_with(channel, price="40.00")
    card = gift_card("15.00")
    use_cart(client, cart)

    response = client.post("/en/checkout/gift-cards/", {"gift_card": card.code, "action": "gift_card"}, headers=HX)

    page = soup(response)
    assert f"Gift card •••• {card.code[-4:]}" in text(page.select_one("#section-codes .applied-cards"))
    assert card.code not in response.text
    totals = totals_of(page)
    assert totals["Paid by gift card"] == "\u2212€15.00" and totals["Left to pay"] == "€25.00"


def test_an_unknown_gift_card_is_refused_without_echoing_the_code(client, channel):
    cart, _ = cart_with(channel)
    use_cart(client, cart)

    response = client.post("/en/checkout/gift-cards/", {"gift_card": "ABCDEFGHJKMNPQRS"}, headers=HX)

    assert response.status_code == 409
    assert "No gift card has this code." in text(soup(response).select_one("#section-codes [role=alert]"))
    assert "ABCDEFGHJKMNPQRS" not in response.text


# --- Placing the order ----------------------------------------------------------------------------------------------


def test_placing_an_incomplete_checkout_puts_a_message_at_each_missing_section(client, channel):
    cart, _ = cart_with(channel)
    use_cart(client, cart)

    response = client.post("/en/checkout/place/", {"action": "place", "billing_same": "1"}, headers=HX)

    page = soup(response)
    assert response.status_code == 422
    assert "Enter your e-mail address." in text(page.select_one("#section-contact"))
    assert "Choose a delivery option." in text(page.select_one("#section-delivery"))
    assert "Enter a billing address." in text(page.select_one("#section-billing"))
    assert "Some details are missing" in text(page.select_one("#checkout-summary [role=alert]"))
    assert not Order.objects.exists()


def test_without_javascript_one_post_of_the_whole_page_places_the_order_and_goes_to_pay(client, channel):
    cart, _ = cart_with(channel, price="20.00", quantity=2)
    method = shipping_method(channel, price="4.90")
    use_cart(client, cart)

    response = client.post("/en/checkout/place/", checkout_form(method_id=method.pk))

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/en/checkout/pay/{order.token}/"
    assert (order.email, order.total, order.status) == ("camille@example.fr", Decimal("44.90"), "awaiting_payment")
    assert response.cookies[CART_COOKIE].value == ""  # the cart cookie is cleared


def test_with_htmx_placing_answers_with_a_client_redirect_to_the_pay_page(client, channel):
    checkout, _ = ready_checkout(channel)
    use_cart(client, checkout)

    response = client.post("/en/checkout/place/", {"action": "place", "billing_same": "1"}, headers=HX)

    order = Order.objects.get()
    assert response["HX-Redirect"] == f"/en/checkout/pay/{order.token}/"


def test_posted_prices_and_totals_are_ignored(client, channel):
    checkout, _ = ready_checkout(channel, price="20.00")
    use_cart(client, checkout)

    client.post(
        "/en/checkout/place/",
        {"action": "place", "billing_same": "1", "total": "0.01", "price": "0.01", "shipping_price": "0"},
    )

    order = Order.objects.get()
    assert (order.subtotal, order.shipping_price, order.total) == (Decimal("20.00"), Decimal("4.90"), Decimal("24.90"))
    assert order.lines.get().unit_price == Decimal("20.00")


def test_a_price_change_shows_a_banner_with_old_and_new_prices_then_confirming_places_the_order(client, channel):
    checkout, variant = ready_checkout(channel, price="20.00", name="Blue shirt")
    VariantPrice.objects.filter(variant=variant).update(amount=Decimal("25.00"))
    use_cart(client, checkout)

    refused = client.post("/en/checkout/place/", {"action": "place", "billing_same": "1"})
    banner = soup(refused).select_one(".price-changes")
    confirmed = client.post("/en/checkout/place/", {"action": "place", "billing_same": "1"})

    assert refused.status_code == 409
    assert "Blue shirt: €20.00 → €25.00" in text(banner)
    assert "New total: €29.90" in text(banner)
    assert text(soup(refused).select_one("#place-order")) == "Confirm and place order"
    assert confirmed.status_code == 302
    assert Order.objects.get().total == Decimal("29.90")


def test_a_shortage_when_placing_names_the_product_and_links_to_the_cart(client, channel):
    checkout, variant = ready_checkout(channel, stock=3, quantity=2, name="Blue shirt")
    variant.stock_levels.update(allocated=2)  # sold to someone else; this buyer held nothing
    use_cart(client, checkout)

    response = client.post("/en/checkout/place/", {"action": "place", "billing_same": "1"}, headers=HX)

    alert = soup(response).select_one("#checkout-summary [role=alert]")
    assert response.status_code == 409
    assert "Only 1 left of Blue shirt." in text(alert)
    assert alert.select_one("a[href='/en/cart/']")
    assert not Order.objects.exists()


def test_an_order_paid_in_full_by_gift_card_goes_straight_to_the_confirmation(client, channel):
    checkout, _ = ready_checkout(channel, price="20.00")
    card = gift_card("100.00")
    services.add_gift_card(checkout_id=checkout.pk, code=card.code)
    use_cart(client, checkout)

    response = client.post("/en/checkout/place/", {"action": "place", "billing_same": "1"})

    order = Order.objects.get()
    assert order.status == OrderStatus.PAID
    assert response["Location"] == f"/en/checkout/done/{order.token}/"


def test_a_second_press_after_the_order_was_placed_lands_on_that_order(client, channel):
    checkout, _ = ready_checkout(channel)
    use_cart(client, checkout)
    first = client.post("/en/checkout/place/", {"action": "place", "billing_same": "1"})
    use_cart(client, checkout)  # the second request left before the first one's answer cleared the cookie

    second = client.post("/en/checkout/place/", {"action": "place", "billing_same": "1"})

    assert first["Location"] == second["Location"] == f"/en/checkout/pay/{Order.objects.get().token}/"


def test_buttons_other_than_place_only_save(client, channel):
    cart, _ = cart_with(channel)
    shipping_method(channel)
    use_cart(client, cart)

    response = client.post("/en/checkout/place/", checkout_form(action="address"))

    assert response.status_code == 302 and response["Location"] == "/en/checkout/#delivery"
    assert fresh(cart).email == "camille@example.fr" and fresh(cart).shipping_address
    assert not Order.objects.exists()


def test_without_javascript_a_refused_section_shows_the_whole_page_with_its_message(client, channel):
    cart, _ = cart_with(channel)
    use_cart(client, cart)

    response = client.post("/en/checkout/place/", checkout_form(email="nope", action="save"))

    assert response.status_code == 422 and "<html" in response.text
    assert "Enter a valid e-mail address." in text(soup(response).select_one("#section-contact"))


def test_placing_without_the_csrf_token_is_refused(channel):
    checkout, _ = ready_checkout(channel)
    browser = Client(enforce_csrf_checks=True)
    use_cart(browser, checkout)

    response = browser.post("/en/checkout/place/", {"action": "place", "billing_same": "1"})

    assert response.status_code == 403
    assert not Order.objects.exists()


def test_the_checkout_page_has_no_inline_style_or_script_and_every_control_is_labelled(client, channel):
    cart, _ = cart_with(channel)
    shipping_method(channel)
    services.set_addresses(checkout_id=cart.pk, shipping=ADDRESS_FR)
    use_cart(client, cart)

    response = client.get("/en/checkout/")

    assert not re.search(r"\sstyle\s*=", response.text) and not re.search(r"\son[a-z]+\s*=", response.text)
    page = soup(response)
    labelled = {label["for"] for label in page.find_all("label") if label.get("for")}
    for control in page.select("input:not([type=hidden]), select"):
        assert control.get("id") in labelled, str(control)


# --- Query counts ---------------------------------------------------------------------------------------------------


def _ready_cart_of(channel, lines: int, method) -> Checkout:
    cart = services.open_cart(channel=channel)
    for _ in range(lines):
        variant = sellable_product(channel=channel).variants.get()
        forget_locations()  # the factory made a warehouse behind the cached location table's back
        services.add_to_cart(checkout_id=cart.pk, variant_id=variant.pk, quantity=1)
    services.set_email(checkout_id=cart.pk, email="camille@example.fr")
    services.set_addresses(checkout_id=cart.pk, shipping=ADDRESS_FR)
    services.set_delivery(checkout_id=cart.pk, option_id=f"method:{method.pk}")
    return cart


# 40 before the hold read only the quantities it reserves (issue 8); 34 before the checkout CPU work.
CHECKOUT_QUERIES = 31


def test_the_checkout_page_takes_the_same_queries_for_one_line_as_for_ten(client, channel):
    method = shipping_method(channel)
    counts = []
    for lines in (1, 10):
        use_cart(client, _ready_cart_of(channel, lines, method))
        client.get("/en/checkout/")  # warm the caches and take the hold (its first ledger lines are per line)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/en/checkout/").status_code == 200
        counts.append(len(queries))

    assert counts == [CHECKOUT_QUERIES, CHECKOUT_QUERIES]


def test_a_checkout_section_change_takes_the_same_queries_for_one_line_as_for_ten(client, channel):
    method = shipping_method(channel)
    counts = []
    for lines in (1, 10):
        use_cart(client, _ready_cart_of(channel, lines, method))
        client.get("/en/checkout/")
        with CaptureQueriesContext(connection) as queries:
            client.post("/en/checkout/email/", {"email": f"buyer{lines}@example.fr"}, headers=HX)
        counts.append(len(queries))

    assert counts[0] == counts[1]


# --- In a real browser ------------------------------------------------------------------------------------------


@pytest.fixture
def phone(request):
    """The phone-sized Chromium page of the storefront's browser smoke test (problems collected)."""
    return request.getfixturevalue("smoke_phone")


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not installed at {CHROMIUM}")
@pytest.mark.django_db(transaction=True)
def test_a_buyer_on_a_phone_adds_to_the_cart_checks_out_and_pays_with_the_test_card(phone, live_server, channel):
    from playwright.sync_api import expect

    variant = sellable_product(channel=channel, name="Blue shirt", slug="blue-shirt", price="20.00").variants.get()
    shipping_method(channel, price="4.90")
    base = f"{live_server.url}/en"

    phone.goto(f"{base}/p/blue-shirt/")
    phone.fill("#add-quantity", "2")
    phone.get_by_role("button", name="Add to cart").click()
    expect(phone.locator("#cart-feedback")).to_contain_text("Added 2 \u00d7 Blue shirt to your cart.")
    expect(phone.locator("header #cart-count .badge")).to_have_text("2")
    phone.screenshot(path=SCREENSHOTS / "checkout-1-added.png")

    phone.get_by_role("link", name="View cart and check out").click()
    phone.locator(f"#inc-{Checkout.objects.get().lines.get().pk}").click()
    expect(phone.locator("#cart-body .totals-total dd")).to_have_text("€60.00")
    expect(phone.locator("header #cart-count .badge")).to_have_text("3")
    phone.screenshot(path=SCREENSHOTS / "checkout-2-cart.png", full_page=True)

    phone.get_by_role("link", name="Checkout").click()
    expect(phone.locator("#checkout-summary .hold")).to_contain_text("We're holding your items until")
    phone.fill("#email", "camille@example.fr")
    phone.fill("#id_shipping-full_name", "Camille Martin")
    phone.fill("#id_shipping-street_address_1", "12 rue de la Paix")
    phone.fill("#id_shipping-postal_code", "75002")
    phone.fill("#id_shipping-city", "Paris")
    phone.get_by_role("button", name="Use this address").click()
    option = phone.locator("#section-delivery label").filter(has_text="Colissimo")
    expect(option).to_contain_text("€4.90")
    option.click()
    expect(phone.locator("#checkout-summary .totals-total dd")).to_have_text("€64.90")
    phone.locator("#section-payment label").filter(has_text="TEST MODE").click()
    phone.screenshot(path=SCREENSHOTS / "checkout-3-checkout.png", full_page=True)

    phone.get_by_role("button", name="Place order").click()
    expect(phone.get_by_role("heading", level=1, name="Payment")).to_be_visible()
    expect(phone.locator(".test-mode")).to_contain_text("TEST MODE")
    phone.fill("#card-number", "4000 0000 0000 0002")
    phone.get_by_role("button", name="Pay").click()
    expect(phone.locator("#pay-error")).to_have_text("The card was declined.")
    phone.screenshot(path=SCREENSHOTS / "checkout-4-declined.png", full_page=True)
    phone.fill("#card-number", "4242 4242 4242 4242")
    phone.get_by_role("button", name="Pay").click()
    expect(phone.get_by_role("heading", level=1, name="Thank you for your order")).to_be_visible()
    phone.screenshot(path=SCREENSHOTS / "checkout-5-done.png", full_page=True)

    order = Order.objects.get()
    assert order.status == OrderStatus.PAID and order.total == Decimal("64.90")
    assert order.lines.get().variant_id == variant.pk
    # The declined try answered 422, which htmx swaps in on purpose: the only "problem" a buyer could see.
    assert [p for p in phone.problems if "422" not in p] == []
