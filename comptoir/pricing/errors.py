"""Why a voucher or a gift card said no. Each error carries what the buyer needs to hear (its `detail` is
translated in the request's language) and what a program needs (`data`), and maps to one HTTP status:
404 for a code that does not exist, 409 for a use that the current state refuses (used up, no balance left),
422 for a code that exists but does not fit this order (dates, channel, minimum spend, products)."""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

from comptoir.core.errors import ConflictError, DomainError, InvalidInputError, NotFoundError
from comptoir.core.money import Money


class PricingError(DomainError):
    """Base of the vouchers' and gift cards' errors (defines no status: each subclass mixes one in)."""


# --- Vouchers ---------------------------------------------------------------------------------------------


class VoucherError(PricingError):
    """Base of every voucher refusal, so the checkout can catch them all and drop the code."""


class VoucherNotFoundError(VoucherError, InvalidInputError):
    # 422 rather than 404: the code is input the buyer typed into a form, not an address they followed.
    code = "voucher-not-found"
    title = "Unknown voucher code"

    def __init__(self, *, code: str) -> None:
        super().__init__(detail=_("The code %(code)s is not valid.") % {"code": code}, data={"voucher": code})


class VoucherNotApplicableError(VoucherError, InvalidInputError):
    """The code exists but does not apply to this order (subclasses say why)."""

    code = "voucher-not-applicable"
    title = "This voucher does not apply"

    def __init__(self, detail: str | None = None, *, code: str, **data) -> None:
        super().__init__(
            detail=detail or _("The code %(code)s cannot be used for this order.") % {"code": code},
            data={"voucher": code, **data},
        )


class VoucherInactiveError(VoucherNotApplicableError):
    code = "voucher-inactive"
    title = "This voucher is no longer valid"

    def __init__(self, *, code: str) -> None:
        super().__init__(_("The code %(code)s is no longer valid.") % {"code": code}, code=code)


class VoucherNotStartedError(VoucherNotApplicableError):
    code = "voucher-not-started"
    title = "This voucher cannot be used yet"

    def __init__(self, *, code: str, starts_at) -> None:
        super().__init__(
            _("The code %(code)s cannot be used before %(date)s.") % {"code": code, "date": _local_date(starts_at)},
            code=code,
            starts_at=starts_at.isoformat(),
        )


class VoucherExpiredError(VoucherNotApplicableError):
    code = "voucher-expired"
    title = "This voucher has expired"

    def __init__(self, *, code: str, ends_at) -> None:
        super().__init__(
            _("The code %(code)s expired on %(date)s.") % {"code": code, "date": _local_date(ends_at)},
            code=code,
            ends_at=ends_at.isoformat(),
        )


class VoucherWrongChannelError(VoucherNotApplicableError):
    code = "voucher-wrong-channel"
    title = "This voucher is not valid in this shop"

    def __init__(self, *, code: str) -> None:
        super().__init__(_("The code %(code)s is not valid in this shop or currency.") % {"code": code}, code=code)


class VoucherMinimumSpendError(VoucherNotApplicableError):
    """The eligible items do not reach the voucher's minimum spend; says how much more is needed."""

    code = "voucher-minimum-spend"
    title = "The minimum spend for this voucher is not reached"

    def __init__(self, *, code: str, minimum: Money, missing: Money) -> None:
        self.minimum, self.missing = minimum, missing
        super().__init__(
            _("Spend %(missing)s more to use the code %(code)s (minimum %(minimum)s).")
            % {"missing": _format(missing), "code": code, "minimum": _format(minimum)},
            code=code,
            minimum={"amount": str(minimum.amount), "currency": minimum.currency},
            missing={"amount": str(missing.amount), "currency": missing.currency},
        )


class VoucherNoEligibleItemsError(VoucherNotApplicableError):
    code = "voucher-no-eligible-items"
    title = "This voucher is not for these products"

    def __init__(self, *, code: str) -> None:
        super().__init__(_("The code %(code)s does not apply to the items in your cart.") % {"code": code}, code=code)


class VoucherUsedUpError(VoucherError, ConflictError):
    code = "voucher-used-up"
    title = "This voucher has been used up"

    def __init__(self, *, code: str) -> None:
        super().__init__(
            detail=_("The code %(code)s has reached its usage limit.") % {"code": code}, data={"voucher": code}
        )


class VoucherCustomerLimitError(VoucherError, ConflictError):
    code = "voucher-customer-limit"
    title = "This voucher was already used by this customer"

    def __init__(self, *, code: str, limit: int) -> None:
        super().__init__(
            detail=_("You have already used the code %(code)s as many times as allowed.") % {"code": code},
            data={"voucher": code, "limit_per_customer": limit},
        )


class VoucherReleasedError(VoucherError, ConflictError):
    """Redeeming again for an order whose redemption was given back (the order was cancelled)."""

    code = "voucher-redemption-released"
    title = "This order's use of the voucher was cancelled"


class InvalidVoucherError(VoucherError, InvalidInputError):
    """A voucher's settings break a rule (staff input, or a service called with bad arguments)."""

    code = "invalid-voucher"
    title = "Invalid voucher"


class InvalidDiscountLineError(PricingError, InvalidInputError):
    code = "invalid-discount-line"
    title = "Invalid line for discounts"


# --- Gift cards -------------------------------------------------------------------------------------------


class GiftCardError(PricingError):
    """Base of every gift card refusal."""


class GiftCardNotFoundError(GiftCardError, NotFoundError):
    code = "gift-card-not-found"
    title = "Unknown gift card"

    def __init__(self) -> None:
        # Never echo the code: the answer must not help anyone guess codes.
        super().__init__(detail=_("No gift card has this code. Check it and try again."))


class GiftCardNotUsableError(GiftCardError, ConflictError):
    """Expired, deactivated, or in another currency than the order."""

    code = "gift-card-not-usable"
    title = "This gift card cannot be used"


class GiftCardEmptyError(GiftCardError, ConflictError):
    code = "gift-card-empty"
    title = "This gift card has no balance left"

    def __init__(self, *, masked_code: str) -> None:
        super().__init__(
            detail=_("The gift card %(code)s has no balance left.") % {"code": masked_code},
            data={"gift_card": masked_code},
        )


class GiftCardCreditTooLargeError(GiftCardError, ConflictError):
    """A refund onto a card larger than what that order took from it."""

    code = "gift-card-credit-too-large"
    title = "More than was paid with this gift card"


class InvalidGiftCardError(GiftCardError, InvalidInputError):
    code = "invalid-gift-card"
    title = "Invalid gift card"


# --- Helpers ----------------------------------------------------------------------------------------------


def _format(money: Money) -> str:
    return money.quantize().format(to_locale(get_language() or "en"))


def _local_date(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "DATE_FORMAT")
