"""The PDF of an invoice or credit note, drawn with ReportLab (platypus) from the document's frozen content.

Nothing here reads the order or the legal entity: what was issued is what is printed, in the order's
language (labels through gettext, amounts, rates and dates through Babel), on A4. Rendering the same
document twice gives the same bytes.
"""

from __future__ import annotations

import functools
import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from babel.dates import format_date
from babel.numbers import format_percent
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import override
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import HRFlowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from comptoir.core.money import Money
from comptoir.orders.models import Invoice, InvoiceKind
from comptoir.taxes.calculators import tax_row_label

FONT, FONT_BOLD = "ComptoirSans", "ComptoirSans-Bold"
# Embedded TrueType fonts, so that every reader shows the same glyphs. DejaVu Sans (Debian's
# fonts-dejavu-core) also covers Central European, Greek and Cyrillic names; where it is not installed,
# Bitstream Vera, which ships inside ReportLab, covers Western European languages.
FONT_FILES = [
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("Vera.ttf", "VeraBd.ttf"),
]
MARGIN = 18 * mm
FRAME_PADDING = 6  # points, each side: SimpleDocTemplate's frame default
WIDTH = A4[0] - 2 * MARGIN - 2 * FRAME_PADDING
GREY = colors.HexColor("#555555")
RULE = colors.HexColor("#BBBBBB")


@functools.cache
def _fonts() -> None:
    for regular, bold in FONT_FILES:
        if regular.startswith("/") and not (Path(regular).is_file() and Path(bold).is_file()):
            continue
        pdfmetrics.registerFont(TTFont(FONT, regular))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, bold))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
        return


def _style(name: str, size: float = 9, *, bold: bool = False, right: bool = False, grey: bool = False):
    return ParagraphStyle(
        name,
        fontName=FONT_BOLD if bold else FONT,
        fontSize=size,
        leading=size * 1.3,
        alignment=TA_RIGHT if right else 0,
        textColor=GREY if grey else colors.black,
    )


def _text(value: Any) -> str:
    """Paragraph markup for plain text: escaped, with Babel's narrow no-break spaces made plain no-break
    spaces (not every embedded font has the narrow one), lines kept."""
    return escape(str(value or "")).replace("\u202f", "\u00a0").replace("\n", "<br/>")


def _plain(value: str) -> str:
    return value.replace("\u202f", "\u00a0")


class _Format:
    """Amounts, rates and dates as the document's language writes them."""

    def __init__(self, content: dict[str, Any]) -> None:
        self.currency = content["currency"]
        self.locale = content.get("language") or settings.LANGUAGE_CODE

    def money(self, value: str | None, *, minus: bool = False) -> str:
        if value is None:
            return ""
        amount = Decimal(value)
        return _plain(Money(-amount if minus else amount, self.currency).format(self.locale))

    def rate(self, value: str | None) -> str:
        return _plain(format_percent(Decimal(value or "0").normalize(), locale=self.locale, decimal_quantization=False))

    def date(self, value: str | None) -> str:
        return format_date(date.fromisoformat(value), format="long", locale=self.locale) if value else ""


def render_invoice_pdf(invoice: Invoice) -> bytes:
    """The document as an A4 PDF, from its frozen content, in the order's language."""
    content = invoice.content
    with override(content.get("language") or settings.LANGUAGE_CODE):
        return _render(content)


def pdf_filename(invoice: Invoice) -> str:
    return f"{invoice.number}.pdf"


def _render(content: dict[str, Any]) -> bytes:
    _fonts()
    fmt = _Format(content)
    is_invoice = content["kind"] == InvoiceKind.INVOICE
    seller = content["seller"]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 8 * mm,
        title=content["number"],
        author=seller["name"],
        subject=_("Invoice") if is_invoice else _("Credit note"),
        invariant=True,  # no creation time or random id in the file: the same document, the same bytes
    )
    story = [
        _header(content, fmt, is_invoice),
        Spacer(0, 8 * mm),
        _buyer(content),
        Spacer(0, 8 * mm),
        _lines(content, fmt),
        Paragraph(
            _("Prices include tax.") if content.get("prices_include_tax") else _("Prices exclude tax."),
            _style("note", 7.5, grey=True),
        ),
        Spacer(0, 4 * mm),
        KeepTogether(_totals(content, fmt, is_invoice)),
    ]
    if breakdown := _tax_breakdown(content, fmt):
        story += [Spacer(0, 6 * mm), KeepTogether(breakdown)]
    if content.get("reverse_charge"):
        story += [
            Spacer(0, 4 * mm),
            Paragraph(
                _text(
                    _(
                        "Reverse charge: supply to a business registered for VAT in another EU member state, "
                        "VAT to be accounted for by the buyer (Articles 138 and 196 of Directive 2006/112/EC)."
                    )
                ),
                _style("reverse_charge", 9, bold=True),
            ),
        ]
    if exemption := (content.get("tax_exemption") or "").strip():
        story += [
            Spacer(0, 4 * mm),
            Paragraph(
                _text(_("Tax exempt — certificate %(reference)s") % {"reference": exemption}),
                _style("exemption", 9, bold=True),
            ),
        ]
    if mentions := (seller.get("legal_mentions") or "").strip():
        story += [
            Spacer(0, 8 * mm),
            HRFlowable(width="100%", thickness=0.5, color=RULE),
            Spacer(0, 2 * mm),
            Paragraph(_text(mentions), _style("mentions", 7.5, grey=True)),
        ]
    footer = " · ".join(part for part in (seller["name"], seller.get("registration"), _vat(seller)) if part)

    def draw_footer(canvas: Canvas, document: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.setFillColor(GREY)
        canvas.drawString(MARGIN, MARGIN, _plain(footer)[:150])
        canvas.drawRightString(
            A4[0] - MARGIN, MARGIN, f"{content['number']} · " + _("Page %(page)s") % {"page": document.page}
        )
        canvas.restoreState()

    doc.build(story, onFirstPage=draw_footer, onLaterPages=draw_footer)
    return buffer.getvalue()


def _vat(party: dict[str, Any]) -> str:
    number = party.get("vat_number")
    return _("VAT number: %(number)s") % {"number": number} if number else ""


def _header(content: dict[str, Any], fmt: _Format, is_invoice: bool) -> Table:
    seller = content["seller"]
    seller_lines = [f"<b>{_text(seller['name'])}</b>", _text(seller.get("address"))]
    seller_lines += [_text(line) for line in (_vat(seller), seller.get("registration")) if line]
    facts = [
        _("Number: %(number)s") % {"number": content["number"]},
        _("Date: %(date)s") % {"date": fmt.date(content["issue_date"])},
        _("Order %(number)s of %(date)s")
        % {"number": content["order_number"], "date": fmt.date(content["order_date"])},
    ]
    if is_invoice and content.get("paid_date"):
        facts.append(_("Paid on %(date)s") % {"date": fmt.date(content["paid_date"])})
    if not is_invoice:
        facts.append(
            _("For invoice %(number)s of %(date)s")
            % {"number": content.get("invoice_number", ""), "date": fmt.date(content.get("invoice_date"))}
        )
        if content.get("reason"):
            facts.append(_("Reason: %(reason)s") % {"reason": content["reason"]})
    title = _("Invoice") if is_invoice else _("Credit note")
    right = [Paragraph(_text(title), _style("title", 16, bold=True, right=True)), Spacer(0, 2 * mm)]
    right += [Paragraph(_text(fact), _style("fact", 9, right=True)) for fact in facts]
    table = Table(
        [[Paragraph("<br/>".join(seller_lines), _style("seller")), right]],
        colWidths=[WIDTH * 0.55, WIDTH * 0.45],
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, -1), 0)]))
    return table


def _buyer(content: dict[str, Any]) -> Paragraph:
    buyer = content["buyer"]
    lines = list(buyer.get("address_lines") or []) or [buyer.get("name") or ""]
    lines += [buyer.get("email"), _vat(buyer)]
    body = "<br/>".join(_text(line) for line in lines if line)
    return Paragraph(f"<b>{_text(_('Billed to'))}</b><br/>{body}", _style("buyer"))


def _lines(content: dict[str, Any], fmt: _Format) -> Table:
    cell, head = _style("cell", 8), _style("head", 8, bold=True)
    right_head = _style("head_right", 8, bold=True, right=True)
    header = [Paragraph(_text(_("Item")), head)] + [
        Paragraph(_text(label), right_head)
        for label in (_("Qty"), _("Unit price"), _("Discount"), _("Tax rate"), _("Tax"), _("Total"))
    ]
    rows: list[list[Any]] = [header]
    for line in content["lines"]:
        description = _text(line["label"])
        if line.get("sku"):
            description += (
                f'<br/><font size="7" color="#555555">{_text(_("SKU: %(sku)s") % {"sku": line["sku"]})}</font>'
            )
        discount = Decimal(line.get("discount") or "0")
        rows.append(
            [
                Paragraph(description, cell),
                str(line["quantity"]) if line["quantity"] else "",
                fmt.money(line.get("unit_price")),
                fmt.money(str(discount), minus=True) if discount else "",
                fmt.rate(line.get("tax_rate")),
                fmt.money(line.get("tax")),
                fmt.money(line["total"]),
            ]
        )
    shipping = content.get("shipping") or {}
    if Decimal(shipping.get("amount") or "0") or shipping.get("label"):
        label = _("Shipping: %(method)s") % {"method": shipping["label"]} if shipping.get("label") else _("Shipping")
        rows.append(
            [
                Paragraph(_text(label), cell),
                "",
                "",
                "",
                fmt.rate(shipping.get("tax_rate")),
                fmt.money(shipping.get("tax")),
                fmt.money(shipping.get("amount")),
            ]
        )
    widths = [58 * mm, 11 * mm, 21 * mm, 19 * mm, 17 * mm, 19 * mm]
    table = Table(rows, colWidths=[*widths, WIDTH - sum(widths)], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
                ("RIGHTPADDING", (-1, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _totals(content: dict[str, Any], fmt: _Format, is_invoice: bool) -> list[Any]:
    totals = content["totals"]
    rows = [(_("Subtotal"), fmt.money(totals["subtotal"]), False)]
    if Decimal(totals["discount"]):
        rows.append((_("Discounts"), fmt.money(totals["discount"], minus=True), False))
    if Decimal(totals["shipping"]) or (content.get("shipping") or {}).get("label"):
        rows.append((_("Shipping"), fmt.money(totals["shipping"]), False))
    rows.append((_("Total excluding tax"), fmt.money(totals["total_excl_tax"]), False))
    rows.append((_("Tax"), fmt.money(totals["tax"]), False))
    rows.append((_("Total including tax") if is_invoice else _("Total credited"), fmt.money(totals["total"]), True))
    if Decimal(totals.get("gift_cards") or "0"):
        rows.append((_("Paid by gift card"), fmt.money(totals["gift_cards"]), False))
    table = Table(
        [
            [
                Paragraph(_text(label), _style("tl", 9, bold=bold, right=True)),
                Paragraph(_text(value), _style("tv", 9, bold=bold, right=True)),
            ]
            for label, value, bold in rows
        ],
        colWidths=[WIDTH * 0.3, WIDTH * 0.2],
        hAlign="RIGHT",
    )
    total_row = next(i for i, (_label, _value, bold) in enumerate(rows) if bold)
    table.setStyle(
        TableStyle(
            [("LINEABOVE", (0, total_row), (-1, total_row), 0.75, colors.black), ("RIGHTPADDING", (-1, 0), (-1, -1), 0)]
        )
    )
    flowables: list[Any] = [table]
    if content.get("discounts"):
        # A free-shipping voucher takes nothing off the goods: its name alone says what it did.
        applied = ", ".join(
            " ".join(
                part
                for part in (
                    d.get("name", ""),
                    f"({fmt.money(d['amount'], minus=True)})" if Decimal(d["amount"]) else "",
                )
                if part
            )
            for d in content["discounts"]
        )
        flowables.append(
            Paragraph(
                _text(_("Discounts applied: %(list)s") % {"list": applied}), _style("disc", 7.5, grey=True, right=True)
            )
        )
    return flowables


def _tax_breakdown(content: dict[str, Any], fmt: _Format) -> list[Any]:
    rows = content.get("tax_breakdown") or []
    if not rows:
        return []
    head = _style("bh", 8, bold=True, right=True)
    data: list[list[Any]] = [
        [Paragraph(_text(_("Tax breakdown")), _style("bt", 8, bold=True)), "", ""],
        [Paragraph(_text(label), head) for label in (_("Tax rate"), _("Base excluding tax"), _("Tax"))],
    ]
    mentions: list[tuple] = []
    for row in rows:
        data.append([fmt.rate(row["rate"]), fmt.money(row["base"]), fmt.money(row["amount"])])
        mention = tax_row_label(row.get("treatment", ""), row.get("reason", ""), row.get("reference", ""))
        if mention:
            # Reverse charge, exemption, export: the mention the law asks for, under its row.
            data.append([Paragraph(_text(mention), _style("bm", 7, grey=True, right=True)), "", ""])
            mentions.append(("SPAN", (0, len(data) - 1), (-1, len(data) - 1)))
    table = Table(data, colWidths=[WIDTH * 0.15, WIDTH * 0.25, WIDTH * 0.15], hAlign="RIGHT")
    table.setStyle(
        TableStyle(
            [
                *mentions,
                ("SPAN", (0, 0), (-1, 0)),
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("ALIGN", (0, 1), (-1, -1), "RIGHT"),
                ("LINEBELOW", (0, 1), (-1, 1), 0.5, colors.black),
                ("RIGHTPADDING", (-1, 0), (-1, -1), 0),
            ]
        )
    )
    return [table]
