"""Voucher writes: redeem a code for an order, give the use back when the order is cancelled, save a voucher's
settings from the back office.

Usage limits are enforced where they cannot be raced: the total limit by a conditional
`UPDATE ... SET used_count = used_count + 1 WHERE used_count < usage_limit` whose row count decides, the
per-customer limit by counting the customer's uses under a row lock on the voucher (pricing.locks). The
CHECK constraint `used_count <= usage_limit` is the backstop, never the first line of defence.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.core.events import record_event
from comptoir.core.models import Channel
from comptoir.core.money import CurrencyMismatchError, Money, validate_currency
from comptoir.pricing import locks
from comptoir.pricing.errors import (
    InvalidVoucherError,
    VoucherCustomerLimitError,
    VoucherExpiredError,
    VoucherInactiveError,
    VoucherNotFoundError,
    VoucherNotStartedError,
    VoucherReleasedError,
    VoucherUsedUpError,
    VoucherWrongChannelError,
)
from comptoir.pricing.models import Promotion, Voucher, VoucherKind, VoucherRedemption

MAX_CODE_LENGTH = 40

# The settings staff edit; `used_count` is not among them, so saving a voucher never undoes a use made meanwhile.
SETTINGS_FIELDS = [
    "code",
    "channel",
    "kind",
    "value",
    "currency",
    "minimum_spend",
    "starts_at",
    "ends_at",
    "usage_limit",
    "limit_per_customer",
    "is_active",
]


def normalise_voucher_code(code: str) -> str:
    """Codes are case-insensitive and typed by hand: 'summer 10 ' is SUMMER10."""
    return "".join((code or "").split()).upper()


def check_voucher_usable(voucher: Voucher, *, channel: Channel, now: datetime) -> None:
    """Raise why `voucher` cannot be used in `channel` at `now` (inactive, dates, channel, currency, used up).

    Reads nothing: the rules that depend on the order (minimum spend, products) and on the customer are
    checked by `evaluate_discounts`; the per-customer limit by `redeem_voucher` under its lock too.
    """
    if not voucher.is_active:
        raise VoucherInactiveError(code=voucher.code)
    if voucher.starts_at > now:
        raise VoucherNotStartedError(code=voucher.code, starts_at=voucher.starts_at)
    if voucher.ends_at is not None and voucher.ends_at <= now:
        raise VoucherExpiredError(code=voucher.code, ends_at=voucher.ends_at)
    if voucher.channel_id is not None and voucher.channel_id != channel.pk:
        raise VoucherWrongChannelError(code=voucher.code)
    # An amount off or a minimum spend is in the voucher's currency, so it applies only where that is spent.
    if voucher.currency and voucher.currency != channel.currency:
        raise VoucherWrongChannelError(code=voucher.code)
    if voucher.usage_limit is not None and voucher.used_count >= voucher.usage_limit:
        raise VoucherUsedUpError(code=voucher.code)


def check_customer_limit(voucher: Voucher, *, email: str, user_id: int | None) -> None:
    """Raise VoucherCustomerLimitError when this customer (e-mail or account) has used up their uses.

    Without either there is no one to count (a guest's e-mail is known only at the end of the checkout).
    """
    limit = voucher.limit_per_customer
    if limit is None or not (email or user_id is not None):
        return
    if customer_uses(voucher, email=email, user_id=user_id) >= limit:
        raise VoucherCustomerLimitError(code=voucher.code, limit=limit)


def customer_uses(voucher: Voucher, *, email: str, user_id: int | None) -> int:
    """Uses of `voucher` not given back, by this e-mail address or this account (one query)."""
    who = Q(email=email.strip().lower()) if email else Q()
    if user_id is not None:
        who = who | Q(user_id=user_id) if email else Q(user_id=user_id)
    if not who:
        return 0
    return VoucherRedemption.objects.filter(who, voucher=voucher, released_at__isnull=True).count()


def redeem_voucher(
    *,
    code: str,
    channel: Channel,
    order_ref: str,
    email: str,
    user_id: int | None,
    amount: Money,
    now: datetime | None = None,
) -> VoucherRedemption:
    """Use a voucher for an order: one more use counted, and a redemption row recording the discount.

    Called by `place_order` inside its transaction, after `evaluate_discounts` computed `amount`. Checks
    again what can change between the cart page and the order: active, dates, channel, the total usage
    limit (conditional UPDATE) and the per-customer limit (counted under a row lock on the voucher). The
    minimum spend and the eligible products are the discount evaluation's business, not re-checked here.

    Idempotent per (voucher, order_ref): redeeming again for the same order returns the existing
    redemption, without counting another use. Raises VoucherNotFoundError, VoucherNotApplicableError
    subclasses (422), VoucherUsedUpError, VoucherCustomerLimitError or VoucherReleasedError (409); then
    nothing is written. Emits `pricing.voucher_redeemed`.
    """
    code = normalise_voucher_code(code)
    email = (email or "").strip().lower()
    if not code:
        raise VoucherNotFoundError(code=code)
    if not order_ref or len(order_ref) > 64:
        raise InvalidVoucherError(detail="A voucher is redeemed for an order reference of 1 to 64 characters.")
    if amount.currency != channel.currency:
        raise CurrencyMismatchError(
            detail=f"The discount is in {amount.currency}, the channel sells in {channel.currency}.",
            data={"currencies": [amount.currency, channel.currency]},
        )
    amount = amount.quantize()
    if amount.amount < 0:
        raise InvalidVoucherError(detail="A discount cannot be negative.")
    now = now or timezone.now()
    with transaction.atomic():
        voucher = Voucher.objects.filter(code=code).first()
        if voucher is None:
            raise VoucherNotFoundError(code=code)
        if (existing := _existing(voucher, order_ref)) is not None:
            return existing
        if voucher.limit_per_customer is not None:
            # Under the lock, a second use by the same customer waits for the first to commit, then counts it.
            voucher = locks.voucher(voucher_id=voucher.pk)
            if (existing := _existing(voucher, order_ref)) is not None:
                return existing
        check_voucher_usable(voucher, channel=channel, now=now)
        check_customer_limit(voucher, email=email, user_id=user_id)
        try:
            with transaction.atomic():
                redemption = _count_use(
                    voucher, code=code, order_ref=order_ref, email=email, user_id=user_id, amount=amount
                )
        except _AlreadyRedeemed as replay:
            return replay.redemption
        except IntegrityError:
            # The same order redeemed at the same moment on another connection, which committed first.
            existing = _existing(voucher, order_ref)
            if existing is None:
                raise
            return existing
        record_event(
            "pricing.voucher_redeemed",
            voucher_id=voucher.pk,
            order_ref=order_ref,
            amount=str(amount.amount),
            currency=amount.currency,
        )
    return redemption


class _AlreadyRedeemed(Exception):  # noqa: N818 -- control flow inside redeem_voucher, never raised out of it
    def __init__(self, redemption: VoucherRedemption) -> None:
        self.redemption = redemption


def _count_use(
    voucher: Voucher, *, code: str, order_ref: str, email: str, user_id: int | None, amount: Money
) -> VoucherRedemption:
    """Count the use, then record it; run inside a savepoint, which a refusal or a replay rolls back whole.

    The conditional UPDATE comes first: it takes the voucher's row lock before the redemption's foreign key
    check takes a shared one (InnoDB), so concurrent redemptions queue instead of deadlocking. Having waited,
    it also makes a concurrent redemption of the same order visible, which is then returned as is.
    """
    counted = (
        Voucher.objects.filter(pk=voucher.pk)
        .filter(Q(usage_limit__isnull=True) | Q(used_count__lt=F("usage_limit")))
        .update(used_count=F("used_count") + 1)
    )
    if (existing := _existing(voucher, order_ref)) is not None:
        raise _AlreadyRedeemed(existing)
    if not counted:
        raise VoucherUsedUpError(code=code)
    return VoucherRedemption.objects.create(
        voucher=voucher,
        order_ref=order_ref,
        email=email,
        user_id=user_id,
        amount=amount.amount,
        currency=amount.currency,
    )


def _existing(voucher: Voucher, order_ref: str) -> VoucherRedemption | None:
    redemption = VoucherRedemption.objects.filter(voucher=voucher, order_ref=order_ref).first()
    if redemption is not None and redemption.released_at is not None:
        raise VoucherReleasedError(
            detail=f"The use of {voucher.code} by order {order_ref} was given back; it cannot be redeemed again.",
            data={"voucher": voucher.code, "order_ref": order_ref},
        )
    return redemption


def release_voucher(*, order_ref: str, now: datetime | None = None) -> int:
    """Give back the voucher uses of a cancelled order: each counts one use less and is marked released.

    Returns how many uses were given back; 0 when the order used none or they were already given back
    (so a repeated cancellation is harmless). Locks the vouchers concerned in primary-key order. Emits
    `pricing.voucher_released`.
    """
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(
            VoucherRedemption.objects.filter(order_ref=order_ref, released_at__isnull=True)
            .order_by("pk")
            .values_list("pk", "voucher_id")
        )
        if not rows:
            return 0
        locks.vouchers(voucher_ids=[voucher_id for _, voucher_id in rows])
        released: list[int] = []
        for redemption_id, voucher_id in rows:
            # Conditional: a concurrent cancellation of the same order gives each use back once.
            if VoucherRedemption.objects.filter(pk=redemption_id, released_at__isnull=True).update(released_at=now):
                Voucher.objects.filter(pk=voucher_id, used_count__gt=0).update(used_count=F("used_count") - 1)
                released.append(voucher_id)
        if released:
            record_event("pricing.voucher_released", order_ref=order_ref, voucher_ids=released)
    return len(released)


def save_voucher(*, voucher: Voucher, channel_currency: str | None = None) -> Voucher:
    """Create a voucher or save its settings (the back office form). Never writes `used_count`.

    Normalises the code (upper case, no spaces) and the currency (the channel's when the voucher has a
    channel and no currency of its own). Raises InvalidVoucherError for settings that break a rule; the
    database constraints say the same for anything that would slip through. Emits `pricing.voucher_saved`.
    The products, categories and collections are saved by the caller (a form's `save_m2m`).
    """
    voucher.code = normalise_voucher_code(voucher.code)
    if not voucher.code or len(voucher.code) > MAX_CODE_LENGTH:
        raise InvalidVoucherError(detail=_("A code has 1 to %(max)d characters.") % {"max": MAX_CODE_LENGTH})
    voucher.currency = (voucher.currency or "").strip().upper()
    if voucher.channel_id is not None:
        channel_currency = channel_currency or Channel.objects.values_list("currency", flat=True).get(
            pk=voucher.channel_id
        )
        needs_currency = voucher.kind == VoucherKind.FIXED_AMOUNT or voucher.minimum_spend is not None
        if not voucher.currency and needs_currency:
            voucher.currency = channel_currency
        if voucher.currency and voucher.currency != channel_currency:
            raise InvalidVoucherError(
                detail=_("This channel sells in %(currency)s: the voucher's amounts must be in %(currency)s too.")
                % {"currency": channel_currency}
            )
    if voucher.currency:
        validate_currency(voucher.currency)
    if voucher.kind == VoucherKind.FREE_SHIPPING:
        voucher.value = 0
    with transaction.atomic():
        clash = Voucher.objects.filter(code=voucher.code).exclude(pk=voucher.pk).exists()
        if clash:
            raise InvalidVoucherError(
                detail=_("Another voucher already has the code %(code)s.") % {"code": voucher.code}
            )
        if voucher.pk is None:
            voucher.save()
        else:
            voucher.save(update_fields=SETTINGS_FIELDS)
        record_event("pricing.voucher_saved", voucher_id=voucher.pk)
    return voucher


def record_discount_scope(owner: Voucher | Promotion) -> None:
    """After its products, categories and collections were saved: remember whether a voucher or promotion
    is limited to chosen items, so that deleting them all later never widens it to the whole shop."""
    scoped = owner.products.exists() or owner.categories.exists() or owner.collections.exists()
    if scoped != owner.is_scoped:
        type(owner).objects.filter(pk=owner.pk).update(is_scoped=scoped)
        owner.is_scoped = scoped
