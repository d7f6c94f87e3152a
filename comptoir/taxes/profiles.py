"""A customer account's company details (name and VAT number), offered again at each checkout."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from comptoir.core.errors import InvalidInputError
from comptoir.taxes.exemption_models import CustomerTaxProfile
from comptoir.taxes.vat_numbers import validate_vat_number


def save_tax_profile(*, user_id: int, company_name: str = "", vat_number: str = "") -> CustomerTaxProfile:
    """Save the company a customer buys for. The VAT number is checked (format and checksum; the billing
    country and VIES are checked at each checkout): InvalidVatNumberError naming `vat_number` otherwise, and
    nothing is saved. Both empty: the customer buys as a private person."""
    company_name = " ".join((company_name or "").split())
    if len(company_name) > 255 or any(ord(c) < 32 or 127 <= ord(c) < 160 for c in company_name):
        message = _("Enter a company name of at most %(max)s characters.") % {"max": 255}
        raise InvalidInputError(detail=message, errors=[{"field": "company_name", "message": message}])
    number = ""
    if (vat_number or "").strip():
        try:
            number = validate_vat_number(vat_number).number
        except InvalidInputError as error:
            error.errors = [{"field": "vat_number", "message": str(error.detail)}]
            raise
    with transaction.atomic():
        profile, _created = CustomerTaxProfile.objects.update_or_create(
            user_id=user_id, defaults={"company_name": company_name, "vat_number": number}
        )
    return profile
