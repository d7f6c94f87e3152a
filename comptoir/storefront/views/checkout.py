"""The one-page checkout: contact, delivery address, delivery choice, billing address, codes, payment method,
and the order summary with the "Place order" button.

The page is one form. Without JavaScript the buyer fills it in and presses "Place order" once (the address
section's own button first shows the delivery options for that address); the place view saves each section
the buyer changed, each through its own service, then places the order. With htmx each section posts to its
own small endpoint as soon as it changes, which calls one service and answers with that section and the
summary as out-of-band swaps (`hx-swap="none"` on the trigger), so what the buyer is typing elsewhere is
never replaced. Refused input comes back with status 422 (or 409) and the message at its field.

Prices, totals and stock are read only from `checkout.queries.summarize`: no price or total the browser
sends is ever read. Entering the page holds the cart's stock for the buyer (`hold_stock`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from comptoir.checkout import services
from comptoir.checkout.delivery import delivery_choices
from comptoir.checkout.errors import CheckoutIncompleteError, PriceChangedError
from comptoir.checkout.models import Checkout, DeliveryKind
from comptoir.checkout.queries import CheckoutSummary, cart_lines, get_cart, summarize
from comptoir.core.addresses import AddressError, AddressForm
from comptoir.core.errors import DomainError
from comptoir.core.models import Channel
from comptoir.core.money import Money
from comptoir.inventory.errors import InsufficientStockError
from comptoir.orders.models import Order, OrderStatus
from comptoir.payments.gateways import available_methods
from comptoir.payments.offline_queries import usable_methods
from comptoir.pricing import ratelimit
from comptoir.pricing.errors import GiftCardError, VoucherError
from comptoir.storefront import cart_session
from comptoir.storefront.views._common import require_channel, wants_partial
from comptoir.storefront.views.cart import (
    VOUCHER_TRIES,
    cart_rows,
    explain,
    labels_of,
    swap_status,
    too_many_tries,
)
from comptoir.storefront.waiting_room import checkout_gate

SECTIONS = ("contact", "address", "delivery", "billing", "business", "codes", "payment", "summary")
# Where place_order's "missing step" messages are shown (fields it names `line:<id>` go to the summary).
FIELD_SECTIONS = {
    "email": "contact",
    "shipping_address": "address",
    "delivery": "delivery",
    "billing_address": "billing",
    "vat_number": "business",
    "company_name": "business",
    "voucher": "codes",
    "payment_method": "payment",
    "lines": "summary",
}
ADDRESS_FIELDS = (
    "full_name",
    "company",
    "street_address_1",
    "street_address_2",
    "postal_code",
    "city",
    "city_area",
    "country_area",
    "phone",
)
DELIVERY_GROUPS = (
    (DeliveryKind.SHIPPING, gettext_lazy("Delivery to your address")),
    (DeliveryKind.LOCAL_DELIVERY, gettext_lazy("Local delivery")),
    (DeliveryKind.PICKUP_POINT, gettext_lazy("Pickup points")),
    (DeliveryKind.COLLECT, gettext_lazy("Click & collect in store")),
)


# --- Reads the page needs ---------------------------------------------------------------------------------------


def shipping_countries(channel: Channel) -> list[str] | None:
    """ISO codes of the countries the channel's active delivery methods serve; None (every country) when it
    has none set up yet. One query. (A read for `comptoir.fulfillment.shipping` to own.)"""
    from comptoir.fulfillment.models import ShippingZone

    rows = (
        ShippingZone.objects.filter(is_active=True, methods__is_active=True, methods__currency=channel.currency)
        .filter(Q(channel=channel) | Q(channel__isnull=True))
        .values_list("countries", flat=True)
    )
    codes = sorted({str(code).upper() for countries in rows if isinstance(countries, list) for code in countries})
    return codes or None


@dataclass(frozen=True, slots=True)
class DeliveryGroup:
    kind: str
    label: str
    options: list


def delivery_groups(cart: Checkout, summary: CheckoutSummary) -> tuple[list[DeliveryGroup], str]:
    """The delivery choices for this cart and address, grouped by kind, or ([], why there are none)."""
    totals = summary.totals
    quantities = {line.variant_id: line.quantity for line in summary.lines if line.tracks_stock}
    try:
        options = delivery_choices(
            cart,
            weight_grams=summary.weight_grams,
            subtotal=totals.subtotal - totals.discount,
            quantities=quantities,
        )
    except DomainError as error:
        return [], explain(error)
    groups = [
        DeliveryGroup(kind, str(label), [option for option in options if option.kind == kind])
        for kind, label in DELIVERY_GROUPS
    ]
    return [group for group in groups if group.options], ""


# --- What one rendering of the page (or of some of its sections) needs -------------------------------------------


@dataclass
class Submission:
    """The state of one request: the cart as the services left it, the messages for each section, the
    address forms as the buyer typed them, and the status to answer with."""

    cart: Checkout
    errors: dict[str, list[str]] = field(default_factory=dict)
    forms: dict[str, AddressForm] = field(default_factory=dict)
    typed_email: str | None = None
    """The e-mail as the buyer typed it when it was refused (shown back to them, not saved)."""
    typed_business: dict[str, str] | None = None
    """The company name and VAT number as typed when they were refused (shown back, not saved)."""
    status: int = 200
    banner: str = ""
    price_banner: dict | None = None

    def fail(self, section: str, message: str, *, status: int = 422) -> None:
        self.errors.setdefault(section, []).append(message)
        self.status = status if self.status == 200 else max(self.status, status)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.banner and not self.price_banner


def _address_form(cart: Checkout, prefix: str, data: QueryDict | None, countries: list[str] | None) -> AddressForm:
    stored = cart.shipping_address if prefix == "shipping" else cart.billing_address
    initial = dict(stored) if stored else {"country_code": cart.channel.default_country}
    form = AddressForm(data, prefix=prefix, initial=initial, allowed_countries=countries)
    return form


def _posted_address(data: QueryDict, prefix: str) -> bool:
    """Whether the buyer typed anything in this address (the country select is always sent)."""
    return any((data.get(f"{prefix}-{name}") or "").strip() for name in ADDRESS_FIELDS)


def build_context(
    request: HttpRequest,
    sub: Submission,
    *,
    sections: tuple[str, ...] = SECTIONS,
    hold: dict | None = None,
    oob: bool = False,
) -> dict:
    """Everything the sections in `sections` show. The summary comes from `summarize`, once."""
    cart = sub.cart
    summary = summarize(cart)
    context: dict = {
        "cart": cart,
        "summary": summary,
        "rows": cart_rows(summary),
        "totals": summary.totals,
        "errors": sub.errors,
        "banner": sub.banner,
        "price_banner": sub.price_banner,
        "hold": hold or {},
        "sections": sections,
        "oob": oob,
        "nothing_due": bool(summary.lines) and summary.totals.amount_due.amount <= 0,
        "title": _("Checkout"),
        "noindex": True,
    }
    if "contact" in sections:
        user = request.user
        context["email"] = (
            sub.typed_email
            if sub.typed_email is not None
            else cart.email or (user.email if user.is_authenticated else "")
        )
    if "address" in sections or "billing" in sections:
        countries = shipping_countries(cart.channel) if "address" in sections else None
        context["shipping_form"] = sub.forms.get("shipping") or _address_form(cart, "shipping", None, countries)
        context["billing_form"] = sub.forms.get("billing") or _address_form(cart, "billing", None, None)
    if "business" in sections:
        context["business"] = business_context(request, sub, summary)
    if "delivery" in sections:
        context["delivery_groups"], context["delivery_message"] = delivery_groups(cart, summary)
    if "codes" in sections:
        context["gift_cards"] = [
            {"index": i, "masked": "•••• " + code[-4:]} for i, code in enumerate(cart.gift_card_codes)
        ]
        context["voucher_problem"] = (
            explain(summary.voucher_error) if summary.voucher_error and cart.voucher_code else ""
        )
        context["gift_card_problems"] = [explain(error) for error in summary.gift_card_errors]
    if "payment" in sections:
        methods = usable_methods(
            available_methods(cart.channel_id),
            channel_id=cart.channel_id,
            delivery_kind=cart.delivery_kind,
            total=summary.totals.amount_due,
        )
        context["methods"] = methods
        context["chosen_method"] = cart.payment_method or (methods[0].code if len(methods) == 1 else "")
    return context


def render_checkout(
    request: HttpRequest,
    sub: Submission,
    *,
    sections: tuple[str, ...] = SECTIONS,
    anchor: str = "",
) -> HttpResponse:
    """htmx: the given sections and the summary, out of band. Otherwise: the whole page when something was
    refused (with its status), else a redirect back to the page (POST, redirect, GET)."""
    if wants_partial(request):
        wanted = tuple(dict.fromkeys((*sections, "summary")))
        context = build_context(request, sub, sections=wanted, oob=True)
        response = render(request, "storefront/checkout/update.html", context, status=sub.status)
    elif request.method == "POST" and sub.ok:
        return redirect(reverse("checkout:checkout") + (f"#{anchor}" if anchor else ""))
    else:
        context = build_context(request, sub)
        response = render(request, "storefront/checkout/checkout.html", context, status=sub.status)
    patch_vary_headers(response, ["HX-Request", "Cookie"])
    return response


def business_context(request: HttpRequest, sub: Submission, summary: CheckoutSummary) -> dict:
    """The "Buying for a company" part: what the buyer typed (when refused), else what the cart holds, else
    what their account saved (one query for a signed-in buyer whose cart has no company yet)."""
    cart = sub.cart
    values = sub.typed_business or {"company_name": cart.company_name, "vat_number": cart.vat_number}
    saved = False
    if sub.typed_business is None and not (cart.company_name or cart.vat_number) and request.user.is_authenticated:
        from comptoir.taxes.exemption_models import CustomerTaxProfile

        profile = CustomerTaxProfile.objects.filter(user_id=request.user.pk).first()
        if profile is not None and (profile.company_name or profile.vat_number):
            values = {"company_name": profile.company_name, "vat_number": profile.vat_number}
            saved = True
    return {
        **values,
        "saved": saved,
        "recorded": bool(cart.vat_number) and sub.typed_business is None,
        "unconfirmed": cart.vat_check == "unconfirmed",
        "applies": bool(summary.customer_tax_id),
        "open": bool(values["company_name"] or values["vat_number"] or sub.errors.get("business")),
    }


# --- Saving one section (each calls one service) ---------------------------------------------------------------


def save_email(request: HttpRequest, sub: Submission) -> None:
    email = (request.POST.get("email") or "").strip()
    if email.lower() == sub.cart.email and email:
        return
    try:
        sub.cart = services.set_email(checkout_id=sub.cart.pk, email=email)
    except DomainError as error:
        sub.typed_email = email[:254]
        sub.fail("contact", explain(error), status=swap_status(error))


def save_shipping_address(request: HttpRequest, sub: Submission) -> None:
    form = _address_form(sub.cart, "shipping", request.POST, shipping_countries(sub.cart.channel))
    sub.forms["shipping"] = form
    if not form.is_valid():
        sub.fail("address", _("Please check the address."))
        return
    if form.address.as_dict() == sub.cart.shipping_address:
        return
    try:
        sub.cart = services.set_addresses(
            checkout_id=sub.cart.pk,
            shipping=form.address.as_dict(),
            billing=sub.cart.billing_address if not sub.cart.billing_same_as_shipping else None,
            billing_same_as_shipping=sub.cart.billing_same_as_shipping,
        )
    except AddressError as error:
        for item in error.errors:
            form.add_error(item["field"] if item["field"] in form.fields else None, item["message"])
        sub.fail("address", _("Please check the address."))
    except DomainError as error:
        sub.fail("address", explain(error), status=swap_status(error))


def save_billing_address(request: HttpRequest, sub: Submission) -> None:
    same = request.POST.get("billing_same") == "1"
    if same:
        if not sub.cart.billing_same_as_shipping or sub.cart.billing_address != sub.cart.shipping_address:
            sub.cart = services.set_addresses(checkout_id=sub.cart.pk, billing_same_as_shipping=True)
        return
    if not _posted_address(request.POST, "billing"):
        if sub.cart.billing_same_as_shipping:
            sub.cart = services.set_addresses(checkout_id=sub.cart.pk, billing_same_as_shipping=False)
        return
    form = _address_form(sub.cart, "billing", request.POST, None)
    sub.forms["billing"] = form
    if not form.is_valid():
        sub.fail("billing", _("Please check the billing address."))
        return
    if form.address.as_dict() == sub.cart.billing_address and not sub.cart.billing_same_as_shipping:
        return
    try:
        sub.cart = services.set_addresses(
            checkout_id=sub.cart.pk, billing=form.address.as_dict(), billing_same_as_shipping=False
        )
    except AddressError as error:
        for item in error.errors:
            form.add_error(item["field"] if item["field"] in form.fields else None, item["message"])
        sub.fail("billing", _("Please check the billing address."))
    except DomainError as error:
        sub.fail("billing", explain(error), status=swap_status(error))


def save_business(request: HttpRequest, sub: Submission) -> None:
    company_name = (request.POST.get("company_name") or "").strip()
    vat_number = (request.POST.get("vat_number") or "").strip()
    if request.POST.get("business_action") == "remove":
        company_name = vat_number = ""
    if company_name == sub.cart.company_name and vat_number == sub.cart.vat_number:
        return
    try:
        sub.cart = services.set_business_buyer(
            checkout_id=sub.cart.pk, company_name=company_name, vat_number=vat_number
        )
    except DomainError as error:
        sub.typed_business = {"company_name": company_name[:255], "vat_number": vat_number[:40]}
        sub.fail("business", explain(error), status=swap_status(error))


def save_delivery(request: HttpRequest, sub: Submission) -> None:
    option_id = (request.POST.get("delivery_option") or "").strip()
    if not option_id or option_id == sub.cart.delivery_option_id:
        return
    try:
        sub.cart = services.set_delivery(checkout_id=sub.cart.pk, option_id=option_id)
    except DomainError as error:
        labels = labels_of(summarize(sub.cart).lines) if isinstance(error, InsufficientStockError) else {}
        message = explain(error, labels=labels)
        if isinstance(error, InsufficientStockError):
            message = _("This store cannot prepare your whole order: %(why)s") % {"why": message}
        sub.fail("delivery", message, status=swap_status(error))


def save_payment_method(request: HttpRequest, sub: Submission) -> None:
    method = (request.POST.get("payment_method") or "").strip()
    if not method or method == sub.cart.payment_method:
        return
    try:
        sub.cart = services.set_payment_method(checkout_id=sub.cart.pk, method=method)
    except DomainError as error:
        sub.fail("payment", explain(error), status=swap_status(error))


def save_voucher(request: HttpRequest, sub: Submission) -> None:
    if request.POST.get("voucher_action") == "remove":
        sub.cart = services.remove_voucher(checkout_id=sub.cart.pk)
        return
    retry_after = ratelimit.hit(VOUCHER_TRIES, key=ratelimit.client_key(request))
    if retry_after is not None:
        sub.fail("codes", too_many_tries(retry_after), status=429)
        return
    try:
        sub.cart = services.apply_voucher(checkout_id=sub.cart.pk, code=request.POST.get("voucher", ""))
    except DomainError as error:
        sub.fail("codes", explain(error), status=swap_status(error))


def save_gift_card(request: HttpRequest, sub: Submission) -> None:
    remove = request.POST.get("gift_card_remove")
    if remove is not None:
        codes = sub.cart.gift_card_codes
        index = int(remove) if remove.isascii() and remove.isdigit() and len(remove) < 3 else -1
        if 0 <= index < len(codes):
            sub.cart = services.remove_gift_card(checkout_id=sub.cart.pk, code=codes[index])
        return
    # Trying codes here counts against the same allowance as the balance page: codes must not be guessable.
    retry_after = ratelimit.hit(ratelimit.GIFT_CARD_BALANCE, key=ratelimit.client_key(request))
    if retry_after is not None:
        sub.fail("codes", too_many_tries(retry_after), status=429)
        return
    try:
        sub.cart = services.add_gift_card(checkout_id=sub.cart.pk, code=request.POST.get("gift_card", ""))
    except DomainError as error:
        sub.fail("codes", explain(error), status=swap_status(error))


# --- Views --------------------------------------------------------------------------------------------------------


def _no_cart(request: HttpRequest) -> HttpResponse:
    """The cart is empty, expired or already ordered: back to the cart page, which says so."""
    if wants_partial(request):
        return HttpResponseClientRedirect(reverse("checkout:cart"))
    return redirect("checkout:cart")


def _hold(cart: Checkout) -> dict:
    """Hold the cart's stock for the buyer; what the page says about it."""
    try:
        result = services.hold_stock(checkout_id=cart.pk)
    except InsufficientStockError as error:
        lapsed = cart.reserved_until is not None
        return {"shortage": explain(error, labels=labels_of(cart_lines(cart))), "lapsed": lapsed}
    except DomainError as error:
        return {"shortage": explain(error), "lapsed": False}
    cart.reserved_until = result.reserved_until
    return {"until": result.reserved_until, "renewed_after_lapse": result.lapsed}


@never_cache
@require_safe
@checkout_gate
@cart_session.cart_cookie
def checkout_page(request: HttpRequest) -> HttpResponse:
    require_channel(request)
    cart = cart_session.find_cart(request)
    if cart is None or not cart.lines.exists():
        return _no_cart(request)
    hold = _hold(cart)
    context = build_context(request, Submission(cart), hold=hold)
    response = render(request, "storefront/checkout/checkout.html", context)
    patch_vary_headers(response, ["HX-Request", "Cookie"])
    return response


def _section_view(save, sections: tuple[str, ...], anchor: str):
    @never_cache
    @require_POST
    @checkout_gate
    @cart_session.cart_cookie
    def view(request: HttpRequest) -> HttpResponse:
        require_channel(request)
        cart = cart_session.find_cart(request)
        if cart is None:
            return _no_cart(request)
        sub = Submission(cart)
        save(request, sub)
        return render_checkout(request, sub, sections=sections, anchor=anchor)

    view.__name__ = view.__qualname__ = f"{save.__name__}_view"
    view.__doc__ = f"One checkout section: {save.__name__}, then its section(s) and the summary."
    return view


email = _section_view(save_email, ("contact", "codes"), "contact")
# A new address changes the delivery options (and the billing copy when "same as delivery" is ticked).
address = _section_view(save_shipping_address, ("address", "delivery", "billing", "payment"), "delivery")
billing = _section_view(save_billing_address, ("billing", "business"), "billing")
business = _section_view(save_business, ("business",), "business")
delivery = _section_view(save_delivery, ("delivery", "payment"), "delivery")
voucher = _section_view(save_voucher, ("codes", "payment"), "codes")
gift_card = _section_view(save_gift_card, ("codes", "payment"), "codes")
payment_method = _section_view(save_payment_method, ("payment",), "payment")


def _place_failed(sub: Submission, error: DomainError, summary_labels: dict[int, str]) -> None:
    if isinstance(error, CheckoutIncompleteError):
        for item in error.errors:
            name = item.get("field", "")
            section = FIELD_SECTIONS.get(name, "summary")
            sub.fail(section, str(item.get("message", "")))
        sub.banner = _("Some details are missing. Please check the highlighted sections.")
        sub.status = 422
    elif isinstance(error, PriceChangedError):
        currency = error.data.get("currency", sub.cart.currency)
        changes = [
            {"label": c["label"], "old": Money(c["old"], currency), "new": Money(c["new"], currency)}
            for c in error.data.get("changes", [])
        ]
        total = error.data.get("total")
        sub.price_banner = {
            "detail": explain(error),
            "changes": changes,
            "total": Money(total, currency) if total is not None else None,
        }
        sub.status = 409
    elif isinstance(error, InsufficientStockError):
        sub.banner = explain(error, labels=summary_labels)
        sub.errors.setdefault("stock", []).append(sub.banner)
        sub.status = 409
    elif isinstance(error, VoucherError | GiftCardError):
        sub.fail("codes", explain(error), status=swap_status(error))
    else:
        sub.banner = explain(error)
        sub.status = swap_status(error)


def _after_order(request: HttpRequest, order: Order) -> HttpResponse:
    cart_session.forget(request)
    # Gift cards may have paid it all (place_order settled it then): nothing left to pay, nothing to ask.
    nothing_due = order.amount_due.amount <= 0 or order.status != OrderStatus.AWAITING_PAYMENT
    name = "checkout:done" if nothing_due else "checkout:pay"
    url = reverse(name, kwargs={"token": order.token})
    return HttpResponseClientRedirect(url) if wants_partial(request) else redirect(url)


def save_typed(request: HttpRequest, sub: Submission) -> None:
    """Save every section the buyer filled in or changed (the whole page posted at once, without JavaScript):
    each through its own service. An empty e-mail or address is left for place_order to ask for."""
    if (request.POST.get("email") or "").strip():
        save_email(request, sub)
    if _posted_address(request.POST, "shipping") or request.POST.get("action") == "address":
        save_shipping_address(request, sub)
    save_billing_address(request, sub)
    if "vat_number" in request.POST or "company_name" in request.POST or "business_action" in request.POST:
        save_business(request, sub)
    save_delivery(request, sub)
    save_payment_method(request, sub)
    # A code typed but not applied yet is applied too: the buyer who typed it expects it to count.
    if "voucher_action" in request.POST or (request.POST.get("voucher") or "").strip():
        save_voucher(request, sub)
    if "gift_card_remove" in request.POST or (request.POST.get("gift_card") or "").strip():
        save_gift_card(request, sub)


# Where the page scrolls back to after a button other than "Place order" (without JavaScript).
ACTION_ANCHORS = {"address": "delivery", "save": "checkout-summary", "business": "section-business"}


@never_cache
@require_POST
@checkout_gate
@cart_session.cart_cookie
def place(request: HttpRequest) -> HttpResponse:
    """The page's form: save what the buyer changed, then place the order when the button pressed was
    "Place order" (`action=place`; any other button only saves, and applies its code).

    On success: the pay page, or the confirmation when nothing is left to pay. A second press after the
    order was placed lands on that order."""
    require_channel(request)
    cart, ordered_token = cart_session.find_cart_or_order_token(request)
    if cart is None:
        order = Order.objects.filter(checkout_token=ordered_token).first() if ordered_token else None
        return _after_order(request, order) if order is not None else _no_cart(request)
    sub = Submission(cart)
    save_typed(request, sub)
    action = request.POST.get("action", "")
    if action != "place" or not sub.ok:
        if action == "place":
            sub.banner = _("Some details need your attention before the order can be placed.")
        codes = (
            action in ("voucher", "gift_card") or "voucher_action" in request.POST or "gift_card_remove" in request.POST
        )
        anchor = "codes" if codes else ACTION_ANCHORS.get(action, "")
        return render_checkout(request, sub, anchor=anchor)
    user = request.user
    try:
        order = services.place_order(checkout_id=sub.cart.pk, user_id=user.pk if user.is_authenticated else None)
    except DomainError as error:
        _place_failed(sub, error, labels_of(summarize(sub.cart).lines))
        # place_order records the new prices as seen when it refuses them: the page shows the fresh cart.
        sub.cart = get_cart(token=str(sub.cart.token)) or sub.cart
        return render_checkout(request, sub)
    return _after_order(request, order)
