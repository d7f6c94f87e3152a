"""Stock locations in the back office: kinds, the channels and countries they serve, partner settings."""

import pytest

from comptoir.inventory.models import Location, LocationKind
from comptoir.inventory.queries import location_ids_for_channel
from tests.backoffice.inventory_support import body, count_queries
from tests.factories import ChannelFactory, LocationFactory

pytestmark = pytest.mark.django_db


def location_form(location: Location | None = None, **fields) -> dict:
    data = {
        "name": location.name if location else "Lyon store",
        "slug": location.slug if location else "lyon",
        "kind": location.kind if location else LocationKind.STORE,
        "priority": 100,
        "is_active": "on",
        "channels": [],
        "ships_to": "",
        "ships_orders": "on",
        "address": "",
        "postcode": "",
        "city": "",
        "country": "",
        "latitude": "",
        "longitude": "",
        "opening_hours": "{}",
        "partner_email": "",
        "partner_webhook_url": "",
        "partner_webhook_secret": "",
        "partner_file_drop": "",
    }
    data.update(fields)
    return data


def test_giving_a_location_a_channel_changes_which_locations_sell_in_that_channel(
    admin_client, channel, django_capture_on_commit_callbacks
):
    other = ChannelFactory(slug="wholesale")
    store = LocationFactory(slug="lyon", kind=LocationKind.STORE)
    assert store.pk in location_ids_for_channel(other.pk)  # no channel: sells everywhere; now cached

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/inventory/location/{store.pk}/change/", location_form(store, channels=[channel.pk])
        )

    assert response.status_code == 302
    assert store.pk not in location_ids_for_channel(other.pk)
    assert store.pk in location_ids_for_channel(channel.pk)


def test_a_new_location_counts_at_once_for_the_channels_it_serves(
    admin_client, channel, django_capture_on_commit_callbacks
):
    assert location_ids_for_channel(channel.pk) == []

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/admin/inventory/location/add/", location_form(channels=[channel.pk]))

    assert location_ids_for_channel(channel.pk) == [Location.objects.get(slug="lyon").pk]


def test_deactivating_a_location_takes_it_out_of_every_channel(
    admin_client, channel, django_capture_on_commit_callbacks
):
    store = LocationFactory(slug="lyon")
    assert location_ids_for_channel(channel.pk) == [store.pk]

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/admin/inventory/location/{store.pk}/change/", location_form(store, is_active=""))

    assert location_ids_for_channel(channel.pk) == []


def test_the_countries_a_location_ships_to_are_typed_as_codes_and_checked(admin_client):
    store = LocationFactory(slug="lyon")

    refused = admin_client.post(
        f"/admin/inventory/location/{store.pk}/change/", location_form(store, ships_to="FR, XX")
    )
    saved = admin_client.post(f"/admin/inventory/location/{store.pk}/change/", location_form(store, ships_to="fr; be"))

    assert refused.status_code == 200 and "XX" in body(refused)
    assert saved.status_code == 302
    store.refresh_from_db()
    assert store.ships_to == ["FR", "BE"]


def test_a_3pl_needs_a_way_to_receive_its_orders(admin_client):
    refused = admin_client.post(
        "/admin/inventory/location/add/", location_form(slug="3pl", kind=LocationKind.THIRD_PARTY)
    )
    saved = admin_client.post(
        "/admin/inventory/location/add/",
        location_form(slug="3pl", kind=LocationKind.THIRD_PARTY, partner_email="ops@3pl.example"),
    )

    assert refused.status_code == 200 and "needs an e-mail, a webhook URL or a CSV drop folder" in body(refused)
    assert saved.status_code == 302
    assert Location.objects.get(slug="3pl").partner_email == "ops@3pl.example"


def test_partner_settings_left_on_a_location_that_became_a_warehouse_are_dropped(admin_client):
    former = LocationFactory(slug="former-3pl", kind=LocationKind.THIRD_PARTY, partner_email="ops@3pl.example")

    admin_client.post(
        f"/admin/inventory/location/{former.pk}/change/",
        location_form(former, kind=LocationKind.WAREHOUSE, partner_email="ops@3pl.example"),
    )

    former.refresh_from_db()
    assert (former.kind, former.partner_email) == (LocationKind.WAREHOUSE, "")


def test_the_partner_settings_are_shown_for_suppliers_and_3pls_only(admin_client):
    page = body(admin_client.get("/admin/inventory/location/add/"))

    assert page.count('x-show="kind == &#x27;supplier&#x27; || kind == &#x27;3pl&#x27;"') == 4


def test_the_locations_list_shows_the_channels_and_countries_served_in_the_same_queries_for_one_and_many(
    admin_client, channel
):
    LocationFactory(ships_to=["FR"]).channels.add(channel)
    admin_client.get("/admin/inventory/location/")
    one = count_queries(admin_client, "/admin/inventory/location/")

    for i in range(10):
        LocationFactory(ships_to=["FR", "BE"]).channels.add(channel, ChannelFactory(slug=f"c{i}"))
    many = count_queries(admin_client, "/admin/inventory/location/")
    page = body(admin_client.get("/admin/inventory/location/"))

    assert one == many
    assert "FR, BE" in page and "web-eur" in page
