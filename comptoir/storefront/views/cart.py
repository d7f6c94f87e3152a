"""The cart page and adding to the cart from a product page.

Every change is a plain POST that works without JavaScript (it redirects back to the cart, or re-renders it
with the message and a 409/422). With htmx the same URLs answer with the cart's body alone (or the product
page's confirmation), and refused changes are swapped in with their message (htmx is configured to swap
409/422). Prices shown are today's, from `checkout.queries.summarize`; nothing the browser sends about
prices is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from comptoir.catalog.errors import ProductNotFoundError
from comptoir.catalog.queries import get_variant_brief
from comptoir.checkout.queries import CartLine, CheckoutSummary, summarize
from comptoir.checkout.services import (
    add_to_cart,
    apply_voucher,
    remove_cart_line,
    remove_voucher,
    set_cart_line_quantity,
)
from comptoir.core.errors import DomainError
from comptoir.core.models import Channel
from comptoir.inventory.errors import InsufficientStockError
from comptoir.pricing import ratelimit
from comptoir.pricing.totals import LineTotal
from comptoir.storefront import cart_session
from comptoir.storefront.csrf import origin_checked
from comptoir.storefront.forms import parse_int
from comptoir.storefront.views._common import render_page, require_channel, wants_partial

MAX_ID = 2**62
# Voucher codes are guessable secrets too: a client may try a few, not a dictionary.
VOUCHER_TRIES = ratelimit.RateLimit(scope="checkout-voucher", limit=20, window=600)

# Errors whose `detail` is only their (English, untranslated) title get these words instead.
_FRIENDLY = {
    "cart-not-found": lambda: _("Your cart has changed: this item is no longer in it."),
    "checkout-completed": lambda: _("This cart has already been ordered."),
    "payment-method-unavailable": lambda: _("This payment method is not available. Please choose another."),
    "delivery-unavailable": lambda: _("This delivery option is not available any more. Please choose another."),
    "order-state": lambda: _("This order is not waiting for a payment."),
    "payment-state": lambda: _("Nothing is left to pay on this order."),
    "gift-card-not-usable": lambda: _("This gift card cannot be used for this order."),
}


def parse_quantity(raw: str | None) -> int:
    """A whole number as typed; -1 for anything else (the services word the refusal)."""
    raw = (raw or "").strip()
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        return -1
    return int(raw)


def item_label(product_name: str, variant_label: str) -> str:
    return f"{product_name} — {variant_label}" if variant_label else product_name


def explain(error: DomainError, *, labels: Mapping[int, str] | None = None) -> str:
    """What the buyer reads for a refused change: short lines named by product ("Only 2 left of Blue shirt
    — M."), translated; never an internal id."""
    labels = labels or {}
    if isinstance(error, InsufficientStockError):
        parts = []
        for shortage in error.shortages:
            item = labels.get(shortage.variant_id) or _("this item")
            if shortage.available <= 0:
                parts.append(_("%(item)s is sold out.") % {"item": item})
            else:
                parts.append(
                    ngettext("Only %(count)d left of %(item)s.", "Only %(count)d left of %(item)s.", shortage.available)
                    % {"count": shortage.available, "item": item}
                )
        return " ".join(parts) or _("Some items are no longer in stock.")
    if str(error.detail) == str(error.title):
        friendly = _FRIENDLY.get(error.code)
        return friendly() if friendly else _("This could not be done. Please check and try again.")
    return str(error.detail)


def swap_status(error: DomainError) -> int:
    """422 for input the buyer can correct, else 409: the two statuses htmx swaps in with their message."""
    return 422 if error.status == 422 else 409


def too_many_tries(retry_after: int) -> str:
    minutes = max(1, -(-retry_after // 60))
    return ngettext(
        "Too many tries. Please wait %(minutes)d minute before trying again.",
        "Too many tries. Please wait %(minutes)d minutes before trying again.",
        minutes,
    ) % {"minutes": minutes}


def line_problem(line: CartLine, *, held: int = 0) -> str:
    """Why a line cannot be bought as it is, for the buyer ('' when it can)."""
    if line.unit_price is None:
        return _("No longer available. Please remove it to continue.")
    if line.available is not None and line.quantity > line.available + held:
        available = line.available + held
        if not available:
            return _("Sold out. Please remove it to continue.")
        return ngettext("Only %(count)d left.", "Only %(count)d left.", available) % {"count": available}
    return ""


def labels_of(lines: Iterable[CartLine]) -> dict[int, str]:
    return {line.variant_id: line.label for line in lines}


def variant_labels(channel: Channel, variant_id: int) -> dict[int, str]:
    """The buyer's name for one variant not (yet) in the cart, for an error message. Two queries."""
    try:
        brief = get_variant_brief(channel=channel, variant_id=variant_id)
    except ProductNotFoundError:
        return {}
    return {variant_id: item_label(brief.product_name, brief.label if brief.label != brief.sku else "")}


@dataclass(frozen=True, slots=True)
class CartRow:
    line: CartLine
    total: LineTotal | None
    problem: str
    error: str
    """Why the buyer's last change to this line was refused."""

    @property
    def max_quantity(self) -> int:
        return min(self.line.max_quantity or 999, 999)


def cart_rows(
    summary: CheckoutSummary, *, held: Mapping[int, int] | None = None, line_errors: Mapping[int, str] | None = None
) -> list[CartRow]:
    """The lines as the cart and checkout show them: today's line total, and what stops each one."""
    totals = {line.line_id: line for line in summary.totals.lines}
    held, line_errors = held or {}, line_errors or {}
    return [
        CartRow(
            line,
            totals.get(str(line.id)),
            line_problem(line, held=held.get(line.variant_id, 0)),
            line_errors.get(line.id, ""),
        )
        for line in summary.lines
    ]


def render_cart(
    request: HttpRequest,
    cart,
    *,
    message: str = "",
    line_errors: Mapping[int, str] | None = None,
    voucher_message: str = "",
    status: int = 200,
) -> HttpResponse:
    """The cart page, or its body alone for htmx. A fixed number of queries whatever the line count."""
    summary = summarize(cart) if cart is not None else None
    rows = cart_rows(summary, line_errors=line_errors) if summary else []
    shown = {row.line.id for row in rows}
    # A refusal about a line that is not (any more) in this cart is said at the top.
    message = " ".join([message, *(m for line_id, m in (line_errors or {}).items() if line_id not in shown)]).strip()
    voucher_error = voucher_message or (
        explain(summary.voucher_error) if summary and summary.voucher_error and cart.voucher_code else ""
    )
    context = {
        "cart": cart,
        "summary": summary,
        "rows": rows,
        "count": summary.quantity if summary else 0,
        "message": message,
        "voucher_error": voucher_error,
        "can_check_out": bool(rows) and not any(row.problem for row in rows),
        "title": _("Your cart"),
        "noindex": True,
        "oob": wants_partial(request),
    }
    response = render_page(request, "storefront/cart/cart.html", context, partial="cart_body", status=status)
    patch_vary_headers(response, ["Cookie"])
    return response


@never_cache
@require_safe
@cart_session.cart_cookie
def cart_page(request: HttpRequest) -> HttpResponse:
    require_channel(request)
    return render_cart(request, cart_session.find_cart(request))


@never_cache
@require_safe
@cart_session.cart_cookie
def cart_count(request: HttpRequest) -> HttpResponse:
    """The header's item count (loaded by htmx after the page, so shop pages stay cacheable). One query; none
    for a visitor with neither a cart nor a session cookie (every page view of a browsing visitor asks)."""
    if not cart_session.cookie_token(request) and settings.SESSION_COOKIE_NAME not in request.COOKIES:
        count = 0
    else:
        count = cart_session.cart_quantity(cart_session.find_cart(request))
    response = render(request, "storefront/cart/count.html", {"count": count})
    patch_vary_headers(response, ["Cookie"])
    return response


@never_cache
@origin_checked  # a cached product page carries no CSRF token: see storefront/csrf.py
@require_POST
@cart_session.cart_cookie
def add(request: HttpRequest) -> HttpResponse:
    """Add a variant from its product page: the confirmation for htmx, else a redirect to the cart."""
    channel = require_channel(request)
    variant_id = parse_int(request.POST.get("variant"), default=0, low=0, high=MAX_ID)
    quantity = parse_quantity(request.POST.get("quantity") or "1")
    cart = cart_session.get_or_open_cart(request)
    try:
        add_to_cart(checkout_id=cart.pk, variant_id=variant_id, quantity=quantity)
    except DomainError as error:
        message = explain(error, labels=variant_labels(channel, variant_id))
        already = max((s.requested - quantity for s in getattr(error, "shortages", [])), default=0)
        if already > 0:
            message += " " + ngettext(
                "You already have %(count)d in your cart.", "You already have %(count)d in your cart.", already
            ) % {"count": already}
        if wants_partial(request):
            return render(request, "storefront/cart/added.html", {"error": message}, status=swap_status(error))
        return render_cart(request, cart, message=message, status=swap_status(error))
    if wants_partial(request):
        summary = summarize(cart)
        line = next((line for line in summary.lines if line.variant_id == variant_id), None)
        context = {"summary": summary, "line": line, "added": quantity, "count": summary.quantity}
        return render(request, "storefront/cart/added.html", context)
    messages.success(request, _("Added to your cart."))
    return redirect("checkout:cart")


def _done(request: HttpRequest, cart, *, anchor: str = "") -> HttpResponse:
    """After a change: the new cart body for htmx, else back to the cart page (POST, redirect, GET)."""
    if wants_partial(request):
        return render_cart(request, cart)
    return redirect(reverse("checkout:cart") + anchor)


def _gone(request: HttpRequest) -> HttpResponse:
    return render_cart(request, None, message=_("Your cart has expired or was already ordered."), status=409)


@never_cache
@require_POST
@cart_session.cart_cookie
def update_line(request: HttpRequest, line_id: int) -> HttpResponse:
    """Set a line's quantity (the stepper's minus and plus buttons send `step`; 0 removes the line)."""
    require_channel(request)
    cart = cart_session.find_cart(request)
    if cart is None:
        return _gone(request)
    quantity = parse_quantity(request.POST.get("quantity"))
    step = request.POST.get("step")
    if quantity >= 0 and step in ("-1", "1"):
        quantity = max(0, quantity + int(step))
    try:
        set_cart_line_quantity(checkout_id=cart.pk, line_id=line_id, quantity=quantity)
    except DomainError as error:
        summary_labels = labels_of(summarize(cart).lines)
        return render_cart(
            request, cart, line_errors={line_id: explain(error, labels=summary_labels)}, status=swap_status(error)
        )
    return _done(request, cart)


@never_cache
@require_POST
@cart_session.cart_cookie
def remove_line(request: HttpRequest, line_id: int) -> HttpResponse:
    require_channel(request)
    cart = cart_session.find_cart(request)
    if cart is None:
        return _gone(request)
    try:
        remove_cart_line(checkout_id=cart.pk, line_id=line_id)
    except DomainError as error:
        return render_cart(request, cart, message=explain(error), status=swap_status(error))
    return _done(request, cart)


@never_cache
@require_POST
@cart_session.cart_cookie
def voucher(request: HttpRequest) -> HttpResponse:
    """Apply (`voucher_action=apply`, the code in `voucher`) or remove the cart's voucher."""
    require_channel(request)
    cart = cart_session.find_cart(request)
    if cart is None:
        return _gone(request)
    if request.POST.get("voucher_action") == "remove":
        return _done(request, remove_voucher(checkout_id=cart.pk), anchor="#voucher")
    retry_after = ratelimit.hit(VOUCHER_TRIES, key=ratelimit.client_key(request))
    if retry_after is not None:
        response = render_cart(request, cart, voucher_message=too_many_tries(retry_after), status=429)
        response["Retry-After"] = str(retry_after)
        return response
    try:
        cart = apply_voucher(checkout_id=cart.pk, code=request.POST.get("voucher", ""))
    except DomainError as error:
        return render_cart(request, cart, voucher_message=explain(error), status=swap_status(error))
    return _done(request, cart, anchor="#voucher")
