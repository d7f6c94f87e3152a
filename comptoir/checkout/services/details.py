"""The checkout's details: contact e-mail, addresses, delivery, voucher, gift cards, payment method."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext as _

from comptoir.checkout.delivery import COLLECT_PREFIX, resolve_delivery
from comptoir.checkout.errors import DeliveryChoiceError, QuantityLimitError
from comptoir.checkout.models import Checkout, CheckoutLine, DeliveryKind
from comptoir.checkout.queries import cart_lines, remember_lines, summarize
from comptoir.checkout.services.cart import _lock_open
from comptoir.core.addresses import normalize_address
from comptoir.core.errors import InvalidInputError
from comptoir.core.money import Money
from comptoir.payments.errors import PaymentMethodUnavailableError
from comptoir.payments.gateways import available_methods

MAX_GIFT_CARDS = 5


def set_email(*, checkout_id: int, email: str) -> Checkout:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInputError(
            detail=_("Enter a valid e-mail address."),
            errors=[{"field": "email", "message": _("Enter a valid e-mail address.")}],
        ) from exc
    with transaction.atomic():
        checkout = _lock_open(checkout_id)
        checkout.email = email
        checkout.save(update_fields=["email", "updated_at"])
    return checkout


def set_addresses(
    *,
    checkout_id: int,
    shipping: Mapping[str, str] | None = None,
    billing: Mapping[str, str] | None = None,
    billing_same_as_shipping: bool = True,
) -> Checkout:
    """Check each address with the country's rules (AddressError names every bad field) and store it
    normalised. All or nothing."""
    shipping_address = normalize_address(shipping).as_dict() if shipping else None
    billing_address = None
    if not billing_same_as_shipping and billing:
        billing_address = normalize_address(billing).as_dict()
    with transaction.atomic():
        checkout = _lock_open(checkout_id)
        if shipping_address is not None:
            # Options depend on the destination: a new country means choosing delivery again.
            new_country = checkout.shipping_address.get("country_code") != shipping_address["country_code"]
            if new_country and checkout.delivery_kind != DeliveryKind.COLLECT:
                checkout.delivery_option_id, checkout.delivery_kind = "", ""
            checkout.shipping_address = shipping_address
        checkout.billing_same_as_shipping = billing_same_as_shipping
        if billing_same_as_shipping:
            checkout.billing_address = dict(checkout.shipping_address)
        elif billing_address is not None:
            checkout.billing_address = billing_address
        checkout.save()
    return checkout


def set_delivery(*, checkout_id: int, option_id: str) -> Checkout:
    """Choose a delivery option offered for this cart and address (a carrier option id, or
    'collect:<store id>'). Raises DeliveryChoiceError when it is not offered."""
    option_id = (option_id or "").strip()[:60]
    with transaction.atomic():
        checkout = _lock_open(checkout_id)
        lines = cart_lines(checkout)
        previous = checkout.delivery_option_id, checkout.delivery_kind, checkout.pickup_store_id
        checkout.delivery_option_id = option_id
        subtotal = sum((ln.unit_price * ln.quantity for ln in lines if ln.unit_price), Money.zero(checkout.currency))
        option, error = resolve_delivery(
            checkout, weight_grams=sum(ln.weight_grams * ln.quantity for ln in lines), subtotal=subtotal
        )
        if option is None:
            checkout.delivery_option_id, checkout.delivery_kind, checkout.pickup_store_id = previous
            raise error or DeliveryChoiceError()
        if option_id.startswith(COLLECT_PREFIX):
            from comptoir.fulfillment.routing import plan_collection

            stocked = {ln.variant_id: ln.quantity for ln in lines if ln.tracks_stock}
            if stocked:
                plan_collection(store_id=option.store.id, quantities=stocked)  # InsufficientStockError if short
            checkout.pickup_store_id = option.store.id
        else:
            checkout.pickup_store_id = None
        checkout.delivery_kind = option.kind
        checkout.save()
    remember_lines(checkout, lines)  # the answer's summary: the lines have not changed
    return checkout


def apply_voucher(*, checkout_id: int, code: str) -> Checkout:
    """Apply a voucher code; the voucher's own error (unknown, expired, minimum spend, used up...) is raised
    and the code is not kept."""
    code = (code or "").strip().upper()[:40]
    if not code:
        raise InvalidInputError(detail=_("Enter a voucher code."))
    with transaction.atomic():
        checkout = _lock_open(checkout_id)
        checkout.voucher_code = code
        summary = summarize(checkout)
        if summary.voucher_error is not None:
            raise summary.voucher_error
        checkout.save(update_fields=["voucher_code", "updated_at"])
    return checkout


def remove_voucher(*, checkout_id: int) -> Checkout:
    with transaction.atomic():
        checkout = _lock_open(checkout_id)
        checkout.voucher_code = ""
        checkout.save(update_fields=["voucher_code", "updated_at"])
    return checkout


def add_gift_card(*, checkout_id: int, code: str) -> Checkout:
    """Use a gift card on this checkout (its balance is checked now and debited when the order is placed)."""
    from comptoir.pricing.giftcards import get_gift_card_balance

    code = (code or "").strip().upper().replace(" ", "")[:40]
    balance = get_gift_card_balance(code=code)  # GiftCardNotFoundError for an unknown code
    with transaction.atomic():
        checkout = _lock_open(checkout_id)
        if not balance.usable or balance.balance.currency != checkout.currency or not balance.balance:
            raise InvalidInputError(detail=_("This gift card cannot be used for this order."))
        if code not in checkout.gift_card_codes:
            if len(checkout.gift_card_codes) >= MAX_GIFT_CARDS:
                raise QuantityLimitError(detail=_("At most %(n)s gift cards per order.") % {"n": MAX_GIFT_CARDS})
            checkout.gift_card_codes = [*checkout.gift_card_codes, code]
            checkout.save(update_fields=["gift_card_codes", "updated_at"])
    return checkout


def remove_gift_card(*, checkout_id: int, code: str) -> Checkout:
    code = (code or "").strip().upper().replace(" ", "")
    with transaction.atomic():
        checkout = _lock_open(checkout_id)
        checkout.gift_card_codes = [c for c in checkout.gift_card_codes if c != code]
        checkout.save(update_fields=["gift_card_codes", "updated_at"])
    return checkout


def set_payment_method(*, checkout_id: int, method: str) -> Checkout:
    channel_id = Checkout.objects.filter(pk=checkout_id).values_list("channel_id", flat=True).first()
    if method not in {m.code for m in available_methods(channel_id)}:
        raise PaymentMethodUnavailableError(data={"method": method})
    with transaction.atomic():
        checkout = _lock_open(checkout_id)
        if refusal := _offline_refusal(checkout, method):
            raise PaymentMethodUnavailableError(detail=refusal, data={"method": method})
        checkout.payment_method = method
        checkout.save(update_fields=["payment_method", "updated_at"])
    return checkout


def _offline_refusal(checkout: Checkout, method: str) -> str:
    """Why an offline method (bank transfer, cash on delivery, in store) cannot pay this checkout ("" when it
    can, and for any other method, without a query). place_order checks again with the final total."""
    from comptoir.payments.offline_queries import channel_settings, method_refusal
    from comptoir.payments.providers.offline import CASH_ON_DELIVERY, METHODS

    if method not in METHODS:
        return ""
    total = None
    if method == CASH_ON_DELIVERY:
        total = summarize(checkout).totals.amount_due
    settings = channel_settings(channel_id=checkout.channel_id)
    return method_refusal(method, settings=settings, delivery_kind=checkout.delivery_kind, total=total)


def acknowledge_prices(*, checkout_id: int) -> Checkout:
    """The buyer has seen today's prices: they become the prices the order will be placed at."""
    with transaction.atomic():
        checkout = _lock_open(checkout_id)
        for line in cart_lines(checkout):
            if line.unit_price is not None:
                CheckoutLine.objects.filter(pk=line.id).update(seen_unit_price=line.unit_price.amount)
        checkout.save(update_fields=["updated_at"])
    return checkout
