"""The buyer's account: sign up, sign in and out, password reset and change, profile, and their orders.

The e-mail address is the login (comptoir.customers.services). Signing in or up brings the cart the buyer
filled while anonymous into their account (comptoir.checkout.services.merge_carts). Wrong passwords are
counted per client and address: past the limit the pair waits (HTTP 429), whatever password it tries.
Every page here is about one person: `Cache-Control: private, no-store`, and never indexed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from comptoir.checkout.cookies import CART_COOKIE
from comptoir.checkout.services import merge_carts
from comptoir.core.errors import DomainError
from comptoir.customers import ratelimit
from comptoir.customers.errors import RateLimitedError
from comptoir.customers.forms import ProfileForm, SignInForm, SignUpForm, add_domain_error
from comptoir.customers.services import normalize_email, register_customer, update_customer_profile
from comptoir.orders.errors import OrderNotFoundError
from comptoir.orders.queries_account import get_account_order, list_account_orders
from comptoir.payments.instalments.queries import get_plan_view
from comptoir.storefront.forms import parse_int
from comptoir.storefront.views._common import shop_channel
from comptoir.storefront.views.stores import safe_next

logger = logging.getLogger(__name__)

SIGN_IN_URL = reverse_lazy("account:sign_in")
ORDERS_PER_PAGE = 10
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def private(response: HttpResponse) -> HttpResponse:
    """Someone's own page: neither shared caches nor the browser's back-forward cache keep it."""
    response["Cache-Control"] = "private, no-store"
    return response


def private_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return private(view(request, *args, **kwargs))

    return wrapper


def customer_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page for signed-in buyers: others go to the storefront sign-in, and come back after."""
    return private_page(login_required(view, login_url=SIGN_IN_URL))


def _page(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    return render(request, template, {"noindex": True, **context}, status=status)


def _next_url(request: HttpRequest) -> str:
    return safe_next(request, request.POST.get("next") or request.GET.get("next"), default=reverse("account:home"))


def _merge_cart(request: HttpRequest, user) -> None:
    """Bring the anonymous cart into the account. A cart that cannot be merged must not keep anyone out."""
    channel = shop_channel(request)
    if channel is None:
        return
    try:
        merge_carts(user_id=user.pk, channel=channel, anonymous_token=request.COOKIES.get(CART_COOKIE))
    except DomainError:
        logger.warning("cart merge failed at sign-in of user %s", user.pk, exc_info=True)


def _rate_limited(request: HttpRequest, template: str, context: dict, exc: RateLimitedError) -> HttpResponse:
    response = _page(request, template, {**context, "limited": exc}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return private(response)


# ---------------------------------------------------------------------------------------------------------
# Signing up, in and out.


@private_page
def sign_up(request: HttpRequest) -> HttpResponse:
    """Open an account (e-mail, optional name, password), sign in with it and keep the cart. Ten sign-ups per
    client per hour, then 429 with Retry-After."""
    if request.user.is_authenticated:
        return HttpResponseRedirect(reverse("account:home"))
    form = SignUpForm(request.POST or None)
    context = {"form": form, "next": _next_url(request), "title": _("Create an account")}
    if request.method == "POST" and form.is_valid():
        try:
            ratelimit.hit(ratelimit.SIGN_UP, key=ratelimit.client_ip(request))
        except RateLimitedError as exc:
            return _rate_limited(request, "storefront/account/sign_up.html", context, exc)
        try:
            user = register_customer(**form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            login(request, user, backend=MODEL_BACKEND)
            _merge_cart(request, user)
            messages.success(request, _("Welcome! Your account is ready."))
            return HttpResponseRedirect(_next_url(request))
    return _page(request, "storefront/account/sign_up.html", context, status=422 if form.errors else 200)


@private_page
def sign_in(request: HttpRequest) -> HttpResponse:
    """Sign in with e-mail and password. Five wrong passwords for one address from one client within 15
    minutes, and that pair is refused (429 with Retry-After) until the window ends."""
    if request.method != "POST" and request.user.is_authenticated:
        return HttpResponseRedirect(_next_url(request))
    form = SignInForm(request.POST or None)
    context = {"form": form, "next": _next_url(request), "title": _("Sign in")}
    if request.method != "POST" or not form.is_valid():
        return _page(request, "storefront/account/sign_in.html", context, status=422 if form.errors else 200)
    email = normalize_email(form.cleaned_data["email"])
    key = f"{ratelimit.client_ip(request)}|{email}"
    try:
        ratelimit.check(ratelimit.SIGN_IN, key=key)
    except RateLimitedError as exc:
        return _rate_limited(request, "storefront/account/sign_in.html", context, exc)
    user = authenticate(request, username=email, password=form.cleaned_data["password"])
    if user is None:
        ratelimit.count(ratelimit.SIGN_IN, key=key)
        form.add_error(None, _("This email address and password do not match an account."))
        return _page(request, "storefront/account/sign_in.html", context, status=422)
    ratelimit.reset(ratelimit.SIGN_IN, key=key)
    login(request, user)
    _merge_cart(request, user)
    return HttpResponseRedirect(_next_url(request))


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponseRedirect(reverse("storefront:home"))


# ---------------------------------------------------------------------------------------------------------
# The account page: profile and password.


@customer_page
def account_home(request: HttpRequest) -> HttpResponse:
    """Name and e-mail address (editable), and the ways to the orders and the password."""
    user = request.user
    initial = {"first_name": user.first_name, "last_name": user.last_name, "email": user.email}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            update_customer_profile(user_id=user.pk, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Your details are saved."))
            return HttpResponseRedirect(reverse("account:home"))
    context = {"form": form, "title": _("Your account")}
    return _page(request, "storefront/account/home.html", context, status=422 if form.errors else 200)


@customer_page
def change_password(request: HttpRequest) -> HttpResponse:
    """Change the password (the current one first). The buyer stays signed in here, and only here."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password is changed."))
        return HttpResponseRedirect(reverse("account:home"))
    context = {"form": form, "title": _("Change your password")}
    return _page(request, "storefront/account/password_change.html", context, status=422 if form.errors else 200)


# ---------------------------------------------------------------------------------------------------------
# Password reset by e-mail: Django's views and token, our templates and links.


class PasswordResetView(auth_views.PasswordResetView):
    """Mail a reset link to the account with this address. Answers the same whether or not there is one;
    a few requests per client per quarter hour."""

    template_name = "storefront/account/password_reset.html"
    email_template_name = "storefront/account/emails/password_reset.txt"
    html_email_template_name = "storefront/account/emails/password_reset.html"
    subject_template_name = "storefront/account/emails/password_reset_subject.txt"
    success_url = reverse_lazy("account:password_reset_done")
    title = gettext_lazy("Reset your password")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "noindex": True}

    def post(self, request, *args, **kwargs):
        try:
            ratelimit.hit(ratelimit.PASSWORD_RESET, key=ratelimit.client_ip(request))
        except RateLimitedError as exc:
            return _rate_limited(request, self.template_name, self.get_context_data(form=self.get_form()), exc)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        # Links in the mail start from the shop's public address, never from the request's Host header.
        self.extra_email_context = {
            "site_url": settings.SITE_URL.rstrip("/"),
            "shop_name": getattr(settings, "SHOP_NAME", "Comptoir"),
        }
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "storefront/account/password_reset_sent.html"
    title = gettext_lazy("Check your inbox")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "noindex": True}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "storefront/account/password_reset_confirm.html"
    success_url = reverse_lazy("account:password_reset_complete")
    title = gettext_lazy("Choose a new password")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "noindex": True}


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "storefront/account/password_reset_complete.html"
    title = gettext_lazy("Password changed")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "noindex": True, "login_url": reverse("account:sign_in")}


# ---------------------------------------------------------------------------------------------------------
# The buyer's orders.


@customer_page
def order_list(request: HttpRequest) -> HttpResponse:
    """The customer's orders, newest first, ten a page."""
    page = parse_int(request.GET.get("page"), default=1, low=1, high=10_000)
    orders = list_account_orders(user_id=request.user.pk, page=page, per_page=ORDERS_PER_PAGE)
    return _page(request, "storefront/account/orders.html", {"orders": orders, "title": _("Your orders")})


@customer_page
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    """One of the customer's orders; someone else's is "not found" (404), never "forbidden"."""
    try:
        order = get_account_order(user_id=request.user.pk, number=number)
    except OrderNotFoundError as exc:
        raise Http404("No such order.") from exc
    context = {
        "order": order,
        "plan": get_plan_view(order_ref=order.number),
        "title": _("Order %(number)s") % {"number": order.number},
    }
    return _page(request, "storefront/account/order.html", context)
