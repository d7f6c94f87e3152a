"""Factories and small builders for the pricing tests (vouchers, promotions, gift cards, cart lines)."""

from datetime import timedelta
from decimal import Decimal
from itertools import count

import factory
from django.utils import timezone

from comptoir.core.money import Money
from comptoir.pricing.discounts import DiscountLine
from comptoir.pricing.giftcards import issue_gift_card
from comptoir.pricing.models import GiftCard, Promotion, PromotionKind, Voucher, VoucherKind

_line_ids = count(1)


class VoucherFactory(factory.django.DjangoModelFactory):
    """A 10% voucher on the whole order, in every channel, valid since yesterday, no limits."""

    class Meta:
        model = Voucher
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"CODE{n}")
    kind = VoucherKind.PERCENTAGE
    value = Decimal("10")
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))

    @factory.post_generation
    def products(self, create, extracted, **kwargs):
        if extracted:
            self.products.set(extracted)

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if extracted:
            self.categories.set(extracted)

    @factory.post_generation
    def collections(self, create, extracted, **kwargs):
        if extracted:
            self.collections.set(extracted)


class PromotionFactory(factory.django.DjangoModelFactory):
    """A running "3 for 2" on every item, in every channel."""

    class Meta:
        model = Promotion
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Promotion {n}")
    kind = PromotionKind.BUY_X_GET_Y
    buy_quantity = 3
    free_quantity = 1
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))

    class Params:
        second_item = factory.Trait(
            kind=PromotionKind.NTH_ITEM_PERCENTAGE,
            buy_quantity=None,
            free_quantity=None,
            nth=2,
            percentage=Decimal("20"),
        )

    @factory.post_generation
    def products(self, create, extracted, **kwargs):
        if extracted:
            self.products.set(extracted)

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if extracted:
            self.categories.set(extracted)

    @factory.post_generation
    def collections(self, create, extracted, **kwargs):
        if extracted:
            self.collections.set(extracted)


def gift_card(amount: str = "50.00", currency: str = "EUR", **kwargs) -> GiftCard:
    """A card issued through the service, so its ledger is right."""
    return issue_gift_card(currency=currency, amount=Money(amount, currency), **kwargs)


def line(
    price: str,
    quantity: int = 1,
    *,
    currency: str = "EUR",
    product_id: int | None = None,
    category_id: int | None = None,
    collection_ids: tuple[int, ...] = (),
    line_id: str | None = None,
) -> DiscountLine:
    """A cart line; ids are made up unless given (promotions and vouchers without scope ignore them)."""
    n = next(_line_ids)
    return DiscountLine(
        line_id=line_id or f"line-{n}",
        variant_id=100_000 + n,
        product_id=product_id if product_id is not None else 100_000 + n,
        category_id=category_id,
        collection_ids=frozenset(collection_ids),
        quantity=quantity,
        unit_price=Money(price, currency),
    )


def product_line(product, price: str, quantity: int = 1, *, currency: str = "EUR", collection_ids=()) -> DiscountLine:
    """A cart line of a real product (its category; collections as given)."""
    return line(
        price,
        quantity,
        currency=currency,
        product_id=product.pk,
        category_id=product.category_id,
        collection_ids=tuple(collection_ids),
    )


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")
