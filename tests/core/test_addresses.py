"""Postal addresses: each country's rules, phone numbers, clear messages on the right field, and the form."""

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from comptoir.core.addresses import AddressError, AddressForm, PostalAddress, normalize_address

FRANCE = {
    "full_name": "Ada Lovelace",
    "street_address_1": "12 rue de la Paix",
    "postal_code": "75002",
    "city": "Paris",
    "country_code": "FR",
}
GERMANY = {
    "full_name": "Grace Hopper",
    "street_address_1": "Unter den Linden 77",
    "postal_code": "10117",
    "city": "Berlin",
    "country_code": "DE",
}
USA = {
    "full_name": "Alan Turing",
    "street_address_1": "1600 Amphitheatre Pkwy",
    "city": "Mountain View",
    "country_area": "CA",
    "postal_code": "94043",
    "country_code": "US",
}
UK = {
    "full_name": "Ada Byron",
    "street_address_1": "10 Downing Street",
    "city": "London",
    "postal_code": "SW1A 2AA",
    "country_code": "GB",
}
JAPAN = {
    "full_name": "Kei Tanaka",
    "street_address_1": "1-2-3 Jingumae",
    "country_area": "Tokyo",
    "postal_code": "150-0001",
    "country_code": "JP",
}
CHINA = {
    "full_name": "Li Wei",
    "street_address_1": "1 Dongzhimen Road",
    "city": "Dongcheng Qu",
    "country_area": "Beijing Shi",
    "postal_code": "100010",
    "country_code": "CN",
}


def errors_of(data, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(AddressError) as refused:
        normalize_address(data, **kwargs)
    assert refused.value.status == 422
    assert refused.value.code == "invalid-address"
    return refused.value.by_field


# --- per country ------------------------------------------------------------------------------------------------


def test_a_french_address_is_kept_as_typed_and_formatted_the_french_way():
    address = normalize_address({**FRANCE, "country_code": "fr", "city": " Paris  ", "phone": "06 12 34 56 78"})

    assert address == PostalAddress(**{**FRANCE, "phone": "+33612345678"})
    assert address.lines() == ["Ada Lovelace", "12 rue de la Paix", "75002 PARIS", "FRANCE"]


def test_a_french_postcode_must_have_five_digits_and_the_message_shows_one():
    assert errors_of({**FRANCE, "postal_code": "7502"}) == {
        "postal_code": ["Enter a valid postcode for France (e.g. 33380)."]
    }


def test_a_german_address_needs_its_postcode_and_city():
    assert normalize_address(GERMANY).postal_code == "10117"
    assert errors_of({**GERMANY, "postal_code": "", "city": ""}) == {
        "city": ["Enter the city."],
        "postal_code": ["Enter the postcode."],
    }


def test_an_american_address_needs_its_state_and_stores_the_states_code():
    address = normalize_address({**USA, "country_area": "california"})

    assert address.country_area == "CA"
    assert normalize_address({**USA, "country_area": "ca"}).country_area == "CA"
    assert address.lines()[-2] == "MOUNTAIN VIEW, CA 94043"
    assert errors_of({**USA, "country_area": ""}) == {"country_area": ["Choose the state."]}
    assert errors_of({**USA, "country_area": "Atlantis"}) == {
        "country_area": ["Choose a valid state for United States of America."]
    }


@pytest.mark.parametrize(
    ("zip_code", "valid"), [("94043", True), ("94043-1351", True), ("9404", False), ("ABCDE", False)]
)
def test_an_american_zip_code_has_five_digits_and_may_have_four_more(zip_code, valid):
    if valid:
        assert normalize_address({**USA, "postal_code": zip_code}).postal_code == zip_code
    else:
        assert errors_of({**USA, "postal_code": zip_code}) == {
            "postal_code": ["Enter a valid ZIP code for United States of America (e.g. 95014)."]
        }


def test_a_british_postcode_is_upper_cased_and_checked():
    assert normalize_address({**UK, "postal_code": "sw1a 2aa"}).postal_code == "SW1A 2AA"
    assert list(errors_of({**UK, "postal_code": "ZZ99 9ZZ"})) == ["postal_code"]


def test_a_japanese_address_needs_its_prefecture_and_keeps_the_ward_typed_as_a_city():
    address = normalize_address({**JAPAN, "city": "Shibuya-ku"})

    assert address.country_area == "東京都"
    assert (address.city, address.street_address_2) == ("", "Shibuya-ku")  # Japan writes the ward in the street
    assert address.lines()[:2] == ["〒150-0001", "東京都"]
    assert errors_of({**JAPAN, "country_area": ""}) == {"country_area": ["Choose the prefecture."]}


def test_a_chinese_address_needs_a_province_and_a_city_of_that_province():
    address = normalize_address(CHINA)

    assert (address.country_area, address.city) == ("北京市", "东城区")
    assert errors_of({**CHINA, "city": "Shanghai"}) == {"city": ["Enter a valid city for China."]}
    assert list(errors_of({**CHINA, "country_area": ""})) == ["country_area"]


# --- what every country shares ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["", "XX", "ZZ", "ALL", "F", "FRA", "1", "ÉÉ"])
def test_an_unknown_or_missing_country_is_refused(code):
    assert list(errors_of({**FRANCE, "country_code": code})) == ["country_code"]


def test_a_country_the_shop_does_not_deliver_to_is_refused():
    assert errors_of(GERMANY, allowed_countries=["FR", "BE"]) == {
        "country_code": ["This shop does not deliver to Germany."]
    }
    assert normalize_address(FRANCE, allowed_countries=["fr"]).country_code == "FR"


def test_every_problem_is_reported_at_once_on_its_field():
    found = errors_of({"country_code": "FR", "phone": "12"})

    assert sorted(found) == ["city", "full_name", "phone", "postal_code", "street_address_1"]


def test_missing_keys_count_as_empty_and_unknown_keys_are_ignored():
    address = normalize_address({**FRANCE, "favourite_colour": "blue"})

    assert address.company == address.phone == address.street_address_2 == ""


def test_a_second_street_line_alone_becomes_the_first():
    address = normalize_address({**FRANCE, "street_address_1": "", "street_address_2": "Bâtiment B"})

    assert (address.street_address_1, address.street_address_2) == ("Bâtiment B", "")


@pytest.mark.parametrize(
    ("phone", "expected"),
    [("06 12 34 56 78", "+33612345678"), ("+44 7400 123456", "+447400123456"), ("0033 6 12 34 56 78", "+33612345678")],
)
def test_a_phone_number_is_read_in_the_address_country_and_stored_as_e164(phone, expected):
    assert normalize_address({**FRANCE, "phone": phone}).phone == expected


@pytest.mark.parametrize("phone", ["12", "06 12", "not a phone", "+1 555 0100", "+" + "9" * 30])
def test_a_phone_number_that_is_not_valid_is_refused_with_an_example(phone):
    messages = errors_of({**FRANCE, "phone": phone})["phone"]

    assert messages[0].startswith("Enter a valid phone number for France (e.g. 06")


def test_a_phone_number_can_be_required():
    assert errors_of(FRANCE, phone_required=True) == {
        "phone": ["Enter a phone number: the carrier may need to reach you."]
    }


@pytest.mark.parametrize("field", ["full_name", "street_address_1", "city", "postal_code", "country_code", "phone"])
def test_a_nul_or_control_character_is_refused_on_its_field(field):
    found = errors_of({**FRANCE, field: "Par\x00is", "phone": "06 12 34 56 78" if field != "phone" else "06\x0712"})

    assert found[field] == ["Remove the control characters from this field."]


def test_very_long_input_is_refused_without_being_checked_further():
    found = errors_of({**FRANCE, "street_address_1": "x" * 10_000, "postal_code": "7" * 10_000})

    assert found == {
        "street_address_1": ["Enter at most 255 characters."],
        "postal_code": ["Enter at most 20 characters."],
    }


def test_values_that_are_not_text_are_refused_and_numbers_are_read_as_text():
    assert normalize_address({**FRANCE, "postal_code": 75002}).postal_code == "75002"
    assert errors_of({**FRANCE, "city": ["Paris"]}) == {"city": ["Enter text."]}


def test_whitespace_is_collapsed_and_text_normalised():
    address = normalize_address({**FRANCE, "full_name": "  Ada\t\n Lovelace ", "city": "Saint-E\u0301tienne"})

    assert address.full_name == "Ada Lovelace"
    assert address.city == "Saint-\u00c9tienne"


def test_messages_name_the_country_in_the_active_language():
    with translation.override("fr"):
        message = errors_of({**GERMANY, "postal_code": "1011"})["postal_code"][0]

    assert "Allemagne" in message


def test_an_address_round_trips_through_a_dict_and_tolerates_missing_keys():
    address = normalize_address(USA)

    assert PostalAddress.from_dict(address.as_dict()) == address
    assert PostalAddress.from_dict({"city": "Paris", "phone": None}) == PostalAddress(city="Paris")


def test_lines_of_an_address_with_an_unknown_country_still_show_what_it_has():
    address = PostalAddress(full_name="Ada", street_address_1="1 Main St", postal_code="123", city="Town")

    assert address.lines() == ["Ada", "1 Main St", "123 Town"]


# --- the form ---------------------------------------------------------------------------------------------------


def test_the_form_gives_the_normalised_address():
    form = AddressForm(data={**USA, "country_area": "California", "phone": "(650) 253-0000"})

    assert form.is_valid(), form.errors
    assert form.address.country_area == "CA"
    assert form.cleaned_data["phone"] == "+16502530000"


def test_the_form_puts_each_error_on_its_field():
    form = AddressForm(data={**USA, "country_area": "", "postal_code": "9404"})

    assert not form.is_valid()
    assert form.errors == {
        "country_area": ["Choose the state."],
        "postal_code": ["Enter a valid ZIP code for United States of America (e.g. 95014)."],
    }


def test_the_form_offers_only_the_countries_the_shop_delivers_to():
    form = AddressForm(data=GERMANY, allowed_countries=["FR", "BE"])

    assert [code for code, _name in form.fields["country_code"].choices] == ["BE", "FR"]
    assert not form.is_valid()
    assert list(form.errors) == ["country_code"]


def test_the_form_refuses_a_nul_character_once():
    form = AddressForm(data={**FRANCE, "city": "Pa\x00ris"})

    assert not form.is_valid()
    assert list(form.errors) == ["city"]
    assert len(form.errors["city"]) == 1


def test_the_form_tells_browsers_what_each_field_is():
    form = AddressForm(phone_required=True)
    hints = {name: field.widget.attrs.get("autocomplete") for name, field in form.fields.items()}

    assert hints == {
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
    assert form.fields["phone"].required
    assert 'type="tel"' in str(form["phone"])


def test_the_form_include_renders_every_field_with_its_errors():
    form = AddressForm(data={**FRANCE, "postal_code": "7502"})
    form.is_valid()

    html = render_to_string("core/includes/address_fields.html", {"form": form})

    assert 'autocomplete="postal-code"' in html
    assert "Enter a valid postcode for France" in html
    assert 'aria-invalid="true"' in html
