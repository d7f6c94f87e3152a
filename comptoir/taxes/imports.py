"""Importing tax rates from CSV files: the shop's own layout (EU VAT data file) and the US ZIP code tables.

Reading and checking happen first and refuse the whole file on any error (each named with its line);
`import_rates` then writes everything in one transaction. Rates are history: a rate that changes gets a new
row from its first day and the row before it ends the day before; nothing already charged is rewritten, and
importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django_countries import countries

from comptoir.core.errors import InvalidInputError
from comptoir.taxes.classes import TaxClass
from comptoir.taxes.models import TaxRate, TaxZone
from comptoir.taxes.zones import forget_tax_config

EU_RATES_FILE = Path(__file__).resolve().parent / "data" / "eu_vat_rates.csv"
RATES_COLUMNS = ["country", "region", "postcode_from", "postcode_to", "zone", "tax_class", "rate_percent", "valid_from"]
US_COLUMNS = ["State", "ZipCode", "TaxRegionName", "EstimatedCombinedRate"]
MAX_ERRORS = 50


class InvalidTaxRatesFileError(InvalidInputError):
    code = "invalid-tax-rates-file"
    title = "The tax rates file cannot be imported"


@dataclass(frozen=True, slots=True)
class RateRow:
    line: int
    country: str
    region: str
    postcode_from: str
    postcode_to: str
    zone_name: str
    tax_class: str
    rate: Decimal
    """A fraction: 0.2 for 20 %."""
    valid_from: date
    source: str = ""

    @property
    def zone_key(self) -> tuple[str, str, str, str]:
        return (self.country, self.region, self.postcode_from, self.postcode_to)


@dataclass(frozen=True, slots=True)
class ImportSummary:
    zones_created: int
    rates_added: int
    rates_unchanged: int
    periods_closed: int

    def __str__(self) -> str:
        return (
            f"{self.zones_created} zone(s) created, {self.rates_added} rate(s) added, "
            f"{self.periods_closed} earlier rate(s) ended, {self.rates_unchanged} rate(s) unchanged."
        )


# --- reading --------------------------------------------------------------------------------------------


def _rows(text: str, required: Sequence[str]) -> Iterable[tuple[int, dict[str, str]]]:
    """(line number, row) of a CSV text whose lines starting with '#' are comments."""
    lines = text.lstrip("\ufeff").splitlines()
    numbered = [(n, line) for n, line in enumerate(lines, start=1) if line.strip() and not line.startswith("#")]
    if not numbered:
        raise InvalidTaxRatesFileError(detail="The file has no header line and no rates.")
    reader = csv.DictReader(io.StringIO("\n".join(line for _n, line in numbered)))
    header = [name.strip() for name in reader.fieldnames or []]
    if missing := [name for name in required if name not in header]:
        raise InvalidTaxRatesFileError(
            detail=f"Line {numbered[0][0]}: the header lacks the column(s) {', '.join(missing)} "
            f"(expected {', '.join(required)}).",
            data={"missing_columns": missing},
        )
    for (number, _line), row in zip(numbered[1:], reader, strict=True):
        yield number, {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}


def _date(value: str, what: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{what} {value!r} is not a date (YYYY-MM-DD)") from None


def _decimal(value: str, what: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{what} {value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{what} {value!r} is not a number")
    return number


def _fail_if(errors: list[str]) -> None:
    if errors:
        shown = errors[:MAX_ERRORS]
        more = f" (and {len(errors) - MAX_ERRORS} more)" if len(errors) > MAX_ERRORS else ""
        raise InvalidTaxRatesFileError(
            detail=f"{len(errors)} problem(s), nothing was imported{more}:\n" + "\n".join(shown),
            data={"errors": shown},
        )


def _check_duplicates(rows: list[RateRow], errors: list[str]) -> None:
    seen: dict[tuple, int] = {}
    for row in rows:
        key = (row.zone_key, row.tax_class, row.valid_from)
        if key in seen:
            errors.append(f"Line {row.line}: the same zone, class and date as line {seen[key]}.")
        seen.setdefault(key, row.line)


def parse_rates_csv(text: str, *, source: str = "") -> list[RateRow]:
    """The rows of a file in the shop's layout (the columns of RATES_COLUMNS; `rate_percent` as 20 or 5.5).

    Raises InvalidTaxRatesFileError listing every line that is wrong."""
    rows, errors = [], []
    for number, raw in _rows(text, RATES_COLUMNS):
        try:
            country = raw["country"].upper()
            if country not in countries:
                raise ValueError(f"{raw['country']!r} is not an ISO country code")
            if raw["tax_class"] not in TaxClass.values:
                raise ValueError(f"the tax class {raw['tax_class']!r} is not one of {', '.join(TaxClass.values)}")
            percent = _decimal(raw["rate_percent"], "the rate")
            if not 0 <= percent < 100:
                raise ValueError(f"the rate {raw['rate_percent']} % is not between 0 and 100")
            postcode_from, postcode_to = raw["postcode_from"].upper(), raw["postcode_to"].upper()
            if bool(postcode_from) != bool(postcode_to) or postcode_to < postcode_from:
                raise ValueError("a postcode range needs a first and a last postcode, the last not before the first")
            rows.append(
                RateRow(
                    line=number,
                    country=country,
                    region=raw["region"].upper(),
                    postcode_from=postcode_from,
                    postcode_to=postcode_to,
                    zone_name=raw["zone"] or str(countries.name(country)),
                    tax_class=raw["tax_class"],
                    rate=(percent / 100).normalize(),
                    valid_from=_date(raw["valid_from"], "the date"),
                    source=source,
                )
            )
        except ValueError as error:
            errors.append(f"Line {number}: {error}.")
    _check_duplicates(rows, errors)
    _fail_if(errors)
    return rows


def parse_us_sales_tax_csv(text: str, *, valid_from: date, source: str = "") -> list[RateRow]:
    """The rows of a US rate table by ZIP code (State, ZipCode, TaxRegionName, EstimatedCombinedRate as a
    fraction, and optionally StateRate, EstimatedCountyRate, EstimatedCityRate, EstimatedSpecialRate,
    RiskLevel: the layout of the free tables published by tax-rate providers). One zone per ZIP code."""
    rows, errors = [], []
    for number, raw in _rows(text, US_COLUMNS):
        try:
            state = raw["State"].upper()
            if len(state) != 2 or not state.isalpha():
                raise ValueError(f"the state {raw['State']!r} is not a two-letter code")
            zip_code = raw["ZipCode"]
            if not zip_code.isdigit() or len(zip_code) > 5:
                raise ValueError(f"the ZIP code {zip_code!r} is not five digits")
            zip_code = zip_code.zfill(5)  # a spreadsheet drops the leading zeros of 01001
            rate = _decimal(raw["EstimatedCombinedRate"], "the combined rate")
            if not 0 <= rate < 1:
                raise ValueError(f"the combined rate {rate} is not a fraction between 0 and 1 (0.0725 for 7.25 %)")
            name = f"US-{state} {zip_code} {raw['TaxRegionName']}".strip()[:120]
            rows.append(
                RateRow(
                    line=number, country="US", region=state, postcode_from=zip_code, postcode_to=zip_code,
                    zone_name=name, tax_class=TaxClass.STANDARD, rate=rate.normalize(), valid_from=valid_from,
                    source=source,
                )
            )  # fmt: skip
        except ValueError as error:
            errors.append(f"Line {number}: {error}.")
    _check_duplicates(rows, errors)
    _fail_if(errors)
    return rows


# --- writing --------------------------------------------------------------------------------------------


def import_rates(*, rows: Sequence[RateRow]) -> ImportSummary:
    """Create the zones the rows name and give them the rows' rates from the rows' dates.

    All or nothing. A rate equal to the one already valid on that date changes nothing; a different one starts
    a new period (the current one ends the day before, a later one already recorded still takes over on its
    date). A different rate on a date that already starts one is refused: correct history in the back office.
    Raises InvalidTaxRatesFileError.
    """
    rows = sorted(rows, key=lambda row: (row.zone_key, row.tax_class, row.valid_from))
    with transaction.atomic():
        zones, zones_created = _zones_for(rows)
        periods: dict[tuple[int, str], list[TaxRate]] = {}
        for rate in TaxRate.objects.filter(zone__country__in=sorted({row.country for row in rows})).order_by(
            "valid_from"
        ):
            periods.setdefault((rate.zone_id, rate.tax_class), []).append(rate)
        added, closed, unchanged, errors = [], {}, 0, []
        for row in rows:
            zone = zones[row.zone_key]
            history = periods.setdefault((zone.pk, row.tax_class), [])
            same_day = next((p for p in history if p.valid_from == row.valid_from), None)
            if same_day is not None:
                if same_day.rate == row.rate:
                    unchanged += 1
                else:
                    errors.append(
                        f"Line {row.line}: {zone.name} already has a {row.tax_class} rate of "
                        f"{same_day.percent} % from {row.valid_from}; a new rate needs a new date."
                    )
                continue
            covering = next((p for p in history if p.valid_from < row.valid_from and _covers(p, row.valid_from)), None)
            if covering is not None and covering.rate == row.rate:
                unchanged += 1
                continue
            later = next((p for p in history if p.valid_from > row.valid_from), None)
            if covering is not None:
                covering.valid_to = row.valid_from - timedelta(days=1)
                closed[covering.pk or id(covering)] = covering
            new = TaxRate(
                zone=zone,
                tax_class=row.tax_class,
                rate=row.rate,
                valid_from=row.valid_from,
                valid_to=later.valid_from - timedelta(days=1) if later else None,
                source=row.source[:200],
            )
            history.append(new)
            history.sort(key=lambda p: p.valid_from)
            added.append(new)
        _fail_if(errors)
        TaxRate.objects.bulk_update([p for p in closed.values() if p.pk], ["valid_to"], batch_size=500)
        TaxRate.objects.bulk_create(added, batch_size=500)
        transaction.on_commit(forget_tax_config)
    return ImportSummary(
        zones_created=zones_created,
        rates_added=len(added),
        rates_unchanged=unchanged,
        periods_closed=len([p for p in closed.values() if p.pk]),
    )


def _covers(period: TaxRate, day: date) -> bool:
    return period.valid_from <= day and (period.valid_to is None or period.valid_to >= day)


def _zones_for(rows: Sequence[RateRow]) -> tuple[dict[tuple[str, str, str, str], TaxZone], int]:
    """The zone of every row, created where missing (named after the row's first mention)."""
    wanted: dict[tuple[str, str, str, str], str] = {}
    for row in rows:
        wanted.setdefault(row.zone_key, row.zone_name)
    countries_ = sorted({key[0] for key in wanted})

    def existing() -> dict[tuple[str, str, str, str], TaxZone]:
        return {
            (str(z.country), z.region, z.postcode_from, z.postcode_to): z
            for z in TaxZone.objects.filter(country__in=countries_)
        }

    zones = existing()
    missing = [key for key in wanted if key not in zones]
    if missing:
        TaxZone.objects.bulk_create(
            [
                TaxZone(country=c, region=r, postcode_from=f, postcode_to=t, name=wanted[c, r, f, t])
                for c, r, f, t in missing
            ],
            batch_size=500,
        )
        zones = existing()  # with their keys: bulk_create does not return them on every database
    return zones, len(missing)
