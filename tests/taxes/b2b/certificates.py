"""Certificate files and rows for the exemption tests."""

from __future__ import annotations

import io
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from comptoir.taxes.exemption_models import CertificateStatus, TaxExemptionCertificate

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf_file(name: str = "certificate.pdf", content: bytes = PDF, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def png_file(name: str = "scan.png") -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def today() -> date:
    return timezone.localdate()


def certificate(user, *, status=CertificateStatus.APPROVED, regions=("FR",), days_left: int | None = 365, **kw):
    start = kw.pop("valid_from", today() - timedelta(days=30))
    return TaxExemptionCertificate.objects.create(
        user=user,
        email=getattr(user, "email", "") or "",
        number=kw.pop("number", "EX-2026-001"),
        company_name=kw.pop("company_name", "Acme SARL"),
        regions=list(regions),
        valid_from=start,
        valid_until=kw.pop("valid_until", today() + timedelta(days=days_left) if days_left is not None else None),
        status=status,
        **kw,
    )
