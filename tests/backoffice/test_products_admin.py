from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comptoir.catalog.models import Product, ProductChannelListing, ProductMedia, Variant
from comptoir.catalog.services import add_product_image
from comptoir.core.models import Event
from comptoir.pricing.models import VariantPrice
from tests.backoffice.forms import product_form
from tests.factories import (
    AttributeValueFactory,
    CategoryFactory,
    ProductFactory,
    VariantFactory,
    VariantPriceFactory,
    image_bytes,
    sellable_product,
)

pytestmark = pytest.mark.django_db

LIST = "/admin/catalog/product/"
VALID_GTIN = "4006381333931"


def change_url(product: Product) -> str:
    return f"/admin/catalog/product/{product.pk}/change/"


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def with_image(product: Product) -> Product:
    add_product_image(product_id=product.pk, filename="p.png", data=image_bytes(400, 300))
    return product


def test_the_product_list_shows_price_range_stock_and_thumbnail(admin_client, channel):
    product = with_image(sellable_product(channel=channel, name="Linen shirt", price="19.90", stock=7, variants=2))
    VariantPriceFactory(variant=VariantFactory(product=product), channel=channel, amount=Decimal("25"))

    page = admin_client.get(LIST).content.decode()

    assert "Linen shirt" in page
    assert "€19.90 \u2013 €25.00" in page
    assert ">14<" in page.replace(" ", "").replace("\n", "")
    assert "-320w.webp" in page


def test_the_product_list_takes_the_same_queries_for_one_product_and_for_thirty(admin_client, channel):
    with_image(sellable_product(channel=channel, variants=2))
    admin_client.get(LIST)  # channels and the category tree are cached from here on
    one = count_queries(admin_client, LIST)

    for _ in range(29):
        with_image(sellable_product(channel=channel, variants=2))
    thirty = count_queries(admin_client, LIST)

    assert one == thirty


def test_searching_the_product_list_by_sku_or_barcode_finds_the_product(admin_client, channel):
    wanted = sellable_product(channel=channel, name="Wanted")
    wanted.variants.update(gtin=VALID_GTIN)
    sellable_product(channel=channel, name="Other")

    by_sku = admin_client.get(LIST, {"q": wanted.variants.get().sku}).content.decode()
    by_gtin = admin_client.get(LIST, {"q": VALID_GTIN}).content.decode()

    assert "Wanted" in by_sku and "Other" not in by_sku
    assert "Wanted" in by_gtin and "Other" not in by_gtin


def test_the_category_filter_includes_subcategories(admin_client, channel):
    parent = sellable_product(channel=channel, name="In parent").category
    child = sellable_product(channel=channel, name="In child").category
    child.parent = parent
    child.save()
    sellable_product(channel=channel, name="Elsewhere")

    page = admin_client.get(LIST, {"category": parent.pk}).content.decode()

    assert "In parent" in page and "In child" in page and "Elsewhere" not in page


def test_the_product_page_takes_the_same_queries_for_one_variant_and_for_twenty(admin_client, channel, usd_channel):
    product = with_image(sellable_product(channel=channel, variants=1))
    AttributeValueFactory()
    admin_client.get(change_url(product))
    one = count_queries(admin_client, change_url(product))

    for position in range(19):
        variant = VariantFactory(product=product, position=position + 1)
        variant.option_values.add(AttributeValueFactory())
        VariantPriceFactory(variant=variant, channel=channel)
        VariantPriceFactory(variant=variant, channel=usd_channel)
        with_image(product)
    twenty = count_queries(admin_client, change_url(product))

    assert one == twenty


def test_saving_a_product_stores_its_description_sanitised_and_reindexes_it(admin_client, channel):
    product = sellable_product(channel=channel)
    variant = product.variants.get()
    Event.objects.all().delete()
    data = product_form(
        product,
        channels=[channel.pk],
        description='<p onclick="steal()">Soft<script>alert(1)</script> linen</p>',
        variants=[{"id": variant.pk, "sku": variant.sku, f"price_{channel.pk}": "19.90"}],
    )

    response = admin_client.post(change_url(product), data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    product.refresh_from_db()
    assert product.description == "<p>Soft linen</p>"
    event = Event.objects.get(name="catalog.products_changed")
    assert event.payload["product_ids"] == [product.pk]


def test_adding_a_product_with_variants_stores_options_and_a_price_per_channel(admin_client, channel, usd_channel):
    size = AttributeValueFactory(name="M")
    data = product_form(
        channels=[channel.pk],
        name="Linen shirt",
        slug="linen-shirt",
        variants=[
            {
                "sku": "SHIRT-M",
                "gtin": VALID_GTIN,
                "option_values": [size.pk],
                "weight_grams": "250",
                f"price_{channel.pk}": "19.90",
                f"compare_at_{channel.pk}": "25",
                f"price_{usd_channel.pk}": "21.5",
            }
        ],
    )

    response = admin_client.post("/admin/catalog/product/add/", data)

    assert response.status_code == 302
    variant = Variant.objects.get(sku="SHIRT-M")
    assert list(variant.option_values.all()) == [size]
    prices = {p.channel_id: (p.amount, p.compare_at_amount) for p in variant.prices.all()}
    assert prices == {channel.pk: (Decimal("19.90"), Decimal("25.00")), usd_channel.pk: (Decimal("21.50"), None)}
    assert list(ProductChannelListing.objects.values_list("channel_id", flat=True)) == [channel.pk]


def test_clearing_a_price_on_the_product_page_takes_the_variant_off_sale_in_that_channel(admin_client, channel):
    product = sellable_product(channel=channel)
    variant = product.variants.get()
    data = product_form(product, channels=[channel.pk], variants=[{"id": variant.pk, "sku": variant.sku}])

    admin_client.post(change_url(product), data)

    assert not VariantPrice.objects.filter(variant=variant).exists()


def test_a_variant_with_a_wrong_barcode_is_refused_with_a_field_error(admin_client, channel):
    product = sellable_product(channel=channel)
    variant = product.variants.get()
    data = product_form(
        product,
        channels=[channel.pk],
        variants=[{"id": variant.pk, "sku": variant.sku, "gtin": "4006381333932", f"price_{channel.pk}": "19.90"}],
    )

    response = admin_client.post(change_url(product), data)

    assert response.status_code == 200
    assert "not a valid GTIN" in response.content.decode()
    assert Variant.objects.get(pk=variant.pk).gtin == ""


def test_a_compare_at_price_below_the_price_is_refused_with_a_field_error(admin_client, channel):
    product = sellable_product(channel=channel)
    variant = product.variants.get()
    row = {"id": variant.pk, "sku": variant.sku, f"price_{channel.pk}": "20", f"compare_at_{channel.pk}": "15"}

    response = admin_client.post(change_url(product), product_form(product, channels=[channel.pk], variants=[row]))

    assert response.status_code == 200
    assert "Must be higher than the price." in response.content.decode()
    assert VariantPrice.objects.get(variant=variant).compare_at_amount is None


def test_an_image_uploaded_on_the_product_page_gets_webp_renditions(admin_client, channel):
    product = sellable_product(channel=channel)
    variant = product.variants.get()
    upload = SimpleUploadedFile("photo.png", image_bytes(1200, 900), content_type="image/png")
    data = product_form(
        product,
        channels=[channel.pk],
        variants=[{"id": variant.pk, "sku": variant.sku, f"price_{channel.pk}": "19.90"}],
        media=[{"image": upload, "alt": "Front view"}],
    )

    response = admin_client.post(change_url(product), data)

    assert response.status_code == 302
    media = ProductMedia.objects.get(product=product)
    assert media.alt == "Front view"
    assert [r["width"] for r in media.renditions] == [320, 640, 960]
    assert all(r["name"].endswith(".webp") and default_storage.exists(r["name"]) for r in media.renditions)


def test_a_file_that_is_not_an_image_is_refused_on_the_product_page(admin_client, channel):
    product = sellable_product(channel=channel)
    variant = product.variants.get()
    upload = SimpleUploadedFile("photo.png", b"not an image", content_type="image/png")
    data = product_form(
        product,
        channels=[channel.pk],
        variants=[{"id": variant.pk, "sku": variant.sku, f"price_{channel.pk}": "19.90"}],
        media=[{"image": upload}],
    )

    response = admin_client.post(change_url(product), data)

    assert response.status_code == 200
    assert not ProductMedia.objects.exists()


def test_unticking_a_channel_unlists_the_product_there(admin_client, channel, usd_channel):
    product = sellable_product(channel=channel)
    ProductChannelListing.objects.create(product=product, channel=usd_channel)
    variant = product.variants.get()
    row = {"id": variant.pk, "sku": variant.sku, f"price_{channel.pk}": "19.90"}

    admin_client.post(change_url(product), product_form(product, channels=[channel.pk], variants=[row]))

    assert list(product.channel_listings.values_list("channel_id", flat=True)) == [channel.pk]


def test_deleting_a_product_records_products_changed(admin_client, channel):
    product = sellable_product(channel=channel, stock=None)
    Event.objects.all().delete()

    response = admin_client.post(f"/admin/catalog/product/{product.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Product.objects.exists()
    assert Event.objects.get(name="catalog.products_changed").payload["product_ids"] == [product.pk]


def test_two_new_variants_with_the_same_sku_are_refused(admin_client, channel):
    rows = [{"sku": "TWICE", f"price_{channel.pk}": "5"}, {"sku": "TWICE", f"price_{channel.pk}": "6"}]

    response = admin_client.post("/admin/catalog/product/add/", product_form(channels=[channel.pk], variants=rows))

    assert response.status_code == 200
    assert not Product.objects.exists()


def test_removing_an_image_on_the_product_page_deletes_its_files(
    admin_client, channel, django_capture_on_commit_callbacks
):
    product = with_image(sellable_product(channel=channel))
    media = product.media.get()
    files = [media.image.name, *(r["name"] for r in media.renditions)]
    variant = product.variants.get()
    data = product_form(
        product,
        channels=[channel.pk],
        variants=[{"id": variant.pk, "sku": variant.sku, f"price_{channel.pk}": "19.90"}],
        media=[{"id": media.pk, "alt": media.alt, "DELETE": "on"}],
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(change_url(product), data)

    assert response.status_code == 302
    assert not ProductMedia.objects.exists()
    assert not any(default_storage.exists(name) for name in files)


def test_the_missing_price_filter_lists_unpriced_products_still_in_use(admin_client, channel):
    sellable_product(channel=channel, name="Priced")
    ProductFactory(name="Unpriced draft", status="draft")
    ProductFactory(name="Unpriced archived", status="archived")

    page = admin_client.get(LIST, {"missing": "price"}).content.decode()

    assert "Unpriced draft" in page
    assert "Priced<" not in page and "Unpriced archived" not in page


def test_the_category_choice_on_the_product_page_shows_the_tree_indented(admin_client):
    clothing = CategoryFactory(name="Clothing", position=1)
    CategoryFactory(name="Shirts", parent=clothing)
    CategoryFactory(name="Aprons", position=0)

    page = admin_client.get("/admin/catalog/product/add/").content.decode()

    assert page.index(">Aprons<") < page.index(">Clothing<") < page.index(">— Shirts<")
