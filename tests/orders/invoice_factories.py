"""Legal entities and paid orders for the invoice tests, built row by row through the ORM.

The order and its lines are written as `place_order` and `settle_order_payments` would leave them, with
consistent totals (line totals after discounts, taxes per line and on shipping, the tax breakdown the totals
function stores); no stock or payment rows: invoices read none.
"""

from __future__ import annotations

import itertools
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from comptoir.core.money import Money
from comptoir.orders.models import LegalEntity, Order, OrderLine, OrderStatus

_numbers = itertools.count(1)
CENT = Decimal("0.01")

BILLING = {
    "full_name": "Ada Lovelace",
    "company": "Analytical Engines SARL",
    "street_address_1": "12 rue de la Paix",
    "postal_code": "75002",
    "city": "Paris",
    "country_code": "FR",
}

FRENCH_MENTIONS = (
    "Paiement comptant, sans escompte. En cas de retard de paiement, pénalités au taux de trois fois le taux "
    "d'intérêt légal et indemnité forfaitaire pour frais de recouvrement de 40 €."
)


def make_user(email: str = ""):
    n = next(_numbers)
    return get_user_model().objects.create_user(
        username=f"invoice-buyer{n}", email=email or f"invoice-buyer{n}@example.com", password="a long passphrase"
    )


def legal_entity(*, channels: Sequence = (), is_default: bool = True, **fields) -> LegalEntity:
    """A company that invoices: the default one unless told otherwise, serving `channels`."""
    values = {
        "name": "Comptoir SAS",
        "address": "1 rue de la Paix\n75002 Paris\nFrance",
        "vat_number": "FR40303265045",
        "registration": "SIRET 303 265 045 00020 — RCS Paris — capital 10 000 €",
        "legal_mentions": FRENCH_MENTIONS,
        "invoice_prefix": "INV-",
        "credit_note_prefix": "CN-",
        **fields,
    }
    entity = LegalEntity.objects.create(is_default=is_default, **values)
    if channels:
        entity.channels.set(channels)
    return entity


def _tax(amount: Decimal, rate: Decimal, prices_include_tax: bool) -> Decimal:
    tax = amount * rate / (1 + rate) if prices_include_tax else amount * rate
    return tax.quantize(CENT)


def paid_order(
    channel,
    *,
    lines: Sequence[tuple[str, int, str]] = (("20.00", 2, "0.20"), ("7.50", 1, "0.055")),
    discounts: Sequence[str] | None = None,
    shipping: str = "4.90",
    shipping_rate: str = "0.20",
    prices_include_tax: bool = True,
    gift_card: str = "0",
    language: str = "en",
    user=None,
    billing_address: dict | None = None,
    paid_at: datetime | None = None,
    status: str = OrderStatus.PAID,
    with_breakdown: bool = True,
) -> Order:
    """A paid order in `channel`: `lines` are (unit price, quantity, tax rate as a fraction); `discounts` the
    amount off each line. Taxes are included in prices, or added to them when `prices_include_tax` is False."""
    n = next(_numbers)
    discounts = list(discounts or ["0"] * len(lines))
    shipping_price, ship_rate = Decimal(shipping), Decimal(shipping_rate)
    order = Order.objects.create(
        number=f"T{100000 + n}",
        token=secrets.token_hex(32),
        checkout_token=uuid.uuid4(),
        channel=channel,
        user=user,
        email=user.email if user else f"guest{n}@example.com",
        language=language,
        currency=channel.currency,
        status=status,
        billing_address=BILLING if billing_address is None else billing_address,
        shipping_address=BILLING,
        delivery_kind="shipping",
        delivery_name="Colissimo",
        prices_include_tax=prices_include_tax,
        subtotal=Decimal(0),
        shipping_price=shipping_price,
        total=Decimal(0),
        paid_at=paid_at or (timezone.now() if status != OrderStatus.AWAITING_PAYMENT else None),
    )
    created = []
    for (unit, quantity, rate), off in zip(lines, discounts, strict=True):
        unit_price, tax_rate, discount = Decimal(unit), Decimal(rate), Decimal(off)
        total = unit_price * quantity - discount
        created.append(
            OrderLine(
                order=order,
                product_name=f"Product {n}-{len(created) + 1}",
                variant_name="Blue" if len(created) % 2 == 0 else "",
                sku=f"SKU-{n}-{len(created) + 1}",
                product_kind="physical",
                quantity=quantity,
                unit_price=unit_price,
                discount=discount,
                tax_rate=tax_rate,
                tax_amount=_tax(total, tax_rate, prices_include_tax),
                total=total,
            )
        )
    OrderLine.objects.bulk_create(created)
    shipping_tax = _tax(shipping_price, ship_rate, prices_include_tax)
    subtotal = sum((line.unit_price * line.quantity for line in created), Decimal(0))
    discount_total = sum((line.discount for line in created), Decimal(0))
    tax_total = sum((line.tax_amount for line in created), Decimal(0)) + shipping_tax
    total = subtotal - discount_total + shipping_price + (0 if prices_include_tax else tax_total)
    breakdown: dict[Decimal, list[Decimal]] = {}
    for rate, amount, tax in [(line.tax_rate, line.total, line.tax_amount) for line in created] + [
        (ship_rate, shipping_price, shipping_tax)
    ]:
        base = amount - tax if prices_include_tax else amount
        row = breakdown.setdefault(rate, [Decimal(0), Decimal(0)])
        row[0] += base
        row[1] += tax
    Order.objects.filter(pk=order.pk).update(
        subtotal=subtotal,
        discount_total=discount_total,
        tax_total=tax_total,
        total=total,
        gift_card_total=Decimal(gift_card),
        tax_breakdown=[
            {"rate": str(rate), "base": str(base), "amount": str(tax)}
            for rate, (base, tax) in sorted(breakdown.items())
            if tax
        ]
        if with_breakdown
        else [],
    )
    order.refresh_from_db()
    return order


def money(amount: str, currency: str = "EUR") -> Money:
    return Money(Decimal(amount), currency)
