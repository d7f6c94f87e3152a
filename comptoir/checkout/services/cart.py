"""The cart's lines: add, change, remove, merge on sign-in, forget old anonymous carts."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.catalog.kinds import rules_for
from comptoir.catalog.models import Variant
from comptoir.catalog.queries.listing import visible_products
from comptoir.checkout import locks
from comptoir.checkout.errors import (
    CartNotFoundError,
    CheckoutCompletedError,
    ProductUnavailableError,
    QuantityLimitError,
)
from comptoir.checkout.models import Checkout, CheckoutLine
from comptoir.checkout.queries import get_open_cart_for_user, held_for
from comptoir.core.models import Channel
from comptoir.inventory.errors import InsufficientStockError, Shortage
from comptoir.inventory.queries import available_by_variant, location_ids_for_channel
from comptoir.pricing.models import VariantPrice

MAX_LINE_QUANTITY = 999


def open_cart(*, channel: Channel, user_id: int | None = None, language: str = "") -> Checkout:
    """A new empty cart in `channel` (a customer's open cart in that channel is reused)."""
    if user_id and (existing := get_open_cart_for_user(user_id=user_id, channel_id=channel.pk)):
        return existing
    return Checkout.objects.create(
        channel=channel, user_id=user_id, currency=channel.currency, language=language or channel.default_language
    )


def _lock_open(checkout_id: int) -> Checkout:
    checkout = locks.checkout(checkout_id=checkout_id)
    if checkout is None:
        raise CartNotFoundError()
    if checkout.completed_at is not None:
        raise CheckoutCompletedError()
    return checkout


def _check_line(checkout: Checkout, variant_id: int, quantity: int) -> VariantPrice:
    """Published in the channel, priced, within the product's limits, in stock. Three queries."""
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1 or quantity > MAX_LINE_QUANTITY:
        raise QuantityLimitError(
            detail=_("Enter a quantity between 1 and %(max)s.") % {"max": MAX_LINE_QUANTITY},
            data={"variant_id": variant_id},
        )
    variant = (
        Variant.objects.select_related("product")
        .filter(pk=variant_id, product__in=visible_products(checkout.channel).values("pk"))
        .first()
    )
    price = VariantPrice.objects.filter(variant_id=variant_id, channel=checkout.channel).first() if variant else None
    if variant is None or price is None:
        raise ProductUnavailableError(
            detail=_("This product is not for sale here any more."), data={"variant_id": variant_id}
        )
    product = variant.product
    if quantity < product.min_quantity:
        raise QuantityLimitError(
            detail=_("%(product)s is sold by at least %(min)s.")
            % {"product": product.name, "min": product.min_quantity},
            data={"variant_id": variant_id, "min": product.min_quantity},
        )
    if product.max_quantity is not None and quantity > product.max_quantity:
        raise QuantityLimitError(
            detail=_("You can order at most %(max)s of %(product)s.")
            % {"product": product.name, "max": product.max_quantity},
            data={"variant_id": variant_id, "max": product.max_quantity},
        )
    if rules_for(product.kind).tracks_stock:
        free = available_by_variant([variant_id], location_ids=location_ids_for_channel(checkout.channel_id))
        # What this checkout already holds is the buyer's own, not someone else's.
        available = free.get(variant_id, 0) + held_for(checkout).get(variant_id, 0)
        if quantity > available:
            raise InsufficientStockError(
                shortages=[Shortage(variant_id=variant_id, requested=quantity, available=available)]
            )
    return price


def add_to_cart(*, checkout_id: int, variant_id: int, quantity: int = 1) -> CheckoutLine:
    """Add units of a variant (added to the line already there). Raises ProductUnavailableError,
    QuantityLimitError or InsufficientStockError ("only N left") and then changes nothing."""
    with transaction.atomic():
        checkout = _lock_open(checkout_id)
        line = CheckoutLine.objects.filter(checkout=checkout, variant_id=variant_id).first()
        new_quantity = (line.quantity if line else 0) + (quantity if isinstance(quantity, int) else 0)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            new_quantity = quantity  # let the check word the error
        price = _check_line(checkout, variant_id, new_quantity)
        if line is None:
            line = CheckoutLine.objects.create(
                checkout=checkout, variant_id=variant_id, quantity=new_quantity, seen_unit_price=price.amount
            )
        else:
            line.quantity, line.seen_unit_price = new_quantity, price.amount
            line.save(update_fields=["quantity", "seen_unit_price"])
            line.checkout = checkout  # the locked row, channel attached: the caller's summary reads no more
        checkout.save(update_fields=["updated_at"])
    return line


def set_cart_line_quantity(*, checkout_id: int, line_id: int, quantity: int) -> CheckoutLine | None:
    """Change a line's quantity; 0 removes it (returns None)."""
    if quantity == 0:
        remove_cart_line(checkout_id=checkout_id, line_id=line_id)
        return None
    with transaction.atomic():
        checkout = _lock_open(checkout_id)
        line = CheckoutLine.objects.filter(checkout=checkout, pk=line_id).first()
        if line is None:
            raise CartNotFoundError(detail=_("This line is no longer in your cart."))
        price = _check_line(checkout, line.variant_id, quantity)
        line.quantity, line.seen_unit_price = quantity, price.amount
        line.save(update_fields=["quantity", "seen_unit_price"])
        line.checkout = checkout
        checkout.save(update_fields=["updated_at"])
    return line


def remove_cart_line(*, checkout_id: int, line_id: int) -> Checkout:
    with transaction.atomic():
        checkout = _lock_open(checkout_id)
        CheckoutLine.objects.filter(checkout=checkout, pk=line_id).delete()
        checkout.save(update_fields=["updated_at"])
    return checkout


def merge_carts(*, user_id: int, channel: Channel, anonymous_token: str | None) -> Checkout | None:
    """On sign-in: the anonymous cart's lines join the customer's open cart (quantities added, capped by what
    can be sold; lines that cannot be bought are dropped), or the anonymous cart becomes theirs.
    Returns the customer's cart (None when they have none and brought none)."""
    from comptoir.checkout.queries import get_cart

    anonymous = get_cart(token=anonymous_token)
    if anonymous is not None and (anonymous.user_id not in (None, user_id) or anonymous.channel_id != channel.pk):
        anonymous = None
    own = get_open_cart_for_user(user_id=user_id, channel_id=channel.pk)
    if anonymous is None or (own is not None and own.pk == anonymous.pk):
        return own
    if own is None:
        Checkout.objects.filter(pk=anonymous.pk).update(user_id=user_id, updated_at=timezone.now())
        anonymous.user_id = user_id
        return anonymous
    with transaction.atomic():
        # Lock both carts in primary-key order (two sign-ins of one customer at once must not interleave).
        first, second = sorted([own.pk, anonymous.pk])
        _lock_open(first), _lock_open(second)
        mine = {line.variant_id: line for line in own.lines.all()}
        for line in anonymous.lines.all():
            wanted = line.quantity + (mine[line.variant_id].quantity if line.variant_id in mine else 0)
            try:
                with transaction.atomic():
                    _merge_line(own, line.variant_id, wanted, mine.get(line.variant_id))
            except (ProductUnavailableError, QuantityLimitError, InsufficientStockError, IntegrityError):
                continue  # the customer's own line, if any, stays as it was
        anonymous.delete()
        own.save(update_fields=["updated_at"])
    return own


def _merge_line(cart: Checkout, variant_id: int, quantity: int, existing: CheckoutLine | None) -> None:
    try:
        price = _check_line(cart, variant_id, quantity)
    except InsufficientStockError as exc:
        available = exc.shortages[0].available if exc.shortages else 0
        if not available:
            raise
        quantity = available
        price = _check_line(cart, variant_id, quantity)
    if existing:
        existing.quantity, existing.seen_unit_price = quantity, price.amount
        existing.save(update_fields=["quantity", "seen_unit_price"])
    else:
        CheckoutLine.objects.create(
            checkout=cart, variant_id=variant_id, quantity=quantity, seen_unit_price=price.amount
        )


def delete_stale_carts(*, now=None, batch: int = 500) -> int:
    """Forget anonymous carts nobody touched for `ANONYMOUS_CART_DAYS` (their holds expire on their own)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.COMPTOIR["ANONYMOUS_CART_DAYS"])
    ids = list(
        Checkout.objects.filter(user__isnull=True, completed_at__isnull=True, updated_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:batch]
    )
    Checkout.objects.filter(pk__in=ids).delete()
    return len(ids)
