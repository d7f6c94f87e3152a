"""Tax-exemption certificates: submitted by customers, reviewed by staff, applied at checkout when they cover
the sale, and printed on the order and the invoice."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import formats

from comptoir.checkout import services
from comptoir.checkout.models import Checkout
from comptoir.checkout.queries import summarize
from comptoir.core.errors import InvalidInputError
from comptoir.orders.invoices import issue_invoice
from comptoir.orders.models import LegalEntity
from comptoir.orders.services import pay_order
from comptoir.taxes.exemption_models import CertificateStatus, TaxExemptionCertificate
from comptoir.taxes.exemptions import (
    ExemptionCheck,
    InvalidCertificateError,
    applicable_exemption,
    approve_certificate,
    find_exemption,
    reject_certificate,
    submit_certificate,
)
from tests.checkout.factories import ready_checkout
from tests.orders.account_factories import make_customer
from tests.taxes.b2b.certificates import PDF, certificate, pdf_file, png_file, today

# --- Submitting ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_customer_submits_a_pdf_certificate_which_waits_for_review():
    customer = make_customer("buyer@acme.example")

    submitted = submit_certificate(
        user_id=customer.pk,
        number=" EX-42 ",
        regions="us-ca, US-NY FR",
        valid_from=today(),
        valid_until=today() + timedelta(days=365),
        document=pdf_file("my résumé.pdf"),
        company_name="Acme Inc",
    )

    submitted.refresh_from_db()
    assert submitted.status == CertificateStatus.PENDING
    assert (submitted.number, submitted.regions) == ("EX-42", ["US-CA", "US-NY", "FR"])
    assert submitted.document_type == "application/pdf"
    assert submitted.document.name.startswith("tax-exemptions/") and submitted.document.name.endswith(".pdf")
    assert "sum" not in submitted.document.name  # the buyer's file name is not kept
    assert submitted.email == "buyer@acme.example"
    assert submitted.document.read() == PDF


@pytest.mark.django_db
def test_a_png_scan_is_accepted():
    customer = make_customer()

    submitted = submit_certificate(
        user_id=customer.pk, number="EX-1", regions=["FR"], valid_from=today(), valid_until=None, document=png_file()
    )

    assert submitted.document_type == "image/png"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (pdf_file("virus.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"), "PDF, PNG or JPEG"),
        (pdf_file("fake.png", b"\x89PNG\r\n\x1a\nbroken", "image/png"), "cannot be read"),
        (pdf_file("empty.pdf", b"", "application/pdf"), "empty"),
    ],
)
def test_a_file_that_is_not_a_readable_pdf_or_image_is_refused_and_nothing_is_stored(upload, message):
    customer = make_customer()

    with pytest.raises(InvalidCertificateError) as refused:
        submit_certificate(
            user_id=customer.pk, number="EX-1", regions="FR", valid_from=today(), valid_until=None, document=upload
        )

    assert message in str(refused.value.detail)
    assert [e["field"] for e in refused.value.errors] == ["document"]
    assert not TaxExemptionCertificate.objects.exists()


@pytest.mark.django_db
def test_a_file_over_the_size_limit_is_refused(settings):
    settings.COMPTOIR = {**settings.COMPTOIR, "EXEMPTION_MAX_BYTES": 1024}
    customer = make_customer()

    with pytest.raises(InvalidCertificateError) as refused:
        submit_certificate(
            user_id=customer.pk,
            number="EX-1",
            regions="FR",
            valid_from=today(),
            valid_until=None,
            document=pdf_file(content=PDF + b" " * 2000),
        )

    assert "too large" in str(refused.value.detail)
    assert not TaxExemptionCertificate.objects.exists()


@pytest.mark.django_db
def test_bad_regions_dates_and_number_are_all_named_at_once():
    customer = make_customer()

    with pytest.raises(InvalidCertificateError) as refused:
        submit_certificate(
            user_id=customer.pk,
            number="",
            regions="XX, US-C@",
            valid_from=today(),
            valid_until=today() - timedelta(days=1),
            document=pdf_file(),
        )

    assert sorted(e["field"] for e in refused.value.errors) == ["number", "regions", "valid_until"]
    assert not TaxExemptionCertificate.objects.exists()


@pytest.mark.django_db
def test_an_already_expired_certificate_is_refused_at_upload():
    customer = make_customer()

    with pytest.raises(InvalidCertificateError) as refused:
        submit_certificate(
            user_id=customer.pk,
            number="EX-1",
            regions="FR",
            valid_from=today() - timedelta(days=400),
            valid_until=today() - timedelta(days=1),
            document=pdf_file(),
        )

    assert "already expired" in str(refused.value.detail)


# --- Reviewing -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_approving_records_who_and_when_and_rejecting_needs_a_reason():
    customer, staff = make_customer(), make_customer("staff@shop.example")
    pending = certificate(customer, status=CertificateStatus.PENDING)

    approved = approve_certificate(certificate_id=pending.pk, reviewer_id=staff.pk)
    with pytest.raises(InvalidInputError):
        reject_certificate(certificate_id=pending.pk, reviewer_id=staff.pk, reason="  ")
    rejected = reject_certificate(certificate_id=pending.pk, reviewer_id=staff.pk, reason="Illegible scan")

    assert approved.reviewed_by_id == staff.pk and approved.reviewed_at is not None
    rejected.refresh_from_db()
    assert (rejected.status, rejected.rejection_reason) == (CertificateStatus.REJECTED, "Illegible scan")


# --- Which certificate applies -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_approved_certificate_covering_the_destination_applies():
    customer = make_customer()
    certificate(customer, regions=["US-CA"], number="CA-RESALE-7", company_name="Acme Inc")

    found = applicable_exemption(user=customer, country="US", region="CA", on_date=today())

    assert found == "CA-RESALE-7 (Acme Inc)"


@pytest.mark.django_db
def test_a_whole_country_covers_its_states_but_a_state_does_not_cover_another():
    customer = make_customer()
    certificate(customer, regions=["US-CA"])

    assert find_exemption(user_id=customer.pk, country="US", region="NY").reference == ""
    assert find_exemption(user_id=customer.pk, country="US", region="NY").notice == (
        "Your exemption certificate does not cover deliveries to US-NY; tax is charged."
    )
    certificate(customer, regions=["US"], number="US-ALL")
    assert find_exemption(user_id=customer.pk, country="US", region="NY").reference.startswith("US-ALL")


@pytest.mark.django_db
def test_an_expired_certificate_does_not_apply_and_says_when_it_expired():
    customer = make_customer()
    expired_on = today() - timedelta(days=1)
    certificate(customer, valid_until=expired_on, valid_from=today() - timedelta(days=200), number="EX-OLD")

    found = find_exemption(user_id=customer.pk, country="FR")

    assert found.reference == ""
    assert found.notice == (
        f"Your exemption certificate EX-OLD expired on {formats.date_format(expired_on, 'DATE_FORMAT')}; "
        "tax is charged."
    )


@pytest.mark.django_db
def test_the_last_day_of_validity_still_applies():
    customer = make_customer()
    certificate(customer, valid_until=today())

    assert applicable_exemption(user=customer, country="FR", on_date=today()) != ""
    assert applicable_exemption(user=customer, country="FR", on_date=today() + timedelta(days=1)) == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "notice"),
    [
        (CertificateStatus.PENDING, "awaiting our review"),
        (CertificateStatus.REJECTED, "was not accepted"),
    ],
)
def test_pending_and_rejected_certificates_do_not_apply(status, notice):
    customer = make_customer()
    certificate(customer, status=status)

    found = find_exemption(user_id=customer.pk, country="FR")

    assert found.reference == ""
    assert notice in found.notice


@pytest.mark.django_db
def test_another_customers_certificate_and_guests_never_apply(django_assert_num_queries):
    owner, other = make_customer(), make_customer()
    certificate(owner)

    with django_assert_num_queries(0):
        assert find_exemption(user_id=None, country="FR").reference == ""
    with django_assert_num_queries(1):
        assert find_exemption(user_id=other.pk, country="FR") == ExemptionCheck()
    assert applicable_exemption(user=other, country="FR") == ""


@pytest.mark.django_db
def test_a_certificate_staff_filed_under_the_account_email_applies_to_that_account():
    customer = make_customer("Buyer@Acme.example")
    TaxExemptionCertificate.objects.create(
        user=None,
        email="BUYER@acme.example",
        number="STAFF-1",
        regions=["FR"],
        valid_from=today(),
        status=CertificateStatus.APPROVED,
    )

    assert applicable_exemption(user=customer, country="FR") == "STAFF-1"


# --- At checkout, on the order and the invoice ---------------------------------------------------------------


@pytest.mark.django_db
def test_checkout_applies_the_certificate_and_the_order_and_invoice_carry_it(channel, flat_tax):
    customer = make_customer()
    certificate(customer, number="EX-77", company_name="Acme SARL")
    LegalEntity.objects.create(name="Shop SAS", address="1 rue du Shop, Paris", is_default=True)
    checkout, _variant = ready_checkout(channel, price="24.00", user=customer)

    summary = summarize(Checkout.objects.get(pk=checkout.pk))
    order = services.place_order(checkout_id=checkout.pk)
    pay_order(order_id=order.pk, method_code="test:card", data={"card_number": "4242 4242 4242 4242"})
    invoice = issue_invoice(order_id=order.pk)

    assert summary.tax_exemption == "EX-77 (Acme SARL)"
    assert flat_tax.calls[-1]["exemption"] == "EX-77 (Acme SARL)"
    assert (order.tax_exemption, order.tax_total) == ("EX-77 (Acme SARL)", Decimal("0.00"))
    assert invoice.content["tax_exemption"] == "EX-77 (Acme SARL)"


@pytest.mark.django_db
def test_checkout_with_an_expired_certificate_charges_tax_and_tells_the_buyer(channel, flat_tax):
    customer = make_customer()
    expired_on = today() - timedelta(days=3)
    certificate(customer, number="EX-OLD", valid_until=expired_on, valid_from=today() - timedelta(days=100))
    checkout, _variant = ready_checkout(channel, price="24.00", user=customer)

    summary = summarize(Checkout.objects.get(pk=checkout.pk))
    order = services.place_order(checkout_id=checkout.pk)

    assert summary.tax_exemption == "" and flat_tax.calls[-1]["exemption"] == ""
    assert summary.totals.tax.amount == Decimal("4.82")
    assert summary.tax_notices == [
        f"Your exemption certificate EX-OLD expired on {formats.date_format(expired_on, 'DATE_FORMAT')}; "
        "tax is charged."
    ]
    assert (order.tax_exemption, order.tax_total) == ("", Decimal("4.82"))


@pytest.mark.django_db
def test_the_invoice_pdf_says_the_sale_is_tax_exempt(channel, flat_tax):
    from pypdf import PdfReader

    from comptoir.orders.pdf import render_invoice_pdf

    customer = make_customer()
    certificate(customer, number="EX-77", company_name="Acme SARL")
    LegalEntity.objects.create(name="Shop SAS", address="1 rue du Shop, Paris", is_default=True)
    checkout, _variant = ready_checkout(channel, price="24.00", user=customer)
    Checkout.objects.filter(pk=checkout.pk).update(language="en")  # the invoice speaks the order's language
    order = services.place_order(checkout_id=checkout.pk)
    pay_order(order_id=order.pk, method_code="test:card", data={"card_number": "4242 4242 4242 4242"})

    pdf = render_invoice_pdf(issue_invoice(order_id=order.pk))

    import io

    words = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Tax exempt — certificate EX-77 (Acme SARL)" in " ".join(words.split())


@pytest.mark.django_db
def test_the_certificate_file_is_kept_outside_the_public_media_folder(settings):
    customer = make_customer()

    submitted = submit_certificate(
        user_id=customer.pk, number="EX-1", regions="FR", valid_from=today(), valid_until=None, document=pdf_file()
    )

    path = submitted.document.path
    assert not path.startswith(str(settings.MEDIA_ROOT))
    assert "private-media" in path
    with pytest.raises(ValueError):
        submitted.document.url  # noqa: B018 (no URL serves it)


@pytest.mark.django_db
def test_editing_an_exempt_order_keeps_it_tax_free(channel, flat_tax):
    from comptoir.orders.services import edit_order

    customer = make_customer()
    certificate(customer, number="EX-77", company_name="")
    checkout, _variant = ready_checkout(channel, price="24.00", quantity=2, user=customer)
    order = services.place_order(checkout_id=checkout.pk)

    edited = edit_order(order_id=order.pk, quantities={order.lines.get().pk: 1})

    assert flat_tax.calls[-1]["exemption"] == "EX-77"
    assert edited.tax_total == Decimal("0.00")


@pytest.mark.django_db
def test_a_customer_cannot_pile_up_certificates_awaiting_review():
    customer = make_customer()
    for n in range(5):
        certificate(customer, status=CertificateStatus.PENDING, number=f"EX-{n}")

    with pytest.raises(InvalidCertificateError) as refused:
        submit_certificate(
            user_id=customer.pk, number="EX-6", regions="FR", valid_from=today(), valid_until=None, document=pdf_file()
        )

    assert "5 certificates awaiting our review" in str(refused.value.detail)
    assert TaxExemptionCertificate.objects.count() == 5


@pytest.mark.django_db
def test_the_exemption_costs_the_checkout_summary_one_query_however_many_certificates(channel, flat_tax):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    guest_checkout, _variant = ready_checkout(channel)
    customer = make_customer()
    checkout, _variant = ready_checkout(channel, user=customer)

    def queries(cart) -> int:
        cart = Checkout.objects.select_related("channel").get(pk=cart.pk)
        with CaptureQueriesContext(connection) as captured:
            summarize(cart)
        return len(captured)

    guest = queries(guest_checkout)
    certificate(customer, regions=["BE"])
    one = queries(checkout)
    for country in ("DE", "IT", "ES"):
        certificate(customer, regions=[country], number=country)
    many = queries(checkout)

    assert one == many == guest + 1
