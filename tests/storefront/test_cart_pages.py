import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from comptoir.checkout import services
from comptoir.checkout.cookies import CART_COOKIE
from comptoir.checkout.models import Checkout, CheckoutLine
from comptoir.inventory.queries import forget_locations
from comptoir.pricing.models import VariantPrice
from tests.checkout.factories import cart_with
from tests.factories import ChannelFactory, sellable_product
from tests.pricing.factories import PromotionFactory, VoucherFactory
from tests.storefront.checkout_helpers import HX, oob_ids, page_text, soup, text, use_cart
from tests.storefront.test_product import shirt

pytestmark = pytest.mark.django_db


def only_cart() -> Checkout:
    return Checkout.objects.get()


# --- Adding from the product page ------------------------------------------------------------------------------


def test_the_product_page_has_an_add_to_cart_form_for_its_variant(client, channel):
    product = sellable_product(channel=channel, name="Linen apron")

    page = soup(client.get(f"/en/p/{product.slug}/"))

    form = page.select_one("#add-to-cart form")
    assert form["method"] == "post" and form["action"] == "/en/cart/add/" and form["hx-post"] == "/en/cart/add/"
    # No token for an anonymous visitor: the page is the same for everyone and cacheable (storefront/csrf.py).
    assert form.select_one("input[name=csrfmiddlewaretoken]") is None
    assert form.select_one("input[name=variant]")["value"] == str(product.variants.get().pk)
    assert form.select_one("input[name=quantity]")["value"] == "1"
    assert page.select_one("#cart-feedback[aria-live=polite]")


def test_a_product_with_options_asks_for_a_choice_then_the_picker_swaps_in_the_form(client, channel):
    _, variants = shirt(channel)

    first = soup(client.get("/en/p/shirt/"))
    chosen = soup(client.get("/en/p/shirt/?size=m&colour=red", headers=HX))

    assert first.select_one("#add-to-cart form") is None
    assert "Choose your options" in text(first.select_one("#add-to-cart"))
    region = chosen.select_one("#add-to-cart")
    assert region["hx-swap-oob"] == "true"
    assert region.select_one("input[name=variant]")["value"] == str(variants[3].pk)


def test_a_sold_out_variant_cannot_be_added(client, channel):
    shirt(channel)

    page = soup(client.get("/en/p/shirt/?size=s&colour=navy"))

    assert page.select_one("#add-to-cart form") is None
    assert "Sold out" in text(page.select_one("#add-to-cart"))


def test_without_javascript_adding_redirects_to_the_cart_which_shows_the_line(client, channel):
    product = sellable_product(channel=channel, name="Blue shirt", price="20.00", stock=5)
    variant = product.variants.get()

    response = client.post("/en/cart/add/", {"variant": variant.pk, "quantity": "2"})
    cart_page = client.get(response["Location"])

    assert response.status_code == 302 and response["Location"] == "/en/cart/"
    assert response.cookies[CART_COOKIE].value == str(only_cart().token)
    assert response.cookies[CART_COOKIE]["httponly"]
    line = soup(cart_page).select_one(".cart-line")
    assert text(line.select_one(".cart-line-name")) == "Blue shirt"
    assert line.select_one("input[name=quantity]")["value"] == "2"
    assert text(line.select_one(".cart-line-total")) == "€40.00"
    assert "Added to your cart." in page_text(cart_page)


def test_with_htmx_adding_answers_with_a_confirmation_and_the_new_header_count(client, channel):
    product = sellable_product(channel=channel, name="Blue shirt", price="20.00", stock=5)

    response = client.post("/en/cart/add/", {"variant": product.variants.get().pk, "quantity": "3"}, headers=HX)

    page = soup(response)
    assert response.status_code == 200 and "<html" not in response.text
    assert "Added 3 \u00d7 Blue shirt to your cart." in text(page)
    assert "Your cart: 3 items, €60.00." in text(page)
    assert page.select_one("a[href='/en/cart/']")
    assert text(page.select_one("#cart-count[hx-swap-oob=true] .badge")) == "3"


def test_adding_again_adds_to_the_line_already_in_the_cart(client, channel):
    variant = sellable_product(channel=channel, stock=10).variants.get()

    client.post("/en/cart/add/", {"variant": variant.pk, "quantity": "2"})
    client.post("/en/cart/add/", {"variant": variant.pk, "quantity": "3"})

    assert CheckoutLine.objects.get().quantity == 5


def test_adding_more_than_the_stock_says_how_many_are_left_by_product_name(client, channel):
    _, variants = shirt(channel)  # S-red: 3 in stock, named by its options
    variants[1].name = "S / Red"
    variants[1].save()

    response = client.post("/en/cart/add/", {"variant": variants[1].pk, "quantity": "5"}, headers=HX)

    assert response.status_code == 409
    assert text(soup(response).select_one("[role=alert]")) == "Only 3 left of Oxford shirt — S / Red."
    assert not CheckoutLine.objects.exists()


def test_adding_past_the_stock_with_units_already_in_the_cart_says_so(client, channel):
    variant = sellable_product(channel=channel, name="Mug", stock=3).variants.get()
    client.post("/en/cart/add/", {"variant": variant.pk, "quantity": "2"})

    response = client.post("/en/cart/add/", {"variant": variant.pk, "quantity": "2"})

    assert response.status_code == 409
    assert "Only 3 left of Mug. You already have 2 in your cart." in page_text(response)
    assert CheckoutLine.objects.get().quantity == 2


def test_adding_past_the_products_limit_names_the_limit(client, channel):
    variant = sellable_product(channel=channel, name="Limited print", max_quantity=2).variants.get()

    response = client.post("/en/cart/add/", {"variant": variant.pk, "quantity": "3"}, headers=HX)

    assert response.status_code == 422
    assert "You can order at most 2 of Limited print." in text(soup(response))


@pytest.mark.parametrize("quantity", ["0", "-1", "abc", "1e3", "1000"])
def test_a_quantity_that_is_not_between_1_and_999_is_refused(client, channel, quantity):
    variant = sellable_product(channel=channel).variants.get()

    response = client.post("/en/cart/add/", {"variant": variant.pk, "quantity": quantity}, headers=HX)

    assert response.status_code == 422
    assert "Enter a quantity between 1 and 999." in text(soup(response))
    assert not CheckoutLine.objects.exists()


def test_an_unknown_or_unpublished_variant_cannot_be_added(client, channel):
    elsewhere = sellable_product(channel=ChannelFactory(slug="other", currency="EUR")).variants.get()

    unknown = client.post("/en/cart/add/", {"variant": "999999", "quantity": "1"}, headers=HX)
    other_channel = client.post("/en/cart/add/", {"variant": elsewhere.pk, "quantity": "1"}, headers=HX)

    assert unknown.status_code == other_channel.status_code == 422
    assert "not for sale here" in text(soup(unknown))
    assert not CheckoutLine.objects.exists()


def test_a_price_posted_with_the_add_form_is_ignored(client, channel):
    variant = sellable_product(channel=channel, price="20.00").variants.get()

    client.post("/en/cart/add/", {"variant": variant.pk, "quantity": "1", "price": "0.01", "unit_price": "0.01"})

    line = CheckoutLine.objects.get()
    assert line.seen_unit_price == Decimal("20.00")
    assert text(soup(client.get("/en/cart/")).select_one(".totals-total dd")) == "€20.00"


# --- The cart page ----------------------------------------------------------------------------------------------


def test_an_empty_cart_says_so_with_a_way_back_to_the_shop(client, channel):
    response = client.get("/en/cart/")

    assert response.status_code == 200
    assert "Your cart is empty." in page_text(response)
    assert soup(response).select_one("main a[href='/en/']")
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]


def test_the_cart_shows_each_line_and_the_totals_with_shipping_calculated_at_checkout(client, channel):
    cart, _ = cart_with(channel, price="12.50", quantity=2)
    use_cart(client, cart)

    page = soup(client.get("/en/cart/"))

    line = page.select_one(".cart-line")
    assert text(line.select_one(".cart-line-unit")) == "€12.50 each"
    assert text(line.select_one(".cart-line-total")) == "€25.00"
    assert line.select_one("button[name=step][value='-1']") and line.select_one("button[name=step][value='1']")
    assert line.select_one(".cart-line-remove button")
    totals = {text(row.dt): text(row.dd) for row in page.select(".totals-row")}
    assert totals == {"Subtotal": "€25.00", "Delivery": "Calculated at checkout", "Total": "€25.00"}
    assert page.select_one("a[href='/en/checkout/']")


def test_a_promotion_is_listed_by_name_with_its_discount(client, channel):
    cart, _ = cart_with(channel, price="10.00", quantity=3)
    PromotionFactory(name="Three for two")
    use_cart(client, cart)

    page = soup(client.get("/en/cart/"))

    totals = {text(row.dt): text(row.dd) for row in page.select(".totals-row")}
    assert totals["Three for two"] == "\u2212€10.00"
    assert totals["Total"] == "€20.00"


def test_the_stepper_adds_one_and_takes_one_away(client, channel):
    cart, _ = cart_with(channel, quantity=2)
    use_cart(client, cart)
    line = cart.lines.get()

    up = client.post(f"/en/cart/lines/{line.pk}/", {"quantity": "2", "step": "1"})
    assert up.status_code == 302 and up["Location"] == "/en/cart/"
    assert CheckoutLine.objects.get().quantity == 3
    client.post(f"/en/cart/lines/{line.pk}/", {"quantity": "3", "step": "-1"})
    assert CheckoutLine.objects.get().quantity == 2


def test_with_htmx_a_change_answers_with_the_cart_body_and_the_header_count(client, channel):
    cart, _ = cart_with(channel, price="5.00", quantity=1)
    use_cart(client, cart)

    response = client.post(f"/en/cart/lines/{cart.lines.get().pk}/", {"quantity": "4"}, headers=HX)

    page = soup(response)
    assert "<html" not in response.text
    assert page.select_one("#cart-body .cart-line input[name=quantity]")["value"] == "4"
    assert text(page.select_one("#cart-body .totals-total dd")) == "€20.00"
    assert oob_ids(response) == ["cart-count"]


def test_a_quantity_of_zero_removes_the_line(client, channel):
    cart, _ = cart_with(channel)
    use_cart(client, cart)

    client.post(f"/en/cart/lines/{cart.lines.get().pk}/", {"quantity": "1", "step": "-1"})

    assert not CheckoutLine.objects.exists()


def test_the_remove_button_removes_the_line(client, channel):
    cart, _ = cart_with(channel)
    use_cart(client, cart)

    response = client.post(f"/en/cart/lines/{cart.lines.get().pk}/remove/", headers=HX)

    assert response.status_code == 200
    assert "Your cart is empty." in text(soup(response))
    assert not CheckoutLine.objects.exists()


def test_a_quantity_above_the_stock_is_refused_at_the_line_with_what_is_left(client, channel):
    cart, _ = cart_with(channel, stock=4, quantity=1, name="Blue shirt")
    use_cart(client, cart)

    response = client.post(f"/en/cart/lines/{cart.lines.get().pk}/", {"quantity": "9"}, headers=HX)

    assert response.status_code == 409
    assert text(soup(response).select_one(".cart-line [role=alert]")) == "Only 4 left of Blue shirt."
    assert CheckoutLine.objects.get().quantity == 1


def test_without_javascript_a_refused_change_shows_the_cart_page_with_the_message(client, channel):
    cart, _ = cart_with(channel, stock=4, name="Blue shirt")
    use_cart(client, cart)

    response = client.post(f"/en/cart/lines/{cart.lines.get().pk}/", {"quantity": "9"})

    assert response.status_code == 409
    assert "<html" in response.text and "Only 4 left of Blue shirt." in page_text(response)


def test_a_line_whose_stock_fell_says_only_n_left_and_checkout_waits(client, channel):
    cart, variant = cart_with(channel, stock=5, quantity=4)
    variant.stock_levels.update(on_hand=2)
    use_cart(client, cart)

    page = soup(client.get("/en/cart/"))

    assert text(page.select_one(".cart-line .line-problem")) == "Only 2 left."
    assert page.select_one("a[href='/en/checkout/']") is None
    assert "Change or remove them to check out." in text(page)


def test_a_line_no_longer_sold_says_so(client, channel):
    cart, variant = cart_with(channel)
    VariantPrice.objects.filter(variant=variant).delete()
    use_cart(client, cart)

    page = soup(client.get("/en/cart/"))

    assert "No longer available" in text(page.select_one(".cart-line .line-problem"))


def test_a_line_of_another_cart_cannot_be_changed(client, channel):
    mine, _ = cart_with(channel, quantity=1)
    theirs, _ = cart_with(channel, quantity=1)
    use_cart(client, mine)

    response = client.post(f"/en/cart/lines/{theirs.lines.get().pk}/", {"quantity": "5"}, headers=HX)

    assert response.status_code == 409
    assert "no longer in your cart" in text(soup(response))
    assert theirs.lines.get().quantity == 1


def test_applying_a_voucher_shows_its_discount_and_it_can_be_removed(client, channel):
    cart, _ = cart_with(channel, price="50.00")
    VoucherFactory(code="WELCOME10")
    use_cart(client, cart)

    applied = client.post("/en/cart/voucher/", {"voucher": "welcome10", "voucher_action": "apply"}, headers=HX)
    totals = {text(row.dt): text(row.dd) for row in soup(applied).select(".totals-row")}
    removed = client.post("/en/cart/voucher/", {"voucher_action": "remove"})

    assert totals["Voucher WELCOME10"] == "\u2212€5.00" and totals["Total"] == "€45.00"
    assert removed.status_code == 302 and removed["Location"] == "/en/cart/#voucher"
    assert Checkout.objects.get(pk=cart.pk).voucher_code == ""


def test_an_unknown_voucher_is_refused_at_the_field(client, channel):
    cart, _ = cart_with(channel)
    use_cart(client, cart)

    response = client.post("/en/cart/voucher/", {"voucher": "NOPE", "voucher_action": "apply"}, headers=HX)

    assert response.status_code == 422
    assert "The code NOPE is not valid." in text(soup(response).select_one("#voucher-error"))
    assert Checkout.objects.get(pk=cart.pk).voucher_code == ""


def test_voucher_tries_are_rate_limited(client, channel):
    cart, _ = cart_with(channel)
    use_cart(client, cart)
    for n in range(20):
        client.post("/en/cart/voucher/", {"voucher": f"GUESS{n}", "voucher_action": "apply"}, headers=HX)

    response = client.post("/en/cart/voucher/", {"voucher": "GUESS99", "voucher_action": "apply"}, headers=HX)

    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Too many tries" in text(soup(response))


def test_the_header_count_says_how_many_units_are_in_the_cart(client, channel):
    cart, _ = cart_with(channel, quantity=3)
    use_cart(client, cart)

    response = client.get("/en/cart/count/", headers=HX)

    assert text(soup(response).select_one("#cart-count .badge")) == "3"
    assert text(soup(response).select_one("#cart-count .visually-hidden")) == "3 items"


def test_every_page_links_to_the_cart_and_loads_its_count_after_the_page(client, channel):
    page = soup(client.get("/en/"))

    link = page.select_one("header a.cart-link")
    assert link["href"] == "/en/cart/"
    assert link.select_one("#cart-count")["hx-get"] == "/en/cart/count/"
    assert link.select_one("#cart-count")["hx-trigger"] == "load"


# --- Whose cart -----------------------------------------------------------------------------------------------


def test_a_customers_cart_is_not_opened_by_its_token_alone(client, channel):
    customer = get_user_model().objects.create_user(username="ann@example.fr", email="ann@example.fr")
    cart, _ = cart_with(channel, user=customer, name="Secret gift")
    use_cart(client, cart)

    response = client.get("/en/cart/")

    assert "Your cart is empty." in page_text(response)
    assert "Secret gift" not in response.text


def test_a_signed_in_customer_finds_their_cart_by_their_account(client, channel):
    customer = get_user_model().objects.create_user(username="ann@example.fr", email="ann@example.fr")
    cart_with(channel, user=customer, name="Teapot")
    client.force_login(customer)

    response = client.get("/en/cart/")

    assert text(soup(response).select_one(".cart-line-name")) == "Teapot"


def test_signing_in_with_an_anonymous_cart_brings_its_lines_into_the_customers_cart(client, channel):
    customer = get_user_model().objects.create_user(username="ann@example.fr", email="ann@example.fr")
    anonymous, _ = cart_with(channel, name="Teapot")
    use_cart(client, anonymous)
    client.force_login(customer)

    response = client.get("/en/cart/")

    assert text(soup(response).select_one(".cart-line-name")) == "Teapot"
    assert Checkout.objects.get().user_id == customer.pk


def test_a_cart_of_another_channel_is_not_this_channels_cart(client, channel):
    other = ChannelFactory(slug="web-usd", currency="USD")
    cart, _ = cart_with(other, name="Dollar mug")
    use_cart(client, cart)

    response = client.get("/en/cart/")

    assert "Your cart is empty." in page_text(response)


# --- Security and cost ------------------------------------------------------------------------------------------


def test_an_anonymous_add_from_another_site_is_refused_and_one_from_the_shop_accepted(channel):
    variant = sellable_product(channel=channel).variants.get()
    browser = Client(enforce_csrf_checks=True)
    form = {"variant": variant.pk, "quantity": "1"}

    cross_site = browser.post("/en/cart/add/", form, headers={"Sec-Fetch-Site": "cross-site"})
    other_origin = browser.post("/en/cart/add/", form, headers={"Origin": "https://evil.example"})
    accepted = browser.post(
        "/en/cart/add/", form, headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}
    )

    assert cross_site.status_code == other_origin.status_code == 403
    assert accepted.status_code == 302
    assert CheckoutLine.objects.get().quantity == 1


def test_a_signed_in_customer_adding_without_the_csrf_token_is_refused(channel):
    from tests.orders.account_factories import make_customer

    variant = sellable_product(channel=channel).variants.get()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_customer())
    form = {"variant": variant.pk, "quantity": "1"}

    refused = browser.post("/en/cart/add/", form, headers={"Sec-Fetch-Site": "same-origin"})
    product_page = soup(browser.get(f"/en/p/{variant.product.slug}/"))
    token = product_page.select_one("#add-to-cart input[name=csrfmiddlewaretoken]")["value"]
    accepted = browser.post("/en/cart/add/", {**form, "csrfmiddlewaretoken": token})

    assert refused.status_code == 403
    assert accepted.status_code == 302
    assert CheckoutLine.objects.get().quantity == 1


def test_the_cart_page_has_no_inline_style_or_script_and_every_control_is_labelled(client, channel):
    cart, _ = cart_with(channel, quantity=2)
    use_cart(client, cart)

    response = client.get("/en/cart/")

    html = response.text
    assert not re.search(r"\sstyle\s*=", html) and not re.search(r"\son[a-z]+\s*=", html)
    page = soup(response)
    labelled = {label["for"] for label in page.find_all("label") if label.get("for")}
    for control in page.select("input:not([type=hidden]), select"):
        assert control.get("id") in labelled, str(control)


def _cart_of(channel, lines: int) -> Checkout:
    cart = services.open_cart(channel=channel)
    for _ in range(lines):
        variant = sellable_product(channel=channel).variants.get()
        forget_locations()  # the factory made a warehouse behind the cached location table's back
        services.add_to_cart(checkout_id=cart.pk, variant_id=variant.pk, quantity=1)
    return cart


def _queries(client, url: str) -> int:
    client.get(url)  # warm the cached channel, locations and category tree
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


CART_QUERIES = 7  # 8 before the cart's lines read the sellable variants' prices in one query


def test_the_cart_page_takes_the_same_queries_for_one_line_as_for_ten(client, channel):
    one, ten = _cart_of(channel, 1), _cart_of(channel, 10)

    use_cart(client, one)
    with_one = _queries(client, "/en/cart/")
    use_cart(client, ten)
    with_ten = _queries(client, "/en/cart/")

    assert with_one == with_ten == CART_QUERIES


def test_a_cart_change_takes_the_same_queries_for_one_line_as_for_ten(client, channel):
    counts = []
    for lines in (1, 10):
        cart = _cart_of(channel, lines)
        use_cart(client, cart)
        line = cart.lines.first()
        client.get("/en/cart/")
        with CaptureQueriesContext(connection) as queries:
            client.post(f"/en/cart/lines/{line.pk}/", {"quantity": "2"}, headers=HX)
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_units_held_for_the_buyers_own_checkout_are_not_counted_against_their_cart(client, channel):
    cart, _ = cart_with(channel, stock=3, quantity=3)
    services.hold_stock(checkout_id=cart.pk)
    use_cart(client, cart)

    page = soup(client.get("/en/cart/"))

    assert page.select_one(".line-problem") is None
    assert page.select_one("a[href='/en/checkout/']")


def test_a_buyer_holding_the_last_units_can_still_lower_the_quantity(client, channel):
    cart, _ = cart_with(channel, stock=3, quantity=3)
    services.hold_stock(checkout_id=cart.pk)
    use_cart(client, cart)

    response = client.post(f"/en/cart/lines/{cart.lines.get().pk}/", {"quantity": "2"})

    assert response.status_code == 302
    assert CheckoutLine.objects.get().quantity == 2
