from decimal import Decimal

import pytest
from django.contrib.messages import get_messages

from comptoir.catalog.models import Product, ProductStatus
from comptoir.core.models import Event
from comptoir.pricing.models import VariantPrice
from tests.factories import VariantPriceFactory, sellable_product

pytestmark = pytest.mark.django_db

LIST = "/admin/catalog/product/"


def run_action(client, action: str, products, **extra):
    data = {"action": action, "_selected_action": [p.pk for p in products], "index": 0, **extra}
    return client.post(LIST, data)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_publishing_drafts_in_bulk_says_how_many_were_published(admin_client, channel):
    drafts = [sellable_product(channel=channel, status=ProductStatus.DRAFT) for _ in range(2)]
    already = sellable_product(channel=channel)

    response = run_action(admin_client, "publish", [*drafts, already])

    assert response.status_code == 302
    assert messages_of(response) == ["2 products published. (1 already was.)"]
    assert set(Product.objects.values_list("status", flat=True)) == {ProductStatus.PUBLISHED}
    assert all(p.published_from for p in Product.objects.filter(pk__in=[d.pk for d in drafts]))


def test_archiving_in_bulk_archives_and_reindexes_the_products(admin_client, channel):
    products = [sellable_product(channel=channel) for _ in range(3)]
    Event.objects.all().delete()

    response = run_action(admin_client, "archive", products)

    assert messages_of(response) == ["3 products archived."]
    assert set(Product.objects.values_list("status", flat=True)) == {ProductStatus.ARCHIVED}
    event = Event.objects.get(name="catalog.products_changed")
    assert event.payload["product_ids"] == sorted(p.pk for p in products)


def test_unpublishing_one_product_says_so_in_the_singular(admin_client, channel):
    product = sellable_product(channel=channel)

    response = run_action(admin_client, "unpublish", [product])

    assert messages_of(response) == ["1 product unpublished."]


def test_the_price_change_action_first_asks_for_the_percentage(admin_client, channel):
    product = sellable_product(channel=channel, name="Linen shirt")

    response = run_action(admin_client, "change_prices", [product])

    assert response.status_code == 200
    page = response.content.decode()
    assert "Linen shirt" in page and 'name="percentage"' in page
    assert VariantPrice.objects.get().amount == Decimal("19.90")


def test_lowering_prices_by_ten_percent_in_one_channel_leaves_the_other_alone(admin_client, channel, usd_channel):
    products = [sellable_product(channel=channel, price="20.00") for _ in range(2)]
    for product in products:
        VariantPriceFactory(variant=product.variants.get(), channel=usd_channel, amount=Decimal("30"))

    response = run_action(admin_client, "change_prices", products, apply="1", percentage="-10", channel=str(channel.pk))

    assert response.status_code == 302
    assert messages_of(response) == ["2 prices of 2 product(s) changed by -10%."]
    assert set(VariantPrice.objects.filter(channel=channel).values_list("amount", flat=True)) == {Decimal("18.00")}
    assert set(VariantPrice.objects.filter(channel=usd_channel).values_list("amount", flat=True)) == {Decimal("30")}


@pytest.mark.parametrize("percentage", ["0", "-100", "lots"])
def test_a_meaningless_percentage_shows_the_form_again_and_changes_nothing(admin_client, channel, percentage):
    product = sellable_product(channel=channel, price="20.00")

    response = run_action(admin_client, "change_prices", [product], apply="1", percentage=percentage)

    assert response.status_code == 200
    assert 'name="percentage"' in response.content.decode()
    assert VariantPrice.objects.get().amount == Decimal("20.00")


def test_exporting_selected_products_downloads_only_them(admin_client, channel):
    wanted = sellable_product(channel=channel, name="Wanted")
    sellable_product(channel=channel, name="Other")

    response = run_action(admin_client, "export_selected_csv", [wanted])

    assert response["Content-Disposition"].startswith('attachment; filename="products-')
    body = response.content.decode("utf-8-sig")
    assert "Wanted" in body and "Other" not in body
