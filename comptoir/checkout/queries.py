"""Checkout reads: the cart's lines with current prices and stock, and the summary every page and the API
show (lines, discounts, delivery, totals, price changes). A fixed number of queries whatever the line count."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.catalog.kinds import rules_for
from comptoir.catalog.models import CollectionProduct, Variant
from comptoir.catalog.queries.listing import sellable_prices
from comptoir.checkout.models import Checkout, CheckoutLine, DeliveryKind
from comptoir.core.addresses import PostalAddress
from comptoir.core.errors import DomainError
from comptoir.core.money import Money
from comptoir.inventory.models import Reservation
from comptoir.inventory.queries import available_by_variant, location_ids_for_channel
from comptoir.pricing.discounts import DiscountLine, evaluate_discounts
from comptoir.pricing.totals import PricedLine, Totals, compute_totals


@dataclass(frozen=True, slots=True)
class CartLine:
    id: int
    variant_id: int
    product_id: int
    product_name: str
    product_slug: str
    variant_name: str
    sku: str
    kind: str
    tax_class: str
    category_id: int | None
    collection_ids: frozenset[int]
    quantity: int
    unit_price: Money | None
    """None: the variant is no longer sold in this channel (unpublished, no price)."""
    seen_unit_price: Decimal | None
    available: int | None
    """Units that can be sold now; None when the kind does not count stock."""
    weight_grams: int
    min_quantity: int
    max_quantity: int | None

    @property
    def label(self) -> str:
        return f"{self.product_name} — {self.variant_name}" if self.variant_name else self.product_name

    @property
    def requires_shipping(self) -> bool:
        return rules_for(self.kind).requires_shipping

    @property
    def tracks_stock(self) -> bool:
        return rules_for(self.kind).tracks_stock

    @property
    def price_changed(self) -> bool:
        return (
            self.unit_price is not None
            and self.seen_unit_price is not None
            and self.unit_price.quantize().amount
            != Money(self.seen_unit_price, self.unit_price.currency).quantize().amount
        )

    @property
    def problem(self) -> str:
        """Why this line cannot be bought as it is ('' when it can)."""
        if self.unit_price is None:
            return "unavailable"
        if self.available is not None and self.quantity > self.available:
            return "insufficient_stock"
        return ""


@dataclass(frozen=True, slots=True)
class PriceChange:
    line_id: int
    label: str
    old: Money
    new: Money


@dataclass(frozen=True, slots=True)
class CheckoutSummary:
    checkout: Checkout
    lines: list[CartLine]
    totals: Totals
    voucher_error: DomainError | None = None
    delivery_error: DomainError | None = None
    delivery_option: object | None = None
    price_changes: list[PriceChange] = field(default_factory=list)
    gift_card_errors: list[DomainError] = field(default_factory=list)
    customer_tax_id: str = ""
    """The business buyer's checked VAT number, as passed to the tax calculator ('' for a consumer)."""
    tax_exemption: str = ""
    """The reference of the exemption certificate the sale is made under ('' when none applies)."""
    tax_notices: list[str] = field(default_factory=list)
    """Why a VAT number or an exemption certificate the buyer has does not apply: tax is charged."""

    @property
    def quantity(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def requires_shipping(self) -> bool:
        return any(line.requires_shipping for line in self.lines)

    @property
    def weight_grams(self) -> int:
        return sum(line.weight_grams * line.quantity for line in self.lines)

    @property
    def hold_lapsed(self) -> bool:
        reserved = self.checkout.reserved_until
        return reserved is not None and reserved < timezone.now()


def get_cart(*, token: str | None) -> Checkout | None:
    """The open cart with this token, or None (unknown, malformed or already ordered). One query."""
    if not token:
        return None
    try:
        return Checkout.objects.select_related("channel").filter(token=token, completed_at__isnull=True).first()
    except Exception:  # a malformed UUID in a cookie or URL is simply no cart
        return None


def get_open_cart_for_user(*, user_id: int, channel_id: int) -> Checkout | None:
    return (
        Checkout.objects.select_related("channel")
        .filter(user_id=user_id, channel_id=channel_id, completed_at__isnull=True)
        .order_by("-updated_at", "-pk")
        .first()
    )


def held_for(checkout: Checkout) -> dict[int, int]:
    """Units this checkout's own stock hold keeps aside, per variant. One query (none without a hold)."""
    if checkout.reserved_until is None:
        return {}
    held: dict[int, int] = {}
    rows = Reservation.objects.filter(holder=checkout.holder).values_list("stock_level__variant_id", "quantity")
    for variant_id, quantity in rows:
        held[variant_id] = held.get(variant_id, 0) + quantity
    return held


def stocked_quantities(checkout: Checkout) -> dict[int, int]:
    """Units per variant of the cart's lines whose kind counts stock: what a hold reserves. One query."""
    rows = CheckoutLine.objects.filter(checkout=checkout).values_list(
        "variant_id", "quantity", "variant__product__kind"
    )
    return {variant_id: quantity for variant_id, quantity, kind in rows if rules_for(kind).tracks_stock}


def cart_lines(checkout: Checkout) -> list[CartLine]:
    """The cart's lines with today's price, stock and product facts. Five queries (six while stock is held).

    `available` counts the units this checkout holds as its own: a buyer is never short of what is held
    for them."""
    channel = checkout.channel
    lines = list(
        CheckoutLine.objects.filter(checkout=checkout).select_related("variant__product").order_by("created_at", "pk")
    )
    if not lines:
        return []
    variant_ids = [line.variant_id for line in lines]
    # The collections and option names as plain pairs (no prefetch: only their ids and names are used).
    collections: dict[int, set[int]] = {}
    for product_id, collection_id in CollectionProduct.objects.filter(
        product_id__in={line.variant.product_id for line in lines}
    ).values_list("product_id", "collection_id"):
        collections.setdefault(product_id, set()).add(collection_id)
    option_names: dict[int, list[str]] = {}
    for variant_id, name in (
        Variant.option_values.through.objects.filter(variant_id__in=variant_ids)
        .order_by("attributevalue__attribute__position", "attributevalue__attribute__name")
        .values_list("variant_id", "attributevalue__name")
    ):
        option_names.setdefault(variant_id, []).append(name)
    prices = sellable_prices(channel, variant_ids)
    stocked = [line.variant_id for line in lines if rules_for(line.variant.product.kind).tracks_stock]
    available = available_by_variant(stocked, location_ids=location_ids_for_channel(channel.pk)) if stocked else {}
    held = held_for(checkout) if stocked else {}
    result = []
    for line in lines:
        variant, product = line.variant, line.variant.product
        price = prices.get(variant.pk)
        tracks = rules_for(product.kind).tracks_stock
        result.append(
            CartLine(
                id=line.pk,
                variant_id=variant.pk,
                product_id=product.pk,
                product_name=product.name,
                product_slug=product.slug,
                variant_name=variant.name or " / ".join(option_names.get(variant.pk, ())),
                sku=variant.sku,
                kind=product.kind,
                tax_class=product.tax_class,
                category_id=product.category_id,
                collection_ids=frozenset(collections.get(product.pk, ())),
                quantity=line.quantity,
                unit_price=Money(price, channel.currency).quantize() if price is not None else None,
                seen_unit_price=line.seen_unit_price,
                available=available.get(variant.pk, 0) + held.get(variant.pk, 0) if tracks else None,
                weight_grams=variant.weight_grams or 0,
                min_quantity=product.min_quantity,
                max_quantity=product.max_quantity,
            )
        )
    return result


_LINES_READ = "_comptoir_cart_lines"


def remember_lines(checkout: Checkout, lines: list[CartLine]) -> None:
    """A service that read the cart's lines under the checkout's lock, and changed none, leaves them on the
    instance: the next `summarize` of that instance (the answer to the same request) uses them once instead
    of reading them again."""
    setattr(checkout, _LINES_READ, lines)


def summarize(checkout: Checkout, *, lines: list[CartLine] | None = None) -> CheckoutSummary:
    """Everything the cart and checkout pages and the API show, computed by the one totals function."""
    from comptoir.checkout.delivery import resolve_delivery
    from comptoir.pricing.giftcards import get_gift_card_balance

    channel = checkout.channel
    remembered = checkout.__dict__.pop(_LINES_READ, None)
    if lines is None:
        lines = cart_lines(checkout) if remembered is None else remembered
    priced = [line for line in lines if line.unit_price is not None]
    discounts = evaluate_discounts(
        channel=channel,
        lines=[
            DiscountLine(
                line_id=str(line.id),
                variant_id=line.variant_id,
                product_id=line.product_id,
                category_id=line.category_id,
                collection_ids=line.collection_ids,
                quantity=line.quantity,
                unit_price=line.unit_price,
            )
            for line in priced
        ],
        voucher_code=checkout.voucher_code,
        email=checkout.email,
        user_id=checkout.user_id,
    )
    subtotal = sum((line.unit_price * line.quantity for line in priced), Money.zero(channel.currency))
    after_discounts = subtotal - sum(discounts.line_discounts.values(), Money.zero(channel.currency))
    option, delivery_error = resolve_delivery(
        checkout, weight_grams=sum(line.weight_grams * line.quantity for line in lines), subtotal=after_discounts
    )
    balances, gift_card_errors = [], []
    for code in checkout.gift_card_codes:
        try:
            balance = get_gift_card_balance(code=code)
            if balance.usable and balance.balance.currency == channel.currency:
                balances.append(balance.balance)
        except DomainError as exc:
            gift_card_errors.append(exc)
    address = checkout.shipping_address or checkout.billing_address or None
    customer_tax_id, tax_exemption, tax_notices = _tax_status(checkout, address)
    totals = compute_totals(
        channel=channel,
        lines=[
            PricedLine(
                line_id=str(line.id),
                variant_id=line.variant_id,
                quantity=line.quantity,
                unit_price=line.unit_price,
                product_kind=line.kind,
                tax_class=line.tax_class,
            )
            for line in priced
        ],
        shipping_price=_with_cod_fee(checkout, option.price) if option else None,
        discounts=discounts,
        address=address,
        gift_card_balances=balances,
        customer_tax_id=customer_tax_id,
        tax_exemption=tax_exemption,
    )
    changes = [
        PriceChange(line.id, line.label, Money(line.seen_unit_price, channel.currency).quantize(), line.unit_price)
        for line in lines
        if line.price_changed
    ]
    return CheckoutSummary(
        checkout=checkout,
        lines=lines,
        totals=totals,
        voucher_error=discounts.voucher_error,
        delivery_error=delivery_error,
        delivery_option=option,
        price_changes=changes,
        gift_card_errors=gift_card_errors,
        customer_tax_id=customer_tax_id,
        tax_exemption=tax_exemption,
        tax_notices=tax_notices,
    )


def _tax_status(checkout: Checkout, address: dict | None) -> tuple[str, str, list[str]]:
    """(VAT number, exemption reference, notices) for the tax calculator. The stored VAT number is checked
    again against today's billing country (no network); the exemption costs one query for a signed-in
    customer with a destination, none otherwise."""
    from comptoir.checkout.services.business import billing_country
    from comptoir.taxes.exemptions import find_exemption
    from comptoir.taxes.vat_numbers import InvalidVatNumberError, validate_vat_number

    customer_tax_id, notices = "", []
    if checkout.vat_number:
        try:
            customer_tax_id = validate_vat_number(checkout.vat_number, country=billing_country(checkout)).number
        except InvalidVatNumberError as error:
            notices.append(
                _("Your VAT number %(number)s does not apply to this billing address (%(why)s); tax is charged.")
                % {"number": checkout.vat_number, "why": str(error.detail).rstrip(".")}
            )
    exemption = find_exemption(
        user_id=checkout.user_id,
        country=str((address or {}).get("country_code") or ""),
        region=str((address or {}).get("country_area") or ""),
    )
    if exemption.notice:
        notices.append(exemption.notice)
    return customer_tax_id, exemption.reference, notices


def _with_cod_fee(checkout: Checkout, price: Money) -> Money:
    """Cash on delivery costs the carrier's fee: it is charged as part of shipping (taxed like it), so the
    order's totals keep adding up from lines, shipping and tax. A free-shipping discount waives it too.
    Reads the channel's offline settings only when cash on delivery is chosen."""
    from comptoir.payments.providers.offline import CASH_ON_DELIVERY

    if checkout.payment_method != CASH_ON_DELIVERY or checkout.delivery_kind not in (
        DeliveryKind.SHIPPING,
        DeliveryKind.LOCAL_DELIVERY,
    ):
        return price
    from comptoir.payments.offline_queries import cod_fee

    return price + cod_fee(channel_id=checkout.channel_id, currency=price.currency)


def shipping_address_of(checkout: Checkout) -> PostalAddress | None:
    return PostalAddress.from_dict(checkout.shipping_address) if checkout.shipping_address else None


def is_collect(checkout: Checkout) -> bool:
    return checkout.delivery_kind == DeliveryKind.COLLECT
