"""Tax-exemption certificates: buyers submit them, staff approve or reject them, checkout applies them.

A certificate applies to a sale when it is approved, valid on the day of the sale, and lists the country (or
the country's state or region) the goods are delivered to; the sale is then made tax free under that
certificate, whose reference the order and the invoice print. Anything else (awaiting review, rejected,
expired, not yet valid, another region) does not apply: tax is charged, and `find_exemption` says why in
words the buyer understands.

Certificates belong to a customer account: a guest cannot claim one by typing someone's e-mail. A
certificate staff enter with only an e-mail applies to the account signed in with that address.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, Subquery
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from comptoir.core.errors import ConflictError, InvalidInputError, NotFoundError
from comptoir.core.events import record_event
from comptoir.taxes.exemption_models import CertificateStatus, TaxExemptionCertificate

# What a certificate file may be, told by its first bytes (never by the name or the browser's say-so).
FILE_SIGNATURES = {
    b"%PDF-": ("application/pdf", "pdf"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
}
MAX_REGIONS = 60
# Certificates one customer may have awaiting review at once: enough for a real company, a bound on uploads.
MAX_PENDING = 5


class InvalidCertificateError(InvalidInputError):
    code = "invalid-exemption-certificate"
    title = "The exemption certificate cannot be accepted"


class CertificateNotFoundError(NotFoundError):
    code = "exemption-certificate-not-found"
    title = "Exemption certificate not found"


class CertificateAlreadyReviewedError(ConflictError):
    code = "exemption-certificate-reviewed"
    title = "This certificate was already reviewed"


# --- Submitting -------------------------------------------------------------------------------------------


def max_file_bytes() -> int:
    return int(settings.COMPTOIR.get("EXEMPTION_MAX_BYTES", 5 * 1024 * 1024))


def check_certificate_file(upload: UploadedFile) -> tuple[str, str]:
    """(content type, extension) of an acceptable certificate file, or InvalidCertificateError naming the
    `document` field: a PDF, PNG or JPEG image (told by its content) of at most EXEMPTION_MAX_BYTES."""
    limit = max_file_bytes()
    if upload.size is None or upload.size > limit:
        message = _("The file is too large: at most %(mb)s MB.") % {"mb": round(limit / (1024 * 1024), 1)}
        raise InvalidCertificateError(detail=message, errors=[{"field": "document", "message": message}])
    if not upload.size:
        message = _("The file is empty.")
        raise InvalidCertificateError(detail=message, errors=[{"field": "document", "message": message}])
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = next((found for signature, found in FILE_SIGNATURES.items() if head.startswith(signature)), None)
    if kind is None:
        message = _("Upload the certificate as a PDF, PNG or JPEG file.")
        raise InvalidCertificateError(detail=message, errors=[{"field": "document", "message": message}])
    if kind[0].startswith("image/"):
        from PIL import Image

        try:
            with Image.open(io.BytesIO(upload.read())) as image:
                image.verify()
        except Exception as error:  # Pillow raises many kinds for a damaged or disguised file
            message = _("This image cannot be read: upload the certificate again, or as a PDF.")
            raise InvalidCertificateError(detail=message, errors=[{"field": "document", "message": message}]) from error
        finally:
            upload.seek(0)
    return kind


def clean_regions(raw: str | list[str]) -> list[str]:
    """Country codes ("FR") and country-region codes ("US-CA"), upper-cased, without duplicates, from a list or
    a comma- or space-separated text; InvalidCertificateError naming `regions` for anything else."""
    from django_countries import countries

    items = raw.replace(",", " ").split() if isinstance(raw, str) else [str(item) for item in raw]
    regions, bad = [], []
    for item in items:
        code = item.strip().upper()
        country, _sep, area = code.partition("-")
        if len(country) != 2 or country not in countries or (area and not (1 <= len(area) <= 10 and area.isalnum())):
            bad.append(item)
        elif code not in regions:
            regions.append(code)
    if bad or not regions or len(regions) > MAX_REGIONS:
        message = (
            _("Not a country or region code: %(codes)s. Use FR for a country, US-CA for a state.")
            % {"codes": ", ".join(bad[:5])}
            if bad
            else _("Name the countries or states the certificate covers (e.g. US-CA, US-NY).")
        )
        raise InvalidCertificateError(detail=message, errors=[{"field": "regions", "message": message}])
    return regions


def submit_certificate(
    *,
    user_id: int,
    number: str,
    regions: str | list[str],
    valid_from: date,
    valid_until: date | None,
    document: UploadedFile,
    company_name: str = "",
    tax_id: str = "",
) -> TaxExemptionCertificate:
    """A customer submits an exemption certificate; it waits for staff review (it does not apply before).

    Raises InvalidCertificateError with one {"field", "message"} per problem (number, regions, dates, file)
    or when MAX_PENDING certificates already await review, and then stores nothing. Emits
    `taxes.exemption_submitted`.
    """
    errors = []
    number = " ".join((number or "").split())
    if not number or len(number) > 60:
        errors.append({"field": "number", "message": _("Enter the certificate number (at most 60 characters).")})
    company_name = " ".join((company_name or "").split())[:255]
    tax_id = " ".join((tax_id or "").split())[:40]
    if valid_from is None:
        errors.append({"field": "valid_from", "message": _("Enter the date the certificate is valid from.")})
    elif valid_until is not None and valid_until < valid_from:
        errors.append({"field": "valid_until", "message": _("The end date must come after the start date.")})
    elif valid_until is not None and valid_until < timezone.localdate():
        errors.append({"field": "valid_until", "message": _("This certificate has already expired.")})
    for check in (lambda: clean_regions(regions), lambda: check_certificate_file(document)):
        try:
            check()
        except InvalidCertificateError as error:
            errors.extend(error.errors)
    if errors:
        raise InvalidCertificateError(detail=" ".join(e["message"] for e in errors), errors=errors)
    content_type, extension = check_certificate_file(document)
    user = get_user_model().objects.filter(pk=user_id).only("email").first()
    if user is None:
        raise CertificateNotFoundError(detail=_("This customer account does not exist."))
    pending = TaxExemptionCertificate.objects.filter(user_id=user_id, status=CertificateStatus.PENDING).count()
    if pending >= MAX_PENDING:
        message = _("You have %(count)s certificates awaiting our review: please wait for our answer.") % {
            "count": pending
        }
        raise InvalidCertificateError(detail=message, errors=[{"field": "document", "message": message}])
    document.name = f"certificate.{extension}"
    with transaction.atomic():
        certificate = TaxExemptionCertificate.objects.create(
            user_id=user_id,
            email=user.email,
            company_name=company_name,
            tax_id=tax_id,
            number=number,
            regions=clean_regions(regions),
            valid_from=valid_from,
            valid_until=valid_until,
            document=document,
            document_type=content_type,
        )
        record_event("taxes.exemption_submitted", certificate_id=certificate.pk, user_id=user_id)
    return certificate


# --- Reviewing --------------------------------------------------------------------------------------------


def _review(certificate_id: int, reviewer_id: int, status: str, **changes) -> TaxExemptionCertificate:
    with transaction.atomic():
        certificate = TaxExemptionCertificate.objects.select_for_update().filter(pk=certificate_id).first()
        if certificate is None:
            raise CertificateNotFoundError(data={"certificate": certificate_id})
        if certificate.status == status:
            return certificate
        certificate.status = status
        certificate.reviewed_by_id = reviewer_id
        certificate.reviewed_at = timezone.now()
        for name, value in changes.items():
            setattr(certificate, name, value)
        certificate.save()
        record_event(f"taxes.exemption_{status}", certificate_id=certificate.pk, reviewer_id=reviewer_id)
    return certificate


def approve_certificate(*, certificate_id: int, reviewer_id: int, notes: str = "") -> TaxExemptionCertificate:
    """Staff accept the certificate: from now on it applies at checkout (within its dates and regions).

    Idempotent. Emits `taxes.exemption_approved`. Checking permission is the caller's job (the admin action
    needs `taxes.review_taxexemptioncertificate`)."""
    changes = {"rejection_reason": ""}
    if notes:
        changes["notes"] = notes[:2000]
    return _review(certificate_id, reviewer_id, CertificateStatus.APPROVED, **changes)


def reject_certificate(*, certificate_id: int, reviewer_id: int, reason: str) -> TaxExemptionCertificate:
    """Staff refuse the certificate, with a reason the customer sees on their account. Emits
    `taxes.exemption_rejected`. A rejected certificate never applies; the customer can submit a new one."""
    reason = (reason or "").strip()[:1000]
    if not reason:
        raise InvalidInputError(
            detail=_("Say why the certificate is rejected: the customer sees it."),
            errors=[{"field": "rejection_reason", "message": _("Say why the certificate is rejected.")}],
        )
    return _review(certificate_id, reviewer_id, CertificateStatus.REJECTED, rejection_reason=reason)


# --- Applying at checkout ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExemptionCheck:
    reference: str = ""
    """The applicable certificate's reference ("" when none applies: tax is charged)."""
    notice: str = ""
    """Why the buyer's certificate does not apply to this sale ("" when one applies or they have none)."""


def _date(day: date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def find_exemption(
    *, user_id: int | None, email: str = "", country: str, region: str = "", on_date: date | None = None
) -> ExemptionCheck:
    """The exemption that makes a sale by this customer, delivered to `country` / `region`, tax free; or why
    their certificates do not. One query (none for a guest).

    `email` is the customer account's own address when the caller has it at hand (never an address typed at
    checkout); without it the account's address is read in the same query."""
    if not user_id or not country:
        return ExemptionCheck()
    on_date = on_date or timezone.localdate()
    account_email = email or Subquery(get_user_model().objects.filter(pk=user_id).values("email")[:1])
    # A certificate staff filed under the customer's address, before or without their account, counts too.
    holder = Q(user_id=user_id) | Q(user__isnull=True, email__iexact=account_email)
    certificates = list(TaxExemptionCertificate.objects.filter(holder).order_by("-valid_from", "-pk"))
    if not certificates:
        return ExemptionCheck()
    approved = [c for c in certificates if c.status == CertificateStatus.APPROVED]
    for certificate in approved:
        if certificate.valid_on(on_date) and certificate.covers(country, region):
            return ExemptionCheck(reference=certificate.reference)
    return ExemptionCheck(notice=_why_not(certificates, approved, country, region, on_date))


def _why_not(certificates, approved, country: str, region: str, on_date: date) -> str:
    covering = [c for c in approved if c.covers(country, region)]
    expired = [c for c in covering if c.valid_until is not None and c.valid_until < on_date]
    if expired:
        latest = max(expired, key=lambda c: c.valid_until)
        return _("Your exemption certificate %(number)s expired on %(date)s; tax is charged.") % {
            "number": latest.number,
            "date": _date(latest.valid_until),
        }
    future = [c for c in covering if c.valid_from > on_date]
    if future:
        first = min(future, key=lambda c: c.valid_from)
        return _("Your exemption certificate %(number)s is valid from %(date)s; tax is charged until then.") % {
            "number": first.number,
            "date": _date(first.valid_from),
        }
    if approved:
        place = f"{country}-{region}" if region else country
        return _("Your exemption certificate does not cover deliveries to %(place)s; tax is charged.") % {
            "place": place
        }
    if any(c.status == CertificateStatus.PENDING for c in certificates):
        return _("Your exemption certificate is awaiting our review; tax is charged until it is approved.")
    return _("Your exemption certificate was not accepted; tax is charged.")


def applicable_exemption(*, user, email: str = "", country: str, region: str = "", on_date: date | None = None) -> str:
    """The reference of the certificate that makes this sale tax free, or "" (tax is charged). One query."""
    user_id = user if isinstance(user, int) or user is None else getattr(user, "pk", None)
    return find_exemption(user_id=user_id, email=email, country=country, region=region, on_date=on_date).reference


def list_certificates(*, user_id: int) -> list[TaxExemptionCertificate]:
    """A customer's certificates, newest first, for their account page. One query."""
    return list(TaxExemptionCertificate.objects.filter(user_id=user_id).order_by("-created_at", "-pk"))
