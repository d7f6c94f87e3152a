"""Orders for the buyer who placed them: status, timeline, lines, totals, parcels, and returns.

An order is reached by its tracking token (`/orders/by-token/{token}`, the link of the order e-mail: a
guest's way in) or, for the signed-in customer who placed it, by its number (`/orders/{number}`). Someone
else's order is a 404, never a 403. Endpoints read through `orders.queries` and the returns module and
write through the returns services; every write takes an `Idempotency-Key`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, JsonResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from comptoir.api.buyer_auth import customer
from comptoir.api.idempotency import idempotent
from comptoir.api.pagination import keyset_page
from comptoir.api.schemas import MoneyOut, money_out
from comptoir.core.errors import InvalidInputError
from comptoir.orders.models import Order, OrderEventKind, OrderStatus, ReturnRequest
from comptoir.orders.models.returns import ReturnReason
from comptoir.orders.queries import get_order_by_token, get_order_for_customer, list_customer_orders
from comptoir.taxes.api_shapes import TaxRowOut, tax_rows_out
from comptoir.taxes.display import breakdown_from_json

router = Router(tags=["orders"])

TOKEN_DESCRIPTION = "The order's tracking token, from the order confirmation (the API's or the e-mail's link)."

# Needed by every write, yet documented as optional: OpenAPI checkers (schemathesis) expect a missing
# required header to be a 400 or 422, while the right answer, and ours, is 428 Precondition Required.
IDEMPOTENCY_KEY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Send one with every write: any unique string (a UUID). A retry with the same key replays "
    "the first answer instead of writing twice. Without it, a 428 problem (idempotency-key-required).",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
}


# Members of every problem body: a domain error's data of the same name cannot become an extension member.


def idempotent_write(request: HttpRequest, action: Callable[[], tuple[int, Any]]) -> JsonResponse:
    """`comptoir.api.idempotency.idempotent` for the buyer's writes (refusals become problems; a data member
    named like a problem field, such as an order's `status`, arrives as `current_status`)."""
    return idempotent(request, action)


def as_json(shape: Schema) -> Any:
    """A shape as the JSON ninja would send for it (same date precision as a GET), for an idempotent write
    to answer and store."""
    return json.loads(json.dumps(shape.model_dump(), cls=DjangoJSONEncoder))


def write_extra(responses: dict[int, dict] | None = None) -> dict:
    """`openapi_extra` of a write: its Idempotency-Key header, and any responses beyond the declared ones."""
    extra: dict = {"parameters": [IDEMPOTENCY_KEY_PARAMETER]}
    if responses:
        extra["responses"] = responses
    return extra


# --- Shapes -------------------------------------------------------------------------------------


class OrderTotalsOut(Schema):
    subtotal: MoneyOut = Field(description="Lines before discounts.")
    discount: MoneyOut
    shipping: MoneyOut
    tax: MoneyOut = Field(description="Included in the total when prices include tax, added to it otherwise.")
    total: MoneyOut
    gift_cards: MoneyOut = Field(description="Paid by gift cards.")
    amount_due: MoneyOut = Field(description="What the payment method collects: the total less gift cards.")
    prices_include_tax: bool
    tax_breakdown: list[TaxRowOut] = Field(description="The tax per rate, as frozen when the order was placed.")


class OrderDiscountOut(Schema):
    source: str = Field(description="voucher or promotion.")
    name: str
    amount: MoneyOut
    free_shipping: bool


class OrderLineOut(Schema):
    id: int = Field(description="Use as `line_id` to ask for a return.")
    product_name: str
    variant_name: str
    sku: str
    quantity: int
    unit_price: MoneyOut
    discount: MoneyOut
    tax: MoneyOut
    total: MoneyOut
    quantity_shipped: int
    quantity_returned: int


class OrderShipmentLineOut(Schema):
    line_id: int
    quantity: int


class OrderShipmentOut(Schema):
    status: str = Field(description="ready_for_pickup, shipped or delivered.")
    status_label: str
    carrier: str
    tracking_number: str
    tracking_url: str = Field(description="The carrier's tracking page; empty when there is none.")
    shipped_at: datetime | None
    delivered_at: datetime | None
    lines: list[OrderShipmentLineOut]


class OrderEventOut(Schema):
    kind: str = Field(description="placed, paid, status_changed, shipped, delivered, return_requested, ...")
    label: str
    message: str
    status: str | None = Field(default=None, description="The order's new status, for a status change.")
    at: datetime


class PickupStoreOut(Schema):
    name: str
    address: str
    postcode: str
    city: str


class OrderDeliveryOut(Schema):
    kind: str = Field(description="shipping, local_delivery, pickup_point, collect, or empty (nothing to ship).")
    name: str
    carrier: str
    pickup_store: PickupStoreOut | None
    pickup_point: dict[str, str] = Field(description="The carrier's pickup point, when one was chosen.")


class ReturnSummaryOut(Schema):
    number: str
    status: str


class OrderOut(Schema):
    number: str
    token: str = Field(description=TOKEN_DESCRIPTION)
    status: str = Field(
        description="awaiting_payment, paid, partially_fulfilled, fulfilled, delivered, completed, cancelled, "
        "partially_refunded or refunded."
    )
    status_label: str
    created_at: datetime
    paid_at: datetime | None
    email: str
    payment_method: str
    pay_url: str | None = Field(description="The storefront page where the buyer can pay; null once nothing is due.")
    delivery: OrderDeliveryOut
    shipping_address: dict[str, str]
    billing_address: dict[str, str]
    lines: list[OrderLineOut]
    totals: OrderTotalsOut
    discounts: list[OrderDiscountOut]
    shipments: list[OrderShipmentOut]
    timeline: list[OrderEventOut] = Field(description="What happened, oldest first (what the buyer may see).")
    returns: list[ReturnSummaryOut]


class OrderSummaryOut(Schema):
    number: str
    token: str
    status: str
    status_label: str
    created_at: datetime
    total: MoneyOut


class OrderPageOut(Schema):
    items: list[OrderSummaryOut]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")


class OrderPageParams(Schema):
    limit: int = Field(24, ge=1, le=100, description="Orders per page.")
    cursor: str | None = Field(None, max_length=2048, description="`next_cursor` of the previous page.")


class ReturnLineIn(Schema):
    line_id: int = Field(description="The order line's `id`.")
    quantity: int = Field(ge=1, le=10_000)
    reason: ReturnReason


class ReturnIn(Schema):
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=200)
    comment: str = Field("", max_length=2000)


class ReturnLineOut(Schema):
    line_id: int
    product_name: str
    variant_name: str
    quantity: int
    reason: str
    reason_label: str


class ReturnOut(Schema):
    number: str
    order_number: str
    status: str = Field(description="requested, approved, rejected, received, refunded or cancelled.")
    status_label: str
    comment: str
    staff_note: str = Field(description="The shop's answer, e.g. why a return was rejected.")
    refund_amount: MoneyOut
    created_at: datetime
    lines: list[ReturnLineOut]


# --- Filling the shapes ----------------------------------------------------------------------------


def storefront_url(request: HttpRequest, order: Order, name: str, kwargs: dict[str, Any], fallback: str) -> str:
    """The absolute address of a storefront page about this order, in the language it was placed in.
    `fallback` is the page's path after the language prefix: the address layout is fixed, so a headless
    shop that does not mount the storefront still gives it."""
    with override(order.language or None):
        try:
            path = reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            path = f"/{get_language() or 'en'}/{fallback}"
    return request.build_absolute_uri(path)


def pay_url(request: HttpRequest, order: Order) -> str | None:
    """The storefront page where the buyer pays this order, while something is left to pay."""
    if order.status != OrderStatus.AWAITING_PAYMENT or order.amount_due.amount <= 0:
        return None
    return storefront_url(request, order, "checkout:pay", {"token": order.token}, f"checkout/pay/{order.token}/")


def order_totals_out(order: Order) -> OrderTotalsOut:
    money = order.money
    return OrderTotalsOut(
        subtotal=money_out(money(order.subtotal)),
        discount=money_out(money(order.discount_total)),
        shipping=money_out(money(order.shipping_price)),
        tax=money_out(money(order.tax_total)),
        total=money_out(money(order.total)),
        gift_cards=money_out(money(order.gift_card_total)),
        amount_due=money_out(order.amount_due),
        prices_include_tax=order.prices_include_tax,
        tax_breakdown=tax_rows_out(breakdown_from_json(order.tax_breakdown, order.currency)),
    )


def _text_dict(data: Any) -> dict[str, str]:
    return {str(key): "" if value is None else str(value) for key, value in (data or {}).items()}


def order_out(request: HttpRequest, order: Order, returns: list[ReturnSummaryOut]) -> OrderOut:
    """An order read by `orders.queries` (lines, shipments and public events prefetched): no query here."""
    money = order.money
    store = order.pickup_store
    return OrderOut(
        number=order.number,
        token=order.token,
        status=order.status,
        status_label=str(order.get_status_display()),
        created_at=order.created_at,
        paid_at=order.paid_at,
        email=order.email,
        payment_method=order.payment_method,
        pay_url=pay_url(request, order),
        delivery=OrderDeliveryOut(
            kind=order.delivery_kind,
            name=order.delivery_name,
            carrier=order.carrier,
            pickup_store=PickupStoreOut(
                name=store.name, address=store.address, postcode=store.postcode, city=store.city
            )
            if store
            else None,
            pickup_point=_text_dict(order.pickup_point),
        ),
        shipping_address=_text_dict(order.shipping_address),
        billing_address=_text_dict(order.billing_address),
        lines=[
            OrderLineOut(
                id=line.pk,
                product_name=line.product_name,
                variant_name=line.variant_name,
                sku=line.sku,
                quantity=line.quantity,
                unit_price=money_out(money(line.unit_price)),
                discount=money_out(money(line.discount)),
                tax=money_out(money(line.tax_amount)),
                total=money_out(money(line.total)),
                quantity_shipped=line.quantity_fulfilled,
                quantity_returned=line.quantity_returned,
            )
            for line in order.lines.all()
        ],
        totals=order_totals_out(order),
        discounts=[
            OrderDiscountOut(
                source=str(d.get("source", "")),
                name=str(d.get("name", "")),
                amount=money_out(money(d.get("amount") or 0)),
                free_shipping=bool(d.get("free_shipping")),
            )
            for d in order.discounts or []
        ],
        shipments=[
            OrderShipmentOut(
                status=shipment.status,
                status_label=str(shipment.get_status_display()),
                carrier=shipment.carrier,
                tracking_number=shipment.tracking_number,
                tracking_url=shipment.tracking_url,
                shipped_at=shipment.shipped_at,
                delivered_at=shipment.delivered_at,
                lines=[
                    OrderShipmentLineOut(line_id=sl.order_line_id, quantity=sl.quantity) for sl in shipment.lines.all()
                ],
            )
            for shipment in order.shipments.all()
        ],
        timeline=[
            OrderEventOut(
                kind=event.kind,
                label=str(event.get_kind_display()),
                message=event.message,
                status=str(event.data.get("new"))
                if event.kind == OrderEventKind.STATUS_CHANGED and event.data.get("new")
                else None,
                at=event.created_at,
            )
            for event in order.public_events
        ],
        returns=returns,
    )


def _returns_of(order: Order) -> list[ReturnSummaryOut]:
    """The order's returns, newest first. One query."""
    rows = (
        ReturnRequest.objects.filter(order_id=order.pk).order_by("-created_at", "-pk").values_list("number", "status")
    )
    return [ReturnSummaryOut(number=number, status=status) for number, status in rows]


def return_out(order: Order, ret: ReturnRequest) -> ReturnOut:
    """A return with its lines and their order lines prefetched: no query here."""
    return ReturnOut(
        number=ret.number,
        order_number=order.number,
        status=ret.status,
        status_label=str(ret.get_status_display()),
        comment=ret.comment,
        staff_note=ret.staff_note if ret.status == "rejected" else "",
        refund_amount=money_out(order.money(ret.refund_amount)),
        created_at=ret.created_at,
        lines=[
            ReturnLineOut(
                line_id=rl.order_line_id,
                product_name=rl.order_line.product_name,
                variant_name=rl.order_line.variant_name,
                quantity=rl.quantity,
                reason=rl.reason,
                reason_label=str(rl.get_reason_display()),
            )
            for rl in ret.lines.all()
        ],
    )


def _customer_order(request: HttpRequest, number: str) -> Order:
    return get_order_for_customer(user_id=request.auth.pk, number=number)


def _request_return(request: HttpRequest, order: Order, payload: ReturnIn):
    from comptoir.orders.services.returns import get_order_return, request_return

    def action():
        lines: dict[int, tuple[int, str]] = {}
        for line in payload.lines:
            if line.line_id in lines:
                message = _("List each item once.")
                raise InvalidInputError(
                    detail=message,
                    errors=[{"loc": ["body", "lines"], "message": message, "type": "duplicate"}],
                    data={"lines": [line.line_id]},
                )
            lines[line.line_id] = (line.quantity, str(line.reason.value))
        ret = request_return(order_id=order.pk, lines=lines, comment=payload.comment)
        return 201, as_json(return_out(order, get_order_return(order_id=order.pk, number=ret.number)))

    return idempotent_write(request, action)


def _get_return(order: Order, number: str) -> ReturnOut:
    from comptoir.orders.services.returns import get_order_return

    return return_out(order, get_order_return(order_id=order.pk, number=number))


def _cancel_return(request: HttpRequest, order: Order, number: str):
    from comptoir.orders.services.returns import cancel_return, get_order_return

    def action():
        ret = get_order_return(order_id=order.pk, number=number)  # another order's return is not found
        cancel_return(return_id=ret.pk, actor_id=None)
        return 200, as_json(return_out(order, get_order_return(order_id=order.pk, number=number)))

    return idempotent_write(request, action)


# --- By tracking token (guests and customers alike) ------------------------------------------------
# Registered before the /orders/{number} routes: "by-token" must never be taken for an order number.


@router.get("/orders/by-token/{token}", response=OrderOut, summary="An order, by its tracking token")
def get_order_by_tracking_token(request: HttpRequest, token: str):
    """Status, timeline, lines, totals and parcels. Six queries, whatever the number of lines."""
    order = get_order_by_token(token=token)
    return order_out(request, order, _returns_of(order))


@router.post(
    "/orders/by-token/{token}/returns",
    response={201: ReturnOut},
    summary="Ask to return items (tracking token)",
    openapi_extra=write_extra(),
)
def request_return_by_token(request: HttpRequest, token: str, payload: ReturnIn):
    """Ask to send back units of shipped lines, within the shop's return window. 409 `return-not-allowed`
    when the order cannot be returned (not shipped, window closed); 422 for lines not on the order or
    more units than may still be returned."""
    return _request_return(request, get_order_by_token(token=token), payload)


@router.get("/orders/by-token/{token}/returns/{number}", response=ReturnOut, summary="A return (tracking token)")
def get_return_by_token(request: HttpRequest, token: str, number: str):
    return _get_return(get_order_by_token(token=token), number)


@router.post(
    "/orders/by-token/{token}/returns/{number}/cancel",
    response=ReturnOut,
    summary="Withdraw a return (tracking token)",
    openapi_extra=write_extra(),
)
def cancel_return_by_token(request: HttpRequest, token: str, number: str):
    """Withdraw a return the shop has not acted on yet (409 `return-state` once it has)."""
    return _cancel_return(request, get_order_by_token(token=token), number)


# --- The signed-in customer's orders -----------------------------------------------------------------


@router.get("/orders", response=OrderPageOut, auth=customer, summary="My orders, newest first")
def list_my_orders(request: HttpRequest, params: Query[OrderPageParams]):
    """The signed-in customer's orders, one cursor page at a time. One query per page."""
    page = keyset_page(list_customer_orders(user_id=request.auth.pk), cursor=params.cursor, limit=params.limit)
    return OrderPageOut(
        items=[
            OrderSummaryOut(
                number=order.number,
                token=order.token,
                status=order.status,
                status_label=str(order.get_status_display()),
                created_at=order.created_at,
                total=money_out(order.money(order.total)),
            )
            for order in page.rows
        ],
        next_cursor=page.next_cursor,
    )


@router.get("/orders/{number}", response=OrderOut, auth=customer, summary="One of my orders")
def get_my_order(request: HttpRequest, number: str):
    """One of the signed-in customer's orders; another customer's order is a 404."""
    order = _customer_order(request, number)
    return order_out(request, order, _returns_of(order))


@router.post(
    "/orders/{number}/returns",
    response={201: ReturnOut},
    auth=customer,
    summary="Ask to return items",
    openapi_extra=write_extra(),
)
def request_my_return(request: HttpRequest, number: str, payload: ReturnIn):
    return _request_return(request, _customer_order(request, number), payload)


@router.get("/orders/{number}/returns/{return_number}", response=ReturnOut, auth=customer, summary="One of my returns")
def get_my_return(request: HttpRequest, number: str, return_number: str):
    return _get_return(_customer_order(request, number), return_number)


@router.post(
    "/orders/{number}/returns/{return_number}/cancel",
    response=ReturnOut,
    auth=customer,
    summary="Withdraw a return",
    openapi_extra=write_extra(),
)
def cancel_my_return(request: HttpRequest, number: str, return_number: str):
    return _cancel_return(request, _customer_order(request, number), return_number)
