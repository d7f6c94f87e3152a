"""What a buyer sees of their orders: the account's order list, and one order's detail as the account page,
the guest tracking page and the order e-mails all show it.

The detail is built from the order's frozen fields (what was charged when it was placed, as later edited by
staff), never recomputed: a price change in the catalogue does not rewrite an order. Reads go through
comptoir.orders.queries (someone else's order is "not found"); the objects returned here hold everything the
templates show, so rendering them makes no query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Sum
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from comptoir.core.addresses import PostalAddress, country_name
from comptoir.core.money import Money
from comptoir.orders.models import Invoice, InvoiceKind, Order, OrderEventKind, OrderStatus, ReturnRequest
from comptoir.orders.queries import get_order, get_order_by_token, get_order_for_customer, list_customer_orders
from comptoir.orders.states import RETURNABLE
from comptoir.taxes.display import breakdown_from_json, shown_rows

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_PER_PAGE = 50

# Status changes the timeline does not repeat: a line of their own (payment received, parcel shipped or
# delivered, order cancelled) already says it, with more detail.
_TOLD_BY_THEIR_OWN_LINE = frozenset(
    {
        OrderStatus.PAID,
        OrderStatus.PARTIALLY_FULFILLED,
        OrderStatus.FULFILLED,
        OrderStatus.DELIVERED,
        OrderStatus.CANCELLED,
    }
)


# ---------------------------------------------------------------------------------------------------------
# The account's order list.


@dataclass(frozen=True, slots=True)
class OrderRow:
    number: str
    placed_at: datetime
    status: str
    status_label: str
    total: Money
    items: int


@dataclass(frozen=True, slots=True)
class OrderPage:
    rows: list[OrderRow]
    page: int
    pages: int
    count: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def list_account_orders(*, user_id: int, page: int = 1, per_page: int = 10) -> OrderPage:
    """One page of the customer's orders, newest first, with their item counts. Two queries (the count,
    the page) whatever the page size. A page past the last gives the last page."""
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    orders = list_customer_orders(user_id=user_id)
    count = orders.count()
    pages = max(1, -(-count // per_page))
    page = min(max(page, 1), pages)
    start = (page - 1) * per_page
    found = (
        orders.only("number", "created_at", "status", "currency", "total")
        .annotate(items=Sum("lines__quantity"))
        .order_by("-created_at", "-pk")[start : start + per_page]
        if count
        else []
    )
    rows = [
        OrderRow(
            number=order.number,
            placed_at=order.created_at,
            status=order.status,
            status_label=str(order.get_status_display()),
            total=Money(order.total, order.currency),
            items=order.items or 0,
        )
        for order in found
    ]
    return OrderPage(rows=rows, page=page, pages=pages, count=count)


# ---------------------------------------------------------------------------------------------------------
# One order.


@dataclass(frozen=True, slots=True)
class LineView:
    label: str
    sku: str
    quantity: int
    unit_price: Money
    discount: Money
    total: Money
    shipped: int
    returned: int


@dataclass(frozen=True, slots=True)
class ShipmentView:
    id: int
    status: str
    status_label: str
    carrier: str
    tracking_number: str
    tracking_url: str
    shipped_at: datetime | None
    delivered_at: datetime | None
    items: list[tuple[str, int]]  # (line label, units in this parcel)


@dataclass(frozen=True, slots=True)
class PlaceView:
    """Where a click & collect order or a parcel for a relay point waits: name, address, opening hours."""

    name: str
    address: list[str]
    hours: list[tuple[str, str]]  # (day, hours) as the merchant wrote them; empty when not given


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    label: str
    message: str
    kind: str = ""


@dataclass(frozen=True, slots=True)
class InvoiceView:
    id: int
    number: str
    kind: str
    kind_label: str
    issued_at: datetime
    total: Money


@dataclass(frozen=True, slots=True)
class ReturnView:
    number: str
    status: str
    status_label: str
    requested_at: datetime
    refunded: Money


@dataclass(frozen=True, slots=True)
class TotalsView:
    subtotal: Money
    discount: Money
    discounts: list[tuple[str, Money]]  # (voucher code or promotion name, amount off)
    shipping: Money
    tax: Money
    tax_lines: list[tuple[Decimal, Money, str]]  # (rate in percent, amount, mention such as reverse charge)
    prices_include_tax: bool
    gift_cards: Money
    total: Money
    amount_due: Money


@dataclass(frozen=True, slots=True)
class OrderDetail:
    id: int
    number: str
    token: str
    email: str
    language: str
    status: str
    status_label: str
    placed_at: datetime
    lines: list[LineView]
    totals: TotalsView
    delivery_kind: str
    delivery_name: str
    shipping_address: list[str]
    billing_address: list[str]
    pickup_store: PlaceView | None
    pickup_point: PlaceView | None
    shipments: list[ShipmentView]
    timeline: list[TimelineEntry]
    invoices: list[InvoiceView]
    returns: list[ReturnView]
    refunded: Money
    """Given back so far (the credit notes' total)."""
    returnable: bool
    customer_note: str

    def shipment(self, shipment_id: int | None) -> ShipmentView | None:
        return next((s for s in self.shipments if s.id == shipment_id), None)

    @property
    def cancellation_reason(self) -> str:
        """Why the order was cancelled, as the buyer was told on its timeline ("" when not cancelled or not said)."""
        if self.status != OrderStatus.CANCELLED:
            return ""
        return next((e.message for e in reversed(self.timeline) if e.kind == OrderEventKind.CANCELLED), "")


def get_account_order(*, user_id: int | None, number: str) -> OrderDetail:
    """One of the signed-in customer's orders, as their account shows it. Raises OrderNotFoundError for an
    order that is not theirs (or does not exist). A fixed number of queries (the order read, its invoices)."""
    return order_detail(get_order_for_customer(user_id=user_id, number=number))


def get_tracked_order(*, token: str) -> OrderDetail:
    """The order a guest's tracking link opens; OrderNotFoundError for any other token."""
    return order_detail(get_order_by_token(token=token))


def get_order_detail(*, order_id: int) -> OrderDetail:
    """Any order, as the buyer sees it (for the e-mails sent to them)."""
    return order_detail(get_order(order_id=order_id))


def order_detail(order: Order) -> OrderDetail:
    """The buyer's view of an order read by comptoir.orders.queries (lines, shipments and public events
    prefetched). Two queries of its own: the order's invoices and credit notes, and its returns."""
    money = order.money
    lines = list(order.lines.all())
    labels = {line.pk: line.label for line in lines}
    invoices = list(
        Invoice.objects.filter(order_id=order.pk).only("pk", "number", "kind", "issued_at", "total", "currency")
    )
    returns = ReturnRequest.objects.filter(order_id=order.pk).only("number", "status", "created_at", "refund_amount")
    return OrderDetail(
        id=order.pk,
        number=order.number,
        token=order.token,
        email=order.email,
        language=order.language,
        status=order.status,
        status_label=str(order.get_status_display()),
        placed_at=order.created_at,
        lines=[
            LineView(
                label=line.label,
                sku=line.sku,
                quantity=line.quantity,
                unit_price=money(line.unit_price),
                discount=money(line.discount),
                total=money(line.total),
                shipped=line.quantity_fulfilled,
                returned=line.quantity_returned,
            )
            for line in lines
        ],
        totals=_totals(order),
        delivery_kind=order.delivery_kind,
        delivery_name=order.delivery_name,
        shipping_address=PostalAddress.from_dict(order.shipping_address).lines() if order.shipping_address else [],
        billing_address=PostalAddress.from_dict(order.billing_address).lines() if order.billing_address else [],
        pickup_store=_store(order.pickup_store) if order.pickup_store_id else None,
        pickup_point=_pickup_point(order.pickup_point) if order.pickup_point else None,
        shipments=[
            ShipmentView(
                id=shipment.pk,
                status=shipment.status,
                status_label=str(shipment.get_status_display()),
                carrier=shipment.carrier,
                tracking_number=shipment.tracking_number,
                tracking_url=shipment.tracking_url if shipment.tracking_url.startswith(("https://", "http://")) else "",
                shipped_at=shipment.shipped_at,
                delivered_at=shipment.delivered_at,
                items=[(labels.get(item.order_line_id, ""), item.quantity) for item in shipment.lines.all()],
            )
            for shipment in order.shipments.all()
        ],
        timeline=_timeline(order),
        invoices=[
            InvoiceView(
                id=invoice.pk,
                number=invoice.number,
                kind=invoice.kind,
                kind_label=str(invoice.get_kind_display()),
                issued_at=invoice.issued_at,
                total=Money(invoice.total, invoice.currency),
            )
            for invoice in invoices
        ],
        returns=[
            ReturnView(
                number=ret.number,
                status=ret.status,
                status_label=str(ret.get_status_display()),
                requested_at=ret.created_at,
                refunded=money(ret.refund_amount),
            )
            for ret in returns.order_by("created_at", "pk")
        ],
        refunded=money(sum((i.total for i in invoices if i.kind == InvoiceKind.CREDIT_NOTE), Decimal(0))),
        returnable=order.status in RETURNABLE,
        customer_note=order.customer_note,
    )


def _totals(order: Order) -> TotalsView:
    money = order.money
    discounts = []
    for applied in order.discounts if isinstance(order.discounts, list) else []:
        amount = _decimal(applied.get("amount")) if isinstance(applied, dict) else None
        if amount and applied.get("name"):
            discounts.append((str(applied["name"]), money(amount)))
    tax_lines = [
        ((row.rate * 100).normalize(), row.amount, row.label)
        for row in shown_rows(breakdown_from_json(order.tax_breakdown, order.currency))
    ]
    return TotalsView(
        subtotal=money(order.subtotal),
        discount=money(order.discount_total),
        discounts=discounts,
        shipping=money(order.shipping_price),
        tax=money(order.tax_total),
        tax_lines=tax_lines,
        prices_include_tax=order.prices_include_tax,
        gift_cards=money(order.gift_card_total),
        total=money(order.total),
        amount_due=order.amount_due,
    )


def _decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _timeline(order: Order) -> list[TimelineEntry]:
    events = list(order.public_events)
    entries = []
    if not any(event.kind == OrderEventKind.PLACED for event in events):
        entries.append(TimelineEntry(at=order.created_at, label=str(_("Order placed")), message=""))
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        message = event.message
        if event.kind == OrderEventKind.STATUS_CHANGED:
            new = data.get("new", "")
            if new in _TOLD_BY_THEIR_OWN_LINE or new not in OrderStatus.values:
                continue
            label = str(_("Status: %(status)s") % {"status": OrderStatus(new).label})
        elif event.kind == OrderEventKind.NOTE:
            label = str(_("Message from the shop"))
        else:
            label = str(event.get_kind_display())
            if event.kind == OrderEventKind.SHIPPED and not message:
                message = " ".join(part for part in (data.get("carrier"), data.get("tracking_number")) if part)
        entries.append(TimelineEntry(at=event.created_at, label=label, message=message, kind=event.kind))
    return entries


def _store(location) -> PlaceView:
    locality = " ".join(part for part in (location.postcode, location.city) if part)
    address = [*(line.strip() for line in location.address.splitlines() if line.strip()), locality]
    return PlaceView(
        name=location.name, address=[line for line in address if line], hours=weekly_hours(location.opening_hours)
    )


def _pickup_point(point: dict) -> PlaceView:
    locality = " ".join(part for part in (point.get("postcode", ""), point.get("city", "")) if part)
    country = country_name(point["country"]) if point.get("country") else ""
    address = [point.get("street_address_1", ""), point.get("street_address_2", ""), locality, country]
    hours = str(point.get("opening_hours") or "").strip()
    return PlaceView(
        name=str(point.get("name", "")),
        address=[str(line) for line in address if line],
        hours=[("", hours)] if hours else [],
    )


def weekly_hours(opening_hours: object) -> list[tuple[str, str]]:
    """A store's week as the merchant wrote it (`{"mon": ["09:00", "19:00"], "sun": []}`): (day, hours) for
    each day given, in week order; a day with no hours reads "Closed", a day left out is left out.

    Shown as written rather than interpreted: a buyer reads "09:00-12:00, 14:00-19:00" as well as we would.
    """
    if not isinstance(opening_hours, dict):
        return []
    week = []
    for index, day in enumerate(DAYS):
        raw = opening_hours.get(day)
        if raw is None:
            continue
        if isinstance(raw, str):
            text = raw.strip()
        elif isinstance(raw, list | tuple):
            times = [str(t).strip() for item in raw for t in (item if isinstance(item, list | tuple) else [item])]
            text = ", ".join(f"{opens}\u2013{closes}" for opens, closes in zip(times[::2], times[1::2], strict=False))
        else:
            continue
        week.append((str(WEEKDAYS[index]), text or str(_("Closed"))))
    return week


def find_order_id(*, number: str, email: str) -> int | None:
    """The order with this number placed with this e-mail address (compared without case), else None.
    For the "find my order" form, which must answer the same whether or not it exists."""
    number, email = (number or "").strip(), (email or "").strip()
    if not number or not email or len(number) > 20 or len(email) > 254:
        return None
    return Order.objects.filter(number=number, email__iexact=email).values_list("pk", flat=True).first()
