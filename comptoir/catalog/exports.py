"""Export products as a product sheet (CSV or XLSX, one row per variant; see catalog.product_sheet).

The file imports back unchanged with `catalog.imports.import_products`, so a merchant can export,
edit in a spreadsheet and import again.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.db.models import Prefetch
from django.utils import timezone

from comptoir.catalog import product_sheet
from comptoir.catalog.models import AttributeValue, Product, Variant
from comptoir.core.models import Channel
from comptoir.core.money import Money
from comptoir.pricing.models import VariantPrice

CHUNK = 500


def export_filename(file_format: str) -> str:
    return f"products-{timezone.localdate():%Y-%m-%d}.{file_format}"


def export_products(*, file_format: str, product_ids: Sequence[int] | None = None) -> bytes:
    """The product sheet of `product_ids` (every product when None), newest first, as CSV or XLSX bytes.

    Every sales channel gets a price and a compare-at column, so prices in any channel round-trip.
    Reads in chunks of 500 products, four queries per chunk whatever their number of variants.
    """
    channels = list(Channel.objects.order_by("position", "pk"))
    header = [*product_sheet.FIXED_COLUMNS]
    for channel in channels:
        header += [product_sheet.PRICE_PREFIX + channel.slug, product_sheet.COMPARE_AT_PREFIX + channel.slug]
    return product_sheet.write_sheet(header, _rows(channels, product_ids), file_format=file_format)


def _rows(channels: list[Channel], product_ids: Sequence[int] | None) -> Iterator[list[object]]:
    products = Product.objects.order_by("-created_at", "-pk")
    if product_ids is not None:
        products = products.filter(pk__in=list(product_ids))
    ids = list(products.values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        chunk = (
            Product.objects.filter(pk__in=ids[start : start + CHUNK])
            .order_by("-created_at", "-pk")
            .select_related("category", "brand")
            .prefetch_related(
                Prefetch(
                    "variants",
                    queryset=Variant.objects.order_by("position", "pk").prefetch_related(
                        Prefetch("option_values", queryset=AttributeValue.objects.select_related("attribute")),
                        Prefetch("prices", queryset=VariantPrice.objects.all()),
                    ),
                )
            )
        )
        for product in chunk:
            product_cells = [
                product.slug,
                product.name,
                product.kind,
                product.tax_class,
                product.status,
                product.category.slug if product.category else "",
                product.brand.name if product.brand else "",
                product.description,
            ]
            variants = list(product.variants.all())
            if not variants:
                yield product_cells + [""] * (len(product_sheet.VARIANT_COLUMNS) + 2 * len(channels))
            for variant in variants:
                yield product_cells + _variant_cells(variant, channels)


def _variant_cells(variant: Variant, channels: list[Channel]) -> list[object]:
    options = sorted(
        variant.option_values.all(), key=lambda v: (v.attribute.position, v.attribute.name, v.attribute.slug)
    )
    cells: list[object] = [
        variant.sku,
        variant.gtin,
        variant.name,
        product_sheet.format_options((value.attribute.slug, value.name) for value in options),
        variant.weight_grams,
    ]
    prices = {price.channel_id: price for price in variant.prices.all()}
    for channel in channels:
        price = prices.get(channel.pk)
        if price is None:
            cells += [None, None]
            continue
        cells.append(Money(price.amount, price.currency).quantize().amount)
        former = price.compare_at_amount
        cells.append(Money(former, price.currency).quantize().amount if former is not None else None)
    return cells
