"""An order's instalments for its buyer: the offers it may still be paid with, and its plan's schedule.

Reached as every order endpoint is (comptoir.orders.api): by tracking token (`/orders/by-token/{token}/…`,
anyone holding the order's link) or, for the signed-in customer who placed it, by number
(`/orders/{number}/…`). Someone else's order is a 404, never a 403. Paying with an offer is
`POST /orders/by-token/{token}/payments` with `instalment_offer_id` (comptoir.checkout.api).
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from comptoir.api.buyer_auth import customer
from comptoir.orders.api import storefront_url
from comptoir.orders.instalments import offers_for_order
from comptoir.orders.models import Order
from comptoir.orders.queries import (
    get_order_row_by_token,
    get_order_row_for_customer,
    get_order_to_pay,
    get_order_to_pay_for_customer,
)
from comptoir.payments.instalments.api_shapes import (
    InstalmentOffersOut,
    InstalmentPlanOut,
    offers_out,
    plan_out,
)
from comptoir.payments.instalments.errors import InstalmentPlanNotFoundError
from comptoir.payments.instalments.queries import get_plan_view

router = Router(tags=["orders"])


def instalment_plan_out(request: HttpRequest, order: Order) -> InstalmentPlanOut:
    """The order's plan as its buyer sees it (the same read as the order's page). Two queries; 404
    `instalment-plan-not-found` when the order is not paid in instalments (or its first instalment is still
    with the provider: the plan starts once it is captured)."""
    plan = get_plan_view(order_ref=order.ref)
    if plan is None:
        raise InstalmentPlanNotFoundError(data={"order": order.number})
    return plan_out(plan, pay_url=lambda sequence: instalment_pay_url(request, order, sequence))


def instalment_pay_url(request: HttpRequest, order: Order, sequence: int) -> str:
    """The storefront page where the buyer pays instalment `sequence` by hand (the reminder e-mail's link)."""
    kwargs = {"token": order.token, "sequence": sequence}
    return storefront_url(
        request, order, "orders:pay_instalment", kwargs, f"orders/track/{order.token}/instalments/{sequence}/"
    )


def _offers(order: Order) -> InstalmentOffersOut:
    return offers_out(order.amount_due, offers_for_order(order))


OFFERS_DOC = """The instalment offers this order may be paid with now, each with its whole schedule (the first
instalment is paid with the order, today). Empty once the order is paid or cancelled, or when the shop's rules
(amount, the buyer's country, the kinds of products) allow none. Three queries."""

PLAN_DOC = """The order's instalment plan: every instalment with its amount, due date, status and when it was
paid, and what is paid and still to pay. 404 `instalment-plan-not-found` when the order is not paid in
instalments, or while its first instalment is still with the provider. Three queries."""


@router.get(
    "/orders/by-token/{token}/instalment-offers",
    response=InstalmentOffersOut,
    summary="Instalment offers for an order (tracking token)",
    description=OFFERS_DOC,
)
def order_instalment_offers_by_token(request: HttpRequest, token: str):
    return _offers(get_order_to_pay(token=token))


@router.get(
    "/orders/by-token/{token}/instalments",
    response=InstalmentPlanOut,
    summary="An order's instalment schedule (tracking token)",
    description=PLAN_DOC,
)
def order_instalments_by_token(request: HttpRequest, token: str):
    return instalment_plan_out(request, get_order_row_by_token(token=token))


@router.get(
    "/orders/{number}/instalment-offers",
    response=InstalmentOffersOut,
    auth=customer,
    summary="Instalment offers for one of my orders",
    description=OFFERS_DOC,
)
def my_order_instalment_offers(request: HttpRequest, number: str):
    return _offers(get_order_to_pay_for_customer(user_id=request.auth.pk, number=number))


@router.get(
    "/orders/{number}/instalments",
    response=InstalmentPlanOut,
    auth=customer,
    summary="The instalment schedule of one of my orders",
    description=PLAN_DOC,
)
def my_order_instalments(request: HttpRequest, number: str):
    """Another customer's order, or a guest's, is a 404."""
    return instalment_plan_out(request, get_order_row_for_customer(user_id=request.auth.pk, number=number))
