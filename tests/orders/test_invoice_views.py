"""Invoice downloads: the buyer's own from their account, a guest's through the order's tracking token, staff's
from the back office; anyone else's is "not found"."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from comptoir.orders.invoices import issue_invoice
from comptoir.orders.models import Invoice, LegalEntity
from tests.orders.invoice_factories import legal_entity, make_user, paid_order

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


@pytest.fixture
def owned(channel):
    """A signed-up buyer's invoiced order."""
    legal_entity()
    buyer = make_user()
    order = paid_order(channel, user=buyer)
    return buyer, order, issue_invoice(order_id=order.pk)


def test_the_buyer_downloads_the_invoice_of_their_order_as_a_private_attachment(client, owned):
    buyer, _order, invoice = owned
    client.force_login(buyer)

    response = client.get(reverse("invoices:download", args=[invoice.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="INV-000001.pdf"'
    assert {part.strip() for part in response["Cache-Control"].split(",")} == {"private", "no-store"}
    assert "INV-000001" in text_of(response)


def test_the_download_link_is_under_the_language_prefix(owned):
    assert reverse("invoices:download", args=[owned[2].pk]) == f"/en/invoices/{owned[2].pk}/"


def test_another_customer_gets_not_found(client, owned):
    client.force_login(make_user())

    response = client.get(reverse("invoices:download", args=[owned[2].pk]))

    assert response.status_code == 404


def test_a_visitor_not_signed_in_gets_not_found(client, owned):
    response = client.get(reverse("invoices:download", args=[owned[2].pk]))

    assert response.status_code == 404


def test_a_guest_downloads_with_the_orders_tracking_token(client, channel):
    legal_entity()
    order = paid_order(channel)
    invoice = issue_invoice(order_id=order.pk)

    response = client.get(reverse("invoices:guest_download", args=[order.token, invoice.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="INV-000001.pdf"'
    assert {part.strip() for part in response["Cache-Control"].split(",")} == {"private", "no-store"}


@pytest.mark.parametrize("token", ["wrong", "0" * 64, "x" * 65])
def test_a_wrong_token_gets_not_found(client, channel, token):
    legal_entity()
    invoice = issue_invoice(order_id=paid_order(channel).pk)

    response = client.get(reverse("invoices:guest_download", args=[token, invoice.pk]))

    assert response.status_code == 404


def test_the_token_of_another_order_does_not_open_this_invoice(client, channel):
    legal_entity()
    mine, theirs = paid_order(channel), paid_order(channel)
    invoice = issue_invoice(order_id=theirs.pk)

    response = client.get(reverse("invoices:guest_download", args=[mine.token, invoice.pk]))

    assert response.status_code == 404


def test_a_download_is_read_only(client, owned):
    buyer, _order, invoice = owned
    client.force_login(buyer)

    response = client.post(reverse("invoices:download", args=[invoice.pk]))

    assert response.status_code == 405


def test_a_guest_download_takes_one_query_whatever_the_length_of_the_invoice(client, channel):
    legal_entity()
    short = issue_invoice(order_id=paid_order(channel).pk)
    long = issue_invoice(order_id=paid_order(channel, lines=[("1.00", 1, "0.20")] * 40).pk)
    client.get("/en/")  # the channel is cached on the first request

    counts = []
    for invoice in (short, long):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("invoices:guest_download", args=[invoice.order.token, invoice.pk]))
        assert response.status_code == 200
        counts.append([q["sql"] for q in queries])

    assert len(counts[0]) == len(counts[1]) == 1, counts
    assert "orders_invoice" in counts[0][0]


# --- back office --------------------------------------------------------------------------------------------

ADMIN = "/admin/orders/invoice/"


def test_staff_download_any_document_from_the_back_office(admin_client, channel):
    legal_entity()
    invoice = issue_invoice(order_id=paid_order(channel).pk)

    response = admin_client.get(f"{ADMIN}{invoice.pk}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "INV-000001" in text_of(response)


def test_the_invoice_list_links_each_pdf(admin_client, channel):
    legal_entity()
    invoice = issue_invoice(order_id=paid_order(channel).pk)

    page = admin_client.get(ADMIN).content.decode()

    assert "INV-000001" in page
    assert f"{ADMIN}{invoice.pk}/pdf/" in page


def test_staff_without_the_right_to_see_invoices_cannot_download_them(client, channel):
    legal_entity()
    invoice = issue_invoice(order_id=paid_order(channel).pk)
    clerk = get_user_model().objects.create_user(username="clerk", password="pw", is_staff=True)
    client.force_login(clerk)

    response = client.get(f"{ADMIN}{invoice.pk}/pdf/")

    assert response.status_code == 403


def test_invoices_cannot_be_edited_or_deleted_in_the_back_office(admin_client, channel):
    legal_entity()
    invoice = issue_invoice(order_id=paid_order(channel).pk)

    admin_client.post(f"{ADMIN}{invoice.pk}/delete/", {"post": "yes"})
    admin_client.post(f"{ADMIN}{invoice.pk}/change/", {"number": "X"})

    invoice.refresh_from_db()
    assert invoice.number == "INV-000001"


def test_missing_invoices_are_issued_from_the_back_office_after_a_confirmation(admin_client, channel):
    order = paid_order(channel)
    legal_entity()

    question = admin_client.get(f"{ADMIN}issue-missing/")
    assert not Invoice.objects.exists()
    admin_client.post(f"{ADMIN}issue-missing/")

    assert question.status_code == 200
    assert Invoice.objects.get().order == order


ENTITY = "/admin/orders/legalentity/"


def entity_form(**overrides) -> dict:
    return {
        "name": "Comptoir SARL",
        "address": "2 rue du Bac, Paris",
        "vat_number": "",
        "registration": "",
        "legal_mentions": "Late payment: 40 € fee.",
        "invoice_prefix": "F-",
        "credit_note_prefix": "A-",
        "is_default": "",
        **overrides,
    }


def test_a_legal_entity_is_set_up_with_the_channels_it_invoices(admin_client, channel):
    response = admin_client.post(f"{ENTITY}add/", entity_form(channels=[channel.pk]))

    assert response.status_code == 302
    assert list(LegalEntity.objects.get(name="Comptoir SARL").channels.all()) == [channel]


def test_a_second_default_legal_entity_is_refused(admin_client):
    legal_entity()

    response = admin_client.post(f"{ENTITY}add/", entity_form(is_default="on"))

    assert response.status_code == 200
    assert "is already the default legal entity" in response.content.decode()
    assert LegalEntity.objects.count() == 1


def test_a_channel_already_invoiced_by_another_entity_is_refused(admin_client, channel):
    legal_entity(channels=[channel])

    response = admin_client.post(f"{ENTITY}add/", entity_form(channels=[channel.pk]))

    assert response.status_code == 200
    assert "Each channel is invoiced by one legal entity" in response.content.decode()


def test_the_same_prefix_for_invoices_and_credit_notes_is_refused(admin_client):
    response = admin_client.post(f"{ENTITY}add/", entity_form(credit_note_prefix="F-"))

    assert response.status_code == 200
    assert "need different prefixes" in response.content.decode()


def test_the_invoice_list_is_filtered_by_day_of_issue(admin_client, channel):
    from django.utils import timezone

    legal_entity()
    issue_invoice(order_id=paid_order(channel).pk)
    today = timezone.localdate().isoformat()

    shown = admin_client.get(f"{ADMIN}?issued_at_from={today}&issued_at_to={today}").content.decode()
    hidden = admin_client.get(f"{ADMIN}?issued_at_from=2000-01-01&issued_at_to=2000-01-02").content.decode()

    assert "INV-000001" in shown
    assert "INV-000001" not in hidden


def test_the_invoice_list_takes_as_many_queries_for_one_document_as_for_many(admin_client, channel):
    legal_entity()
    issue_invoice(order_id=paid_order(channel).pk)
    admin_client.get(ADMIN)

    with CaptureQueriesContext(connection) as one:
        assert admin_client.get(ADMIN).status_code == 200
    for _ in range(4):
        issue_invoice(order_id=paid_order(channel).pk)
    with CaptureQueriesContext(connection) as many:
        assert admin_client.get(ADMIN).status_code == 200

    assert len(many) == len(one)
