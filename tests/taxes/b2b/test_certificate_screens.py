"""Certificates on the buyer's account page and in the back office (review needs its own permission)."""

import pytest

from comptoir.taxes.exemption_models import CertificateStatus, CustomerTaxProfile, TaxExemptionCertificate
from tests.backoffice.inventory_support import staff
from tests.orders.account_factories import PASSWORD, make_customer
from tests.storefront.checkout_helpers import soup, text
from tests.taxes.b2b.certificates import certificate, pdf_file, today

pytestmark = pytest.mark.django_db
PAGE = "/en/account/company-and-taxes/"


def signed_in(client):
    customer = make_customer()
    client.login(username=customer.username, password=PASSWORD)
    return customer


def upload(client, **changes):
    data = {
        "form": "certificate",
        "certificate-number": "EX-9",
        "certificate-company_name": "Acme Inc",
        "certificate-regions": "US-CA, US-NY",
        "certificate-valid_from": today().isoformat(),
        "certificate-valid_until": "",
        "certificate-document": pdf_file(),
        **changes,
    }
    return client.post(PAGE, data)


# --- The account page --------------------------------------------------------------------------------------


def test_the_page_needs_a_signed_in_customer(client):
    response = client.get(PAGE)

    assert response.status_code == 302 and "/sign-in/" in response["Location"]


def test_a_customer_uploads_a_certificate_and_sees_it_awaiting_review(client):
    customer = signed_in(client)

    response = upload(client)
    page = client.get(PAGE)

    assert response.status_code == 302
    saved = TaxExemptionCertificate.objects.get()
    assert (saved.user_id, saved.status, saved.regions) == (customer.pk, "pending", ["US-CA", "US-NY"])
    assert "EX-9" in text(soup(page).select_one("table.certificates"))
    assert "Awaiting review" in text(soup(page).select_one(".certificate-status"))
    assert page["Cache-Control"] == "private, no-store"


def test_a_file_that_is_not_a_pdf_or_image_is_refused_at_its_field(client):
    signed_in(client)

    response = upload(client, **{"certificate-document": pdf_file("cert.pdf", b"<html>hi</html>", "application/pdf")})

    assert response.status_code == 422
    assert "Upload the certificate as a PDF, PNG or JPEG file." in text(soup(response).select_one("#certificate-form"))
    assert not TaxExemptionCertificate.objects.exists()


def test_a_rejected_certificate_shows_the_reason_to_its_owner_only(client):
    customer = signed_in(client)
    certificate(customer, status=CertificateStatus.REJECTED, rejection_reason="Illegible scan", number="MINE")
    certificate(make_customer(), number="SOMEONE-ELSES")

    page = text(soup(client.get(PAGE)).select_one("table.certificates"))

    assert "Illegible scan" in page and "MINE" in page
    assert "SOMEONE-ELSES" not in page


def test_the_company_form_saves_a_checked_vat_number(client):
    customer = signed_in(client)

    client.post(PAGE, {"form": "company", "company-company_name": "Acme", "company-vat_number": "fr40303265045"})
    refused = client.post(PAGE, {"form": "company", "company-company_name": "Acme", "company-vat_number": "FR1"})

    profile = CustomerTaxProfile.objects.get(user=customer)
    assert (profile.company_name, profile.vat_number) == ("Acme", "FR40303265045")
    assert refused.status_code == 422
    assert "FR1 is not a valid EU VAT number" in text(soup(refused).select_one("#company-form"))


# --- The back office ---------------------------------------------------------------------------------------


def url(name: str, *args) -> str:
    from django.urls import reverse

    return reverse(f"admin:taxes_taxexemptioncertificate_{name}", args=args)


def test_staff_with_the_review_permission_approve_a_certificate(client):
    reviewer = staff(
        client, "taxes.view_taxexemptioncertificate", "taxes.change_taxexemptioncertificate",
        "taxes.review_taxexemptioncertificate",
    )  # fmt: skip
    pending = certificate(make_customer(), status=CertificateStatus.PENDING)

    asked = client.get(url("approve_one", pending.pk))
    response = client.post(url("approve_one", pending.pk))

    assert asked.status_code == 200
    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.reviewed_by_id) == ("approved", reviewer.pk)


def test_staff_without_the_review_permission_cannot_approve_or_reject(client):
    staff(client, "taxes.view_taxexemptioncertificate", "taxes.change_taxexemptioncertificate")
    pending = certificate(make_customer(), status=CertificateStatus.PENDING)

    approve = client.post(url("approve_one", pending.pk))
    reject = client.post(url("reject_one", pending.pk), {"reason": "no"})
    bulk = client.post(url("changelist"), {"action": "approve_selected", "_selected_action": [pending.pk]})

    assert approve.status_code == 403 and reject.status_code == 403
    assert bulk.status_code in (200, 302)
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_rejecting_asks_for_a_reason(client):
    staff(client, "taxes.view_taxexemptioncertificate", "taxes.review_taxexemptioncertificate")
    pending = certificate(make_customer(), status=CertificateStatus.PENDING)

    empty = client.post(url("reject_one", pending.pk), {"reason": ""})
    done = client.post(url("reject_one", pending.pk), {"reason": "Expired document"})

    assert empty.status_code == 422
    assert done.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.rejection_reason) == ("rejected", "Expired document")


def test_the_bulk_action_approves_the_selection(client):
    staff(
        client, "taxes.view_taxexemptioncertificate", "taxes.change_taxexemptioncertificate",
        "taxes.review_taxexemptioncertificate",
    )  # fmt: skip
    first, second = (certificate(make_customer(), status=CertificateStatus.PENDING) for _ in range(2))

    client.post(url("changelist"), {"action": "approve_selected", "_selected_action": [first.pk, second.pk]})

    assert set(TaxExemptionCertificate.objects.values_list("status", flat=True)) == {"approved"}


def test_staff_open_the_document_and_editing_an_approved_certificate_sends_it_back_to_review(admin_client):
    customer = make_customer()
    approved = certificate(customer, document=pdf_file(), document_type="application/pdf")

    document = admin_client.get(url("download_document", approved.pk))
    admin_client.post(
        url("change", approved.pk),
        {
            "user": customer.pk,
            "email": customer.email,
            "company_name": "Acme SARL",
            "tax_id": "",
            "number": "EX-2026-001",
            "regions_text": "FR, BE",
            "valid_from": approved.valid_from.isoformat(),
            "valid_until": approved.valid_until.isoformat(),
            "notes": "",
        },
    )

    assert document.status_code == 200 and document["Content-Type"] == "application/pdf"
    assert b"".join(document.streaming_content).startswith(b"%PDF-")
    approved.refresh_from_db()
    assert (approved.regions, approved.status) == (["FR", "BE"], "pending")
