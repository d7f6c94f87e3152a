"""Who is calling: a staff API key (`Authorization: Bearer cpt_…`) or a staff session from the back office.

Permissions are Django's own (`inventory.change_stocklevel`, ...), checked per endpoint with
`require_perm`, so a key can do exactly what its user can do in the back office.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from comptoir.core.apikeys import user_for_secret
from comptoir.core.errors import PermissionDeniedError


class StaffApiKey(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str):
        user = user_for_secret(token)
        if user is not None:
            request.user = user
        return user


def _staff_session(request: HttpRequest):
    user = django_auth(request)
    return user if user and user.is_staff else None


# Ninja tries each in turn; a request that passes none gets a 401 problem.
staff = [StaffApiKey(), _staff_session]


def require_perm(request: HttpRequest, *perms: str) -> None:
    if not request.user.has_perms(perms):
        raise PermissionDeniedError(detail="This key's user may not do that.", data={"permissions": list(perms)})
