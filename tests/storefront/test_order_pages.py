"""The buyer's orders: the account's list and order page, and the guest tracking page opened by the order's
secret link. Someone else's order is "not found" from either side."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.conf.urls.i18n import i18n_patterns
from django.core import mail
from django.http import HttpResponse
from django.urls import include, path
from django.utils import timezone

from comptoir.orders.models import Invoice, InvoiceKind, OrderEvent, OrderEventKind, OrderStatus
from comptoir.urls import urlpatterns as shop_urlpatterns
from tests.orders.account_factories import make_customer, make_order, pickup_store, ship
from tests.orders.invoice_factories import legal_entity

pytestmark = pytest.mark.django_db

# Typography the shop prints, spelled out (a look-alike of "x", "-" or "'" would pass unnoticed).
TIMES, EN_DASH = "\u00d7", "\u2013"
LESS = "\u2212\u2060"  # a minus sign that stays with its amount


def _blank(request, **kwargs):
    return HttpResponse()


# The shop's URLs plus the returns pages another module will provide: this file tests only the links to them.
urlpatterns = [
    *i18n_patterns(
        path(
            "orders/",
            include(
                (
                    [
                        path("<str:number>/return/", _blank, name="request"),
                        path("track/<str:token>/return/", _blank, name="guest_request"),
                    ],
                    "returns",
                )
            ),
        )
    ),
    *shop_urlpatterns,
]
WITH_RETURNS = "tests.storefront.test_order_pages"


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def text_of(response, selector: str) -> str:
    return " ".join(soup(response).select_one(selector).get_text(" ").split())


def issue_invoice(order) -> Invoice:
    return Invoice.objects.create(
        legal_entity=legal_entity(),
        kind=InvoiceKind.INVOICE,
        sequence=1,
        number="INV-000001",
        order=order,
        source=f"order:{order.pk}",
        currency=order.currency,
        subtotal=order.total - order.tax_total,
        tax_total=order.tax_total,
        total=order.total,
    )


# ---------------------------------------------------------------------------------------------------------
# The account's order list.


def test_a_customer_sees_their_orders_newest_first_with_status_items_and_total(client, channel):
    customer = make_customer()
    older = make_order(channel, user=customer, placed_at=timezone.now() - timedelta(days=3))
    newer = make_order(channel, user=customer, lines=[("Teapot", "", 1, "30.00")])
    client.force_login(customer)

    response = client.get("/en/account/orders/")

    rows = soup(response).select(".order-row")
    assert [row.h2.get_text(strip=True) for row in rows] == [f"Order {newer.number}", f"Order {older.number}"]
    assert rows[0].a["href"] == f"/en/account/orders/{newer.number}/"
    assert "Paid" in rows[0].get_text() and "1 item" in rows[0].get_text() and "€34.90" in rows[0].get_text()
    assert "3 items" in rows[1].get_text()
    assert response["Cache-Control"] == "private, no-store"


def test_the_order_list_shows_no_one_elses_orders(client, channel):
    customer = make_customer()
    make_order(channel, user=make_customer())
    make_order(channel, email=customer.email)  # a guest order with the same address is not in the account
    client.force_login(customer)

    response = client.get("/en/account/orders/")

    assert soup(response).select(".order-row") == []
    assert "You have not ordered anything yet." in response.text


def test_the_order_list_is_paginated_ten_a_page(client, channel):
    customer = make_customer()
    orders = [make_order(channel, user=customer, placed_at=timezone.now() - timedelta(hours=i)) for i in range(12)]
    client.force_login(customer)

    second = client.get("/en/account/orders/?page=2")

    assert [row.a.get_text(strip=True) for row in soup(second).select(".order-row")] == [
        f"Order {orders[10].number}",
        f"Order {orders[11].number}",
    ]
    assert "Page 2 of 2" in second.text
    assert soup(second).select_one('a[rel="prev"]')["href"] == "?page=1"


def test_a_page_number_past_the_end_shows_the_last_page(client, channel):
    customer = make_customer()
    make_order(channel, user=customer)
    client.force_login(customer)

    response = client.get("/en/account/orders/?page=999")

    assert response.status_code == 200
    assert len(soup(response).select(".order-row")) == 1


def test_a_visitor_who_is_not_signed_in_is_sent_to_the_sign_in_page_and_back(client, channel):
    response = client.get("/fr/account/orders/")

    assert response.status_code == 302
    assert response["Location"] == "/fr/account/sign-in/?next=/fr/account/orders/"


# Session, user, the count, the page (cached channel and category tree warm).
ORDER_LIST_QUERIES = 4


@pytest.mark.parametrize("count", [1, 20])
def test_the_order_list_takes_the_same_queries_for_one_order_as_for_twenty(
    client, channel, warm, django_assert_num_queries, count
):
    customer = make_customer()
    for _ in range(count):
        make_order(channel, user=customer)
    client.force_login(customer)
    warm("/en/account/orders/")

    with django_assert_num_queries(ORDER_LIST_QUERIES):
        client.get("/en/account/orders/")


# ---------------------------------------------------------------------------------------------------------
# One order in the account.


def test_the_order_page_shows_status_timeline_lines_totals_and_delivery_address(client, channel):
    customer = make_customer()
    order = make_order(channel, user=customer, discount="5.00", voucher="WELCOME5", gift_card="10.00")
    client.force_login(customer)

    response = client.get(f"/en/account/orders/{order.number}/")

    page = soup(response)
    assert page.h1.get_text() == f"Order {order.number}"
    assert text_of(response, ".order-status strong") == "Paid"
    assert [li.get_text(" ", strip=True).split(" — ", 1)[1] for li in page.select(".timeline li")] == [
        "Order placed",
        "Payment received",
    ]
    lines = [" ".join(li.get_text().split()) for li in page.select(".order-lines li")]
    assert lines[0] == f"2 {TIMES} Tin mug — Blue €20.00 €12.50 each · €5.00 off"
    assert lines[1] == f"1 {TIMES} Bowl €8.00 €8.00 each"
    totals = {tr.th.get_text(" ", strip=True): tr.td.get_text() for tr in page.select(".order-totals tr")}
    assert totals == {
        "Subtotal": "€33.00",
        "Discounts (WELCOME5)": f"{LESS}€5.00",
        "Shipping": "€4.90",
        "Including tax at 20%": "€5.48",
        "Total": "€32.90",
        "Paid by gift card": f"{LESS}€10.00",
        "Paid by your payment method": "€22.90",
    }
    assert text_of(response, ".order-delivery address") == "Ada Lovelace 12 rue de la Paix 75002 PARIS FRANCE"
    assert "Colissimo" in text_of(response, ".order-delivery")


def test_the_order_page_shows_each_parcel_with_its_carrier_tracking_number_and_link(client, channel):
    customer = make_customer()
    order = make_order(channel, user=customer)
    ship(order, carrier="Colissimo", tracking_number="6A99 01")
    client.force_login(customer)

    response = client.get(f"/en/account/orders/{order.number}/")

    parcel = soup(response).select_one(".order-shipments .shipment")
    assert "Shipped" in parcel.get_text() and "Colissimo" in parcel.get_text()
    assert parcel.select_one(".tracking-number").get_text() == "6A99 01"
    link = parcel.select_one("a.tracking-link")
    assert link["href"] == "https://track.example.com/parcel/6A99 01"
    assert link["rel"] == ["noopener", "noreferrer"]
    assert f"2 {TIMES} Tin mug — Blue, 1 {TIMES} Bowl" in parcel.get_text()
    assert [li.get_text(" ", strip=True).split(" — ", 1)[1] for li in soup(response).select(".timeline li")] == [
        "Order placed",
        "Payment received",
        "Shipped: Colissimo 6A99 01",
    ]


def test_a_click_and_collect_order_shows_the_store_and_its_opening_hours(client, channel):
    customer = make_customer()
    order = make_order(channel, user=customer, pickup_store=pickup_store())
    client.force_login(customer)

    response = client.get(f"/en/account/orders/{order.number}/")

    delivery = text_of(response, ".order-delivery")
    assert "Collect in store: Lyon Presqu'île" in delivery
    assert "3 rue de la République 69002 Lyon" in delivery
    assert f"Monday 09:00{EN_DASH}19:00" in delivery and "Sunday Closed" in delivery


def test_the_order_page_links_each_invoice_to_its_download(client, channel):
    customer = make_customer()
    order = make_order(channel, user=customer)
    invoice = issue_invoice(order)
    client.force_login(customer)

    response = client.get(f"/en/account/orders/{order.number}/")

    link = soup(response).select_one(".order-invoices a")
    assert link["href"] == f"/en/invoices/{invoice.pk}/"
    assert link.get_text() == "Invoice INV-000001"


def test_a_public_note_from_the_shop_is_on_the_timeline_but_not_an_internal_one(client, channel):
    customer = make_customer()
    order = make_order(channel, user=customer)
    OrderEvent.objects.create(order=order, kind=OrderEventKind.NOTE, message="Gift-wrapped as asked.", public=True)
    OrderEvent.objects.create(order=order, kind=OrderEventKind.NOTE, message="Buyer seemed rude.", public=False)
    OrderEvent.objects.create(order=order, kind=OrderEventKind.EMAIL_SENT, message="Order confirmed", public=False)
    client.force_login(customer)

    response = client.get(f"/en/account/orders/{order.number}/")

    assert "Message from the shop: Gift-wrapped as asked." in text_of(response, ".timeline")
    assert "rude" not in response.text and "Email sent" not in response.text


@pytest.mark.urls(WITH_RETURNS)
def test_a_shipped_order_offers_a_return_and_a_paid_one_does_not(client, channel):
    customer = make_customer()
    shipped, paid = make_order(channel, user=customer), make_order(channel, user=customer)
    ship(shipped)
    client.force_login(customer)

    shipped_page = client.get(f"/en/account/orders/{shipped.number}/")
    paid_page = client.get(f"/en/account/orders/{paid.number}/")

    assert soup(shipped_page).select_one("a.order-return")["href"] == f"/en/orders/{shipped.number}/return/"
    assert soup(paid_page).select_one("a.order-return") is None


def test_a_customer_cannot_open_another_customers_order(client, channel):
    someone_else = make_order(channel, user=make_customer())
    client.force_login(make_customer())

    response = client.get(f"/en/account/orders/{someone_else.number}/")

    assert response.status_code == 404
    assert someone_else.email not in response.text


def test_a_customer_cannot_open_a_guest_order_placed_with_their_address(client, channel):
    customer = make_customer()
    guest_order = make_order(channel, email=customer.email)
    client.force_login(customer)

    assert client.get(f"/en/account/orders/{guest_order.number}/").status_code == 404


def test_an_unknown_order_number_is_not_found(client, channel):
    client.force_login(make_customer())

    assert client.get("/en/account/orders/nope/").status_code == 404


# Session, user, order (with channel and store), lines, parcels, parcel lines, public events, invoices, the
# instalment plan (none here; with one, its instalments make one more).
ORDER_PAGE_QUERIES = 10


def test_the_order_page_takes_the_same_queries_for_one_line_and_parcel_as_for_many(
    client, channel, warm, django_assert_num_queries
):
    customer = make_customer()
    small = make_order(channel, user=customer, lines=[("Mug", "", 1, "9.00")])
    ship(small)
    big = make_order(channel, user=customer, lines=[(f"Item {i}", "", 2, "5.00") for i in range(8)])
    for parcel in range(3):
        ship(big, tracking_number=f"A{parcel}", units=1 if parcel < 2 else None)
    issue_invoice(big)
    client.force_login(customer)
    warm(f"/en/account/orders/{small.number}/")

    with django_assert_num_queries(ORDER_PAGE_QUERIES):
        client.get(f"/en/account/orders/{small.number}/")
    with django_assert_num_queries(ORDER_PAGE_QUERIES):
        client.get(f"/en/account/orders/{big.number}/")


# ---------------------------------------------------------------------------------------------------------
# The guest tracking page.


def test_the_tracking_link_opens_its_order_with_parcels_and_tracking_link(client, channel):
    order = make_order(channel)
    ship(order, carrier="Chronopost", tracking_number="XY123")

    response = client.get(f"/en/orders/track/{order.token}/")

    assert response.status_code == 200
    assert soup(response).h1.get_text() == f"Order {order.number}"
    assert soup(response).select_one("a.tracking-link")["href"] == "https://track.example.com/parcel/XY123"
    assert "Chronopost" in text_of(response, ".order-shipments")


def test_a_tracking_link_opens_only_its_own_order(client, channel):
    mine, theirs = make_order(channel), make_order(channel, lines=[("Secret gift", "", 1, "99.00")])

    response = client.get(f"/en/orders/track/{mine.token}/")

    assert mine.number in response.text
    assert theirs.number not in response.text and "Secret gift" not in response.text


@pytest.mark.parametrize("token", ["wrong", "x" * 65, "%20"])
def test_a_wrong_tracking_token_is_not_found(client, channel, token):
    make_order(channel)

    assert client.get(f"/en/orders/track/{token}/").status_code == 404


def test_the_tracking_page_is_neither_cached_nor_indexed(client, channel):
    order = make_order(channel)

    response = client.get(f"/en/orders/track/{order.token}/")

    assert response["Cache-Control"] == "private, no-store"
    assert soup(response).select_one('meta[name="robots"]')["content"] == "noindex"
    assert order.token not in str(soup(response).head)  # no canonical or hreflang link repeats the secret


def test_the_tracking_page_links_invoices_to_their_guest_download(client, channel):
    order = make_order(channel)
    invoice = issue_invoice(order)

    response = client.get(f"/en/orders/track/{order.token}/")

    assert soup(response).select_one(".order-invoices a")["href"] == f"/en/invoices/t/{order.token}/{invoice.pk}/"


@pytest.mark.urls(WITH_RETURNS)
def test_the_tracking_page_of_a_shipped_order_offers_the_guest_return(client, channel):
    order = make_order(channel)
    ship(order)

    response = client.get(f"/en/orders/track/{order.token}/")

    assert soup(response).select_one("a.order-return")["href"] == f"/en/orders/track/{order.token}/return/"


def test_the_tracking_page_speaks_the_language_of_its_url(client, channel):
    order = make_order(channel, status=OrderStatus.PAID)

    response = client.get(f"/fr/orders/track/{order.token}/")

    assert soup(response).h1.get_text() == f"Commande {order.number}"
    assert text_of(response, ".order-status strong") == "Payée"
    assert soup(response).select_one(".order-total td").get_text() == "37,90\xa0€"


# The order (with channel and store), lines, parcels, parcel lines, public events, invoices, the instalment
# plan (none here): no session.
TRACKING_QUERIES = 8


def test_the_tracking_page_takes_the_same_queries_for_one_line_and_parcel_as_for_many(
    client, channel, warm, django_assert_num_queries
):
    small = make_order(channel, lines=[("Mug", "", 1, "9.00")])
    ship(small)
    big = make_order(channel, lines=[(f"Item {i}", "", 2, "5.00") for i in range(8)])
    for parcel in range(3):
        ship(big, tracking_number=f"A{parcel}", units=1 if parcel < 2 else None)
    issue_invoice(big)
    warm(f"/en/orders/track/{small.token}/")

    with django_assert_num_queries(TRACKING_QUERIES):
        client.get(f"/en/orders/track/{small.token}/")
    with django_assert_num_queries(TRACKING_QUERIES):
        client.get(f"/en/orders/track/{big.token}/")


# ---------------------------------------------------------------------------------------------------------
# Finding an order without an account.

FOUND = "If an order with this number was placed with this email address, we have just sent it the link"


def test_the_find_form_mails_the_tracking_link_when_number_and_address_match(client, channel, settings):
    settings.SITE_URL = "https://shop.example.com"
    order = make_order(channel, email="ada@example.com")

    response = client.post("/en/orders/find/", {"number": order.number, "email": "Ada@example.com"}, follow=True)

    assert FOUND in response.text
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert f"https://shop.example.com/en/orders/track/{order.token}/" in message.body


def test_the_find_form_answers_the_same_when_nothing_matches_and_mails_no_one(client, channel):
    order = make_order(channel, email="ada@example.com")

    response = client.post("/en/orders/find/", {"number": order.number, "email": "eve@example.com"}, follow=True)

    assert FOUND in response.text
    assert mail.outbox == []


def test_the_find_form_says_what_is_missing(client, channel):
    response = client.post("/en/orders/find/", {"number": "", "email": "not an address"})

    assert response.status_code == 422
    assert soup(response).select_one("#id_number").get("aria-invalid") == "true"


def test_the_find_form_is_braked_per_client(client, channel):
    order = make_order(channel, email="ada@example.com")
    for _ in range(5):
        client.post("/en/orders/find/", {"number": order.number, "email": "ada@example.com"})

    response = client.post("/en/orders/find/", {"number": order.number, "email": "ada@example.com"})

    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Too many attempts." in response.text
    assert len(mail.outbox) == 5


def test_the_order_page_lists_its_returns_and_what_was_refunded(client, channel):
    from decimal import Decimal

    from comptoir.orders.models import Invoice, InvoiceKind, ReturnRequest, ReturnStatus
    from tests.orders.invoice_factories import legal_entity

    order = make_order(channel, status=OrderStatus.PARTIALLY_REFUNDED)
    entity = legal_entity()
    ReturnRequest.objects.create(
        order=order, number=f"R-{order.number}-1", status=ReturnStatus.REFUNDED, refund_amount=Decimal("12.50")
    )
    Invoice.objects.create(
        legal_entity=entity, kind=InvoiceKind.CREDIT_NOTE, sequence=1, number="AV-000001", order=order,
        source="refund:test", currency=order.currency, total=Decimal("12.50"),
    )  # fmt: skip

    page = client.get(f"/en/orders/track/{order.token}/").content.decode()

    assert f"Return R-{order.number}-1" in page and "€12.50 refunded" in page
    assert "Refunded to you" in page
