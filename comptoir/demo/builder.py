"""Write the demo shop to the database: a plan from `comptoir.demo.plan`, inserted in bulk.

The services create one product at a time, which would take minutes for a thousand products; this writes
the same rows in batches instead, and keeps what the services guarantee: descriptions are sanitised with
`catalog.services.sanitize_description`, prices are rounded by `Money.quantize`, every product is listed in
both channels, published products have `published_from`, every stock receipt has its ledger line, and at
the end `catalog.services.products_changed` indexes everything for search and records the events.

All of it runs in one transaction: a failure leaves no demo rows, and removes the pictures already drawn.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from comptoir.catalog.models import (
    Attribute,
    AttributeValue,
    Brand,
    Category,
    Collection,
    CollectionProduct,
    Product,
    ProductChannelListing,
)
from comptoir.catalog.queries import forget_category_tree
from comptoir.catalog.services import categories_changed, products_changed
from comptoir.core.events import record_event
from comptoir.core.models import Channel
from comptoir.core.services import save_channel
from comptoir.demo import commerce, inserts, media, wipe
from comptoir.demo.blueprint import ProductPlan
from comptoir.demo.catalogue import LEAVES, ROOTS, SPECIAL_CATEGORIES
from comptoir.demo.images import RenderedImage
from comptoir.demo.plan import make_plan
from comptoir.demo.shelves import plan_collections
from comptoir.demo.vocabulary import ATTRIBUTES, BRANDS, SWATCHES
from comptoir.inventory.models import Location, LocationKind

BATCH = inserts.BATCH
DEFAULT_PRODUCTS = 1200
DEFAULT_SEED = 2026
# A local demo's login, printed on screen: never a real shop's (the loader refuses a non-empty catalogue).
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "comptoir-demo"


@dataclass(frozen=True, slots=True)
class DemoReport:
    products: int
    variants: int
    categories: int
    images: int
    collections: int
    admin_created: bool
    seconds: float
    try_codes: dict[str, str]
    """Voucher and gift card codes to try at checkout (empty when the shop's setup was already there)."""
    cpu_seconds: float  # this process and its picture workers: compare with `seconds` on a busy machine


def load_demo(
    *,
    products: int = DEFAULT_PRODUCTS,
    seed: int = DEFAULT_SEED,
    images: bool = True,
    reset: bool = False,
    workers: int | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> DemoReport:
    """Build the demo shop: two channels, two stock locations, the catalogue, collections and pictures.

    The same `products` and `seed` give the same shop. `reset` first wipes the catalogue (see
    `comptoir.demo.wipe`). Raises ValueError for fewer than `plan.MIN_PRODUCTS` products. All or nothing.
    """
    started, cpu_started = time.perf_counter(), _cpu_seconds()

    def step(message: str) -> None:
        log(f"{message} [{time.perf_counter() - started:.1f} s]")

    plan = make_plan(products=products, seed=seed)
    step(f"Planned {len(plan)} products from seed {seed}.")
    rendered: list[RenderedImage] = []
    new_ids: list[int] = []
    pictures: media.Pictures | None = None
    try:
        with transaction.atomic():
            if reset:
                wipe.wipe_catalogue(log=step)
            channels = _channels()
            locations = _locations()
            categories = _categories()
            brands = {b.slug: b.pk for b in inserts.with_pks(Brand, Brand.objects.bulk_create(_brands()), "slug")}
            values = _attribute_values(plan)
            rows = inserts.insert_products(plan, categories=categories, brands=brands)
            new_ids = [row.pk for row in rows]
            step(f"Inserted {len(rows)} products; drawing their pictures while the rest is written...")
            pictures = media.Pictures(inserts.image_jobs(plan, rows) if images else [], workers=workers)
            inserts.insert_product_attributes(plan, rows, values)
            ProductChannelListing.objects.bulk_create(
                [ProductChannelListing(product_id=row.pk, channel_id=c.pk) for row in rows for c in channels],
                batch_size=BATCH,
            )
            variants = inserts.insert_variants(plan, rows, values)
            inserts.insert_prices(plan, variants, channels)
            inserts.insert_stock(plan, variants, locations)
            collections = _collections(plan, rows, seed=seed)
            step("Wrote variants, prices, stock and collections.")
            rendered = pictures.results()
            inserts.insert_media(plan, rows, variants, rendered)
            step(f"Stored {len(rendered)} pictures; indexing for search...")
            for start in range(0, len(new_ids), BATCH):
                products_changed(new_ids[start : start + BATCH])
            record_event("pricing.prices_changed", variant_ids=[v.pk for vs in variants for v in vs])
            record_event("inventory.stock_changed", variant_ids=[v.pk for vs in variants for v in vs])
            try_codes = _commerce(channels, locations)
            _taxes(channels[0], categories)
            step("Set up delivery, invoicing, vouchers, a gift card and French VAT.")
            admin_created = ensure_admin()
    except BaseException:
        if pictures is not None:
            pictures.abort()
        media.delete_product_files(new_ids)
        raise
    return DemoReport(
        products=len(plan),
        variants=sum(len(p.variants) for p in plan),
        categories=len(categories),
        images=len(rendered),
        collections=collections,
        admin_created=admin_created,
        seconds=time.perf_counter() - started,
        try_codes=try_codes,
        cpu_seconds=_cpu_seconds() - cpu_started,
    )


def _commerce(channels: list[Channel], locations: dict[str, int]) -> dict[str, str]:
    """Delivery zones, the invoicing company, vouchers and a gift card. A reloaded catalogue gets its delivery
    zones again (they go with the locations); vouchers and gift cards are kept."""
    from comptoir.fulfillment.models import ShippingZone
    from comptoir.pricing.models import GiftCard, Promotion

    eur, usd = channels
    commerce.create_legal_entity()
    if not ShippingZone.objects.exists():
        commerce.create_shipping(eur=eur, usd=usd, paris_store_id=locations.get("paris-store"))
    if not Promotion.objects.exists():
        commerce.create_promotion(eur=eur)
    commerce.create_instalment_offers(eur=eur, usd=usd)
    if GiftCard.objects.filter(code=commerce.DEMO_GIFT_CARD).exists():
        return {}
    return commerce.create_discounts(eur=eur, usd=usd)


def _cpu_seconds() -> float:
    try:
        import resource  # Unix only; it also counts the finished picture workers
    except ImportError:
        return time.process_time()
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def catalogue_size() -> int:
    """How many products the catalogue holds: the demo only loads into an empty one."""
    return Product.objects.count()


def ensure_admin() -> bool:
    """Create the demo's staff superuser unless a user of that name exists (its password is then left alone)."""
    user_model = get_user_model()
    if user_model.objects.filter(username=ADMIN_USERNAME).exists():
        return False
    user_model.objects.create_superuser(username=ADMIN_USERNAME, email="admin@example.com", password=ADMIN_PASSWORD)
    return True


def _channels() -> list[Channel]:
    return [
        save_channel(
            slug="fr-eur", name="Boutique France", currency="EUR", default_language="fr", default_country="FR",
            prices_include_tax=True, is_default=True,
        ),
        save_channel(
            slug="us-usd", name="US Store", currency="USD", default_language="en", default_country="US",
            prices_include_tax=False,
        ),
    ]  # fmt: skip


# Books, e-books and food take France's reduced rate (5.5 %); everything else the standard 20 %.
REDUCED_RATE_CATEGORIES = ("books-novels", "books-cookbooks", "books-ebooks", "home-pantry")


def _taxes(french: Channel, categories: dict[str, int]) -> None:
    """The French shop charges French VAT, prices including tax, from the EU rates shipped with Comptoir;
    the US store charges no sales tax until its merchant imports a rate table."""
    from comptoir.taxes.imports import EU_RATES_FILE, import_rates, parse_rates_csv
    from comptoir.taxes.models import TaxSettings
    from comptoir.taxes.zones import forget_tax_config

    import_rates(rows=parse_rates_csv(EU_RATES_FILE.read_text(encoding="utf-8"), source=EU_RATES_FILE.name))
    TaxSettings.objects.update_or_create(channel=french, defaults={"origin_country": "FR"})
    Product.objects.filter(category_id__in=[categories[s] for s in REDUCED_RATE_CATEGORIES if s in categories]).update(
        tax_class="reduced"
    )
    transaction.on_commit(forget_tax_config)


def _locations() -> dict[str, int]:
    warehouse = Location.objects.create(
        name="Lyon warehouse", slug="lyon-warehouse", kind=LocationKind.WAREHOUSE, priority=10,
        address="12 rue de l'Industrie", city="Lyon", postcode="69007", country="FR", latitude=Decimal("45.738600"),
        longitude=Decimal("4.835400"),
    )  # fmt: skip
    store = Location.objects.create(
        name="Paris — Le Marais shop", slug="paris-store", kind=LocationKind.STORE, priority=20, pickup_enabled=True,
        address="38 rue de Bretagne", city="Paris", postcode="75003", country="FR", latitude=Decimal("48.863200"),
        longitude=Decimal("2.361900"),
        opening_hours={"mon-sat": "10:00-19:00", "sun": "11:00-18:00"},
    )  # fmt: skip
    return {warehouse.slug: warehouse.pk, store.slug: store.pk}


def _categories() -> dict[str, int]:
    roots = Category.objects.bulk_create(
        [
            Category(name=r.name, slug=r.slug, description=r.description, position=i, seo_title=r.name,
                     seo_description=r.description[:160])
            for i, r in enumerate(ROOTS)
        ]
    )  # fmt: skip
    ids = {row.slug: row.pk for row in inserts.with_pks(Category, roots, "slug")}
    names = {r.slug: r.name for r in ROOTS}
    leaves = [(leaf.slug, leaf.name, leaf.parent, leaf.description) for leaf in LEAVES] + list(SPECIAL_CATEGORIES)
    rows = Category.objects.bulk_create(
        [
            Category(
                parent_id=ids[parent], name=name, slug=slug, description=description, position=i,
                seo_title=f"{name} | {names[parent]}"[:70], seo_description=description[:160],
            )
            for i, (slug, name, parent, description) in enumerate(leaves)
        ]
    )  # fmt: skip
    ids |= {row.slug: row.pk for row in inserts.with_pks(Category, rows, "slug")}
    # The search index reads the tree while this transaction is still open: drop any copy cached before it.
    forget_category_tree()
    categories_changed()
    return ids


def _brands() -> list[Brand]:
    return [
        Brand(name=b.name, slug=b.slug, description=b.description, seo_title=b.name, seo_description=b.description)
        for b in BRANDS
    ]


def _attribute_values(plan: list[ProductPlan]) -> dict[tuple[str, str], int]:
    """Every attribute, and the values the plan uses: (attribute slug, value name) -> value id."""
    used: dict[str, set[str]] = {}
    for product in plan:
        for slug, name in product.attributes:
            used.setdefault(slug, set()).add(name)
        for variant in product.variants:
            for slug, name in variant.options:
                used.setdefault(slug, set()).add(name)
    attributes = Attribute.objects.bulk_create(
        [
            Attribute(name=a.name, slug=a.slug, is_variant_option=a.is_variant_option, is_filterable=a.is_filterable,
                      position=i)
            for i, a in enumerate(ATTRIBUTES)
        ]
    )  # fmt: skip
    attribute_ids = {row.slug: row.pk for row in inserts.with_pks(Attribute, attributes, "slug")}
    rows = []
    for spec in ATTRIBUTES:
        natural = {name: i for i, name in enumerate(spec.ordered_values)}
        names = sorted(used.get(spec.slug, ()), key=lambda n: (natural.get(n, len(natural)), n))
        rows += [
            AttributeValue(
                attribute_id=attribute_ids[spec.slug], name=name, slug=slugify(name) or f"value-{i}",
                swatch=SWATCHES.get(name, "") if spec.slug == "colour" else "", position=i,
            )
            for i, name in enumerate(names)
        ]  # fmt: skip
    AttributeValue.objects.bulk_create(rows, batch_size=BATCH)
    by_attribute = {pk: slug for slug, pk in attribute_ids.items()}
    return {
        (by_attribute[attribute_id], name): pk
        for pk, attribute_id, name in AttributeValue.objects.values_list("pk", "attribute_id", "name")
    }


def _collections(plan: list[ProductPlan], rows: list[Product], *, seed: int) -> int:
    shelves = plan_collections(plan, seed=seed)
    collections = Collection.objects.bulk_create(
        [
            Collection(name=s.name, slug=s.slug, description=s.description, is_featured=s.is_featured,
                       is_published=True, position=i, seo_title=s.name, seo_description=s.description[:160])
            for i, s in enumerate(shelves)
        ]
    )  # fmt: skip
    collections = inserts.with_pks(Collection, collections, "slug")
    CollectionProduct.objects.bulk_create(
        [
            CollectionProduct(collection_id=collection.pk, product_id=rows[index].pk, position=position)
            for collection, shelf in zip(collections, shelves, strict=True)
            for position, index in enumerate(shelf.members)
        ],
        batch_size=BATCH,
    )
    return len(collections)
