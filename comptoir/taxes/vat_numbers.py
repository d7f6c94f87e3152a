"""VAT numbers: format and checksum validation per country (python-stdnum), and an optional VIES check.

`validate_vat_number` is the one gate: checkout, the API, customer accounts and the tax calculator accept a
VAT number only through it. It needs no network; VIES (the EU's online register) is a pluggable extra that is
off by default (`settings.COMPTOIR["VIES_CHECK"]`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat as eu_vat

from comptoir.core.errors import InvalidInputError

# Greece's VAT prefix is EL, not its ISO country code GR.
VAT_PREFIX_COUNTRY = {"EL": "GR"}
COUNTRY_VAT_PREFIX = {"GR": "EL"}


class InvalidVatNumberError(InvalidInputError):
    code = "invalid-vat-number"
    title = "This VAT number is not valid"


@dataclass(frozen=True, slots=True)
class VatNumber:
    number: str
    """Compact form with its prefix, e.g. 'FR40303265045'."""
    country: str
    """ISO 3166 country code of the issuing state ('GR' for an 'EL' number)."""


def validate_vat_number(value: str, *, country: str = "") -> VatNumber:
    """The compact, checked form of an EU VAT number, or InvalidVatNumberError with a message for the buyer.

    `country` (ISO code), when given, must be the number's issuing state (a French buyer's number is FR...).
    A number given without its prefix takes the country's.
    """
    raw = (value or "").strip()
    if not raw:
        raise InvalidVatNumberError(detail=_("Enter a VAT number."), data={"vat_number": raw})
    compact = "".join(raw.split()).replace(".", "").replace("-", "").upper()
    if country and not compact[:2].isalpha():
        compact = COUNTRY_VAT_PREFIX.get(country.upper(), country.upper()) + compact
    try:
        compact = eu_vat.validate(compact)
    except stdnum_errors.ValidationError as error:
        raise InvalidVatNumberError(
            detail=_("%(number)s is not a valid EU VAT number: check its country prefix and digits.") % {"number": raw},
            data={"vat_number": raw, "reason": type(error).__name__},
        ) from error
    issuer = VAT_PREFIX_COUNTRY.get(compact[:2], compact[:2])
    if country and issuer != country.upper():
        raise InvalidVatNumberError(
            detail=_("This VAT number was issued in %(issuer)s, not in %(country)s.")
            % {"issuer": issuer, "country": country.upper()},
            data={"vat_number": raw, "country": country.upper()},
        )
    return VatNumber(number=compact, country=issuer)


class VatNumberNotRegisteredError(InvalidInputError):
    code = "vat-number-not-registered"
    title = "This VAT number is not registered"


@dataclass(frozen=True, slots=True)
class CheckedVatNumber:
    number: VatNumber
    check: str
    """How far it was checked: "format" (VIES off), "vies" (VIES knows it) or "unconfirmed" (VIES could not
    say: accepted on its format, and staff are told)."""
    registered_name: str = ""


def verify_vat_number(value: str, *, country: str = "") -> CheckedVatNumber:
    """`validate_vat_number`, then, when the shop turned VIES on, the EU register's word on it.

    Raises InvalidVatNumberError for a malformed number and VatNumberNotRegisteredError when VIES says the
    number is not (or no longer) registered. Makes a network request only when VIES is on, and never inside
    a transaction of the caller's: call it before taking locks.
    """
    number = validate_vat_number(value, country=country)
    from comptoir.taxes import vies

    if not vies.vies_enabled():
        return CheckedVatNumber(number=number, check="format")
    result = vies.check_vat_number(number)
    if result.answer == vies.ViesAnswer.INVALID:
        raise VatNumberNotRegisteredError(
            detail=_(
                "%(number)s is not registered for intra-EU trade in VIES, the EU register of VAT numbers: "
                "check it with your accounts department, or buy without a VAT number."
            )
            % {"number": number.number},
            data={"vat_number": number.number},
        )
    if result.answer == vies.ViesAnswer.UNAVAILABLE:
        return CheckedVatNumber(number=number, check="unconfirmed")
    return CheckedVatNumber(number=number, check="vies", registered_name=result.name)


def reverse_charge_applies(*, seller_vat: str, buyer_vat: str, tax_total, exempt: bool = False) -> bool:
    """Whether an invoice must say the reverse charge applies: a sale to a business registered for VAT in
    another member state than the seller's, with no tax charged (and not made under an exemption
    certificate, which has its own mention). The countries are the VAT numbers' prefixes."""
    if exempt or tax_total or not seller_vat or not buyer_vat:
        return False
    seller = "".join(str(seller_vat).split()).upper()[:2]
    buyer = "".join(str(buyer_vat).split()).upper()[:2]
    if not (seller.isalpha() and buyer.isalpha()):
        return False
    return VAT_PREFIX_COUNTRY.get(seller, seller) != VAT_PREFIX_COUNTRY.get(buyer, buyer)
