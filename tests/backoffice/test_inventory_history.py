"""The stock history (the ledger of movements) in the back office: read-only, filtered and searched."""

import pytest
from django.utils import timezone

from comptoir.inventory.models import StockLevel, StockMovement
from comptoir.inventory.services import count_stock, receive_stock, remove_stock
from tests.backoffice.inventory_support import body, count_queries, staff
from tests.factories import LocationFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

HISTORY = "/admin/inventory/stockmovement/"


def test_the_history_of_a_stock_level_lists_only_its_movements_and_says_so(admin_client):
    location = LocationFactory(name="Paris warehouse")
    shirt, other = VariantFactory(sku="SHIRT-S"), VariantFactory(sku="APRON")
    receive_stock(location_id=location.pk, variant_id=shirt.pk, quantity=5, reference="DN-1")
    receive_stock(location_id=location.pk, variant_id=other.pk, quantity=5, reference="DN-2")
    level = StockLevel.objects.get(variant=shirt)

    page = body(admin_client.get(f"{HISTORY}?level={level.pk}"))

    assert "DN-1" in page and "DN-2" not in page
    assert "SHIRT-S @ Paris warehouse" in page


def test_the_history_of_a_product_covers_all_its_variants(admin_client):
    product = ProductFactory()
    location = LocationFactory()
    for sku in ("MUG-RED", "MUG-BLUE"):
        receive_stock(location_id=location.pk, variant_id=VariantFactory(product=product, sku=sku).pk, quantity=1)
    receive_stock(location_id=location.pk, variant_id=VariantFactory(sku="OTHER").pk, quantity=1)

    page = body(admin_client.get(f"{HISTORY}?product={product.pk}"))

    assert "MUG-RED" in page and "MUG-BLUE" in page and "OTHER" not in page


def test_the_history_is_filtered_by_reason_and_searched_by_reference(admin_client):
    location, variant = LocationFactory(), VariantFactory()
    receive_stock(location_id=location.pk, variant_id=variant.pk, quantity=9, reference="PO-2024-17")
    remove_stock(location_id=location.pk, variant_id=variant.pk, quantity=1, note="broken")
    count_stock(location_id=location.pk, variant_id=variant.pk, counted=6, note="yearly count")

    written_off = body(admin_client.get(f"{HISTORY}?reason__exact=write_off"))
    found = body(admin_client.get(f"{HISTORY}?q=PO-2024"))
    exact = body(admin_client.get(f"{HISTORY}?reference=PO-2024-17"))

    assert "broken" in written_off and "yearly count" not in written_off
    assert "PO-2024-17" in found and "broken" not in found
    assert "PO-2024-17" in exact and "yearly count" not in exact


def test_the_history_can_be_narrowed_to_a_location_and_a_date_range(admin_client):
    paris, lyon = LocationFactory(), LocationFactory()
    variant = VariantFactory()
    receive_stock(location_id=paris.pk, variant_id=variant.pk, quantity=2, reference="AT-PARIS")
    receive_stock(location_id=lyon.pk, variant_id=variant.pk, quantity=2, reference="AT-LYON")

    today = timezone.localdate().isoformat()

    in_paris = body(admin_client.get(f"{HISTORY}?stock_level__location__id__exact={paris.pk}"))
    long_ago = body(admin_client.get(f"{HISTORY}?created_at_from=2001-01-01&created_at_to=2001-12-31"))
    up_to_today = body(admin_client.get(f"{HISTORY}?created_at_from=2001-01-01&created_at_to={today}"))

    assert "AT-PARIS" in in_paris and "AT-LYON" not in in_paris
    assert "AT-PARIS" not in long_ago
    assert "AT-PARIS" in up_to_today and "AT-LYON" in up_to_today


def test_the_history_takes_the_same_queries_for_one_line_and_for_many(admin_client):
    location = LocationFactory()
    receive_stock(location_id=location.pk, variant_id=VariantFactory().pk, quantity=1)
    admin_client.get(HISTORY)
    one = count_queries(admin_client, HISTORY)

    for _ in range(15):
        variant = VariantFactory()
        receive_stock(location_id=LocationFactory().pk, variant_id=variant.pk, quantity=3, reference="DN")
    many = count_queries(admin_client, HISTORY)

    assert one == many


def test_history_lines_cannot_be_changed_or_deleted(admin_client):
    location, variant = LocationFactory(), VariantFactory()
    receive_stock(location_id=location.pk, variant_id=variant.pk, quantity=1)
    line = StockMovement.objects.get()

    change = admin_client.post(f"{HISTORY}{line.pk}/change/", {"on_hand_delta": 100})
    delete = admin_client.post(f"{HISTORY}{line.pk}/delete/", {"post": "yes"})

    assert change.status_code == delete.status_code == 403
    assert StockMovement.objects.get().on_hand_delta == 1


def test_staff_without_the_right_to_see_the_history_are_refused(client):
    staff(client, "inventory.view_stocklevel")

    assert client.get(HISTORY).status_code == 403
