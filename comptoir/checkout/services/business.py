"""Buying for a company: the company's name and VAT number on the checkout's billing side.

The VAT number is checked (format and checksum against the billing country, and VIES when the shop turned
it on) before anything is stored: a refused number changes nothing, and without a stored number the buyer
is charged tax as a consumer. The checked number reaches the tax calculator as `customer_tax_id`
(`comptoir.checkout.queries.summarize`), which decides on the reverse charge.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from comptoir.checkout.models import Checkout
from comptoir.checkout.services.cart import _lock_open
from comptoir.core.errors import InvalidInputError
from comptoir.taxes.vat_numbers import verify_vat_number

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MAX_COMPANY_NAME = 255


def billing_country(checkout: Checkout) -> str:
    """The country the buyer is billed in: the billing address's, else the delivery address's; '' when
    neither is known yet."""
    address = checkout.billing_address or checkout.shipping_address or {}
    return str(address.get("country_code") or "").upper()


def set_business_buyer(*, checkout_id: int, company_name: str = "", vat_number: str = "") -> Checkout:
    """Record that the buyer buys for a company: its name and VAT number (both empty: a consumer again).

    The number is checked with `verify_vat_number` against the billing country (once known; summarize checks
    again when the address changes). Raises InvalidVatNumberError / VatNumberNotRegisteredError or
    InvalidInputError, each naming its field, and then changes nothing. A number VIES could not confirm is
    stored with `vat_check="unconfirmed"`, which the order keeps for the staff.
    """
    company_name = " ".join((company_name or "").split())
    if _CONTROL.search(company_name) or len(company_name) > MAX_COMPANY_NAME:
        message = _("Enter a company name of at most %(max)s characters.") % {"max": MAX_COMPANY_NAME}
        raise InvalidInputError(detail=message, errors=[{"field": "company_name", "message": message}])
    vat_number = (vat_number or "").strip()
    checked = None
    if vat_number:
        current = Checkout.objects.filter(pk=checkout_id).only("billing_address", "shipping_address").first()
        country = billing_country(current) if current is not None else ""
        try:
            # Before any lock: with VIES on this asks the network.
            checked = verify_vat_number(vat_number, country=country)
        except InvalidInputError as error:
            error.errors = [{"field": "vat_number", "message": str(error.detail)}]
            raise
    with transaction.atomic():
        checkout = _lock_open(checkout_id)
        checkout.company_name = company_name
        checkout.vat_number = checked.number.number if checked else ""
        checkout.vat_check = checked.check if checked else ""
        checkout.save(update_fields=["company_name", "vat_number", "vat_check", "updated_at"])
    return checkout
