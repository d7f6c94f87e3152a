"""Factories shared by every domain's tests (the catalogue is what everything else sells)."""

import io
from decimal import Decimal

import factory
from PIL import Image

from comptoir.catalog.kinds import ProductKind
from comptoir.catalog.models import (
    Attribute,
    AttributeValue,
    Brand,
    Category,
    Collection,
    CollectionProduct,
    Product,
    ProductChannelListing,
    ProductStatus,
    Variant,
)
from comptoir.core.models import Channel
from comptoir.inventory.models import Location, StockLevel
from comptoir.pricing.models import VariantPrice


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel
        django_get_or_create = ("slug",)

    name = factory.LazyAttribute(lambda o: f"Web {o.currency}")
    slug = factory.Sequence(lambda n: f"channel-{n}")
    currency = "EUR"
    default_language = "en"
    default_country = "FR"
    prices_include_tax = True


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class AttributeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attribute

    name = factory.Sequence(lambda n: f"Attribute {n}")
    slug = factory.Sequence(lambda n: f"attribute-{n}")


class AttributeValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AttributeValue

    attribute = factory.SubFactory(AttributeFactory)
    name = factory.Sequence(lambda n: f"Value {n}")
    slug = factory.Sequence(lambda n: f"value-{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    """A published physical product. Pass `channels=[...]` to list it (and nothing else)."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    kind = ProductKind.PHYSICAL
    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    status = ProductStatus.PUBLISHED
    category = factory.SubFactory(CategoryFactory)
    brand = factory.SubFactory(BrandFactory)
    description = "<p>A fine product.</p>"

    @factory.post_generation
    def channels(self, create, extracted, **kwargs):
        for channel in extracted or []:
            ProductChannelListing.objects.create(product=self, channel=channel)


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    weight_grams = 500


class VariantPriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VariantPrice

    variant = factory.SubFactory(VariantFactory)
    channel = factory.SubFactory(ChannelFactory)
    currency = factory.SelfAttribute("channel.currency")
    amount = Decimal("19.90")


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Warehouse {n}")
    slug = factory.Sequence(lambda n: f"warehouse-{n}")


class StockLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockLevel

    variant = factory.SubFactory(VariantFactory)
    location = factory.SubFactory(LocationFactory)
    on_hand = 10


class CollectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Collection

    name = factory.Sequence(lambda n: f"Collection {n}")
    slug = factory.Sequence(lambda n: f"collection-{n}")
    is_featured = True


def sellable_product(*, channel: Channel, price: str = "19.90", stock: int = 10, variants: int = 1, **product_kwargs):
    """A published product listed and priced in `channel`, with `stock` units per variant in one warehouse."""
    product = ProductFactory(channels=[channel], **product_kwargs)
    location = LocationFactory()
    for position in range(variants):
        variant = VariantFactory(product=product, position=position)
        VariantPriceFactory(variant=variant, channel=channel, amount=Decimal(price))
        if stock is not None:
            StockLevelFactory(variant=variant, location=location, on_hand=stock)
    return product


def add_to_collection(collection: Collection, *products: Product) -> None:
    for position, product in enumerate(products):
        CollectionProduct.objects.create(collection=collection, product=product, position=position)


def image_bytes(width: int = 1200, height: int = 900, color: str = "#336699", fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, fmt)
    return buffer.getvalue()
