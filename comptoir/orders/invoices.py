"""Invoices and credit notes: issued once, numbered without gaps per legal entity, frozen as printed.

An invoice is issued when an order is paid (`orders.order_paid`, comptoir/orders/invoice_handlers.py), a
credit note when money goes back (the refund flow calls `issue_credit_note`). Each document freezes in
`content` everything it says (seller, buyer, lines, shipping, discounts, taxes, totals, language), so it reads
the same forever, whatever later happens to the order or to the legal entity; the PDF is drawn from that
content on demand (comptoir/orders/pdf.py).

Numbering: per legal entity and kind, 1, 2, 3... with no gap and no duplicate, as invoicing law wants
(in France, a continuous chronological series). The number comes from `InvoiceSequence` under the legal
entity's row lock, the last lock of the global order (comptoir/core/locks.py), inside the transaction that
inserts the document: a rollback gives the number back with the document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from comptoir.core.addresses import PostalAddress
from comptoir.core.errors import ConflictError, InvalidInputError, NotFoundError
from comptoir.core.events import record_event
from comptoir.core.models import Channel
from comptoir.core.money import Money, sum_money
from comptoir.orders import locks
from comptoir.orders.errors import OrderStateError
from comptoir.orders.models import (
    Invoice,
    InvoiceKind,
    InvoiceSequence,
    LegalEntity,
    Order,
    OrderEventKind,
    OrderLine,
)
from comptoir.orders.services._timeline import log
from comptoir.taxes.calculators import TaxTreatment
from comptoir.taxes.display import breakdown_from_json
from comptoir.taxes.vat_numbers import reverse_charge_applies

CONTENT_VERSION = 1
NUMBER_DIGITS = 6
ORDER_SOURCE = "order:"
MAX_SOURCE_LENGTH = 80  # Invoice.source


# --- errors ---------------------------------------------------------------------------------------------


class LegalEntityMissingError(ConflictError):
    code = "legal-entity-missing"
    title = "No legal entity issues invoices for this channel"


class LegalEntityAmbiguousError(ConflictError):
    code = "legal-entity-ambiguous"
    title = "Several legal entities could issue invoices for this channel"


class InvoiceNotFoundError(NotFoundError):
    code = "invoice-not-found"
    title = "Invoice not found"


class InvalidCreditNoteError(InvalidInputError):
    code = "invalid-credit-note"
    title = "The credit note is not valid for this order"


class CreditExceedsInvoiceError(ConflictError):
    code = "credit-exceeds-invoice"
    title = "Credit notes cannot give back more than the invoice"


class InvoiceNumberingError(ConflictError):
    code = "invoice-numbering"
    title = "The document could not be numbered"


# --- input ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CreditLine:
    """One line of a credit note.

    `amount` is the money the line gives back, tax included (whether or not the order's prices include
    tax); `tax` is the tax in it, at `tax_rate`, a fraction (0.20 for 20 %). `order_line_id` names the
    order line credited, or None for a line of its own (a goodwill gesture).
    """

    order_line_id: int | None
    label: str
    quantity: int
    amount: Money
    tax_rate: Decimal
    tax: Money


# --- which entity invoices ------------------------------------------------------------------------------


def legal_entity_for(channel: Channel | int) -> LegalEntity:
    """The legal entity that invoices sales in `channel`: the one serving it, else the default one.

    Raises LegalEntityMissingError when none is configured, LegalEntityAmbiguousError when two serve the
    channel (or two are default). Two queries at most.
    """
    channel_id = channel if isinstance(channel, int) else channel.pk
    candidates = list(LegalEntity.objects.filter(channels=channel_id).order_by("pk")[:2])
    serving = bool(candidates)
    if not candidates:
        candidates = list(LegalEntity.objects.filter(is_default=True).order_by("pk")[:2])
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        where = "are assigned this sales channel" if serving else "are marked as the default"
        raise LegalEntityAmbiguousError(
            detail=f"Legal entities {', '.join(e.name for e in candidates)} {where}: keep only one, in the back "
            "office under Orders > Legal entities.",
            data={"channel": channel_id, "legal_entities": [e.pk for e in candidates]},
        )
    raise LegalEntityMissingError(
        detail="No legal entity issues invoices for this sales channel. In the back office, add your company "
        "under Orders > Legal entities, with its address, VAT number and legal mentions, and mark it as the "
        "default or assign it this channel.",
        data={"channel": channel_id},
    )


# --- issuing --------------------------------------------------------------------------------------------


def issue_invoice(*, order_id: int) -> Invoice:
    """Issue the invoice of a paid order, numbered in its legal entity's invoice series.

    Idempotent: one invoice per order (its `source` "order:<id>" is unique); a retry returns the first one.
    All or nothing. Raises OrderNotFoundError, OrderStateError for an order never paid, and
    LegalEntityMissingError / LegalEntityAmbiguousError while the shop's legal entity is not configured.
    Locks the order row, then the legal entity's row (its invoice counters, last in the global lock order).
    Adds "invoice issued" to the order's public timeline; emits `orders.invoice_issued`.
    """
    source = f"{ORDER_SOURCE}{order_id}"
    if existing := Invoice.objects.filter(source=source).first():
        return existing
    with transaction.atomic():
        order = locks.order(order_id=order_id)
        # Under the order's lock a concurrent issue of this order has either committed or not begun.
        if existing := Invoice.objects.filter(source=source).first():
            return existing
        if order.paid_at is None:
            raise OrderStateError(
                detail=f"Order {order.number} has not been paid: it is invoiced once paid.",
                data={"status": order.status},
            )
        entity = legal_entity_for(order.channel_id)
        body = _invoice_body(order, list(order.lines.all()))
        # The breakdown of the rates calculator carries its own reverse-charge mention under its row; the
        # general mention is for orders whose breakdown has none (taxed by another calculator, or older).
        mentioned = any(row.get("treatment") == TaxTreatment.REVERSE_CHARGE for row in order.tax_breakdown or [])
        body["reverse_charge"] = not mentioned and reverse_charge_applies(
            seller_vat=entity.vat_number,
            buyer_vat=body["buyer"]["vat_number"],
            tax_total=order.tax_total,
            exempt=bool(order.tax_exemption),
        )
        invoice = _number_and_insert(
            entity_id=entity.pk, kind=InvoiceKind.INVOICE, order=order, source=source, body=body
        )
        _announce(order, invoice)
    return invoice


def issue_credit_note(
    *,
    order_id: int,
    source: str,
    lines: Sequence[CreditLine],
    shipping: Money,
    reason: str,
) -> Invoice:
    """Issue a credit note for money given back on an order, numbered in its own series.

    `lines` and `shipping` are money given back, tax included (see CreditLine); the shipping's tax is taken
    in proportion from the invoice's. `source` names what is credited ("refund:<return number>",
    "refund:<payment transaction id>"): a retry with the same source returns the first credit note, whatever
    its lines. The credit note refers to the order's invoice (issued first if the order has none yet).
    Credit notes never give back more than the invoice (CreditExceedsInvoiceError), more units than a line
    had, or more shipping than was charged (InvalidCreditNoteError). All or nothing. Locks the order row
    (a caller already holding it, as the refund services do, keeps it), then the legal entity's row.
    Emits `orders.credit_note_issued`.
    """
    source = (source or "").strip()
    if not source or len(source) > MAX_SOURCE_LENGTH or source.startswith(ORDER_SOURCE):
        raise InvalidCreditNoteError(
            detail=f"A credit note needs a source of at most {MAX_SOURCE_LENGTH} characters, such as "
            "'refund:<return number>'.",
            data={"source": source[:MAX_SOURCE_LENGTH]},
        )
    if existing := Invoice.objects.filter(source=source).first():
        return _same_credit_note(existing, order_id)
    lines = list(lines)
    _check_credit_shapes(lines, shipping)
    with transaction.atomic():
        order = locks.order(order_id=order_id)
        if existing := Invoice.objects.filter(source=source).first():
            return _same_credit_note(existing, order_id)
        invoice = Invoice.objects.filter(source=f"{ORDER_SOURCE}{order.pk}").first() or issue_invoice(order_id=order.pk)
        previous = list(Invoice.objects.filter(order=order, kind=InvoiceKind.CREDIT_NOTE).order_by("pk"))
        body = _credit_note_body(order, invoice, previous, lines, shipping.quantize(), reason)
        credit_note = _number_and_insert(
            entity_id=invoice.legal_entity_id, kind=InvoiceKind.CREDIT_NOTE, order=order, source=source, body=body
        )
        _announce(order, credit_note)
    return credit_note


def issue_missing_invoices(*, limit: int = 500) -> int:
    """Invoice every paid order that has no invoice yet (paid before the shop's legal entity was
    configured, say), oldest payment first. Returns how many were issued; raises as `issue_invoice` does."""
    missing = list(
        Order.objects.filter(paid_at__isnull=False)
        .exclude(invoices__kind=InvoiceKind.INVOICE)
        .order_by("paid_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for order_id in missing:
        issue_invoice(order_id=order_id)
    return len(missing)


def _number_and_insert(*, entity_id: int, kind: str, order: Order, source: str, body: dict[str, Any]) -> Invoice:
    """Take the next number of the entity's `kind` series and insert the document: the last step of an issue.

    The entity's row stands for its counters: every issuer locks it before reading or creating a sequence
    row, so the first document of a series cannot race another for the sequence row's creation (on MariaDB
    two inserts meeting the unique key can deadlock), and numbers are taken one at a time. The conditional
    update is the backstop: a counter that moved anyway refuses the number instead of duplicating it.
    """
    entity = LegalEntity.objects.select_for_update().filter(pk=entity_id).first()
    if entity is None:
        raise LegalEntityMissingError(
            detail="The legal entity was deleted meanwhile.", data={"legal_entity": entity_id}
        )
    sequence = InvoiceSequence.objects.filter(legal_entity_id=entity_id, kind=kind).first()
    if sequence is None:
        sequence = InvoiceSequence.objects.create(legal_entity_id=entity_id, kind=kind, last_number=0)
    number_in_series = sequence.last_number + 1
    prefix = entity.invoice_prefix if kind == InvoiceKind.INVOICE else entity.credit_note_prefix
    number = f"{prefix}{number_in_series:0{NUMBER_DIGITS}d}"
    if Invoice.objects.filter(legal_entity_id=entity_id, number=number).exists():
        raise InvoiceNumberingError(
            detail=f"Number {number} is already used by {entity.name}: give invoices and credit notes different "
            "prefixes, not used before (Orders > Legal entities).",
            data={"number": number},
        )
    moved = InvoiceSequence.objects.filter(pk=sequence.pk, last_number=sequence.last_number).update(
        last_number=F("last_number") + 1
    )
    if moved != 1:
        raise InvoiceNumberingError(detail="The numbering series moved meanwhile; try again.", data={"kind": kind})
    totals = body["totals"]
    content = {
        "version": CONTENT_VERSION,
        "kind": kind,
        "number": number,
        "issue_date": timezone.localdate().isoformat(),
        "seller": _seller(entity),
        **body,
    }
    return Invoice.objects.create(
        legal_entity=entity,
        kind=kind,
        sequence=number_in_series,
        number=number,
        order=order,
        source=source,
        currency=order.currency,
        subtotal=Decimal(totals["total_excl_tax"]),
        tax_total=Decimal(totals["tax"]),
        total=Decimal(totals["total"]),
        content=content,
    )


def _announce(order: Order, document: Invoice) -> None:
    log(
        order,
        OrderEventKind.INVOICE_ISSUED,
        document.number,
        public=True,
        invoice_id=document.pk,
        number=document.number,
        document=document.kind,
    )
    name = "orders.invoice_issued" if document.kind == InvoiceKind.INVOICE else "orders.credit_note_issued"
    record_event(name, order_id=order.pk, invoice_id=document.pk, number=document.number)


def _same_credit_note(existing: Invoice, order_id: int) -> Invoice:
    if existing.kind != InvoiceKind.CREDIT_NOTE or existing.order_id != order_id:
        raise InvalidCreditNoteError(
            detail=f"Source {existing.source!r} already issued {existing.number} for another document.",
            data={"source": existing.source},
        )
    return existing


# --- what a document says -------------------------------------------------------------------------------


def _amount(value: Money | Decimal, currency: str) -> str:
    money = value if isinstance(value, Money) else Money(value, currency)
    return str(money.quantize().amount)


def _local_date(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).date().isoformat() if moment else None


def _language(code: str) -> str:
    known = {lang for lang, _name in settings.LANGUAGES}
    for candidate in (code, (code or "").split("-")[0]):
        if candidate in known:
            return candidate
    return settings.LANGUAGE_CODE


def _seller(entity: LegalEntity) -> dict[str, str]:
    return {
        "name": entity.name,
        "address": entity.address,
        "vat_number": entity.vat_number,
        "registration": entity.registration,
        "legal_mentions": entity.legal_mentions,
    }


def _buyer(order: Order) -> dict[str, Any]:
    address = order.billing_address or order.shipping_address or {}
    postal = PostalAddress.from_dict(address)
    return {
        "name": postal.full_name,
        "company": postal.company,
        "address_lines": postal.lines() if any(address.values()) else [],
        "email": order.email,
        # A business buyer's VAT number, where checkout recorded one with the billing address.
        "vat_number": str(address.get("vat_number") or address.get("tax_id") or ""),
    }


def _head(order: Order) -> dict[str, Any]:
    return {
        "order_number": order.number,
        "order_date": _local_date(order.created_at),
        "paid_date": _local_date(order.paid_at),
        "currency": order.currency,
        "language": _language(order.language),
        "prices_include_tax": order.prices_include_tax,
    }


def _net(total: Decimal, tax: Decimal, prices_include_tax: bool) -> Decimal:
    return total - tax if prices_include_tax else total


def _shipping_rate(order: Order, lines: list[OrderLine], shipping_tax: Decimal) -> Decimal:
    """The rate the shipping was taxed at. The order keeps only the tax, rounded: the rate of one of its lines
    when that rate gives exactly this tax (the usual case: shipping follows the goods' rate), else the rate
    the rounded amounts imply."""
    if not shipping_tax:
        return Decimal(0)
    price, incl = order.shipping_price, order.prices_include_tax
    for rate in sorted({line.tax_rate for line in lines}, reverse=True):
        exact = price * rate / (1 + rate) if incl else price * rate
        if Money(exact, order.currency).quantize().amount == shipping_tax:
            return rate
    base = _net(price, shipping_tax, incl)
    return (shipping_tax / base).quantize(Decimal("0.0001")) if base else Decimal(0)


def _breakdown(rows: list[tuple[Decimal, Decimal, Decimal]], currency: str) -> list[dict[str, str]]:
    """(rate, base without tax, tax) rows summed per rate, lowest rate first; rates with nothing taxed left out."""
    by_rate: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for rate, base, tax in rows:
        key = rate.normalize()
        old_base, old_tax = by_rate.get(key, (Decimal(0), Decimal(0)))
        by_rate[key] = (old_base + base, old_tax + tax)
    return [
        {"rate": str(rate), "base": _amount(base, currency), "amount": _amount(tax, currency)}
        for rate, (base, tax) in sorted(by_rate.items())
        if tax or rate
    ]


def _invoice_body(order: Order, lines: list[OrderLine]) -> dict[str, Any]:
    currency, incl = order.currency, order.prices_include_tax
    line_tax = sum((line.tax_amount for line in lines), Decimal(0))
    # The order keeps its shipping tax only inside its tax total (the totals function adds it there).
    shipping_tax = order.tax_total - line_tax
    shipping_rate = _shipping_rate(order, lines, shipping_tax)
    if order.tax_breakdown:
        # Mentions (reverse charge, exemption, export) are kept as codes and worded when the PDF is drawn, in
        # the document's language; a plainly taxed row keeps only its figures (and its country).
        breakdown = [
            {
                "rate": str(row.rate.normalize()),
                "base": _amount(row.base.amount, currency),
                "amount": _amount(row.amount.amount, currency),
                **{
                    key: value
                    for key, value in (
                        ("treatment", row.treatment if row.treatment != TaxTreatment.TAXED else ""),
                        ("reason", row.reason),
                        ("country", row.country),
                        ("reference", row.reference),
                    )
                    if value
                },
            }
            for row in breakdown_from_json(order.tax_breakdown, currency)
        ]
    else:
        breakdown = _breakdown(
            [(line.tax_rate, _net(line.total, line.tax_amount, incl), line.tax_amount) for line in lines]
            + ([(shipping_rate, _net(order.shipping_price, shipping_tax, incl), shipping_tax)] if shipping_tax else []),
            currency,
        )
    return {
        **_head(order),
        "buyer": _buyer(order),
        # The exemption certificate the sale was made under, tax free (comptoir.taxes.exemptions).
        "tax_exemption": order.tax_exemption,
        "lines": [
            {
                "order_line_id": line.pk,
                "label": line.label,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": _amount(line.unit_price, currency),
                "discount": _amount(line.discount, currency),
                "tax_rate": str(line.tax_rate.normalize()),
                "tax": _amount(line.tax_amount, currency),
                "total": _amount(line.total, currency),
            }
            for line in lines
        ],
        "shipping": {
            "label": order.delivery_name,
            "amount": _amount(order.shipping_price, currency),
            "tax_rate": str(shipping_rate.normalize()),
            "tax": _amount(shipping_tax, currency),
        },
        "discounts": _discounts(order),
        "tax_breakdown": breakdown,
        "totals": {
            "subtotal": _amount(order.subtotal, currency),
            "discount": _amount(order.discount_total, currency),
            "shipping": _amount(order.shipping_price, currency),
            "tax": _amount(order.tax_total, currency),
            "total_excl_tax": _amount(order.total - order.tax_total, currency),
            "total": _amount(order.total, currency),
            "gift_cards": _amount(order.gift_card_total, currency),
        },
    }


def _discounts(order: Order) -> list[dict[str, str]]:
    """The discounts the order records, as name and amount; entries the invoice cannot read are left out."""
    rows = []
    for entry in order.discounts or []:
        if not isinstance(entry, dict):
            continue
        name = str(entry.get("name") or entry.get("code") or "")
        raw = entry.get("amount")
        raw = raw.get("amount") if isinstance(raw, dict) else raw
        try:
            amount = Decimal(str(raw if raw is not None else "0"))
        except InvalidOperation:
            continue
        if name or amount:
            rows.append({"name": name, "amount": _amount(amount, order.currency)})
    return rows


def _check_credit_shapes(lines: list[CreditLine], shipping: Money) -> None:
    """What can be refused before any lock: types, signs, one currency."""
    if not isinstance(shipping, Money) or shipping.amount < 0:
        raise InvalidCreditNoteError(detail="The shipping credited must be an amount of zero or more.")
    bad = [
        i
        for i, line in enumerate(lines)
        if not isinstance(line, CreditLine)
        or not isinstance(line.quantity, int)
        or line.quantity < 0
        or not isinstance(line.amount, Money)
        or not isinstance(line.tax, Money)
        or line.amount.amount < 0
        or line.tax.amount < 0
        or line.amount.currency != shipping.currency
        or line.tax.currency != shipping.currency
        or not isinstance(line.tax_rate, Decimal)
        or not line.tax_rate.is_finite()
        or line.tax_rate < 0
    ]
    if bad:
        raise InvalidCreditNoteError(
            detail="Every credit line needs a quantity, an amount and a tax of zero or more, in one currency, "
            "and a tax rate of zero or more.",
            data={"lines": bad},
        )


def _credit_note_body(
    order: Order,
    invoice: Invoice,
    previous: list[Invoice],
    lines: list[CreditLine],
    shipping: Money,
    reason: str,
) -> dict[str, Any]:
    """What a credit note says. Its amounts are money given back, so always tax included: the content says
    `prices_include_tax` whatever the order's prices did."""
    currency = order.currency
    if shipping.currency != currency:
        raise InvalidCreditNoteError(detail=f"The credit note must be in the order's currency ({currency}).")
    order_lines = {line.pk: line for line in order.lines.all()}
    if unknown := [
        line.order_line_id for line in lines if line.order_line_id and line.order_line_id not in order_lines
    ]:
        raise InvalidCreditNoteError(detail="Some credit lines are not lines of this order.", data={"lines": unknown})
    if any(line.tax > line.amount for line in lines):
        raise InvalidCreditNoteError(detail="A line's tax cannot exceed the amount it gives back.")
    credited_units: dict[int, int] = {}
    credited_shipping = Decimal(0)
    for note in previous:
        credited_shipping += Decimal(note.content.get("shipping", {}).get("amount", "0"))
        for row in note.content.get("lines", []):
            if row.get("order_line_id"):
                credited_units[row["order_line_id"]] = credited_units.get(row["order_line_id"], 0) + row["quantity"]
    for line in lines:
        if line.order_line_id:
            credited_units[line.order_line_id] = credited_units.get(line.order_line_id, 0) + line.quantity
    if over := sorted(
        pk for pk, units in credited_units.items() if pk in order_lines and units > order_lines[pk].quantity
    ):
        raise InvalidCreditNoteError(
            detail="Credit notes would give back more units than some lines had.", data={"lines": over}
        )
    invoiced = invoice.content.get("shipping", {})
    invoiced_tax = Decimal(invoiced.get("tax", "0"))
    invoiced_shipping = Decimal(invoiced.get("amount", "0"))
    if not invoice.content.get("prices_include_tax", True):
        invoiced_shipping += invoiced_tax
    if credited_shipping + shipping.amount > invoiced_shipping:
        left = Money(invoiced_shipping - credited_shipping, currency)
        raise InvalidCreditNoteError(
            detail=f"At most {left} of shipping is left to credit.", data={"shipping_left": _amount(left, currency)}
        )
    # Shipping is credited at the invoice's shipping tax rate, its tax in proportion to what was invoiced.
    shipping_rate = Decimal(invoiced.get("tax_rate", "0"))
    shipping_tax = (
        Money(invoiced_tax * shipping.amount / invoiced_shipping, currency).quantize()
        if invoiced_shipping
        else Money.zero(currency)
    )
    goods = sum_money([line.amount.quantize() for line in lines], currency)
    tax = sum_money([line.tax.quantize() for line in lines], currency) + shipping_tax
    total = goods + shipping
    if total.amount <= 0:
        raise InvalidCreditNoteError(detail="A credit note must give back more than zero.")
    already = sum((note.total for note in previous), Decimal(0))
    if already + total.amount > invoice.total:
        left = Money(invoice.total - already, currency)
        raise CreditExceedsInvoiceError(
            detail=f"Invoice {invoice.number} has {left} left to credit; this credit note is {total}.",
            data={"invoice": invoice.number, "left": _amount(left, currency), "requested": _amount(total, currency)},
        )
    rows = []
    for line in lines:
        ordered = order_lines.get(line.order_line_id or 0)
        rows.append(
            {
                "order_line_id": line.order_line_id,
                "label": (line.label or "").strip() or (ordered.label if ordered else ""),
                "sku": ordered.sku if ordered else "",
                "quantity": line.quantity,
                "unit_price": None,  # an amount given back need not be a whole number of units at one price
                "discount": _amount(Decimal(0), currency),
                "tax_rate": str(line.tax_rate.normalize()),
                "tax": _amount(line.tax, currency),
                "total": _amount(line.amount, currency),
            }
        )
    taxed = [(line.tax_rate, line.amount.amount - line.tax.amount, line.tax.amount) for line in lines]
    if shipping:
        taxed.append((shipping_rate, shipping.amount - shipping_tax.amount, shipping_tax.amount))
    return {
        **_head(order),
        "prices_include_tax": True,
        "invoice_number": invoice.number,
        "invoice_date": invoice.content.get("issue_date"),
        "reason": (reason or "").strip()[:1000],
        "buyer": invoice.content.get("buyer") or _buyer(order),
        "tax_exemption": invoice.content.get("tax_exemption", ""),
        "reverse_charge": invoice.content.get("reverse_charge", False),
        "lines": rows,
        "shipping": {
            "label": invoiced.get("label", ""),
            "amount": _amount(shipping, currency),
            "tax_rate": str(shipping_rate.normalize()),
            "tax": _amount(shipping_tax, currency),
        },
        "discounts": [],
        "tax_breakdown": _breakdown(taxed, currency),
        "totals": {
            "subtotal": _amount(goods, currency),
            "discount": _amount(Decimal(0), currency),
            "shipping": _amount(shipping, currency),
            "tax": _amount(tax, currency),
            "total_excl_tax": _amount(total - tax, currency),
            "total": _amount(total, currency),
            "gift_cards": _amount(Decimal(0), currency),
        },
    }


# --- reads ----------------------------------------------------------------------------------------------


def get_invoice(*, invoice_id: int) -> Invoice:
    """Any document, for staff. One query."""
    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None:
        raise InvoiceNotFoundError(data={"invoice": invoice_id})
    return invoice


def get_invoice_for_customer(*, user_id: int | None, invoice_id: int) -> Invoice:
    """A document of one of the signed-in customer's orders; anyone else's is "not found". One query."""
    invoice = Invoice.objects.filter(pk=invoice_id, order__user_id=user_id).first() if user_id else None
    if invoice is None:
        raise InvoiceNotFoundError(data={"invoice": invoice_id})
    return invoice


def get_invoice_by_token(*, token: str, invoice_id: int) -> Invoice:
    """A document of the order whose tracking token is `token` (a guest's link); else "not found". One query."""
    invoice = None
    if token and len(token) <= 64:
        invoice = Invoice.objects.filter(pk=invoice_id, order__token=token).first()
    if invoice is None:
        raise InvoiceNotFoundError(data={"invoice": invoice_id})
    return invoice


def list_order_invoices(*, order_id: int) -> list[Invoice]:
    """The order's invoice and credit notes, oldest first, without their content. One query."""
    return list(_without_content(Invoice.objects.filter(order_id=order_id)).order_by("issued_at", "pk"))


def _without_content(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    return invoices.defer("content")
