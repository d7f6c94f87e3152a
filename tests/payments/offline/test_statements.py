"""Reading bank statements: CSV exports of several banks, and CAMT.053 in versions .001.02 and .001.08."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from comptoir.payments.statements import StatementFileError, parse_amount, parse_camt053, parse_csv, parse_statement

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("59,90", "59.90"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56 €", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1234.5", "1234.5"),
        ("1,234", "1234"),
        ("-12,50", "-12.50"),
        ("12.50-", "-12.50"),
        ("+25", "25"),
    ],
)
def test_amounts_are_read_as_banks_write_them(text, expected):
    assert parse_amount(text) == Decimal(expected)


def test_a_french_export_with_semicolons_decimal_commas_and_a_bom_is_read():
    raw = (
        "\ufeffDate opération;Libellé;Débit;Crédit\n"
        "27/11/2026;VIR SEPA MARTIN CAMILLE RF82 0000 0001 0042;;59,90\n"
        "27/11/2026;FRAIS TENUE DE COMPTE;12,00;\n"
        "28/11/2026;VIR DUPONT;;1 250,00\n"
    ).encode()

    parsed = parse_csv(raw)

    assert [(e.booked_on, e.amount, e.currency) for e in parsed.entries] == [
        (date(2026, 11, 27), Decimal("59.90"), "EUR"),
        (date(2026, 11, 28), Decimal("1250.00"), "EUR"),
    ]
    assert parsed.entries[0].remittance == "VIR SEPA MARTIN CAMILLE RF82 0000 0001 0042"
    assert parsed.debits == 1


def test_an_english_export_with_commas_signed_amounts_and_a_currency_column_is_read():
    raw = (
        b"Transaction ID,Booking Date,Amount,Currency,Counterparty,Payment Reference\n"
        b"TX-1001,2026-11-27,59.90,EUR,Camille Martin,RF82000000010042\n"
        b'TX-1002,2026-11-27,"1,250.00",GBP,Acme Ltd,Invoice 77\n'
        b"TX-1003,2026-11-27,-8.00,EUR,Bank,Fees\n"
    )

    parsed = parse_csv(raw)

    assert [(e.entry_id, e.amount, e.currency, e.counterparty) for e in parsed.entries] == [
        ("csv:TX-1001", Decimal("59.90"), "EUR", "Camille Martin"),
        ("csv:TX-1002", Decimal("1250.00"), "GBP", "Acme Ltd"),
    ]
    assert parsed.debits == 1


def test_a_german_latin_1_export_with_thousands_dots_is_read():
    raw = (
        "Buchungstag;Wertstellung;Auftraggeber;Verwendungszweck;Betrag;Währung\n"
        "28.11.2026;28.11.2026;Müller GmbH;Bestellung RF55 0000 0001 0043;1.234,56;EUR\n"
    ).encode("latin-1")

    parsed = parse_csv(raw)

    (entry,) = parsed.entries
    assert (entry.booked_on, entry.amount, entry.counterparty) == (
        date(2026, 11, 28),
        Decimal("1234.56"),
        "Müller GmbH",
    )
    assert entry.remittance == "Bestellung RF55 0000 0001 0043"


def test_columns_a_bank_names_its_own_way_are_configurable():
    raw = b"When|How much|Why\n2026-11-27|59.90|RF82000000010042\n"

    parsed = parse_csv(raw, columns={"date": "When", "amount": "How much", "reference": "Why"})

    assert parsed.entries[0].amount == Decimal("59.90")


def test_a_line_read_twice_keeps_its_id_and_two_identical_lines_get_two():
    raw = "Date;Libellé;Montant\n27/11/2026;VIR X;10,00\n27/11/2026;VIR X;10,00\n".encode()

    first, second = parse_csv(raw), parse_csv(raw)

    assert [e.entry_id for e in first.entries] == [e.entry_id for e in second.entries]
    assert len({e.entry_id for e in first.entries}) == 2


def test_a_camt_053_001_02_statement_gives_its_credits_with_their_references():
    parsed = parse_camt053((FIXTURES / "camt053_v02.xml").read_bytes())

    assert [(e.entry_id, e.amount, e.remittance, e.counterparty) for e in parsed.entries] == [
        ("camt:2026112700000417", Decimal("59.90"), "COMMANDE 10042 rf82 0000 0001 0042 MERCI", "MARTIN CAMILLE"),
        ("camt:2026112700000418", Decimal("25.00"), "RF55000000010043", "DUPONT JEAN"),
        ("camt:2026112700000420-1", Decimal("40.00"), "Facture atelier poterie", "LEROY ANNE"),
        ("camt:2026112700000420-2", Decimal("50.00"), "Cde 10044", "BERNARD LUC"),
    ]
    assert {e.booked_on for e in parsed.entries} == {date(2026, 11, 27)}
    assert parsed.debits == 1


def test_a_camt_053_001_08_statement_is_read_the_same_way():
    parsed = parse_statement((FIXTURES / "camt053_v08.xml").read_bytes(), filename="stmt.xml")

    assert parsed.format == "camt053"
    assert [(e.entry_id, e.amount, e.remittance, e.counterparty, e.booked_on) for e in parsed.entries] == [
        ("camt:COBA-2026-11-28-7781001", Decimal("59.90"), "RF82000000010042", "Schmidt, Jonas", date(2026, 11, 28)),
        (
            "camt:COBA-2026-11-28-7781002",
            Decimal("100.00"),
            "Bestellung RF55 0000 0001 0043",
            "Weber GmbH",
            date(2026, 11, 28),
        ),
    ]
    assert parsed.debits == 2  # the bank's fee and a returned direct debit


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty"),
        (b"Date;Montant\n27/11/2026;10,00\n", "No reference"),
        (b"Libelle;Montant\nX;10,00\n", "No date column"),
        ("Date;Libellé;Montant\n27/11/2026;VIR;10,00\n31/02/2026;VIR;dix euros\n".encode(), "Line 3"),
    ],
)
def test_a_csv_file_that_cannot_be_read_says_why(raw, message):
    with pytest.raises(StatementFileError) as caught:
        parse_csv(raw)

    assert message in caught.value.detail


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"<Document><BkToCstmrStmt>", "not well-formed"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>', "not a CAMT.053"),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">&b;</Document>',
            "not well-formed",
        ),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt/></Document>',
            "no statement",
        ),
    ],
)
def test_an_xml_file_that_is_not_a_safe_camt_053_statement_says_why(raw, message):
    with pytest.raises(StatementFileError) as caught:
        parse_camt053(raw)

    assert message in caught.value.detail
