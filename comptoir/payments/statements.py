"""Reading bank statements: CSV exports (any bank's columns, `;` or `,`, decimal commas, a BOM, Latin-1) and
ISO 20022 CAMT.053 XML (`BkToCstmrStmt`, versions .001.02 to .001.08). Pure: no database; every problem is a
`StatementFileError` naming the line or element at fault, raised before anything is written.

Only credits are returned (money received); debits are counted apart. Each entry carries an `entry_id` that
is the same however often the file is read: the bank's own id when it gives one, else a hash of the line.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from comptoir.core.errors import InvalidInputError

MAX_BYTES = 20 * 1024 * 1024


class StatementFileError(InvalidInputError):
    code = "bank-statement-invalid"
    title = "This bank statement cannot be read"


@dataclass(frozen=True, slots=True)
class StatementEntry:
    entry_id: str
    booked_on: date | None
    amount: Decimal
    currency: str
    remittance: str
    counterparty: str = ""


@dataclass(slots=True)
class ParsedStatement:
    format: str
    entries: list[StatementEntry] = field(default_factory=list)
    debits: int = 0
    """Lines taking money out of the account: not payments from buyers, skipped."""


# --- CSV --------------------------------------------------------------------------------------------------

# Header names banks use, compared lower-cased with accents and punctuation dropped. A shop whose bank uses
# others names them in settings.COMPTOIR["BANK_CSV_COLUMNS"] or on the command line.
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "date": (
        "date",
        "booking date",
        "bookingdate",
        "date operation",
        "date comptable",
        "buchungstag",
        "buchungsdatum",
        "value date",
        "date valeur",
        "transaction date",
        "datum",
    ),
    "amount": ("amount", "montant", "betrag", "credit amount", "montant eur", "amount eur", "bedrag"),
    "credit": ("credit", "credit eur", "haben", "paid in", "money in"),
    "debit": ("debit", "debit eur", "soll", "paid out", "money out"),
    "currency": ("currency", "devise", "wahrung", "ccy", "currency code"),
    "reference": (
        "reference",
        "remittance information",
        "remittance",
        "libelle",
        "description",
        "details",
        "verwendungszweck",
        "communication",
        "payment reference",
        "narrative",
        "memo",
        "label",
    ),
    "counterparty": (
        "counterparty",
        "payer",
        "name",
        "beneficiaire",
        "emetteur",
        "auftraggeber",
        "from",
        "counterparty name",
        "nom",
        "tiers",
    ),
    "id": ("transaction id", "entry id", "bank reference", "reference banque", "id"),
}


def _header_key(text: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(raw).best()
        if best is None:
            raise StatementFileError(detail="The file is not text: is it really a CSV export?") from None
        return str(best)


def parse_amount(text: str) -> Decimal:
    """A bank's amount as written: "1 234,56", "1.234,56", "1,234.56", "-12,50", "12.50-", "€ 8,00"."""
    raw = (text or "").strip()
    negative = raw.startswith("-") or raw.endswith("-") or (raw.startswith("(") and raw.endswith(")"))
    digits = re.sub(r"[^0-9,.]", "", raw)
    if not digits or not re.search(r"\d", digits):
        raise ValueError(f"not an amount: {text!r}")
    last_comma, last_dot = digits.rfind(","), digits.rfind(".")
    if last_comma >= 0 and last_dot >= 0:
        decimal_sep = "," if last_comma > last_dot else "."
    elif last_comma >= 0:
        # "12,5" and "12,50" are decimals; "1,234" and "1,234,567" (groups of three) are thousands marks.
        decimal_sep = "," if digits.count(",") == 1 and len(digits) - last_comma - 1 != 3 else ""
    elif last_dot >= 0:
        decimal_sep = "." if digits.count(".") == 1 else ""
    else:
        decimal_sep = ""
    if decimal_sep:
        whole, _sep, frac = digits.rpartition(decimal_sep)
        number = re.sub(r"[,.]", "", whole) + "." + frac
    else:
        number = re.sub(r"[,.]", "", digits)
    try:
        value = Decimal(number)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {text!r}") from exc
    return -value if negative else value


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y", "%d.%m.%y", "%Y%m%d", "%Y/%m/%d")


def parse_date(text: str, date_format: str = "") -> date:
    text = (text or "").strip()[:19]
    formats = (date_format,) if date_format else _DATE_FORMATS
    for fmt in formats:
        try:
            return datetime.strptime(text if "T" not in text else text[:10], fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {text!r}")


def _find_columns(header: Sequence[str], overrides: Mapping[str, str]) -> dict[str, int]:
    keys = [_header_key(h) for h in header]
    found: dict[str, int] = {}
    for name, candidates in DEFAULT_COLUMNS.items():
        wanted = overrides.get(name)
        names = (_header_key(wanted),) if wanted else tuple(_header_key(c) for c in candidates)
        for candidate in names:
            if candidate in keys:
                found[name] = keys.index(candidate)
                break
        else:
            if wanted:
                raise StatementFileError(
                    detail=f"The column {wanted!r} (for the {name}) is not in the file's header: {', '.join(header)}."
                )
    if "date" not in found:
        raise StatementFileError(detail=f"No date column found in the header: {', '.join(header)}.")
    if "amount" not in found and "credit" not in found:
        raise StatementFileError(detail=f"No amount (or credit) column found in the header: {', '.join(header)}.")
    if "reference" not in found:
        raise StatementFileError(
            detail=f"No reference or remittance text column found in the header: {', '.join(header)}."
        )
    return found


def parse_csv(
    raw: bytes,
    *,
    columns: Mapping[str, str] | None = None,
    default_currency: str = "EUR",
    date_format: str = "",
) -> ParsedStatement:
    """The credits of a CSV bank export. `columns` maps date, amount, credit, debit, currency, reference,
    counterparty and id to header names when the defaults (DEFAULT_COLUMNS) do not find them."""
    if len(raw) > MAX_BYTES:
        raise StatementFileError(detail="The file is larger than 20 MB.")
    text = _decode(raw)
    if not text.strip():
        raise StatementFileError(detail="The file is empty.")
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=";,\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample.splitlines() else ""
        delimiter = max(";,\t|", key=first.count)
    rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if any(cell.strip() for cell in row)]
    if len(rows) < 2:
        raise StatementFileError(detail="The file has a header but no lines.")
    header, body = rows[0], rows[1:]
    col = _find_columns(header, columns or {})
    parsed = ParsedStatement(format="csv")
    seen: Counter[tuple] = Counter()
    for number, row in enumerate(body, start=2):

        def cell(name: str, row=row) -> str:
            index = col.get(name)
            return row[index].strip() if index is not None and index < len(row) else ""

        try:
            booked_on = parse_date(cell("date"), date_format)
            if cell("amount"):
                amount = parse_amount(cell("amount"))
            elif cell("credit"):
                amount = parse_amount(cell("credit"))
            elif cell("debit"):
                amount = -abs(parse_amount(cell("debit")))
            else:
                raise ValueError("no amount")
        except ValueError as exc:
            raise StatementFileError(detail=f"Line {number}: {exc}.", data={"line": number}) from exc
        if amount <= 0:
            parsed.debits += 1
            continue
        currency = (cell("currency") or default_currency).upper()
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise StatementFileError(
                detail=f"Line {number}: {currency!r} is not a currency code.", data={"line": number}
            )
        reference, counterparty = cell("reference")[:500], cell("counterparty")[:200]
        key = (booked_on.isoformat(), str(amount), currency, reference, counterparty)
        seen[key] += 1
        bank_id = cell("id")
        if bank_id:
            entry_id = "csv:" + bank_id[:110]
        else:
            # The nth identical line of a file keeps its id when the file (or a later export of the same
            # period, with the same identical lines) is imported again.
            digest = hashlib.sha256("\x1f".join([*key, str(seen[key])]).encode()).hexdigest()
            entry_id = "csvh:" + digest[:60]
        parsed.entries.append(StatementEntry(entry_id, booked_on, amount, currency, reference, counterparty))
    return parsed


# --- CAMT.053 ---------------------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element, *path: str):
    """The first descendant along `path` of local names, whatever the namespace (camt.053.001.02 ... .08)."""
    current = element
    for name in path:
        current = next((c for c in current if _local(c.tag) == name), None) if current is not None else None
    return current


def _children(element, name: str) -> list:
    return [c for c in element if _local(c.tag) == name] if element is not None else []


def _text(element, *path: str) -> str:
    found = _child(element, *path)
    return (found.text or "").strip() if found is not None and found.text else ""


def _booking_date(entry) -> date | None:
    for path in (("BookgDt", "Dt"), ("BookgDt", "DtTm"), ("ValDt", "Dt"), ("ValDt", "DtTm")):
        value = _text(entry, *path)
        if value:
            return date.fromisoformat(value[:10])
    return None


def parse_camt053(raw: bytes) -> ParsedStatement:
    """The credits (`CdtDbtInd` CRDT) of an ISO 20022 bank-to-customer statement, one per transaction
    detail when an entry batches several, with its structured (`Strd/CdtrRefInf/Ref`) or unstructured
    (`Ustrd`) remittance information; `AcctSvcrRef` is the entry's id. Parsed by defusedxml: no entities, no
    external references."""
    if len(raw) > MAX_BYTES:
        raise StatementFileError(detail="The file is larger than 20 MB.")
    try:
        root = SafeET.fromstring(raw)
    except (SafeET.ParseError, DefusedXmlException, ValueError) as exc:
        raise StatementFileError(detail=f"The file is not well-formed XML: {exc}.") from exc
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if _local(root.tag) != "Document" or "camt.053" not in namespace:
        raise StatementFileError(
            detail="This XML file is not a CAMT.053 bank statement (expected a Document in a camt.053 namespace)."
        )
    report = _child(root, "BkToCstmrStmt")
    statements = _children(report, "Stmt")
    if report is None or not statements:
        raise StatementFileError(detail="The CAMT.053 file has no statement (BkToCstmrStmt/Stmt).")
    parsed = ParsedStatement(format="camt053")
    for stmt_index, stmt in enumerate(statements, start=1):
        account = _text(stmt, "Acct", "Id", "IBAN") or _text(stmt, "Acct", "Id", "Othr", "Id")
        for entry_index, entry in enumerate(_children(stmt, "Ntry"), start=1):
            where = f"statement {stmt_index}, entry {entry_index}"
            amount_el = _child(entry, "Amt")
            indicator = _text(entry, "CdtDbtInd")
            if amount_el is None or indicator not in ("CRDT", "DBIT"):
                raise StatementFileError(detail=f"The {where} has no amount or credit/debit indicator.")
            if indicator == "DBIT":
                parsed.debits += 1
                continue
            if _text(entry, "RvslInd").lower() == "true":
                parsed.debits += 1  # a reversal (a returned direct debit, a recalled transfer): no buyer's payment
                continue
            try:
                entry_amount = Decimal((amount_el.text or "").strip())
            except InvalidOperation as exc:
                raise StatementFileError(detail=f"The {where} has an amount that is not a number.") from exc
            currency = (amount_el.get("Ccy") or "").upper()
            if not re.fullmatch(r"[A-Z]{3}", currency):
                raise StatementFileError(detail=f"The {where} has no currency (Amt Ccy).")
            try:
                booked_on = _booking_date(entry)
            except ValueError as exc:
                raise StatementFileError(detail=f"The {where} has a date that cannot be read.") from exc
            entry_ref = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
            details = [tx for dtls in _children(entry, "NtryDtls") for tx in _children(dtls, "TxDtls")]
            if not details:
                details = [None]
            for tx_index, tx in enumerate(details, start=1):
                amount, tx_currency = entry_amount, currency
                tx_amount_el = _child(tx, "AmtDtls", "TxAmt", "Amt") if tx is not None else None
                if tx_amount_el is None and tx is not None:
                    tx_amount_el = _child(tx, "Amt")
                if tx_amount_el is not None and len(details) > 1:
                    try:
                        amount = Decimal((tx_amount_el.text or "").strip())
                    except InvalidOperation as exc:
                        raise StatementFileError(
                            detail=f"The {where} has a detail amount that is not a number."
                        ) from exc
                    tx_currency = (tx_amount_el.get("Ccy") or currency).upper()
                if amount <= 0:
                    raise StatementFileError(detail=f"The {where} has an amount that is not positive.")
                remittance = _remittance(tx) or _text(entry, "AddtlNtryInf")
                counterparty = (
                    _text(tx, "RltdPties", "Dbtr", "Nm") or _text(tx, "RltdPties", "Dbtr", "Pty", "Nm")
                    if tx is not None
                    else ""
                )
                tx_ref = _text(tx, "Refs", "AcctSvcrRef") if tx is not None else ""
                if tx_ref:
                    entry_id = "camt:" + tx_ref
                elif entry_ref:
                    entry_id = "camt:" + entry_ref + (f"/{tx_index}" if len(details) > 1 else "")
                else:
                    digest = hashlib.sha256(
                        "\x1f".join(
                            [
                                account,
                                str(booked_on),
                                str(amount),
                                tx_currency,
                                remittance,
                                str(stmt_index),
                                str(entry_index),
                                str(tx_index),
                            ]
                        ).encode()
                    ).hexdigest()
                    entry_id = "camth:" + digest[:60]
                parsed.entries.append(
                    StatementEntry(entry_id[:120], booked_on, amount, tx_currency, remittance[:500], counterparty[:200])
                )
    return parsed


def _remittance(tx) -> str:
    if tx is None:
        return ""
    info = _child(tx, "RmtInf")
    if info is None:
        return ""
    parts = [(u.text or "").strip() for u in _children(info, "Ustrd")]
    for strd in _children(info, "Strd"):
        ref = _text(strd, "CdtrRefInf", "Ref")
        if ref:
            parts.insert(0, ref)
        parts.extend((a.text or "").strip() for a in _children(strd, "AddtlRmtInf"))
    return " ".join(p for p in parts if p)


def sniff_format(raw: bytes, filename: str = "") -> str:
    head = raw[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if filename.lower().endswith(".xml") or head.startswith(b"<"):
        return "camt053"
    return "csv"


def parse_statement(raw: bytes, *, format: str = "", filename: str = "", **csv_options) -> ParsedStatement:
    fmt = format or sniff_format(raw, filename)
    if fmt == "camt053":
        return parse_camt053(raw)
    if fmt == "csv":
        return parse_csv(raw, **csv_options)
    raise StatementFileError(detail=f"Unknown statement format {fmt!r}: use csv or camt053.")
