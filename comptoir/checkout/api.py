"""Buying through the API: the cart, the checkout's details, placing the order and paying it.

The cart's token (a random UUID, in the path) is the bearer of an anonymous cart, as the storefront's cookie
is; a cart that belongs to a customer account answers only in that customer's session (comptoir.api.buyer_auth).
Endpoints parse their input, call one checkout service, and answer with the cart as `checkout.queries.summarize`
computes it — prices, discounts, taxes and totals are always the server's: the input shapes
(comptoir.checkout.api_shapes) have no field for a price or a total, so one sent by a client is dropped.

Every write takes an `Idempotency-Key`. Placing the order is idempotent twice over: the same key replays
the first answer, and any other key on the same cart answers with the order the cart already became.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from django.http import HttpRequest, JsonResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Path, Query, Router
from ninja.errors import Throttled

from comptoir.api.buyer_auth import customer, customer_id
from comptoir.api.channels import api_channel
from comptoir.api.schemas import money_out
from comptoir.checkout import admission, services
from comptoir.checkout.api_shapes import (
    AddressesIn,
    AddressIn,
    BusinessIn,
    CartOut,
    ChannelParams,
    CodeIn,
    DeliveryIn,
    DeliveryOptionOut,
    EmailIn,
    HoldOut,
    LineIn,
    PaymentIn,
    PaymentMethodIn,
    PaymentMethodOut,
    PaymentOut,
    PlacedOrderOut,
    QuantityIn,
    cart_out,
    option_out,
    placed_out,
)
from comptoir.checkout.delivery import delivery_choices
from comptoir.checkout.errors import CartNotFoundError, CheckoutCompletedError, PriceChangedError
from comptoir.checkout.models import Checkout, CheckoutLine
from comptoir.checkout.queries import get_open_cart_for_user, summarize
from comptoir.core.addresses import AddressError, normalize_address
from comptoir.core.errors import PROBLEM_CONTENT_TYPE, DomainError, InvalidInputError
from comptoir.orders.api import as_json, idempotent_write, write_extra
from comptoir.orders.api_instalments import instalment_pay_url
from comptoir.orders.models import Order
from comptoir.orders.queries import get_order_by_token
from comptoir.payments.errors import PaymentDeclinedError
from comptoir.payments.gateways import available_methods
from comptoir.payments.instalments.api_shapes import plan_out
from comptoir.payments.instalments.errors import InstalmentMethodUnsupportedError, InstalmentPlanExistsError
from comptoir.payments.instalments.queries import get_plan_view
from comptoir.payments.models import PaymentStatus
from comptoir.pricing import ratelimit
from comptoir.pricing.giftcards import normalise_gift_card_code

router = Router(tags=["checkout"])

# Codes and cards are secrets worth guessing: each client gets a bounded number of tries. Adding a gift card
# to a cart tells whether the code exists, so it shares the balance check's allowance.
VOUCHER_TRIES = ratelimit.RateLimit(scope="voucher", limit=20, window=600)
PAYMENT_TRIES = ratelimit.RateLimit(scope="payment", limit=10, window=600)

CART = "/carts/{token}"


# A plain string in the URL, so that a malformed token is the same 404 as an unknown one (a UUID path
# converter would leave it to the catch-all route instead).
CartToken = Annotated[str, Path(description="The cart's token (a UUID), from POST /carts.", max_length=64)]


# --- Finding the cart --------------------------------------------------------------------------------


def _checkout(request: HttpRequest, token: str, *, open_only: bool = True) -> Checkout:
    """The cart with this token, if the caller may use it: 404 for an unknown cart or another customer's,
    409 `checkout-completed` for one that already became an order (unless `open_only` is false). One query.
    """
    try:
        parsed = uuid.UUID(token)
    except ValueError:
        raise CartNotFoundError() from None
    checkout = Checkout.objects.select_related("channel").filter(token=parsed).first()
    if checkout is None or (checkout.user_id is not None and checkout.user_id != customer_id(request)):
        raise CartNotFoundError()
    if open_only and checkout.completed_at is not None:
        raise CheckoutCompletedError(detail=_("This cart has become an order: POST to its /order to see it."))
    return checkout


def _field_errors(exc: DomainError, *prefix: str) -> DomainError:
    """Give a service's {"field", "message"} errors the API's shape too (`loc`, `type`), in place."""
    for error in exc.errors:
        if "field" in error and "loc" not in error:
            error["loc"] = [*prefix, error["field"]]
            error.setdefault("type", exc.code)
    return exc


def _written(request: HttpRequest, token: str, result) -> Checkout:
    """The cart as the write left it. A service that returns the checkout it locked and changed (or a line
    attached to it) saves reading it again; otherwise it is read anew, as the caller may see it."""
    if isinstance(result, Checkout):
        return result
    if isinstance(result, CheckoutLine) and CheckoutLine.checkout.is_cached(result):
        return result.checkout
    return _checkout(request, token)


def _write(request: HttpRequest, token: str, change, *, status: int = 200) -> JsonResponse:
    """Check the caller may use the cart, then run `change(checkout)` once per Idempotency-Key and answer
    with the cart as it is now (what the Idempotency-Key replays)."""
    checkout = _checkout(request, token)

    def action():
        result = change(checkout)
        return status, as_json(cart_out(summarize(_written(request, token, result))))

    return idempotent_write(request, action)


def _throttle(rule: ratelimit.RateLimit, key: str) -> None:
    retry_after = ratelimit.hit(rule, key=key)
    if retry_after is not None:
        raise Throttled(wait=retry_after)


TOO_MANY = {429: {"description": "Too many tries from this client; see Retry-After."}}
WAITING_ROOM = {
    503: {
        "description": "The waiting room is on and this cart is queued: `position` is its place; try again after "
        "Retry-After seconds (the place is kept).",
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
}


# --- The cart ------------------------------------------------------------------------------------------


@router.post("/carts", response={201: CartOut}, summary="Open a cart", openapi_extra=write_extra())
def create_cart(request: HttpRequest, params: Query[ChannelParams]):
    """A new empty cart in the channel (`?channel=<slug>`, else the one of the request's domain). A signed-in
    customer gets their open cart in that channel back, if they have one. Keep the `token`."""

    def action():
        sales_channel = api_channel(request, params.channel)
        language = (get_language() or "") if "Accept-Language" in request.headers else ""
        cart = services.open_cart(channel=sales_channel, user_id=customer_id(request), language=language)
        return 201, as_json(cart_out(summarize(cart)))

    return idempotent_write(request, action)


@router.get("/carts/mine", response=CartOut, auth=customer, summary="My open cart")
def my_cart(request: HttpRequest, params: Query[ChannelParams]):
    """The signed-in customer's open cart in the channel; 404 when they have none (POST /carts opens one)."""
    cart = get_open_cart_for_user(user_id=request.auth.pk, channel_id=api_channel(request, params.channel).pk)
    if cart is None:
        raise CartNotFoundError(detail=_("You have no open cart in this shop."))
    return cart_out(summarize(cart))


@router.get(CART, response=CartOut, summary="A cart, priced now")
def get_cart(request: HttpRequest, token: CartToken):
    """Lines at today's prices with what stops each from being bought, discounts, delivery, totals, the
    stock hold and the prices that changed since the buyer saw them. A fixed number of queries, whatever
    the number of lines."""
    return cart_out(summarize(_checkout(request, token)))


@router.post(f"{CART}/lines", response={201: CartOut}, summary="Add an item", openapi_extra=write_extra())
def add_line(request: HttpRequest, token: CartToken, payload: LineIn):
    """Add units of a variant (to its line, when there is one). 409 `insufficient-stock` with `shortages`
    when fewer are left; 422 when it is not for sale here or the quantity is outside the product's limits."""
    return _write(
        request,
        token,
        lambda c: services.add_to_cart(checkout_id=c.pk, variant_id=payload.variant_id, quantity=payload.quantity),
        status=201,
    )


@router.patch(
    f"{CART}/lines/{{line_id}}", response=CartOut, summary="Change a line's quantity", openapi_extra=write_extra()
)
def change_line(request: HttpRequest, token: CartToken, line_id: int, payload: QuantityIn):
    return _write(
        request,
        token,
        lambda c: services.set_cart_line_quantity(checkout_id=c.pk, line_id=line_id, quantity=payload.quantity),
    )


@router.delete(f"{CART}/lines/{{line_id}}", response=CartOut, summary="Remove a line", openapi_extra=write_extra())
def remove_line(request: HttpRequest, token: CartToken, line_id: int):
    return _write(request, token, lambda c: services.remove_cart_line(checkout_id=c.pk, line_id=line_id))


# --- The checkout's details --------------------------------------------------------------------------


@router.put(f"{CART}/email", response=CartOut, summary="The buyer's e-mail", openapi_extra=write_extra())
def put_email(request: HttpRequest, token: CartToken, payload: EmailIn):
    def change(checkout):
        try:
            return services.set_email(checkout_id=checkout.pk, email=payload.email)
        except InvalidInputError as exc:
            raise _field_errors(exc, "body") from None

    return _write(request, token, change)


def _checked_address(address: AddressIn | None, name: str, errors: list[dict]) -> dict | None:
    if address is None:
        return None
    data = address.model_dump()
    try:
        normalize_address(data)
    except AddressError as exc:
        errors.extend(_field_errors(exc, "body", name).errors)
    return data


@router.put(
    f"{CART}/addresses", response=CartOut, summary="Delivery and billing addresses", openapi_extra=write_extra()
)
def put_addresses(request: HttpRequest, token: CartToken, payload: AddressesIn):
    """Each address is checked with its country's rules: a 422 `invalid-address` names every bad field of
    both (`loc` like ["body", "shipping", "postal_code"]) and changes nothing. A new delivery country
    clears the delivery choice."""
    errors: list[dict] = []
    shipping = _checked_address(payload.shipping, "shipping", errors)
    billing = None if payload.billing_same_as_shipping else _checked_address(payload.billing, "billing", errors)
    if errors:
        raise AddressError(errors=errors)
    if not payload.billing_same_as_shipping and billing is None:
        message = _("Enter a billing address, or say it is the delivery address.")
        raise InvalidInputError(
            detail=message,
            errors=[{"loc": ["body", "billing"], "field": "billing", "message": message, "type": "missing"}],
        )
    return _write(
        request,
        token,
        lambda c: services.set_addresses(
            checkout_id=c.pk,
            shipping=shipping,
            billing=billing,
            billing_same_as_shipping=payload.billing_same_as_shipping,
        ),
    )


@router.put(f"{CART}/business", response=CartOut, summary="Buying for a company", openapi_extra=write_extra())
def put_business(request: HttpRequest, token: CartToken, payload: BusinessIn):
    """The company's name and VAT number. The number is checked (format and checksum against the billing
    country, and VIES when the shop turned it on): a 422 `invalid-vat-number` or `vat-number-not-registered`
    with the field in `errors` changes nothing, and the buyer keeps being charged tax. Both fields empty:
    buying as a private person again."""

    def change(checkout):
        try:
            return services.set_business_buyer(
                checkout_id=checkout.pk, company_name=payload.company_name, vat_number=payload.vat_number
            )
        except InvalidInputError as exc:
            raise _field_errors(exc, "body") from None

    return _write(request, token, change)


@router.get(f"{CART}/delivery-options", response=list[DeliveryOptionOut], summary="Ways to get the order")
def delivery_options(request: HttpRequest, token: CartToken):
    """Carrier options for the delivery address (once one is set), cheapest first, then the stores where
    everything can be collected."""
    checkout = _checkout(request, token)
    summary = summarize(checkout)
    options = delivery_choices(
        checkout,
        weight_grams=summary.weight_grams,
        subtotal=summary.totals.subtotal - summary.totals.discount,
        quantities={line.variant_id: line.quantity for line in summary.lines if line.tracks_stock},
    )
    return [option_out(option, checkout.delivery_option_id) for option in options]


@router.put(f"{CART}/delivery", response=CartOut, summary="Choose how to get the order", openapi_extra=write_extra())
def put_delivery(request: HttpRequest, token: CartToken, payload: DeliveryIn):
    """422 `delivery-unavailable` for an option not offered for this cart and address; 409
    `insufficient-stock` when the chosen store has not everything on its shelf."""
    return _write(request, token, lambda c: services.set_delivery(checkout_id=c.pk, option_id=payload.option_id))


@router.post(f"{CART}/voucher", response={200: CartOut}, summary="Apply a voucher", openapi_extra=write_extra(TOO_MANY))
def apply_voucher(request: HttpRequest, token: CartToken, payload: CodeIn):
    """The voucher's own refusal (unknown, expired, minimum spend...) is a 422 problem; the code is not kept.
    Rate-limited per client."""
    _throttle(VOUCHER_TRIES, ratelimit.client_key(request))
    return _write(request, token, lambda c: services.apply_voucher(checkout_id=c.pk, code=payload.code))


@router.delete(f"{CART}/voucher", response=CartOut, summary="Remove the voucher", openapi_extra=write_extra())
def remove_voucher(request: HttpRequest, token: CartToken):
    return _write(request, token, lambda c: services.remove_voucher(checkout_id=c.pk))


@router.post(
    f"{CART}/gift-cards", response={200: CartOut}, summary="Pay with a gift card", openapi_extra=write_extra(TOO_MANY)
)
def add_gift_card(request: HttpRequest, token: CartToken, payload: CodeIn):
    """Its balance is checked now and debited when the order is placed. An unknown code is a 404 problem.
    Rate-limited per client, with the gift card balance check."""
    _throttle(ratelimit.GIFT_CARD_BALANCE, ratelimit.client_key(request))
    code = normalise_gift_card_code(payload.code)
    return _write(request, token, lambda c: services.add_gift_card(checkout_id=c.pk, code=code))


@router.delete(f"{CART}/gift-cards", response=CartOut, summary="Stop using a gift card", openapi_extra=write_extra())
def remove_gift_card(request: HttpRequest, token: CartToken, payload: CodeIn):
    wanted = normalise_gift_card_code(payload.code)

    def change(checkout):
        # Matched as the card is printed or typed (dashes, spaces, case do not matter).
        changed = None
        for stored in checkout.gift_card_codes:
            if normalise_gift_card_code(stored) == wanted:
                changed = services.remove_gift_card(checkout_id=checkout.pk, code=stored)
        return changed

    return _write(request, token, change)


@router.get("/payment-methods", response=list[PaymentMethodOut], summary="How buyers can pay")
def payment_methods(request: HttpRequest, params: Query[ChannelParams]):
    """The methods the channel offers (its enabled provider accounts, and the shop-wide providers)."""
    channel_id = api_channel(request, params.channel).pk
    return [
        PaymentMethodOut(
            code=m.code, label=str(m.label), description=str(m.description), is_test=m.is_test, fields=list(m.fields)
        )
        for m in available_methods(channel_id)
    ]


@router.put(f"{CART}/payment-method", response=CartOut, summary="Choose how to pay", openapi_extra=write_extra())
def put_payment_method(request: HttpRequest, token: CartToken, payload: PaymentMethodIn):
    return _write(request, token, lambda c: services.set_payment_method(checkout_id=c.pk, method=payload.method))


@router.post(
    f"{CART}/hold",
    response={200: HoldOut},
    summary="Hold the items while paying",
    openapi_extra=write_extra(WAITING_ROOM),
)
def hold(request: HttpRequest, token: CartToken):
    """Reserve the cart's items for a few minutes (again: each call renews the hold and follows the cart).
    409 `insufficient-stock` naming every short line, and then nothing is held."""
    checkout = _checkout(request, token)
    if (queued := admission.api_gate(str(checkout.token))) is not None:
        return queued

    def action():
        result = services.hold_stock(checkout_id=checkout.pk)
        return 200, as_json(HoldOut(reserved_until=result.reserved_until, lapsed=result.lapsed))

    return idempotent_write(request, action)


@router.post(
    f"{CART}/acknowledge-prices",
    response=CartOut,
    summary="The buyer has seen the new prices",
    openapi_extra=write_extra(),
)
def acknowledge_prices(request: HttpRequest, token: CartToken):
    return _write(request, token, lambda c: services.acknowledge_prices(checkout_id=c.pk))


# --- Placing and paying the order ----------------------------------------------------------------------


@router.post(
    f"{CART}/order",
    response={200: PlacedOrderOut, 201: PlacedOrderOut},
    summary="Place the order",
    openapi_extra=write_extra(WAITING_ROOM),
)
def place_order(request: HttpRequest, token: CartToken):
    """Turn the cart into an order at today's prices (201). The cart gives one order only: the same
    Idempotency-Key replays the first answer, and another key answers 200 with the order already placed.

    422 `checkout-incomplete` names each missing step in `errors`; 409 `price-changed` lists the
    `changes` (the new prices then count as seen: placing again charges them); 409 `insufficient-stock`
    lists the `shortages`. A signed-in customer's order is added to their account.
    """
    checkout = _checkout(request, token, open_only=False)
    if checkout.completed_at is None and (queued := admission.api_gate(str(checkout.token))) is not None:
        return queued
    user_id = customer_id(request)

    def action():
        already = Order.objects.filter(checkout_token=checkout.token).first()
        order = already or services.place_order(checkout_id=checkout.pk, user_id=user_id)
        return (200 if already else 201), as_json(placed_out(request, order))

    try:
        return idempotent_write(request, action)
    except PriceChangedError as exc:
        # place_order records the new prices as seen, but inside the Idempotency-Key's transaction, which
        # the refusal rolls back: record them again here, so the buyer's next confirmation goes through.
        if "changes" in exc.data:
            services.acknowledge_prices(checkout_id=checkout.pk)
        raise


@router.post(
    "/orders/by-token/{token}/payments",
    response={201: PaymentOut},
    tags=["checkout", "orders"],
    summary="Pay an order",
    openapi_extra=write_extra(
        {
            402: {
                "description": "Declined: `detail` is the provider's message; try again with another card and key.",
                "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
            },
            **TOO_MANY,
        }
    ),
)
def pay(request: HttpRequest, token: str, payload: PaymentIn):
    """Collect the order's amount due, or with `instalment_offer_id` its first instalment (the card is saved
    for the others, charged on their due dates). With the test provider, `card_number` chooses the outcome.
    A decline is a 402 `payment-declined` problem, recorded on the order (retry with a new Idempotency-Key);
    409 `order-state` once the order is paid or cancelled. An offer this order may not be paid with (unknown,
    another channel's, or its rules exclude the order) is a 422 `instalment-offer-unavailable`, a method that
    cannot be saved (offline) a 422 `instalment-method-unsupported`. Rate-limited per client and order."""
    _throttle(PAYMENT_TRIES, f"{ratelimit.client_key(request)}:{token[:64]}")
    order = get_order_by_token(token=token)
    method_code = payload.method or order.payment_method
    data = {"card_number": payload.card_number}

    def action():
        from comptoir.orders.instalments import pay_order_in_instalments
        from comptoir.orders.services import pay_order

        plan = None
        if payload.instalment_offer_id is None:
            payment = pay_order(order_id=order.pk, method_code=method_code, data=data)
        else:
            try:
                # What the storefront's pay page calls: the same checks, the same plan.
                payment = pay_order_in_instalments(
                    order_id=order.pk, offer_id=payload.instalment_offer_id, method_code=method_code, data=data
                )
            except (InstalmentMethodUnsupportedError, InstalmentPlanExistsError) as refused:
                # Also raised after the provider took the first instalment and gave it back: answered, not
                # raised, so that the payment and its refund stay on record (a raise rolls the key's
                # transaction back).
                return refused.status, refused.to_problem(instance=request.path)
        if payment.status == PaymentStatus.FAILED:
            # Answered, not raised: the declined attempt stays on record, and a retry of this key replays it.
            declined = PaymentDeclinedError(detail=payment.error or None, data={"payment": payment.reference})
            return 402, declined.to_problem(instance=request.path)
        if payload.instalment_offer_id is not None:
            plan = get_plan_view(order_ref=order.ref)  # None while the first instalment awaits the provider
        status = Order.objects.filter(pk=order.pk).values_list("status", flat=True).first()
        return 201, as_json(
            PaymentOut(
                reference=payment.reference,
                status=payment.status,
                amount=money_out(order.money(payment.amount)),
                method=payment.method,
                order_status=status,
                action_url=payment.action_url,
                instalment_plan=plan_out(plan, pay_url=lambda n: instalment_pay_url(request, order, n))
                if plan is not None
                else None,
            )
        )

    response = idempotent_write(request, action)
    if response.status_code >= 400:
        response["Content-Type"] = PROBLEM_CONTENT_TYPE
    return response
