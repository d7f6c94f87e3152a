"""Customer accounts: sign-up and profile changes.

A buyer's e-mail address is their login: it is stored lower-cased as both `email` and `username` of Django's
`auth.User`, so the unique index on `username` is what finally keeps two accounts from sharing an address
(two sign-ups racing with the same address: one wins, the other is told the address is taken).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from comptoir.core.errors import InvalidInputError
from comptoir.customers.errors import EmailTakenError, InvalidPasswordError

MAX_NAME_LENGTH = 150  # auth.User's first_name / last_name


def normalize_email(email: str) -> str:
    """The form an address is stored and compared in: trimmed and lower-cased.

    Lower-casing the local part too is a deliberate choice: no mail provider buyers use tells `Ann@` from
    `ann@`, and a buyer who typed a capital once must still be able to sign in.
    """
    return (email or "").strip().lower()


def _clean_email(email: str) -> str:
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInputError(detail=_("Enter a valid email address."), data={"field": "email"}) from exc
    if len(email) > 150:  # auth.User.username
        raise InvalidInputError(detail=_("This email address is too long."), data={"field": "email"})
    return email


def _clean_name(value: str) -> str:
    return " ".join((value or "").split())[:MAX_NAME_LENGTH]


def _address_taken(email: str, *, except_user_id: int | None = None) -> bool:
    others = get_user_model().objects.filter(Q(email__iexact=email) | Q(username__iexact=email))
    if except_user_id is not None:
        others = others.exclude(pk=except_user_id)
    return others.exists()


def register_customer(*, email: str, password: str, first_name: str = "", last_name: str = "") -> AbstractUser:
    """Open a customer account whose login is `email` (stored lower-cased as email and username).

    Raises InvalidInputError for a malformed address, EmailTakenError when any account already uses the
    address (compared without case), InvalidPasswordError (one message per broken rule) for a password the
    shop's validators refuse. Writes nothing on failure. The password is hashed with the configured hasher
    (Argon2).
    """
    email = _clean_email(email)
    first_name, last_name = _clean_name(first_name), _clean_name(last_name)
    user_model = get_user_model()
    candidate = user_model(username=email, email=email, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise InvalidPasswordError(errors=[{"field": "password", "message": m} for m in exc.messages]) from exc
    if _address_taken(email):
        raise EmailTakenError(data={"field": "email"})
    try:
        with transaction.atomic():
            return user_model.objects.create_user(
                username=email, email=email, password=password, first_name=first_name, last_name=last_name
            )
    except IntegrityError as exc:  # a concurrent sign-up took the address between the check and the insert
        raise EmailTakenError(data={"field": "email"}) from exc


def update_customer_profile(*, user_id: int, email: str, first_name: str, last_name: str) -> AbstractUser:
    """Change a customer's name and e-mail address. A customer who signs in with their address (username
    equal to it) keeps doing so with the new one. Raises InvalidInputError or EmailTakenError; writes
    nothing then."""
    email = _clean_email(email)
    first_name, last_name = _clean_name(first_name), _clean_name(last_name)
    user_model = get_user_model()
    try:
        with transaction.atomic():
            user = user_model.objects.select_for_update().get(pk=user_id)
            if email != normalize_email(user.email) and _address_taken(email, except_user_id=user.pk):
                raise EmailTakenError(data={"field": "email"})
            if normalize_email(user.username) == normalize_email(user.email):
                user.username = email
            user.email, user.first_name, user.last_name = email, first_name, last_name
            user.save(update_fields=["username", "email", "first_name", "last_name"])
    except IntegrityError as exc:
        raise EmailTakenError(data={"field": "email"}) from exc
    return user
