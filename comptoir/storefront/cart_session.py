"""Which cart a request is about, and the cookie that remembers it.

A signed-in customer's cart is found by their account; anyone else's by the token in the cart cookie. A cart
is only ever found in the request's channel (a buyer who switches currency starts another cart), and an
account's cart is never opened by its token alone: a copied cookie does not show someone else's cart.

Views change the cookie through `remember` / `forget`, and the `cart_cookie` decorator writes the change on
the response, whatever the view returned (a page, a partial, a redirect).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language

from comptoir.checkout.cookies import CART_COOKIE, CART_COOKIE_MAX_AGE
from comptoir.checkout.models import Checkout, CheckoutLine
from comptoir.checkout.queries import get_cart, get_open_cart_for_user
from comptoir.checkout.services import merge_carts, open_cart
from comptoir.storefront.views._common import require_channel, shop_channel

_PENDING = "_comptoir_cart_cookie"
_NOTHING = object()


def cookie_token(request: HttpRequest) -> str:
    """The token the cart cookie carries ('' when none, or when it cannot be a token)."""
    token = request.COOKIES.get(CART_COOKIE, "")
    return token if 0 < len(token) <= 40 else ""


def _user_id(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


def find_cart(request: HttpRequest) -> Checkout | None:
    """The request's open cart in its channel, or None. One query (two for a signed-in customer).

    A customer who filled a cart before signing in finds its lines in their own cart: the anonymous cart is
    merged into it the first time (`checkout.services.merge_carts`), and the cookie then names their cart.
    """
    channel = shop_channel(request)
    if channel is None:
        return None
    token, user_id = cookie_token(request), _user_id(request)
    if user_id is None:
        cart = get_cart(token=token)
        if cart is None or cart.user_id is not None or cart.channel_id != channel.pk:
            return None
        return cart
    cart = get_open_cart_for_user(user_id=user_id, channel_id=channel.pk)
    if token and (cart is None or str(cart.token) != token):
        cart = merge_carts(user_id=user_id, channel=channel, anonymous_token=token)
        if cart is not None:
            remember(request, cart)
        else:
            forget(request)
    return cart


def find_cart_or_order_token(request: HttpRequest) -> tuple[Checkout | None, str]:
    """The open cart, or else the token of the cart the cookie names when it has already become an order
    (a double-submitted "Place order" must land on that order, not on an empty cart)."""
    cart = find_cart(request)
    if cart is not None:
        return cart, ""
    token = cookie_token(request)
    if not token:
        return None, ""
    try:
        done = Checkout.objects.filter(token=token, completed_at__isnull=False).values_list("user_id", flat=True)
        owners = list(done[:1])
    except Exception:  # a malformed UUID in the cookie is simply no cart
        return None, ""
    if not owners or owners[0] not in (None, _user_id(request)):
        return None, ""
    return None, token


def get_or_open_cart(request: HttpRequest) -> Checkout:
    """The request's cart, opened (and remembered in the cookie) when it has none yet."""
    cart = find_cart(request)
    if cart is None:
        channel = require_channel(request)
        cart = open_cart(channel=channel, user_id=_user_id(request), language=get_language() or "")
        remember(request, cart)
    return cart


def cart_quantity(cart: Checkout | None) -> int:
    """Units in the cart, for the header's count. One query (none without a cart)."""
    if cart is None:
        return 0
    return CheckoutLine.objects.filter(checkout=cart).aggregate(units=Sum("quantity"))["units"] or 0


def remember(request: HttpRequest, cart: Checkout) -> None:
    """The response will set the cart cookie to this cart's token."""
    if cookie_token(request) != str(cart.token):
        setattr(request, _PENDING, str(cart.token))


def forget(request: HttpRequest, *, token: str | None = None) -> None:
    """The response will delete the cart cookie (the cart became an order, or there is none); with `token`,
    only when the cookie names that cart (a buyer's new cart survives a visit to an old order's page)."""
    current = cookie_token(request)
    if current and (token is None or current == token):
        setattr(request, _PENDING, "")


def apply_cookie(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    pending = getattr(request, _PENDING, _NOTHING)
    if pending is _NOTHING:
        return response
    if pending:
        response.set_cookie(
            CART_COOKIE,
            pending,
            max_age=CART_COOKIE_MAX_AGE,
            httponly=True,
            secure=settings.SESSION_COOKIE_SECURE,
            samesite="Lax",
        )
    else:
        response.delete_cookie(CART_COOKIE, samesite="Lax")
    return response


def cart_cookie(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Write the cart cookie changes the view asked for (`remember`, `forget`) on its response."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return apply_cookie(request, view(request, *args, **kwargs))

    return wrapper
