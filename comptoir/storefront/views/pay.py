"""Paying a placed order, and the confirmation page.

Both are reached by the order's secret token (the one in the tracking link): an unknown token is a 404,
whatever cart cookie the browser carries. Card data never reaches the shop: only the TEST provider's form
posts here, and its "card number" is one of the published test numbers, which only chooses an outcome.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from django_htmx.http import HttpResponseClientRedirect

from comptoir.core.errors import DomainError
from comptoir.orders.errors import OrderNotFoundError
from comptoir.orders.instalments import offers_for_order, pay_order_in_instalments
from comptoir.orders.models import Order, OrderStatus
from comptoir.orders.queries import get_order_to_pay
from comptoir.orders.services.payment import pay_order, return_from_provider
from comptoir.payments.gateways import PaymentMethod, available_methods, gateway_for
from comptoir.payments.models import Payment, PaymentStatus
from comptoir.payments.offline_queries import usable_methods
from comptoir.payments.providers.offline import OfflineGateway
from comptoir.payments.providers.test import (
    DECLINED_CARD,
    INSUFFICIENT_FUNDS_CARD,
    LATE_WEBHOOK_CARD,
    SUCCESS_CARD,
    THREE_DS_CARD,
    UNREACHABLE_CARD,
)
from comptoir.pricing import ratelimit
from comptoir.storefront import cart_session
from comptoir.storefront.views._common import wants_partial
from comptoir.storefront.views.cart import explain, swap_status, too_many_tries

# Card-testing defence. Each try asks the provider: a client may retry a declined card a few times, not test
# card numbers in bulk. Three counts, each refusing with 429 + Retry-After: per client (IP), per order (a
# bot rotating addresses on one order), per card (one card tried on many orders or from many addresses; the
# fingerprint is a keyed hash of the number, or the provider's own fingerprint).
PAYMENT_TRIES = ratelimit.RateLimit(scope="checkout-payment", limit=10, window=600)
ORDER_PAYMENT_TRIES = ratelimit.RateLimit(scope="checkout-payment-order", limit=10, window=600)


# Tries per card number (its fingerprint): settings.COMPTOIR["CARD_PAYMENT_TRIES"], 10 by default. A load test
# where every buyer pays with the one TEST success card raises it (bench/flash_sale.py).
def _card_payment_tries() -> ratelimit.RateLimit:
    return ratelimit.RateLimit(
        scope="checkout-payment-card", limit=settings.COMPTOIR.get("CARD_PAYMENT_TRIES", 10), window=600
    )


MAX_CARD_NUMBER = 40


def _order(token: str) -> Order:
    try:
        return get_order_to_pay(token=token)
    except OrderNotFoundError as exc:
        raise Http404("No such order.") from exc


def _spaced(number: str) -> str:
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


TEST_CARDS = (
    (_spaced(SUCCESS_CARD), "pays"),
    (_spaced(DECLINED_CARD), "declined"),
    (_spaced(INSUFFICIENT_FUNDS_CARD), "insufficient_funds"),
    (_spaced(THREE_DS_CARD), "three_ds"),
    (_spaced(LATE_WEBHOOK_CARD), "late_webhook"),
    (_spaced(UNREACHABLE_CARD), "unreachable"),
)


def _method(order: Order, methods: list[PaymentMethod], posted: str | None) -> PaymentMethod | None:
    """The method the buyer pays with: the one they picked here, else the one chosen at checkout."""
    by_code = {method.code: method for method in methods}
    return by_code.get(posted or "") or by_code.get(order.payment_method) or (methods[0] if methods else None)


def _methods(order: Order) -> list[PaymentMethod]:
    """The methods offered for this order (offline ones only where its channel, delivery and amount allow)."""
    return usable_methods(
        available_methods(order.channel_id),
        channel_id=order.channel_id,
        delivery_kind=order.delivery_kind,
        total=order.amount_due,
    )


def _page(
    request: HttpRequest,
    order: Order,
    *,
    method,
    error: str = "",
    status: int = 200,
    element: Payment | None = None,
    offer: str = "",
) -> HttpResponse:
    methods = _methods(order)
    context = {
        "offers": offers_for_order(order),
        "offer": offer,
        "element": element,
        "publishable_key": _publishable_key(order, element),
        "return_url": request.build_absolute_uri(reverse("checkout:pay_return", kwargs={"token": order.token})),
        "order": order,
        "amount_due": order.amount_due,
        "methods": methods,
        "method": method,
        "error": error,
        "test_cards": TEST_CARDS,
        "title": _("Payment"),
        "noindex": True,
    }
    name = "storefront/checkout/pay.html#pay_form" if wants_partial(request) else "storefront/checkout/pay.html"
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    if element is not None:
        # Stripe's Payment Element: its script, frames and API calls come from Stripe, on this page only.
        response = _allow_stripe(response)
    return response


def _publishable_key(order: Order, element: Payment | None) -> str:
    if element is None:
        return ""
    gateway = gateway_for(element.method, order.channel_id)
    return getattr(gateway, "publishable_key", "") if gateway else ""


STRIPE_CSP = {
    "script-src": ["https://js.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
    "img-src": ["https://*.stripe.com"],
}


def _allow_stripe(response: HttpResponse) -> HttpResponse:
    """Widen the site's CSP for this response only (Django's per-view override replaces the policy)."""
    from django.conf import settings

    policy = {key: list(value) for key, value in settings.SECURE_CSP.items()}
    for directive, sources in STRIPE_CSP.items():
        policy[directive] = [*policy.get(directive, [policy.get("default-src", ["'self'"])[0]]), *sources]
    response._csp_config = policy
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@cart_session.cart_cookie
def pay(request: HttpRequest, token: str) -> HttpResponse:
    """The amount due and the chosen method's form; a POST pays (`pay_order`). A decline is shown with its
    reason and the buyer may try again; success goes to the confirmation."""
    order = _order(token)
    done_url = reverse("checkout:done", kwargs={"token": order.token})
    if order.status != OrderStatus.AWAITING_PAYMENT:
        return HttpResponseClientRedirect(done_url) if wants_partial(request) else redirect(done_url)
    cart_session.forget(request, token=str(order.checkout_token))
    methods = _methods(order)
    method = _method(order, methods, request.POST.get("method") if request.method == "POST" else None)
    if request.method == "GET":
        element = _open_element(order, methods)
        if element is not None:
            method = _method(order, methods, element.method)
        return _page(request, order, method=method, element=element)
    if method is None:
        return _page(request, order, method=None, error=_("No payment method is available."), status=409)
    data = {name: (request.POST.get(name) or "")[:MAX_CARD_NUMBER] for name in method.fields}
    gateway = gateway_for(method.code, order.channel_id)
    fingerprint = gateway.fingerprint(data) if gateway is not None and hasattr(gateway, "fingerprint") else ""
    for rule, key in (
        (PAYMENT_TRIES, ratelimit.client_key(request)),
        (ORDER_PAYMENT_TRIES, f"order:{order.pk}"),
        (_card_payment_tries(), f"card:{fingerprint}" if fingerprint else None),
    ):
        retry_after = ratelimit.hit(rule, key=key) if key else None
        if retry_after is not None:
            response = _page(request, order, method=method, error=too_many_tries(retry_after), status=429)
            response["Retry-After"] = str(retry_after)
            return response
    # What redirect providers need (Mollie, PayPal): absolute addresses back to the shop, the method chosen.
    data["return_url"] = request.build_absolute_uri(reverse("checkout:pay_return", kwargs={"token": order.token}))
    data["cancel_url"] = request.build_absolute_uri(reverse("checkout:pay", kwargs={"token": order.token}))
    data["method"] = method.code
    data["description"] = _("Order %(number)s") % {"number": order.number}
    # "Pay in full" or one of the instalment offers shown on the page (its id).
    offer = request.POST.get("offer") or ""
    try:
        if offer:
            if not offer.isdigit():
                return _page(request, order, method=method, error=_("Choose how to pay."), status=422)
            payment = pay_order_in_instalments(
                order_id=order.pk, offer_id=int(offer), method_code=method.code, data=data
            )
        else:
            payment = pay_order(order_id=order.pk, method_code=method.code, data=data, fingerprint=fingerprint)
    except DomainError as error:
        return _page(request, order, method=method, error=explain(error), status=swap_status(error), offer=offer)
    return _after_payment(request, order, method, payment, offer=offer)


def _open_element(order: Order, methods: list[PaymentMethod]) -> Payment | None:
    """The payment whose provider fields (Stripe's Payment Element) the buyer was sent back to this page to
    fill in, if any: the latest one awaiting the buyer with a client secret, of a method still offered."""
    offered = [m.code for m in methods if "card_number" not in m.fields]
    if not offered:
        return None
    return (
        Payment.objects.filter(order_ref=order.ref, method__in=offered, status=PaymentStatus.REQUIRES_ACTION)
        .exclude(client_secret="")
        .order_by("-created_at", "-pk")
        .first()
    )


def _after_payment(
    request: HttpRequest, order: Order, method: PaymentMethod, payment: Payment, *, offer: str = ""
) -> HttpResponse:
    done_url = reverse("checkout:done", kwargs={"token": order.token})
    if payment.status == PaymentStatus.FAILED:
        message = payment.error or _("The payment was declined.")
        return _page(request, order, method=method, error=message, status=422, offer=offer)
    if payment.status == PaymentStatus.REQUIRES_ACTION:
        if payment.client_secret:  # the provider's fields on our page finish it (Stripe's Payment Element):
            url = reverse("checkout:pay", kwargs={"token": order.token})  # a full page, which loads its script
            return HttpResponseClientRedirect(url) if wants_partial(request) else redirect(url)
        if payment.action_url:  # the bank's check or the provider's page, then back to `pay_return`
            url = payment.action_url
            return HttpResponseClientRedirect(url) if wants_partial(request) else redirect(url)
    return HttpResponseClientRedirect(done_url) if wants_partial(request) else redirect(done_url)


@never_cache
@require_safe
@cart_session.cart_cookie
def pay_return(request: HttpRequest, token: str) -> HttpResponse:
    """Where the provider sends the buyer back (3-D Secure, a redirect, the Payment Element): we ask the
    provider how it went (never trusting the query string) and show the outcome."""
    order = _order(token)
    done_url = reverse("checkout:done", kwargs={"token": order.token})
    if order.status == OrderStatus.AWAITING_PAYMENT:
        try:
            payment = return_from_provider(order_id=order.pk)
        except DomainError as error:
            return _page(request, order, method=None, error=explain(error), status=swap_status(error))
        order.refresh_from_db()
        if payment is not None and payment.status in (PaymentStatus.FAILED, PaymentStatus.CANCELLED):
            methods = available_methods(order.channel_id)
            method = _method(order, methods, payment.method)
            return _page(
                request, order, method=method, error=payment.error or _("The payment was declined."), status=422
            )
    return redirect(done_url)


@never_cache
@require_safe
@cart_session.cart_cookie
def done(request: HttpRequest, token: str) -> HttpResponse:
    """The confirmation: the order number, what happens next, the tracking link, and for a guest an
    invitation to create an account."""
    order = _order(token)
    cart_session.forget(request, token=str(order.checkout_token))
    user = request.user
    context = {
        "order": order,
        "paid": order.status not in (OrderStatus.AWAITING_PAYMENT, OrderStatus.CANCELLED),
        "awaiting_payment": order.status == OrderStatus.AWAITING_PAYMENT,
        "confirming": order.status == OrderStatus.AWAITING_PAYMENT
        and Payment.objects.filter(order_ref=order.ref, status=PaymentStatus.PENDING)
        .exclude(
            provider=OfflineGateway.code
        )  # a bank transfer, cash on delivery, in store: the instructions say what to do
        .exists(),
        "guest": not user.is_authenticated,
        "collect": order.pickup_store_id is not None,
        "title": _("Thank you for your order"),
        "noindex": True,
    }
    return render(request, "storefront/checkout/done.html", context)
