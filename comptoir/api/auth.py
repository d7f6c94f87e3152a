"""Who is calling: a staff API key (`Authorization: Bearer cpt_…`) or a staff session from the back office.

Permissions are Django's own (`inventory.change_stocklevel`, ...), checked per endpoint with
`require_perm`, so a key can do exactly what its user can do in the back office.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from comptoir.core.apikeys import user_for_secret
from comptoir.core.errors import PermissionDeniedError


class StaffApiKey(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str):
        user = user_for_secret(token)
        if user is not None:
            request.user = user
        return user


class StaffSession(APIKeyCookie):
    """A logged-in staff member's back-office session, CSRF-checked like any form post.

    Unlike ninja's own session auth, the CSRF check runs only when there is a staff session: a request
    with no credentials at all is a 401 (authenticate), not a 403 (CSRF).
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None):
        user = getattr(request, "user", None)
        if not (user and user.is_authenticated and user.is_staff):
            return None
        if request.method not in ("GET", "HEAD", "OPTIONS") and check_csrf(request):
            raise HttpError(403, "CSRF check failed: send the X-CSRFToken header with the session cookie.")
        return user


# Ninja tries each in turn; a request that passes none gets a 401 problem.
staff = [StaffApiKey(), StaffSession()]


def require_perm(request: HttpRequest, *perms: str) -> None:
    if not request.user.has_perms(perms):
        raise PermissionDeniedError(detail="This key's user may not do that.", data={"permissions": list(perms)})
