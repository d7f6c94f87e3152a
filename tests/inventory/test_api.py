import json

import pytest
from django.contrib.auth.models import Permission, User

from comptoir.core.apikeys import create_api_key, revoke_api_key
from comptoir.inventory.models import LocationKind, StockLevel, StockMovement
from comptoir.inventory.services import receive_stock
from tests.factories import ChannelFactory, LocationFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    channel = ChannelFactory(slug="web", is_default=True)
    variant = VariantFactory(sku="MUG-1")
    warehouse = LocationFactory(slug="main")
    store = LocationFactory(slug="paris", kind=LocationKind.STORE, pickup_enabled=True, city="Paris")
    receive_stock(location_id=warehouse.pk, variant_id=variant.pk, quantity=10)
    receive_stock(location_id=store.pk, variant_id=variant.pk, quantity=2)
    return channel, variant, warehouse, store


def staff_key(*perms: str) -> str:
    user = User.objects.create_user("clerk", is_staff=True)
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return create_api_key(user_id=user.pk, name="scanner")[1]


def post(client, url, body, *, key, idempotency="k-1"):
    headers = {"Authorization": f"Bearer {key}"}
    if idempotency:
        headers["Idempotency-Key"] = idempotency
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def test_availability_tells_what_can_be_bought_and_where_to_collect_it(client, shop, django_assert_max_num_queries):
    response = client.get("/api/v1/availability", {"sku": ["MUG-1"], "pickup": "true"})

    body = response.json()
    assert response.status_code == 200
    assert body[0]["stock"]["code"] == "in_stock" and body[0]["stock"]["quantity"] == 12
    assert body[0]["pickup"] == [
        {"location": "paris", "name": body[0]["pickup"][0]["name"], "city": "Paris", "quantity": 2}
    ]


def test_availability_for_many_skus_takes_the_same_number_of_queries(client, shop, django_assert_num_queries):
    client.get("/api/v1/availability", {"sku": ["MUG-1"]})  # warm the channel and location caches
    many = [VariantFactory().sku for _ in range(10)]

    with django_assert_num_queries(2):
        response = client.get("/api/v1/availability", {"sku": ["MUG-1", *many]})

    assert len(response.json()) == 11


def test_a_receipt_with_an_api_key_adds_stock_once_even_when_retried(client, shop):
    key = staff_key("change_stocklevel")
    body = {"location": "main", "sku": "MUG-1", "quantity": 5, "reference": "DN-1"}

    first = post(client, "/api/v1/inventory/receipts", body, key=key)
    retry = post(client, "/api/v1/inventory/receipts", body, key=key)

    assert first.status_code == retry.status_code == 201
    assert first.json() == retry.json()
    assert first.json()["on_hand"] == 15
    assert StockMovement.objects.filter(reason="receipt", reference="DN-1").count() == 1


def test_a_write_without_an_idempotency_key_is_refused_with_428(client, shop):
    response = post(
        client,
        "/api/v1/inventory/receipts",
        {"location": "main", "sku": "MUG-1", "quantity": 1},
        key=staff_key("change_stocklevel"),
        idempotency="",
    )

    assert response.status_code == 428
    assert response.json()["type"].endswith("/idempotency-key-required")


def test_a_write_without_a_key_is_401_and_without_the_permission_403(client, shop):
    anonymous = client.post("/api/v1/inventory/receipts", "{}", content_type="application/json")
    unprivileged = post(
        client, "/api/v1/inventory/receipts", {"location": "main", "sku": "MUG-1", "quantity": 1}, key=staff_key()
    )

    assert anonymous.status_code == 401
    assert anonymous["Content-Type"] == "application/problem+json"
    assert unprivileged.status_code == 403


def test_a_revoked_key_no_longer_works(client, shop):
    key = staff_key("change_stocklevel")
    revoke_api_key(key_id=User.objects.get(username="clerk").api_keys.get().pk)

    response = post(client, "/api/v1/inventory/receipts", {"location": "main", "sku": "MUG-1", "quantity": 1}, key=key)

    assert response.status_code == 401


def test_a_count_below_promised_units_is_a_409_problem_and_changes_nothing(client, shop):
    from comptoir.inventory.services import allocate_order

    _, variant, warehouse, _ = shop
    allocate_order(order_ref="o", quantities={variant.pk: 9}, location_ids=[warehouse.pk])

    response = post(
        client,
        "/api/v1/inventory/counts",
        {"location": "main", "sku": "MUG-1", "counted": 3},
        key=staff_key("change_stocklevel"),
    )

    assert response.status_code == 409
    assert response.json()["type"].endswith("/stock-committed")
    assert StockLevel.objects.get(location=warehouse).on_hand == 10


def test_an_unknown_sku_is_a_404_problem(client, shop):
    response = post(
        client,
        "/api/v1/inventory/receipts",
        {"location": "main", "sku": "NOPE", "quantity": 1},
        key=staff_key("change_stocklevel"),
    )

    assert response.status_code == 404


def test_a_negative_quantity_is_a_422_problem(client, shop):
    response = post(
        client,
        "/api/v1/inventory/receipts",
        {"location": "main", "sku": "MUG-1", "quantity": -3},
        key=staff_key("change_stocklevel"),
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][-1] == "quantity"


def test_a_transfer_is_sent_then_received_through_the_api(client, shop):
    key = staff_key("change_stocklevel")

    sent = post(
        client,
        "/api/v1/inventory/transfers",
        {"origin": "main", "destination": "paris", "lines": [{"sku": "MUG-1", "quantity": 4}]},
        key=key,
    )
    received = post(client, f"/api/v1/inventory/transfers/{sent.json()['id']}/receive", {}, key=key, idempotency="k-2")

    assert (sent.status_code, sent.json()["status"]) == (201, "in_transit")
    assert (received.status_code, received.json()["status"]) == (200, "received")
    levels = client.get("/api/v1/inventory/levels", {"sku": "MUG-1"}, headers={"Authorization": f"Bearer {key}"})
    assert levels.status_code == 403  # viewing needs its own permission


def test_a_staff_member_can_read_levels_with_the_view_permission(client, shop):
    key = staff_key("view_stocklevel")

    response = client.get("/api/v1/inventory/levels", {"sku": "MUG-1"}, headers={"Authorization": f"Bearer {key}"})

    assert [(lv["location"], lv["on_hand"]) for lv in response.json()] == [("main", 10), ("paris", 2)]


def test_a_staff_session_must_send_the_csrf_token_to_write(shop):
    from django.test import Client

    user = User.objects.create_superuser("boss", password="pw-boss-123")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    body = json.dumps({"location": "main", "sku": "MUG-1", "quantity": 1})

    refused = browser.post(
        "/api/v1/inventory/receipts", body, content_type="application/json", headers={"Idempotency-Key": "s-1"}
    )

    assert refused.status_code == 403


def test_availability_for_a_country_counts_only_locations_that_ship_there(client, shop):
    _, _, warehouse, store = shop
    warehouse.ships_to = ["FR"]
    warehouse.save()
    store.ships_orders = False
    store.save()

    to_france = client.get("/api/v1/availability", {"sku": ["MUG-1"], "country": "fr"}).json()
    to_spain = client.get("/api/v1/availability", {"sku": ["MUG-1"], "country": "ES"}).json()

    assert to_france[0]["stock"]["quantity"] == 10
    assert to_spain[0]["stock"]["code"] == "out_of_stock"
