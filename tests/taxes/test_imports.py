"""manage.py import_tax_rates and import_us_sales_tax: good files, bad files, re-imports and validity periods."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from comptoir.taxes.models import TaxRate, TaxZone
from comptoir.taxes.zones import zone_rates

pytestmark = pytest.mark.django_db

HEADER = "country,region,postcode_from,postcode_to,zone,tax_class,rate_percent,valid_from\n"
US_HEADER = (
    "State,ZipCode,TaxRegionName,EstimatedCombinedRate,StateRate,EstimatedCountyRate,EstimatedCityRate,"
    "EstimatedSpecialRate,RiskLevel\n"
)


def run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def write(tmp_path, text: str, name: str = "rates.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def snapshot() -> list[tuple]:
    return list(
        TaxRate.objects.order_by("zone__country", "tax_class", "valid_from").values_list(
            "zone__country", "tax_class", "rate", "valid_from", "valid_to"
        )
    )


def test_the_shipped_eu_file_gives_the_27_member_states_their_rates():
    output = run("import_tax_rates")

    assert "27 zone(s) created, 78 rate(s) added" in output
    assert TaxZone.objects.count() == 27
    france, _origin = zone_rates(country="FR", region="", postcode="75002", origin_country="FR", on=date(2026, 6, 1))
    assert france.by_class == {
        "standard": Decimal("0.2"),
        "intermediate": Decimal("0.1"),
        "reduced": Decimal("0.055"),
        "super_reduced": Decimal("0.021"),
    }
    standard = dict(TaxRate.objects.filter(tax_class="standard").values_list("zone__country", "rate"))
    assert (
        standard["HU"] == Decimal("0.27") and standard["LU"] == Decimal("0.17") and standard["FI"] == Decimal("0.255")
    )


def test_importing_the_same_file_again_changes_nothing():
    run("import_tax_rates")
    before = snapshot()

    output = run("import_tax_rates")

    assert "0 zone(s) created, 0 rate(s) added, 0 earlier rate(s) ended, 78 rate(s) unchanged" in output
    assert snapshot() == before


def test_a_bad_file_is_refused_line_by_line_and_nothing_is_imported(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "FR,,,,France,standard,20,2026-01-01\n"  # line 2: fine, yet not imported
        + "XX,,,,Nowhere,standard,20,2026-01-01\n"  # line 3: no such country
        + "DE,,,,Germany,luxury,19,2026-01-01\n"  # line 4: no such class
        + "IT,,,,Italy,standard,122,2026-01-01\n"  # line 5: not a percentage
        + "ES,,,,Spain,standard,21,01/01/2026\n"  # line 6: not an ISO date
        + "FR,,,,France,standard,20,2026-01-01\n",  # line 7: the same as line 2
    )

    with pytest.raises(CommandError) as error:
        run("import_tax_rates", path)

    message = str(error.value)
    assert "5 problem(s), nothing was imported" in message
    assert "Line 3: 'XX' is not an ISO country code" in message
    assert "Line 4: the tax class 'luxury'" in message
    assert "Line 5: the rate 122 % is not between 0 and 100" in message
    assert "Line 6: the date '01/01/2026' is not a date (YYYY-MM-DD)" in message
    assert "Line 7: the same zone, class and date as line 2" in message
    assert TaxZone.objects.count() == TaxRate.objects.count() == 0


def test_a_file_without_the_expected_columns_is_refused(tmp_path):
    path = write(tmp_path, "country,rate\nFR,20\n")

    with pytest.raises(CommandError, match="the header lacks the column\\(s\\) region, postcode_from"):
        run("import_tax_rates", path)


def test_a_changed_rate_starts_a_new_period_and_the_old_one_ends_the_day_before(tmp_path):
    run("import_tax_rates", write(tmp_path, HEADER + "FR,,,,France,standard,20,2020-01-01\n", "a.csv"))

    output = run("import_tax_rates", write(tmp_path, HEADER + "FR,,,,France,standard,21,2027-01-01\n", "b.csv"))

    assert "1 rate(s) added, 1 earlier rate(s) ended" in output
    assert snapshot() == [
        ("FR", "standard", Decimal("0.2"), date(2020, 1, 1), date(2026, 12, 31)),
        ("FR", "standard", Decimal("0.21"), date(2027, 1, 1), None),
    ]

    def rate_on(day: date) -> Decimal:
        return zone_rates(country="FR", region="", postcode="", origin_country="FR", on=day)[0].by_class["standard"]

    assert (rate_on(date(2026, 12, 31)), rate_on(date(2027, 1, 1))) == (Decimal("0.2"), Decimal("0.21"))


def test_a_rate_inserted_before_a_known_later_one_ends_when_the_later_one_starts(tmp_path):
    run("import_tax_rates", write(tmp_path, HEADER + "FR,,,,France,reduced,5.5,2025-01-01\n", "a.csv"))
    run("import_tax_rates", write(tmp_path, HEADER + "FR,,,,France,reduced,5,2027-01-01\n", "b.csv"))

    run("import_tax_rates", write(tmp_path, HEADER + "FR,,,,France,reduced,6,2026-01-01\n", "c.csv"))

    assert snapshot() == [
        ("FR", "reduced", Decimal("0.055"), date(2025, 1, 1), date(2025, 12, 31)),
        ("FR", "reduced", Decimal("0.06"), date(2026, 1, 1), date(2026, 12, 31)),
        ("FR", "reduced", Decimal("0.05"), date(2027, 1, 1), None),
    ]


def test_a_different_rate_on_a_date_that_already_starts_one_is_refused(tmp_path):
    run("import_tax_rates", write(tmp_path, HEADER + "FR,,,,France,standard,20,2026-01-01\n", "a.csv"))
    before = snapshot()

    with pytest.raises(CommandError, match="already has a standard rate of 20 % from 2026-01-01"):
        run(
            "import_tax_rates",
            write(tmp_path, HEADER + "DE,,,,Germany,standard,19,2026-01-01\nFR,,,,France,standard,19.6,2026-01-01\n"),
        )

    assert snapshot() == before
    assert not TaxZone.objects.filter(country="DE").exists()


def test_an_unreadable_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run("import_tax_rates", str(tmp_path / "missing.csv"))


US_TABLE = (
    US_HEADER
    + "NY,10001,NEW YORK CITY,0.08875,0.04,0,0.045,0.00375,1\n"
    + "NY,12201,ALBANY,0.08,0.04,0.04,0,0,1\n"
    + "NY,501,HOLTSVILLE,0.08625,0.04,0.0425,0,0.00375,1\n"  # a spreadsheet dropped the ZIP's leading zeros
)


def test_a_us_table_gives_each_zip_code_its_combined_rate(tmp_path):
    output = run("import_us_sales_tax", write(tmp_path, US_TABLE), "--valid-from", "2026-01-01")

    assert "3 zone(s) created, 3 rate(s) added" in output
    on = date(2026, 6, 1)
    manhattan, _ = zone_rates(country="US", region="NY", postcode="10001-2345", origin_country="US", on=on)
    holtsville, _ = zone_rates(country="US", region="NY", postcode="00501", origin_country="US", on=on)
    assert manhattan.by_class == {"standard": Decimal("0.08875")}
    assert holtsville.by_class == {"standard": Decimal("0.08625")}
    assert zone_rates(country="US", region="NY", postcode="10002", origin_country="US", on=on)[0] is None


def test_re_importing_a_us_table_changes_nothing_and_a_new_rate_gets_a_new_period(tmp_path):
    run("import_us_sales_tax", write(tmp_path, US_TABLE), "--valid-from", "2026-01-01")
    assert "3 rate(s) unchanged" in run("import_us_sales_tax", write(tmp_path, US_TABLE), "--valid-from", "2026-07-01")

    changed = US_TABLE.replace("12201,ALBANY,0.08", "12201,ALBANY,0.0825")
    output = run("import_us_sales_tax", write(tmp_path, changed), "--valid-from", "2026-07-01")

    assert "1 rate(s) added, 1 earlier rate(s) ended, 2 rate(s) unchanged" in output
    assert list(TaxRate.objects.filter(zone__postcode_from="12201").values_list("rate", "valid_from", "valid_to")) == [
        (Decimal("0.08"), date(2026, 1, 1), date(2026, 6, 30)),
        (Decimal("0.0825"), date(2026, 7, 1), None),
    ]


def test_a_bad_us_table_is_refused_and_nothing_is_imported(tmp_path):
    bad = US_TABLE + "New York,1000A,BAD,8.875,0,0,0,0,1\n"

    with pytest.raises(CommandError) as error:
        run("import_us_sales_tax", write(tmp_path, bad))

    assert "Line 5: the state 'New York' is not a two-letter code" in str(error.value)
    assert TaxZone.objects.count() == 0
    with pytest.raises(CommandError, match="--valid-from 'soon' is not a date"):
        run("import_us_sales_tax", write(tmp_path, US_TABLE), "--valid-from", "soon")
