"""Who is buying: the bearer of a cart or order token, and, when there is one, a customer signed in to the shop.

A cart token (a random UUID) and an order's tracking token are unguessable: holding one is the right to use
that anonymous cart or to see that order, exactly as the storefront's cart cookie and the tracking link in
the order e-mail are. A cart that belongs to a customer account is reachable only in that customer's own
session, and an order by its number only by the customer who placed it: anyone else gets a 404, never a
403, so that what exists is not revealed.

A signed-in customer is Django's session (the storefront's cookie). A write that relies on that session
must carry the CSRF token (`X-CSRFToken` header), like any form post: otherwise another site could make the
buyer's browser act in their name. A request with no session at all needs no token.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie
from ninja.utils import check_csrf

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def session_customer(request: HttpRequest) -> AbstractBaseUser | None:
    """The customer signed in on this request's session, or None.

    For an unsafe method (POST, PUT, PATCH, DELETE) with a session, the CSRF token is checked first: a
    403 problem when it is missing or wrong.
    """
    user = getattr(request, "user", None)
    if not (user is not None and user.is_authenticated):
        return None
    if request.method not in SAFE_METHODS and check_csrf(request):
        raise HttpError(403, "CSRF check failed: send the X-CSRFToken header with the session cookie.")
    return user


class CustomerSession(APIKeyCookie):
    """A signed-in customer's session, for the endpoints that need one (their cart, their orders).

    Like `comptoir.api.auth.StaffSession`, the CSRF check runs only when there is a session, so a request
    with no credentials at all is a 401 problem, not a 403.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None):
        return session_customer(request)


customer = CustomerSession()


def customer_id(request: HttpRequest) -> int | None:
    """The signed-in customer's id (CSRF-checked for writes), or None for an anonymous buyer."""
    user = session_customer(request)
    return user.pk if user is not None else None
