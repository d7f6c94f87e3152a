"""What can go wrong with a customer account, as domain errors (comptoir.core.errors)."""

from django.utils.translation import gettext_lazy as _

from comptoir.core.errors import DomainError, InvalidInputError


class EmailTakenError(InvalidInputError):
    """Another account already uses this address (compared without case)."""

    code = "email-taken"
    title = _("An account already uses this email address.")


class InvalidPasswordError(InvalidInputError):
    """The password fails the shop's password rules; `errors` lists each rule's message."""

    code = "invalid-password"
    title = _("This password is not accepted.")


class RateLimitedError(DomainError):
    """Too many tries from one client; `data["retry_after"]` is the wait in seconds (HTTP Retry-After)."""

    code = "rate-limited"
    title = _("Too many attempts. Please wait a few minutes and try again.")
    status = 429

    @property
    def retry_after(self) -> int:
        return int(self.data.get("retry_after", 60))

    @property
    def retry_minutes(self) -> int:
        """The wait in whole minutes, rounded up: what a buyer is told."""
        return max(1, -(-self.retry_after // 60))
