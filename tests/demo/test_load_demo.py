"""`manage.py load_demo`: the demo shop as a merchant and a buyer find it."""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from stdnum import ean

from comptoir.catalog.kinds import ProductKind
from comptoir.catalog.models import (
    Brand,
    Category,
    Collection,
    Product,
    ProductChannelListing,
    ProductMedia,
    Variant,
)
from comptoir.catalog.queries import list_featured_collections, list_product_page
from comptoir.catalog.search import search_product_ids
from comptoir.core.invariants import registered_checks
from comptoir.core.models import Channel
from comptoir.demo import builder
from comptoir.demo.builder import ADMIN_PASSWORD, ADMIN_USERNAME
from comptoir.fulfillment.models import FulfilmentRequest
from comptoir.inventory.models import Location, StockLevel, StockMovement
from comptoir.pricing.models import VariantPrice

pytestmark = pytest.mark.django_db

PRODUCTS = 40
ON_MARIADB = django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.mysql"


def load(*args: str, **options) -> str:
    out = io.StringIO()
    options.setdefault("products", PRODUCTS)
    call_command("load_demo", *args, stdout=out, **options)
    return out.getvalue()


def shop_snapshot() -> list[tuple]:
    prices = VariantPrice.objects.order_by("variant__sku", "currency")
    return [
        sorted(Product.objects.values_list("name", "slug", "status", "kind")),
        sorted(Variant.objects.values_list("sku", "gtin", "name", "weight_grams")),
        list(prices.values_list("variant__sku", "currency", "amount", "compare_at_amount")),
        sorted(StockLevel.objects.values_list("variant__sku", "location__slug", "on_hand")),
    ]


def test_the_demo_has_the_products_variants_and_categories_it_reports():
    output = load(no_images=True)

    variants = Variant.objects.count()
    assert Product.objects.count() == PRODUCTS
    assert Category.objects.count() >= 20
    assert Category.objects.filter(parent__isnull=False).exclude(parent__parent=None).count() == 0
    assert Brand.objects.count() >= 18
    assert f"{PRODUCTS} products, {variants} variants, {Category.objects.count()} categories" in output


def test_the_demo_sells_in_a_french_euro_channel_and_a_us_dollar_channel():
    load(no_images=True)

    channels = {c.slug: c for c in Channel.objects.all()}
    fr, us = channels["fr-eur"], channels["us-usd"]
    assert (fr.name, fr.currency, fr.default_language, str(fr.default_country)) == (
        "Boutique France",
        "EUR",
        "fr",
        "FR",
    )
    assert fr.prices_include_tax and fr.is_default
    assert (us.name, us.currency, us.default_language, str(us.default_country)) == ("US Store", "USD", "en", "US")
    assert not us.prices_include_tax and not us.is_default


def test_every_product_kind_is_in_the_demo_and_published():
    load(no_images=True)

    published = set(Product.objects.filter(status="published").values_list("kind", flat=True))

    assert published == set(ProductKind.values)


def test_every_published_product_is_listed_and_priced_in_both_channels_in_their_currency():
    load(no_images=True)
    channels = list(Channel.objects.all())

    for product in Product.objects.filter(status="published").prefetch_related("variants__prices"):
        assert ProductChannelListing.objects.filter(product=product).count() == 2
        for variant in product.variants.all():
            prices = {p.channel_id: p for p in variant.prices.all()}
            for channel in channels:
                price = prices[channel.pk]
                assert price.currency == channel.currency
                assert price.amount == price.amount.quantize(Decimal("0.01"))
                assert price.compare_at_amount is None or price.compare_at_amount > price.amount


def test_published_products_are_published_from_a_past_date_and_drafts_are_not():
    load(no_images=True, seed=2)  # a seed whose 40 products include drafts and archived ones

    assert not Product.objects.filter(status="published", published_from__isnull=True).exists()
    assert not Product.objects.exclude(status="published").filter(published_from__isnull=False).exists()
    assert Product.objects.filter(status="draft").exists()
    assert Product.objects.filter(status="archived").exists()
    assert not Product.objects.filter(published_from__gt=timezone.now()).exists()


def test_every_barcode_is_a_valid_gtin():
    load(no_images=True)

    gtins = list(Variant.objects.exclude(gtin="").values_list("gtin", flat=True))

    assert gtins
    assert all(ean.is_valid(gtin) for gtin in gtins)


def test_descriptions_are_sanitised_html_with_a_paragraph_and_a_list():
    load(no_images=True)

    for description in Product.objects.values_list("description", flat=True):
        assert description.startswith("<p>")
        assert "<ul>" in description
        assert "<script" not in description


def test_stock_sits_in_a_warehouse_and_a_paris_shop_with_pickup_and_agrees_with_the_ledger():
    load(no_images=True)

    store = Location.objects.get(slug="paris-store")
    stock_check = registered_checks()["stock"]()

    assert store.pickup_enabled and store.kind == "store"
    assert Location.objects.get(slug="lyon-warehouse").kind == "warehouse"
    assert StockMovement.objects.filter(reason="receipt").count() == StockLevel.objects.filter(on_hand__gt=0).count()
    assert stock_check.examined == StockLevel.objects.count()
    assert stock_check.violations == []


def test_the_storefront_listing_shows_demo_products_with_prices_in_each_channel():
    load(no_images=True)

    for channel in Channel.objects.all():
        page = list_product_page(channel=channel)

        assert page.total == Product.objects.filter(status="published").count()
        assert page.cards
        assert all(card.price is not None and card.price.currency == channel.currency for card in page.cards)


def test_three_collections_are_featured_on_the_home_page():
    load(no_images=True)
    channel = Channel.objects.get(slug="fr-eur")

    shelves = list_featured_collections(channel=channel)

    assert Collection.objects.count() >= 4
    assert [shelf.slug for shelf in shelves] == ["new-in", "best-sellers", "sale"]
    assert all(shelf.cards for shelf in shelves)


# InnoDB adds rows to a FULLTEXT index only when their transaction commits: on MariaDB this test commits.
@pytest.mark.django_db(transaction=ON_MARIADB)
def test_demo_products_can_be_found_by_search():
    load(no_images=True)
    product = Product.objects.filter(kind=ProductKind.PHYSICAL).order_by("pk").first()
    sku = product.variants.first().sku

    assert product.pk in search_product_ids(product.name)
    assert search_product_ids(sku) == [product.pk]


def test_the_same_seed_after_a_reset_rebuilds_the_same_shop():
    load(no_images=True, seed=7)
    first = shop_snapshot()

    load("--reset", no_images=True, seed=7)

    assert shop_snapshot() == first


def test_another_seed_builds_another_shop():
    load(no_images=True, seed=7)
    first = shop_snapshot()

    load("--reset", no_images=True, seed=8)

    assert shop_snapshot()[0] != first[0]


def test_loading_again_without_reset_changes_nothing_and_says_so():
    load(no_images=True)
    before = shop_snapshot()

    output = load(no_images=True)

    assert "already has 40 products" in output
    assert "--reset" in output
    assert shop_snapshot() == before
    assert Channel.objects.count() == 2


def test_the_staff_user_can_log_in_with_the_printed_password(client):
    output = load(no_images=True)

    assert f"{ADMIN_USERNAME} / {ADMIN_PASSWORD}" in output
    assert client.login(username=ADMIN_USERNAME, password=ADMIN_PASSWORD)
    user = get_user_model().objects.get(username=ADMIN_USERNAME)
    assert user.is_staff and user.is_superuser


def test_a_reset_keeps_an_existing_admin_password():
    load(no_images=True)
    user = get_user_model().objects.get(username=ADMIN_USERNAME)
    user.set_password("merchant-chose-this")
    user.save()

    output = load("--reset", no_images=True)

    assert "password unchanged" in output
    assert get_user_model().objects.get(username=ADMIN_USERNAME).check_password("merchant-chose-this")


def test_a_reset_refuses_to_remove_what_other_records_still_use_and_changes_nothing():
    load(no_images=True)
    before = shop_snapshot()
    warehouse = Location.objects.get(slug="lyon-warehouse")
    FulfilmentRequest.objects.create(location=warehouse, order_ref="ORD-1", token="t" * 40)

    with pytest.raises(CommandError, match=r"Partner fulfilment requests.*nothing was removed"):
        load("--reset", no_images=True, seed=99)

    assert shop_snapshot() == before


def test_a_bad_number_of_picture_workers_is_refused():
    with pytest.raises(CommandError, match="--workers"):
        load(workers=0)


def test_too_few_products_is_refused_with_a_message():
    with pytest.raises(CommandError, match="at least"):
        load(no_images=True, products=5)

    assert not Product.objects.exists()


def media_files(settings) -> set[Path]:
    return {path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()}


def test_a_failure_midway_leaves_no_demo_rows_and_no_pictures(monkeypatch, settings):
    before = media_files(settings)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(builder, "_collections", broken)

    with pytest.raises(RuntimeError, match="disk full"):
        load(products=20)

    assert not Product.objects.exists()
    assert not Category.objects.exists()
    assert not Channel.objects.exists()
    assert media_files(settings) == before


def test_every_product_has_pictures_with_renditions_on_disk(settings):
    load(products=20)

    media = list(ProductMedia.objects.all())
    widths = sorted(settings.COMPTOIR["IMAGE_WIDTHS"])

    assert set(Product.objects.values_list("pk", flat=True)) == {m.product_id for m in media}
    for item in media:
        assert item.alt
        assert (item.width, item.height) == (960, 960)
        assert Path(item.image.path).is_file()
        assert [r["width"] for r in item.renditions] == widths
        assert all(Path(default_storage.path(r["name"])).is_file() for r in item.renditions)


def test_a_colour_picture_belongs_to_the_variants_of_that_colour():
    load(products=20)

    item = ProductMedia.objects.filter(variants__isnull=False).prefetch_related("variants__option_values").first()

    colours = {v.slug for variant in item.variants.all() for v in variant.option_values.all() if v.swatch}
    assert len(colours) == 1


def test_a_reset_removes_the_old_pictures(settings, django_capture_on_commit_callbacks):
    before = media_files(settings)
    load(products=20)
    first = media_files(settings) - before

    with django_capture_on_commit_callbacks(execute=True):
        load("--reset", products=20)

    assert first
    assert not first & media_files(settings)
