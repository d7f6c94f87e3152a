"""Paying one instalment by hand: the page the reminder e-mail links to, by the order's tracking token.

The token is the only key: a wrong token, or an instalment number the order does not have, is a 404. The
buyer may pay a failed instalment (or one not yet due) with the saved card's replacement; that card is then
saved for the instalments that follow.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from comptoir.core.errors import DomainError
from comptoir.orders.errors import OrderNotFoundError
from comptoir.orders.models import Order
from comptoir.orders.queries import get_order_by_token
from comptoir.payments.gateways import available_methods
from comptoir.payments.instalments.queries import PlanView, get_plan_view
from comptoir.payments.instalments.services import pay_instalment_by_hand
from comptoir.payments.models import PaymentStatus
from comptoir.pricing import ratelimit
from comptoir.storefront.views.account import private_page
from comptoir.storefront.views.cart import explain, swap_status, too_many_tries
from comptoir.storefront.views.pay import MAX_CARD_NUMBER, PAYMENT_TRIES, TEST_CARDS


def _render(request, order: Order, plan: PlanView, row, *, method, error: str = "", status: int = 200):
    context = {
        "order": order,
        "plan": plan,
        "instalment": row,
        "methods": available_methods(),
        "method": method,
        "error": error,
        "test_cards": TEST_CARDS,
        "title": _("Pay an instalment"),
        "noindex": True,
    }
    return render(request, "storefront/orders/pay_instalment.html", context, status=status)


@private_page
@require_http_methods(["GET", "POST"])
def pay_instalment(request: HttpRequest, token: str, sequence: int) -> HttpResponse:
    """The instalment, the plan's schedule and the card form; a POST pays it (`pay_instalment_by_hand`)."""
    try:
        order = get_order_by_token(token=token)
    except OrderNotFoundError as exc:
        raise Http404("No such order.") from exc
    plan = get_plan_view(order_ref=order.ref)
    row = next((i for i in plan.instalments if i.sequence == sequence), None) if plan else None
    if plan is None or row is None:
        raise Http404("No such instalment.")
    track_url = reverse("orders:track", kwargs={"token": order.token})
    methods = available_methods()
    by_code = {m.code: m for m in methods}
    method = by_code.get(request.POST.get("method", "")) or by_code.get(order.payment_method)
    method = method or next(iter(methods), None)
    if request.method == "GET" or not row.payable or not plan.open:
        return _render(request, order, plan, row, method=method)
    if method is None:
        return _render(request, order, plan, row, method=None, error=_("No payment method is available."), status=409)
    retry_after = ratelimit.hit(PAYMENT_TRIES, key=ratelimit.client_key(request))
    if retry_after is not None:
        response = _render(request, order, plan, row, method=method, error=too_many_tries(retry_after), status=429)
        response["Retry-After"] = str(retry_after)
        return response
    data = {name: (request.POST.get(name) or "")[:MAX_CARD_NUMBER] for name in method.fields}
    try:
        _instalment, payment = pay_instalment_by_hand(
            order_ref=order.ref, sequence=sequence, method_code=method.code, data=data
        )
    except DomainError as error:
        return _render(request, order, plan, row, method=method, error=explain(error), status=swap_status(error))
    if payment.status == PaymentStatus.FAILED:
        plan = get_plan_view(order_ref=order.ref)
        row = next(i for i in plan.instalments if i.sequence == sequence)
        error = payment.error or _("The payment was declined.")
        return _render(request, order, plan, row, method=method, error=error, status=422)
    return redirect(track_url)
