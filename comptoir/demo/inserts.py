"""The bulk inserts behind the demo: products, variants, prices, stock and pictures, a batch at a time.

Each writes the rows a catalogue, pricing or inventory service would write for the same input (see the
docstring of `comptoir.demo.builder`), for many products in a few queries. Inputs are parallel lists:
the plan's products and the rows inserted for them, in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.utils import timezone

from comptoir.catalog.models import Product, ProductMedia, Variant
from comptoir.catalog.services import sanitize_description
from comptoir.core.models import Channel
from comptoir.core.money import Money
from comptoir.demo.blueprint import ProductPlan
from comptoir.demo.images import ImageJob, RenderedImage
from comptoir.inventory.models import MovementReason, StockLevel, StockMovement
from comptoir.pricing.models import VariantPrice

BATCH = 500


def insert_products(plan: list[ProductPlan], *, categories: dict[str, int], brands: dict[str, int]) -> list[Product]:
    """Products as `create_product` makes them, dated as if each had arrived `age_days` ago."""
    now = timezone.now()
    rows = [
        Product(
            kind=p.kind, name=p.name, slug=p.slug, brand_id=brands[p.brand], category_id=categories[p.category],
            description=sanitize_description(p.description), status=p.status,
            published_from=now - timedelta(days=p.age_days) if p.status == "published" else None,
            seo_title=p.seo_title[:70], seo_description=p.seo_description[:160], is_featured=p.is_featured,
        )
        for p in plan
    ]  # fmt: skip
    rows = with_pks(Product, Product.objects.bulk_create(rows, batch_size=BATCH), "slug")
    # created_at is auto_now_add, so the insert stamped "now": backdate it to when each product "arrived".
    for row, p in zip(rows, plan, strict=True):
        row.created_at = now - timedelta(days=p.age_days)
    Product.objects.bulk_update(rows, ["created_at"], batch_size=BATCH)
    return rows


def insert_product_attributes(plan: list[ProductPlan], rows: list[Product], values: dict) -> None:
    through = Product.attribute_values.through
    links = [
        through(product_id=row.pk, attributevalue_id=values[pair])
        for row, p in zip(rows, plan, strict=True)
        for pair in dict.fromkeys(p.attributes)
    ]
    through.objects.bulk_create(links, batch_size=BATCH)


def insert_variants(plan: list[ProductPlan], rows: list[Product], values: dict) -> list[list[Variant]]:
    """The variants of each product, in plan order."""
    flat = [
        Variant(product_id=row.pk, sku=v.sku, gtin=v.gtin, name=v.name, weight_grams=v.weight_grams, position=position)
        for row, p in zip(rows, plan, strict=True)
        for position, v in enumerate(p.variants)
    ]
    flat = with_pks(Variant, Variant.objects.bulk_create(flat, batch_size=BATCH), "sku")
    through = Variant.option_values.through
    links, grouped, it = [], [], iter(flat)
    for p in plan:
        group = [next(it) for _ in p.variants]
        grouped.append(group)
        links += [
            through(variant_id=row.pk, attributevalue_id=values[pair])
            for row, v in zip(group, p.variants, strict=True)
            for pair in v.options
        ]
    through.objects.bulk_create(links, batch_size=BATCH)
    return grouped


def insert_prices(plan: list[ProductPlan], variants: list[list[Variant]], channels: list[Channel]) -> None:
    """One price per variant per channel, rounded like `pricing.services.set_variant_prices` rounds them."""
    rows = []
    for p, group in zip(plan, variants, strict=True):
        for row, v in zip(group, p.variants, strict=True):
            for channel in channels:
                amount = Money(v.prices[channel.currency], channel.currency).quantize().amount
                former = v.compare_at.get(channel.currency)
                rows.append(
                    VariantPrice(
                        variant_id=row.pk, channel_id=channel.pk, currency=channel.currency, amount=amount,
                        compare_at_amount=Money(former, channel.currency).quantize().amount if former else None,
                    )
                )  # fmt: skip
    VariantPrice.objects.bulk_create(rows, batch_size=BATCH)


def insert_stock(plan: list[ProductPlan], variants: list[list[Variant]], locations: dict[str, int]) -> None:
    """Stock levels and, for each, the goods-received ledger line `inventory.services.receive_stock` writes."""
    levels = [
        StockLevel(variant_id=row.pk, location_id=locations[slug], on_hand=units)
        for p, group in zip(plan, variants, strict=True)
        for row, v in zip(group, p.variants, strict=True)
        for slug, units in v.stock.items()
    ]
    levels = StockLevel.objects.bulk_create(levels, batch_size=BATCH)
    if any(level.pk is None for level in levels):  # a database that returns no ids from a bulk insert
        known = {(lv.variant_id, lv.location_id): lv.pk for lv in StockLevel.objects.all()}
        for level in levels:
            level.pk = known[(level.variant_id, level.location_id)]
    StockMovement.objects.bulk_create(
        [
            StockMovement(
                stock_level_id=level.pk, reason=MovementReason.RECEIPT, on_hand_delta=level.on_hand,
                on_hand_after=level.on_hand, allocated_after=0, reserved_after=0, reference="demo",
                actor="load_demo", note="Opening stock",
            )
            for level in levels
            if level.on_hand
        ],
        batch_size=BATCH,
    )  # fmt: skip


def image_jobs(plan: list[ProductPlan], rows: list[Product]) -> list[ImageJob]:
    """The pictures to draw, stored where an upload of the same product would go (`products/<id>/`)."""
    return [
        ImageJob(
            product_id=row.pk, position=position, name=f"products/{row.pk}/{row.slug[:60]}-{position + 1}.jpg",
            title=p.name, shape=image.shape, background=image.background, ink=image.ink, mirrored=image.mirrored,
        )
        for row, p in zip(rows, plan, strict=True)
        for position, image in enumerate(p.images)
    ]  # fmt: skip


def insert_media(
    plan: list[ProductPlan], rows: list[Product], variants: list[list[Variant]], rendered: Iterable[RenderedImage]
) -> None:
    """ProductMedia rows for the drawn pictures; a colour's picture is linked to the variants of that colour."""
    by_product = {row.pk: (p, group) for row, p, group in zip(rows, plan, variants, strict=True)}
    done = sorted(rendered, key=lambda r: (r.product_id, r.position))
    items = [
        ProductMedia(
            product_id=r.product_id, image=r.name, width=r.width, height=r.height, position=r.position,
            alt=by_product[r.product_id][0].images[r.position].alt[:200], renditions=r.renditions,
        )
        for r in done
    ]  # fmt: skip
    items = ProductMedia.objects.bulk_create(items, batch_size=BATCH)
    if any(item.pk is None for item in items):
        known = {(m.product_id, m.position): m.pk for m in ProductMedia.objects.all()}
        for item in items:
            item.pk = known[(item.product_id, item.position)]
    through = ProductMedia.variants.through
    links = []
    for item in items:
        p, group = by_product[item.product_id]
        colour = p.images[item.position].colour
        if colour:
            links += [
                through(productmedia_id=item.pk, variant_id=row.pk)
                for row, v in zip(group, p.variants, strict=True)
                if ("colour", colour) in v.options
            ]
    through.objects.bulk_create(links, batch_size=BATCH)


def with_pks[M](model: type[M], rows: list[M], key: str) -> list[M]:
    """Rows after bulk_create, with their primary keys even on a database that does not return them."""
    if all(row.pk is not None for row in rows):
        return rows
    known = dict(model.objects.filter(**{f"{key}__in": [getattr(r, key) for r in rows]}).values_list(key, "pk"))
    for row in rows:
        row.pk = known[getattr(row, key)]
    return rows
