"""The stock of a product in the back office: its Stock tab, the adjust page and the stock levels list."""

from datetime import date

import pytest

from comptoir.core.models import Event
from comptoir.inventory.models import MovementReason, OversellMode, StockLevel, StockMovement, StockPolicy
from comptoir.inventory.services import receive_stock, reserve_stock
from tests.backoffice.inventory_support import body, count_queries, messages_of, staff
from tests.factories import LocationFactory, ProductFactory, VariantFactory, sellable_product

pytestmark = pytest.mark.django_db


def adjust_url(variant, location=None) -> str:
    url = f"/admin/inventory/stocklevel/adjust/{variant.pk}/"
    return f"{url}?location={location.pk}" if location else url


def post_adjust(client, variant, location, action: str, **fields):
    data = {"action": action, "location": location.pk, **{f"{action}-{k}": v for k, v in fields.items()}}
    return client.post(adjust_url(variant, location), data, follow=True)


def stocked(on_hand: int = 10):
    variant = VariantFactory()
    location = LocationFactory(name="Paris warehouse")
    if on_hand:
        receive_stock(location_id=location.pk, variant_id=variant.pk, quantity=on_hand)
    return variant, location


# --- the Stock tab of the product page ---------------------------------------------------------------------


def test_the_product_page_lists_each_variant_at_each_location_with_its_counters(admin_client):
    product = ProductFactory(name="Linen shirt")
    small, _large = VariantFactory(product=product, sku="SHIRT-S"), VariantFactory(product=product, sku="SHIRT-L")
    paris, lyon = LocationFactory(name="Paris warehouse"), LocationFactory(name="Lyon store")
    receive_stock(location_id=paris.pk, variant_id=small.pk, quantity=8)
    receive_stock(location_id=lyon.pk, variant_id=small.pk, quantity=3)
    reserve_stock(holder="cart-1", quantities={small.pk: 2}, ranking=[paris.pk])

    page = body(admin_client.get(f"/admin/catalog/product/{product.pk}/change/"))

    stock_tab = page[page.index('id="product-stock"') :]
    assert "Paris warehouse" in stock_tab and "Lyon store" in stock_tab
    assert 'data-total="available">9<' in stock_tab  # 8 - 2 held + 3
    assert f"/admin/inventory/stocklevel/adjust/{small.pk}/?location={paris.pk}" in stock_tab
    assert "Not stocked anywhere yet" in stock_tab[stock_tab.index('data-sku="SHIRT-L"') :]
    assert f"/admin/inventory/stockmovement/?product={product.pk}" in page
    assert f"/admin/catalog/product/{product.pk}/stock-history/" in page


def test_the_product_page_takes_the_same_queries_for_one_stock_row_and_for_many(admin_client, channel):
    product = sellable_product(channel=channel, variants=1)
    url = f"/admin/catalog/product/{product.pk}/change/"
    admin_client.get(url)
    one = count_queries(admin_client, url)

    for position in range(1, 8):
        variant = VariantFactory(product=product, position=position)
        for _ in range(3):
            receive_stock(location_id=LocationFactory().pk, variant_id=variant.pk, quantity=4)
    many = count_queries(admin_client, url)

    assert one == many


def test_the_stock_tab_and_buttons_are_not_shown_to_staff_who_may_not_see_stock(client, channel):
    product = sellable_product(channel=channel)
    staff(client, "catalog.view_product", "catalog.change_product")

    page = body(client.get(f"/admin/catalog/product/{product.pk}/change/"))

    assert 'id="product-stock"' not in page and "stock-history" not in page


def test_the_product_stock_history_button_opens_the_ledger_filtered_on_the_product(admin_client, channel):
    product = sellable_product(channel=channel)

    response = admin_client.get(f"/admin/catalog/product/{product.pk}/stock-history/")

    assert response.status_code == 302
    assert response["Location"] == f"/admin/inventory/stockmovement/?product={product.pk}"


# --- the adjust page -----------------------------------------------------------------------------------------


def test_goods_received_on_the_adjust_page_raise_on_hand_and_write_a_ledger_line(admin_client, admin_user):
    variant, location = stocked(on_hand=10)

    response = post_adjust(admin_client, variant, location, "receive", quantity=5, reference="DN-42", note="")

    assert StockLevel.objects.get(variant=variant, location=location).on_hand == 15
    line = StockMovement.objects.latest("pk")
    assert (line.reason, line.on_hand_delta, line.reference, line.actor) == ("receipt", 5, "DN-42", admin_user.username)
    assert messages_of(response) == ["5 received at Paris warehouse: 15 on hand."]


def test_a_stock_count_sets_on_hand_to_what_was_counted(admin_client):
    variant, location = stocked(on_hand=10)

    post_adjust(admin_client, variant, location, "count", counted=7, note="shelf B")

    assert StockLevel.objects.get(variant=variant).on_hand == 7
    assert StockMovement.objects.latest("pk").on_hand_delta == -3


def test_a_count_below_the_units_promised_is_refused_on_the_form_and_writes_nothing(admin_client):
    variant, location = stocked(on_hand=10)
    reserve_stock(holder="cart-1", quantities={variant.pk: 6})
    ledger_before = StockMovement.objects.count()

    response = post_adjust(admin_client, variant, location, "count", counted=4, note="")

    assert response.status_code == 200
    assert "6 units are promised to orders and checkouts" in body(response)
    assert StockLevel.objects.get(variant=variant).on_hand == 10
    assert StockMovement.objects.count() == ledger_before


def test_a_write_off_keeps_why_in_the_ledger(admin_client):
    variant, location = stocked(on_hand=10)

    post_adjust(admin_client, variant, location, "write_off", quantity=2, reason="damaged", note="dropped")

    line = StockMovement.objects.latest("pk")
    assert (line.reason, line.on_hand_delta, line.note) == (MovementReason.WRITE_OFF, -2, "damaged: dropped")
    assert StockLevel.objects.get(variant=variant).on_hand == 8


def test_an_adjustment_is_recorded_as_such(admin_client):
    variant, location = stocked(on_hand=10)

    post_adjust(admin_client, variant, location, "write_off", quantity=1, reason="adjustment", note="")

    assert StockMovement.objects.latest("pk").reason == MovementReason.ADJUSTMENT


def test_writing_off_more_than_is_free_is_refused_and_writes_nothing(admin_client):
    variant, location = stocked(on_hand=3)

    response = post_adjust(admin_client, variant, location, "write_off", quantity=5, reason="lost", note="")

    assert "Only 3 units are free to remove." in body(response)
    assert StockLevel.objects.get(variant=variant).on_hand == 3


def test_a_negative_quantity_is_a_field_error(admin_client):
    variant, location = stocked(on_hand=3)

    response = post_adjust(admin_client, variant, location, "receive", quantity=-4, reference="", note="")

    assert response.status_code == 200
    assert response.context["forms"]["receive"].errors["quantity"]
    assert StockLevel.objects.get(variant=variant).on_hand == 3


def test_the_backorder_allowance_is_set_on_the_adjust_page(admin_client):
    variant, location = stocked(on_hand=0)

    post_adjust(admin_client, variant, location, "backorder", limit=12)

    assert StockLevel.objects.get(variant=variant, location=location).backorder_limit == 12


def test_the_selling_policy_of_a_variant_is_saved(admin_client):
    variant, location = stocked(on_hand=0)

    response = post_adjust(
        admin_client, variant, location, "policy", oversell="preorder", expected_on="2031-03-01", low_stock_threshold=2
    )

    policy = StockPolicy.objects.get(variant=variant)
    assert (policy.oversell, policy.expected_on, policy.low_stock_threshold) == (
        OversellMode.PREORDER,
        date(2031, 3, 1),
        2,
    )
    assert Event.objects.filter(name="inventory.stock_changed").exists()
    assert "Pre-order" in messages_of(response)[0]


def test_receiving_a_variant_where_it_was_never_stocked_starts_its_stock_there(admin_client):
    variant, _paris = stocked(on_hand=1)
    lyon = LocationFactory(name="Lyon store")

    post_adjust(admin_client, variant, lyon, "receive", quantity=4, reference="", note="")

    assert StockLevel.objects.get(variant=variant, location=lyon).on_hand == 4


def test_the_adjust_page_shows_the_counters_at_the_chosen_location(admin_client):
    variant, location = stocked(on_hand=10)
    reserve_stock(holder="cart-1", quantities={variant.pk: 4})

    page = body(admin_client.get(adjust_url(variant, location)))

    assert 'data-counter="on_hand">10<' in page and 'data-counter="reserved">4<' in page
    assert 'data-counter="available">6<' in page


def test_the_adjust_page_takes_the_same_queries_for_one_location_and_for_many(admin_client):
    variant, location = stocked()
    url = adjust_url(variant, location)
    admin_client.get(url)
    one = count_queries(admin_client, url)

    for _ in range(10):
        receive_stock(location_id=LocationFactory().pk, variant_id=variant.pk, quantity=3)
    many = count_queries(admin_client, url)

    assert one == many


def test_an_unknown_variant_has_no_adjust_page(admin_client):
    assert admin_client.get("/admin/inventory/stocklevel/adjust/999999/").status_code == 404


def test_staff_who_may_only_look_at_stock_cannot_adjust_it(client):
    variant, location = stocked(on_hand=10)
    staff(client, "inventory.view_stocklevel")

    page = client.get(adjust_url(variant, location))
    attempt = client.post(
        adjust_url(variant, location), {"action": "count", "location": location.pk, "count-counted": 0}
    )

    assert page.status_code == attempt.status_code == 403
    assert StockLevel.objects.get(variant=variant).on_hand == 10


def test_staff_with_the_right_to_change_stock_can_adjust_it(client):
    variant, location = stocked(on_hand=10)
    staff(client, "inventory.view_stocklevel", "inventory.change_stocklevel")

    post_adjust(client, variant, location, "count", counted=9, note="")

    assert StockLevel.objects.get(variant=variant).on_hand == 9
    assert StockMovement.objects.latest("pk").actor == "clerk"


# --- the stock levels list ------------------------------------------------------------------------------------


def test_a_stock_level_leads_to_its_adjust_page_and_its_history(admin_client):
    variant, location = stocked()
    level = StockLevel.objects.get(variant=variant)

    adjust = admin_client.get(f"/admin/inventory/stocklevel/{level.pk}/adjust/")
    history = admin_client.get(f"/admin/inventory/stocklevel/{level.pk}/history/")

    assert adjust["Location"] == adjust_url(variant, location)
    assert history["Location"] == f"/admin/inventory/stockmovement/?level={level.pk}"


def test_the_stock_levels_list_offers_the_stock_screens(admin_client):
    page = body(admin_client.get("/admin/inventory/stocklevel/"))

    for url in ("/stocklevel/receive/", "/stocklevel/import-counts/", "/stocklevel/low-stock/"):
        assert url in page


def test_the_low_filter_of_the_stock_levels_list_follows_each_variants_threshold(admin_client):
    plenty, _location = stocked(on_hand=15)
    StockPolicy.objects.create(variant=plenty, low_stock_threshold=20)
    stocked(on_hand=15)

    page = body(admin_client.get("/admin/inventory/stocklevel/?availability=low"))

    assert plenty.sku in page
    assert page.count("SKU-") == 1
