"""What the back office's order page shows, read in a fixed number of queries whatever the order's size.

`load_order_page` fetches the order with its lines, parcels, returns, invoices, timeline and payments, and
what is left to refund (thirteen queries, however many of each); the rest of this module turns those rows
into what the template prints: amounts formatted in the staff member's language, addresses as lines, one
sentence per timeline event, and which of the staff actions the order's status allows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _
from django_countries import countries

from comptoir.checkout.models import DeliveryKind
from comptoir.core.money import InvalidMoneyError, Money
from comptoir.orders.models import (
    Order,
    OrderEvent,
    OrderEventKind,
    OrderLine,
    OrderStatus,
    ReturnRequest,
    ReturnStatus,
    Shipment,
    ShipmentStatus,
)
from comptoir.orders.states import EDITABLE, PAID_STATES, can_move, may_ship
from comptoir.payments.models import Payment, PaymentStatus, PaymentTransaction
from comptoir.payments.providers.offline import CASH_ON_DELIVERY

STATUS_LABELS = {
    OrderStatus.AWAITING_PAYMENT: "warning",
    OrderStatus.PAID: "info",
    OrderStatus.PARTIALLY_FULFILLED: "primary",
    OrderStatus.FULFILLED: "primary",
    OrderStatus.DELIVERED: "success",
    OrderStatus.COMPLETED: "success",
    OrderStatus.CANCELLED: "danger",
    OrderStatus.PARTIALLY_REFUNDED: "warning",
    OrderStatus.REFUNDED: "danger",
}
PAYMENT_LABELS = {
    PaymentStatus.PENDING: "warning",
    PaymentStatus.AUTHORIZED: "info",
    PaymentStatus.CAPTURED: "success",
    PaymentStatus.PARTIALLY_REFUNDED: "warning",
    PaymentStatus.REFUNDED: "danger",
    PaymentStatus.FAILED: "danger",
    PaymentStatus.CANCELLED: "danger",
}
ADDRESS_KEYS = ["full_name", "company", "street_address_1", "street_address_2"]


def money_text(amount: Decimal | Money | None, currency: str = "") -> str:
    """'€12.50' in English, '12,50 €' in French: the staff member's language, the amount's own currency."""
    if amount is None:
        return "-"
    money = amount if isinstance(amount, Money) else Money(amount, currency)
    return money.quantize().format(to_locale(get_language() or "en"))


def delivery_kind_label(kind: str) -> str:
    return str(DeliveryKind(kind).label) if kind in DeliveryKind.values else kind or "-"


def address_lines(address: dict[str, Any] | None) -> list[str]:
    """A stored address as lines: name, company, street, postcode and city, area, country, phone."""
    address = address or {}
    lines = [str(address[key]) for key in ADDRESS_KEYS if address.get(key)]
    locality = " ".join(str(address[key]) for key in ("postal_code", "city") if address.get(key))
    if locality:
        lines.append(locality)
    if address.get("country_area"):
        lines.append(str(address["country_area"]))
    if code := address.get("country_code"):
        lines.append(str(countries.name(code)) or str(code))
    if address.get("phone"):
        lines.append(str(address["phone"]))
    if address.get("vat_number"):
        lines.append(_vat_line(address))
    if not lines:  # a shape this page does not know: show what there is rather than nothing
        lines = [str(value) for value in address.values() if value and isinstance(value, str | int)]
    return lines


def _vat_line(address: dict[str, Any]) -> str:
    """A business buyer's VAT number, with how far checkout could check it (comptoir.checkout.VatCheck)."""
    checks = {
        "format": _("format and checksum checked"),
        "vies": _("confirmed by VIES"),
        "unconfirmed": _("NOT confirmed: VIES was unavailable, check it before shipping tax free"),
    }
    line = _("VAT number: %(number)s") % {"number": address["vat_number"]}
    check = checks.get(str(address.get("vat_check") or ""))
    return f"{line} ({check})" if check else line


def _admin_url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # that admin is not installed (e.g. invoices before their engineer's module lands)
        return ""


# --- the rows ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineRow:
    line: OrderLine
    unit_price: str
    discount: str
    tax: str
    total: str
    remaining: int


@dataclass(frozen=True)
class ShipmentRow:
    shipment: Shipment
    contents: list[tuple[str, int]]
    can_deliver: bool


@dataclass(frozen=True)
class LedgerRow:
    transaction: PaymentTransaction
    amount: str


@dataclass(frozen=True)
class PaymentRow:
    payment: Payment
    label: str
    amount: str
    captured: str
    refunded: str
    ledger: list[LedgerRow]


@dataclass(frozen=True)
class ReturnRow:
    request: ReturnRequest
    url: str
    units: int
    refunded: str


@dataclass(frozen=True)
class EventRow:
    event: OrderEvent
    title: str
    text: str
    actor: str


@dataclass
class OrderPage:
    order: Order
    lines: list[LineRow]
    shipments: list[ShipmentRow]
    payments: list[PaymentRow]
    returns: list[ReturnRow]
    invoices: list[dict[str, Any]]
    events: list[EventRow]
    totals: list[tuple[str, str, str]]
    allowed: set[str] = field(default_factory=set)
    refundable: Money | None = None


def load_order_page(*, order_id: int) -> OrderPage | None:
    """The order and everything its page shows, or None. Thirteen queries for any number of lines, parcels,
    payments, returns and events."""
    order = (
        Order.objects.select_related("channel", "pickup_store", "user")
        .prefetch_related(
            "lines",
            Prefetch("shipments", queryset=Shipment.objects.select_related("location").prefetch_related("lines")),
            Prefetch("events", queryset=OrderEvent.objects.select_related("actor")),
            Prefetch("returns", queryset=ReturnRequest.objects.prefetch_related("lines")),
            "invoices",
        )
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        return None
    payments = list(
        Payment.objects.filter(order_ref=order.ref).prefetch_related("transactions").order_by("created_at", "pk")
    )
    return build_page(order, payments, refundable=_refundable_left(order, payments))


def _refundable_left(order: Order, payments: list[Payment]) -> Money:
    """What a refund may still give back: the refunds service's own rule (payments and gift cards, three
    queries), or the payments' balance alone where that service is not installed."""
    try:
        from comptoir.orders.services.refunds import refundable_left
    except ImportError:
        balance = sum((p.captured_amount - p.refunded_amount for p in payments), Decimal(0))
        return Money(balance, order.currency)
    return refundable_left(order)


def build_page(order: Order, payments: list[Payment], *, refundable: Money) -> OrderPage:
    currency = order.currency
    lines = list(order.lines.all())
    by_id = {line.pk: line for line in lines}
    shipments = [
        ShipmentRow(
            shipment,
            [(_line_name(by_id.get(item.order_line_id)), item.quantity) for item in shipment.lines.all()],
            shipment.status in (ShipmentStatus.SHIPPED, ShipmentStatus.READY_FOR_PICKUP),
        )
        for shipment in order.shipments.all()
    ]
    captured = sum((p.captured_amount for p in payments), Decimal(0))
    refunded = sum((p.refunded_amount for p in payments), Decimal(0))
    page = OrderPage(
        order=order,
        lines=[
            LineRow(
                line,
                money_text(line.unit_price, currency),
                money_text(line.discount, currency) if line.discount else "-",
                money_text(line.tax_amount, currency),
                money_text(line.total, currency),
                line.quantity - line.quantity_fulfilled,
            )
            for line in lines
        ],
        shipments=shipments,
        payments=[_payment_row(payment) for payment in payments],
        returns=[
            ReturnRow(
                request,
                _admin_url("admin:orders_returnrequest_change", request.pk),
                sum(item.quantity for item in request.lines.all()),
                money_text(request.refund_amount, currency) if request.refund_amount else "-",
            )
            for request in order.returns.all()
        ],
        invoices=[
            {
                "invoice": invoice,
                "total": money_text(invoice.total, invoice.currency),
                "url": _admin_url("admin:orders_invoice_change", invoice.pk),
                "pdf": _admin_url("admin:orders_invoice_download_pdf", invoice.pk)
                or (invoice.pdf.url if invoice.pdf else ""),
            }
            for invoice in order.invoices.all()
        ],
        events=[_event_row(event, currency) for event in order.events.all()],
        totals=_totals(order, captured, refunded),
        refundable=refundable,
    )
    page.allowed = allowed_actions(order, lines, refundable=refundable.amount)
    return page


def allowed_actions(order: Order, lines: list[OrderLine], *, refundable: Decimal) -> set[str]:
    """The staff actions the order's status allows (the services have the last word; this hides buttons).
    `order.shipments` should be prefetched."""
    status = order.status
    nothing_shipped = not any(line.quantity_fulfilled for line in lines)
    allowed = {"note"}
    if may_ship(order) and any(line.quantity > line.quantity_fulfilled for line in lines):
        allowed.add("ship")
        if order.pickup_store_id:
            allowed.add("ready_for_pickup")
    if status in (OrderStatus.AWAITING_PAYMENT, OrderStatus.PAID) and nothing_shipped:
        allowed.add("cancel")
    if status == OrderStatus.AWAITING_PAYMENT and order.pickup_store_id:
        allowed.add("paid_in_store")
    if (
        status == OrderStatus.AWAITING_PAYMENT
        and order.payment_method == CASH_ON_DELIVERY
        and not nothing_shipped
        and all(shipment.status == ShipmentStatus.SHIPPED for shipment in order.shipments.all())
    ):
        allowed.add("returned_to_sender")
    if status in EDITABLE and nothing_shipped:
        allowed.add("edit")
    if status in PAID_STATES and status != OrderStatus.REFUNDED and refundable > 0:
        allowed.add("refund")
    if can_move(status, OrderStatus.COMPLETED):
        allowed.add("complete")
    return allowed


def _line_name(line: OrderLine | None) -> str:
    if line is None:
        return _("(removed line)")
    return f"{line.sku} {line.label}".strip()


def _payment_row(payment: Payment) -> PaymentRow:
    currency = payment.currency
    return PaymentRow(
        payment=payment,
        label=PAYMENT_LABELS.get(payment.status, ""),
        amount=money_text(payment.amount, currency),
        captured=money_text(payment.captured_amount, currency),
        refunded=money_text(payment.refunded_amount, currency),
        ledger=[LedgerRow(t, money_text(t.amount, t.currency)) for t in payment.transactions.all()],
    )


def _totals(order: Order, captured: Decimal, refunded: Decimal) -> list[tuple[str, str, str]]:
    """(key, label, amount) rows: what the order cost, then what was paid and given back."""
    currency = order.currency
    rows = [
        ("subtotal", _("Subtotal"), money_text(order.subtotal, currency)),
        ("discounts", _("Discounts"), money_text(-order.discount_total, currency) if order.discount_total else "-"),
        ("shipping", _("Shipping"), money_text(order.shipping_price, currency)),
        (
            "tax",
            _("Tax") + (_(" (included)") if order.prices_include_tax else ""),
            money_text(order.tax_total, currency),
        ),
        ("total", _("Total"), money_text(order.total, currency)),
        (
            "gift_cards",
            _("Paid by gift card"),
            money_text(-order.gift_card_total, currency) if order.gift_card_total else "-",
        ),
        ("amount_due", _("Amount due by payment"), money_text(order.amount_due)),
        ("captured", _("Paid"), money_text(captured, currency)),
        ("refunded", _("Refunded"), money_text(refunded, currency) if refunded else "-"),
    ]
    return rows


# --- the timeline ----------------------------------------------------------------------------------------


def _amount(value: Any, currency: str) -> str:
    try:
        return money_text(Decimal(str(value)), currency)
    except (
        ArithmeticError,
        ValueError,
        InvalidMoneyError,
    ):  # an event written by hand or by an older version: show it as it is
        return str(value)


def _status_label(value: Any) -> str:
    return str(OrderStatus(value).label) if value in OrderStatus.values else str(value or "?")


def _event_row(event: OrderEvent, currency: str) -> EventRow:
    actor = event.actor.get_username() if event.actor else ""
    return EventRow(event, event.get_kind_display(), describe_event(event, currency), actor)


def describe_event(event: OrderEvent, currency: str) -> str:
    """One sentence for staff from an event's kind, message and data; unknown data is left out, not guessed."""
    data = event.data or {}
    match event.kind:
        case OrderEventKind.STATUS_CHANGED:
            return _("%(old)s → %(new)s") % {
                "old": _status_label(data.get("old")),
                "new": _status_label(data.get("new")),
            }
        case OrderEventKind.PAID if data.get("amount"):
            return _("%(amount)s received.") % {"amount": _amount(data["amount"], currency)}
        case OrderEventKind.SHIPPED:
            parts = [data.get("carrier") or "", data.get("tracking_number") or ""]
            return " ".join(part for part in parts if part) or event.message
        case OrderEventKind.EDITED if "new_total" in data:
            return _("Total %(old)s → %(new)s") % {
                "old": _amount(data.get("old_total") or 0, currency),
                "new": _amount(data["new_total"], currency),
            }
        case OrderEventKind.REFUNDED | OrderEventKind.NOTE if data.get("adjustment") in _ADJUSTMENTS:
            return _provider_adjustment(data, currency)
        case OrderEventKind.REFUNDED if data.get("amount"):
            amount = _amount(data["amount"], currency)
            return f"{amount} {event.message}".strip()
        case OrderEventKind.RETURN_UPDATED if data.get("new"):
            change = _("%(number)s: %(old)s → %(new)s") % {
                "number": data.get("number", ""),
                "old": _return_status_label(data.get("old")),
                "new": _return_status_label(data["new"]),
            }
            return f"{change} {event.message}".strip()
        case OrderEventKind.RETURN_REQUESTED if data.get("number"):
            return str(data["number"])
    return event.message


_ADJUSTMENTS = ("refund", "chargeback", "refund_failed", "chargeback_reversed")


def _provider_adjustment(data: dict, currency: str) -> str:
    """A refund or chargeback recorded from the provider (comptoir/orders/services/provider_refunds.py)."""
    from comptoir.payments.gateways import provider_label

    kind = data["adjustment"]
    values = {
        "amount": _amount(data.get("reported") or data.get("amount") or 0, currency),
        "provider": provider_label(str(data.get("provider") or "")),
    }
    if kind == "chargeback":
        text = _("Chargeback of %(amount)s received from %(provider)s.") % values
    elif kind == "refund_failed":
        text = (
            _(
                "Refund of %(amount)s failed at %(provider)s: the buyer did not get it back, though the order "
                "still counts it as refunded."
            )
            % values
        )
    elif kind == "chargeback_reversed":
        text = (
            _(
                "Chargeback of %(amount)s reversed by %(provider)s: the money is back in your balance, though the "
                "order still counts it as given back."
            )
            % values
        )
    else:
        text = _("Refund of %(amount)s made at %(provider)s, outside the shop.") % values
    reported, kept = _decimal_or_none(data.get("reported")), _decimal_or_none(data.get("amount"))
    if kind in ("refund", "chargeback") and reported is not None and kept is not None and kept < reported:
        text += " " + _("Only %(left)s was left to give back on the payment: check it in %(provider)s.") % {
            "left": _amount(kept, currency),
            "provider": values["provider"],
        }
    return text


def _decimal_or_none(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except ArithmeticError:
        return None


def _return_status_label(value: Any) -> str:
    return str(ReturnStatus(value).label) if value in ReturnStatus.values else str(value or "?")
