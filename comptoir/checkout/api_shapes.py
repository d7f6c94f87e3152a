"""The shapes of the buying API (comptoir.checkout.api) and the functions that fill them from checkout reads.

Input shapes have no field for a price, a total or a discount: the server computes those, so a client that
sends one has it dropped. Output shapes are filled from `checkout.queries.summarize` and the orders' rows,
without a query of their own.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema

from comptoir.api.channels import CHANNEL_PARAM_DESCRIPTION
from comptoir.api.schemas import MoneyOut, money_out
from comptoir.checkout.queries import CartLine, CheckoutSummary
from comptoir.checkout.services.cart import MAX_LINE_QUANTITY
from comptoir.orders.api import OrderTotalsOut, order_totals_out, pay_url
from comptoir.orders.models import Order
from comptoir.payments.instalments.api_shapes import InstalmentPlanOut
from comptoir.taxes.api_shapes import TaxRowOut, tax_rows_out

# --- Input shapes (no price, total or discount field: the server computes those) -----------------


class ChannelParams(Schema):
    channel: str | None = Field(None, max_length=50, description=CHANNEL_PARAM_DESCRIPTION)


class LineIn(Schema):
    variant_id: int = Field(ge=1, le=2**62)
    quantity: int = Field(1, ge=1, le=MAX_LINE_QUANTITY)


class QuantityIn(Schema):
    quantity: int = Field(ge=0, le=MAX_LINE_QUANTITY, description="0 removes the line.")


class EmailIn(Schema):
    email: str = Field(max_length=254)


class AddressIn(Schema):
    """An address as the buyer typed it; checked and normalised with the country's rules."""

    full_name: str = Field("", max_length=255)
    company: str = Field("", max_length=255)
    street_address_1: str = Field("", max_length=255)
    street_address_2: str = Field("", max_length=255)
    city: str = Field("", max_length=255)
    city_area: str = Field("", max_length=128)
    postal_code: str = Field("", max_length=20)
    country_code: str = Field(max_length=2, description="ISO 3166-1 alpha-2, e.g. FR.")
    country_area: str = Field(
        "", max_length=128, description="State, province or prefecture, where the country has them."
    )
    phone: str = Field("", max_length=32)


class AddressesIn(Schema):
    shipping: AddressIn | None = Field(None, description="Where to deliver; may be left out for click & collect.")
    billing: AddressIn | None = Field(None, description="Needed when billing_same_as_shipping is false.")
    billing_same_as_shipping: bool = True


class BusinessIn(Schema):
    """Buying for a company: its name and EU VAT number (both empty: buying as a private person)."""

    company_name: str = Field("", max_length=255)
    vat_number: str = Field(
        "",
        max_length=40,
        description="With or without its country prefix (FR40303265045); checked against the billing country.",
    )


class CartBusinessOut(Schema):
    company_name: str
    vat_number: str = Field(description="The checked VAT number, compact with its prefix; '' for a consumer.")
    vat_check: str = Field(
        description="format (checksum only), vies (confirmed by the EU register), unconfirmed (VIES unavailable)."
    )
    applies: bool = Field(description="The taxes were computed with this VAT number (reverse charge may apply).")


class DeliveryIn(Schema):
    option_id: str = Field(max_length=60, description="An `id` from GET /carts/{token}/delivery-options.")


class CodeIn(Schema):
    code: str = Field(min_length=1, max_length=40)


class PaymentMethodIn(Schema):
    method: str = Field(max_length=40, description="A `code` from GET /payment-methods, e.g. test:card.")


class PaymentIn(Schema):
    method: str | None = Field(None, max_length=40, description="Default: the method chosen at checkout.")
    card_number: str = Field(
        "",
        max_length=32,
        description="The TEST provider only: 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined. "
        "Real card numbers never reach the shop: real providers collect them on their own pages.",
    )
    instalment_offer_id: int | None = Field(
        None,
        ge=1,
        le=2**62,
        description="Pay in instalments: an offer's `id` from GET /orders/by-token/{token}/instalment-offers. "
        "The first instalment is charged now and the card saved for the others. Left out: pay in full.",
    )


# --- Output shapes -----------------------------------------------------------------------------------


class CartLineOut(Schema):
    id: int = Field(description="The line's id, for PATCH and DELETE.")
    variant_id: int
    product_id: int
    product_name: str
    product_slug: str
    variant_name: str
    sku: str
    quantity: int
    unit_price: MoneyOut | None = Field(description="Today's price; null when the item is no longer for sale.")
    previous_unit_price: MoneyOut | None = Field(description="The price the buyer last saw, when it has changed since.")
    undiscounted: MoneyOut | None
    discount: MoneyOut | None
    total: MoneyOut | None
    available: int | None = Field(description="Units that can be bought now; null when stock is not counted.")
    problem: str = Field(description="'' when the line can be bought; unavailable or insufficient_stock.")
    problem_message: str


class CartTotalsOut(Schema):
    subtotal: MoneyOut = Field(description="Lines before discounts.")
    discount: MoneyOut
    shipping: MoneyOut = Field(description="Zero until a delivery option is chosen.")
    tax: MoneyOut
    total: MoneyOut
    gift_cards: MoneyOut
    amount_due: MoneyOut = Field(description="What the payment method will collect.")
    prices_include_tax: bool
    free_shipping: bool
    tax_breakdown: list[TaxRowOut] = Field(description="The tax per rate; empty when the channel charges no tax.")


class CartDiscountOut(Schema):
    source: str = Field(description="voucher or promotion.")
    name: str
    amount: MoneyOut
    free_shipping: bool


class CartVoucherOut(Schema):
    code: str
    problem: str = Field(description="Why it does not apply (any more); empty when it does.")


class CartDeliveryOut(Schema):
    option_id: str
    kind: str
    name: str
    price: MoneyOut | None
    problem: str = Field(description="Why the chosen option no longer applies; empty when it does.")


class PriceChangeOut(Schema):
    line_id: int
    label: str
    old: MoneyOut
    new: MoneyOut


class CartOut(Schema):
    token: uuid.UUID = Field(description="The cart's bearer token: keep it, it is the only way back to the cart.")
    channel: str
    currency: str
    email: str
    shipping_address: dict[str, str]
    billing_address: dict[str, str]
    billing_same_as_shipping: bool
    lines: list[CartLineOut]
    quantity: int = Field(description="Units in the cart.")
    requires_shipping: bool
    totals: CartTotalsOut
    discounts: list[CartDiscountOut]
    voucher: CartVoucherOut | None
    gift_cards: list[str] = Field(description="The gift cards used, masked to their last four characters.")
    gift_card_problems: list[str]
    delivery: CartDeliveryOut | None
    payment_method: str
    reserved_until: datetime | None = Field(description="Until when the items are held (POST .../hold).")
    hold_lapsed: bool = Field(description="The hold expired: hold again before paying.")
    price_changes: list[PriceChangeOut] = Field(
        description="Prices that changed since the buyer saw them: show them, then POST .../acknowledge-prices."
    )
    business: CartBusinessOut | None = Field(None, description="Set when the buyer buys for a company.")
    tax_exemption: str = Field("", description="The exemption certificate the sale is tax free under, if any.")
    tax_notices: list[str] = Field(
        default_factory=list,
        description="Why the buyer's VAT number or exemption certificate does not apply: tax is charged.",
    )


class PickupPointOut(Schema):
    id: int
    code: str
    name: str
    street_address_1: str
    street_address_2: str
    postcode: str
    city: str
    country: str
    latitude: str | None
    longitude: str | None
    opening_hours: str
    distance_km: float | None


class CollectStoreOut(Schema):
    id: int
    name: str
    address: str
    postcode: str
    city: str


class DeliveryOptionOut(Schema):
    id: str = Field(description="Send it as `option_id` to PUT .../delivery.")
    kind: str = Field(description="shipping, local_delivery, pickup_point or collect.")
    name: str
    carrier: str
    price: MoneyOut
    min_days: int
    max_days: int
    estimated_from: date | None
    estimated_to: date | None
    pickup_point: PickupPointOut | None
    store: CollectStoreOut | None
    selected: bool


class HoldOut(Schema):
    reserved_until: datetime | None = Field(description="Null when nothing in the cart needs holding.")
    lapsed: bool = Field(description="The previous hold had expired before this one was taken.")


class PaymentMethodOut(Schema):
    code: str
    label: str
    description: str
    is_test: bool
    fields: list[str] = Field(description="What the buyer enters in the app (the test card number only).")


class PlacedOrderOut(Schema):
    number: str
    token: str = Field(description="The order's tracking token: GET /orders/by-token/{token}.")
    status: str
    totals: OrderTotalsOut
    amount_due: MoneyOut
    pay_url: str | None = Field(description="The storefront page where the buyer can pay; null when nothing is due.")


class PaymentOut(Schema):
    reference: str
    status: str = Field(
        description="captured, authorized, pending (the provider decides later: a webhook or reconciliation "
        "settles it) or requires_action (send the buyer to `action_url`); a decline is a 402 problem."
    )
    amount: MoneyOut
    method: str
    order_status: str
    action_url: str = Field(
        default="", description="With requires_action: where the buyer must go (3-D Secure, the provider's page)."
    )
    instalment_plan: InstalmentPlanOut | None = Field(
        default=None,
        description="Paying in instalments: the plan, once its first instalment (this payment) is captured. Null "
        "when paying in full, or while the first instalment awaits the buyer or the provider: the plan then starts "
        "when it is captured (GET /orders/by-token/{token}/instalments).",
    )


# --- Filling them -------------------------------------------------------------------------------


def money_or_none(money):
    return money_out(money) if money is not None else None


def line_problem(line: CartLine) -> str:
    if line.problem == "unavailable":
        return _("This item is no longer for sale.")
    if line.problem == "insufficient_stock":
        return _("Only %(count)s left.") % {"count": line.available}
    return ""


def cart_out(summary: CheckoutSummary) -> CartOut:
    """The cart as every endpoint answers it, from `summarize`: no query here."""
    checkout, totals = summary.checkout, summary.totals
    by_line = {lt.line_id: lt for lt in totals.lines}
    changed = {change.line_id: change for change in summary.price_changes}
    option = summary.delivery_option
    lines = []
    for line in summary.lines:
        priced = by_line.get(str(line.id))
        lines.append(
            CartLineOut(
                id=line.id,
                variant_id=line.variant_id,
                product_id=line.product_id,
                product_name=line.product_name,
                product_slug=line.product_slug,
                variant_name=line.variant_name,
                sku=line.sku,
                quantity=line.quantity,
                unit_price=money_or_none(line.unit_price),
                previous_unit_price=money_out(changed[line.id].old) if line.id in changed else None,
                undiscounted=money_out(priced.undiscounted) if priced else None,
                discount=money_out(priced.discount) if priced else None,
                total=money_out(priced.total) if priced else None,
                available=line.available,
                problem=line.problem,
                problem_message=line_problem(line),
            )
        )
    return CartOut(
        token=checkout.token,
        channel=checkout.channel.slug,
        currency=checkout.currency,
        email=checkout.email,
        shipping_address={k: str(v) for k, v in checkout.shipping_address.items()},
        billing_address={k: str(v) for k, v in checkout.billing_address.items()},
        billing_same_as_shipping=checkout.billing_same_as_shipping,
        lines=lines,
        quantity=summary.quantity,
        requires_shipping=summary.requires_shipping,
        totals=CartTotalsOut(
            subtotal=money_out(totals.subtotal),
            discount=money_out(totals.discount),
            shipping=money_out(totals.shipping),
            tax=money_out(totals.tax),
            total=money_out(totals.total),
            gift_cards=money_out(totals.gift_cards),
            amount_due=money_out(totals.amount_due),
            prices_include_tax=totals.prices_include_tax,
            free_shipping=totals.free_shipping,
            tax_breakdown=tax_rows_out(totals.tax_breakdown),
        ),
        discounts=[
            CartDiscountOut(
                source=d.source, name=str(d.name), amount=money_out(d.amount), free_shipping=d.free_shipping
            )
            for d in totals.discounts
        ],
        voucher=CartVoucherOut(
            code=checkout.voucher_code,
            problem=str(summary.voucher_error.detail) if summary.voucher_error else "",
        )
        if checkout.voucher_code
        else None,
        gift_cards=[f"•••• {code[-4:]}" for code in checkout.gift_card_codes],
        gift_card_problems=[str(error.detail) for error in summary.gift_card_errors],
        delivery=CartDeliveryOut(
            option_id=checkout.delivery_option_id,
            kind=checkout.delivery_kind,
            name=str(option.name) if option else "",
            price=money_out(totals.shipping) if option else None,
            problem=str(summary.delivery_error.detail) if summary.delivery_error else "",
        )
        if checkout.delivery_option_id
        else None,
        payment_method=checkout.payment_method,
        reserved_until=checkout.reserved_until,
        hold_lapsed=summary.hold_lapsed,
        price_changes=[
            PriceChangeOut(line_id=c.line_id, label=c.label, old=money_out(c.old), new=money_out(c.new))
            for c in summary.price_changes
        ],
        business=CartBusinessOut(
            company_name=checkout.company_name,
            vat_number=checkout.vat_number,
            vat_check=checkout.vat_check,
            applies=bool(summary.customer_tax_id),
        )
        if checkout.company_name or checkout.vat_number
        else None,
        tax_exemption=summary.tax_exemption,
        tax_notices=list(summary.tax_notices),
    )


def option_out(option, selected_id: str) -> DeliveryOptionOut:
    point, store = getattr(option, "pickup_point", None), getattr(option, "store", None)
    estimate = getattr(option, "estimate", None)
    return DeliveryOptionOut(
        id=option.id,
        kind=str(option.kind),
        name=str(option.name),
        carrier=option.carrier,
        price=money_out(option.price),
        min_days=option.min_days,
        max_days=option.max_days,
        estimated_from=estimate[0] if estimate else None,
        estimated_to=estimate[1] if estimate else None,
        pickup_point=PickupPointOut(
            id=point.id,
            code=point.code,
            name=point.name,
            street_address_1=point.street_address_1,
            street_address_2=point.street_address_2,
            postcode=point.postcode,
            city=point.city,
            country=point.country,
            latitude=str(point.latitude) if point.latitude is not None else None,
            longitude=str(point.longitude) if point.longitude is not None else None,
            opening_hours=point.opening_hours,
            distance_km=point.distance_km,
        )
        if point
        else None,
        store=CollectStoreOut(
            id=store.id, name=store.name, address=store.address, postcode=store.postcode, city=store.city
        )
        if store
        else None,
        selected=option.id == selected_id,
    )


def placed_out(request: HttpRequest, order: Order) -> PlacedOrderOut:
    return PlacedOrderOut(
        number=order.number,
        token=order.token,
        status=order.status,
        totals=order_totals_out(order),
        amount_due=money_out(order.amount_due),
        pay_url=pay_url(request, order),
    )
