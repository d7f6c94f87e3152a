"""Partner fulfilment requests in the back office: the list, a request's page, sending again and a 3PL's
shipment-confirmation file."""

import io

import pytest
from django.core import mail

from comptoir.fulfillment.models import FulfilmentRequest, RequestStatus
from comptoir.fulfillment.services import request_partner_fulfilment
from comptoir.inventory.models import LocationKind, StockLevel
from comptoir.inventory.services import allocate_order, receive_stock
from tests.backoffice.inventory_support import body, count_queries, messages_of, staff
from tests.factories import LocationFactory, VariantFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/fulfillment/fulfilmentrequest/"
IMPORT = "/admin/fulfillment/fulfilmentrequest/import-confirmations/"
SHIP_TO = {"name": "Ada Lovelace", "line1": "12 rue de la Paix", "postcode": "75002", "city": "Paris", "country": "FR"}


def third_party(**kwargs):
    return LocationFactory(kind=LocationKind.THIRD_PARTY, name="Logistics Co", **kwargs)


def requested(location, order_ref: str = "order-7", units: int = 2, sku: str | None = None) -> FulfilmentRequest:
    """A request waiting to be sent (tests do not run on-commit tasks), for stock allocated at `location`."""
    variant = VariantFactory(**({"sku": sku} if sku else {}))
    receive_stock(location_id=location.pk, variant_id=variant.pk, quantity=10)
    allocate_order(order_ref=order_ref, quantities={variant.pk: units}, ranking=[location.pk])
    return request_partner_fulfilment(
        order_ref=order_ref, location_id=location.pk, quantities={variant.pk: units}, ship_to=SHIP_TO
    )


def upload(content: bytes, name: str = "confirmations.csv"):
    file = io.BytesIO(content)
    file.name = name
    return file


def test_a_request_page_shows_its_lines_and_where_it_ships_but_not_its_secret_token(admin_client):
    request = requested(third_party(partner_email="ops@3pl.example"), sku="SHIRT-M")

    page = body(admin_client.get(f"{LIST}{request.pk}/change/"))

    assert "SHIRT-M" in page and "Ada Lovelace<br>12 rue de la Paix<br>" in page
    assert request.token not in page


def test_the_list_is_filtered_by_status_and_by_partner(admin_client):
    ours, theirs = third_party(partner_email="a@3pl.example"), third_party(partner_email="b@3pl.example")
    waiting = requested(ours, order_ref="order-1")
    other = requested(theirs, order_ref="order-2")
    FulfilmentRequest.objects.filter(pk=other.pk).update(status=RequestStatus.SENT)

    pending = body(admin_client.get(f"{LIST}?status__exact=pending"))
    at_ours = body(admin_client.get(f"{LIST}?location__id__exact={ours.pk}"))

    assert f"/{waiting.pk}/change/" in pending and f"/{other.pk}/change/" not in pending
    assert f"/{waiting.pk}/change/" in at_ours and f"/{other.pk}/change/" not in at_ours


def test_sending_a_pending_request_again_delivers_it_to_the_partner(admin_client):
    request = requested(third_party(partner_email="ops@3pl.example"))
    url = f"{LIST}{request.pk}/send/"

    question = admin_client.get(url)
    sent_on_asking = len(mail.outbox)
    response = admin_client.post(url, follow=True)

    assert question.status_code == 200 and sent_on_asking == 0
    request.refresh_from_db()
    assert request.status == RequestStatus.SENT
    assert mail.outbox[0].to == ["ops@3pl.example"]
    assert messages_of(response) == ["1 request sent."]


def test_a_partner_that_cannot_be_reached_leaves_the_request_pending_with_the_reason(admin_client):
    request = requested(third_party(partner_webhook_url="http://127.0.0.1:9/orders"))

    response = admin_client.post(LIST, {"action": "send_again", "_selected_action": [request.pk]}, follow=True)

    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING and request.send_attempts == 1
    assert messages_of(response)[0].startswith("Order order-7 could not be sent: webhook unreachable")


def test_a_request_already_sent_is_not_sent_again(admin_client):
    request = requested(third_party(partner_email="ops@3pl.example"))
    FulfilmentRequest.objects.filter(pk=request.pk).update(status=RequestStatus.SENT)

    response = admin_client.post(f"{LIST}{request.pk}/send/", follow=True)

    assert not mail.outbox
    assert messages_of(response)[0].startswith("Only requests waiting to be sent can be sent again")


def test_a_3pl_confirmation_file_ships_every_order_in_it(admin_client):
    warehouse = third_party(partner_file_drop="/tmp/unused")
    first = requested(warehouse, order_ref="order-1", units=2)
    second = requested(warehouse, order_ref="order-2", units=3)
    data = b"order_ref,tracking_number,carrier\norder-1,TRK1,DHL\norder-2,TRK2,UPS\n"

    response = admin_client.post(IMPORT, {"location": warehouse.pk, "file": upload(data)}, follow=True)

    assert messages_of(response) == ["2 shipments confirmed."]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.tracking_number, first.carrier) == (RequestStatus.SHIPPED, "TRK1", "DHL")
    assert second.status == RequestStatus.SHIPPED
    assert sorted(StockLevel.objects.filter(location=warehouse).values_list("on_hand", "allocated")) == [(7, 0), (8, 0)]


def test_a_confirmation_file_with_a_bad_line_confirms_nothing_and_names_the_line(admin_client):
    warehouse = third_party(partner_file_drop="/tmp/unused")
    request = requested(warehouse, order_ref="order-1")
    data = b"order_ref,tracking_number\norder-1,TRK1\norder-404,TRK2\norder-1,\n"

    response = admin_client.post(IMPORT, {"location": warehouse.pk, "file": upload(data)})

    page = body(response)
    assert "Nothing was confirmed: 2 problems to fix." in page
    assert 'data-row="3"' in page and "No request for order order-404 at this location." in page
    assert 'data-row="4"' in page
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING
    assert StockLevel.objects.get(location=warehouse).allocated == 2


def test_a_confirmation_the_stock_cannot_follow_is_refused_whole(admin_client):
    warehouse = third_party(partner_file_drop="/tmp/unused")
    shipped_first = requested(warehouse, order_ref="order-1")
    variant = VariantFactory()
    unallocated = request_partner_fulfilment(
        order_ref="order-2", location_id=warehouse.pk, quantities={variant.pk: 1}, ship_to=SHIP_TO
    )
    data = b"order_ref,tracking_number\norder-1,TRK1\norder-2,TRK2\n"

    response = admin_client.post(IMPORT, {"location": warehouse.pk, "file": upload(data)})

    assert "Nothing was confirmed: Cannot ship more than is allocated to the order." in body(response)
    shipped_first.refresh_from_db()
    unallocated.refresh_from_db()
    assert shipped_first.status == unallocated.status == RequestStatus.PENDING


def test_a_confirmation_file_without_the_columns_is_refused(admin_client):
    warehouse = third_party(partner_file_drop="/tmp/unused")

    page = body(admin_client.post(IMPORT, {"location": warehouse.pk, "file": upload(b"order,tracking\n1,2\n")}))

    assert "Missing column(s): order_ref, tracking_number." in page


def test_only_partner_locations_can_be_chosen_for_a_confirmation_file(admin_client):
    own = LocationFactory(kind=LocationKind.WAREHOUSE)

    response = admin_client.post(IMPORT, {"location": own.pk, "file": upload(b"order_ref,tracking_number\n")})

    assert response.context["form"].errors["location"]


def test_the_list_and_a_request_take_the_same_queries_for_one_line_and_for_many(admin_client):
    warehouse = third_party(partner_email="ops@3pl.example")
    first = requested(warehouse, order_ref="order-0")
    admin_client.get(LIST)  # warm the caches both pages read (channels, permissions), as a live shop has them
    admin_client.get(f"{LIST}{first.pk}/change/")
    one = (count_queries(admin_client, LIST), count_queries(admin_client, f"{LIST}{first.pk}/change/"))

    for i in range(1, 10):
        requested(warehouse, order_ref=f"order-{i}")
    many_lines = FulfilmentRequest.objects.get(order_ref="order-9")
    for extra in range(5):
        many_lines.lines.create(variant=VariantFactory(), sku=f"X-{extra}", name="x", quantity=1)
    many = (count_queries(admin_client, LIST), count_queries(admin_client, f"{LIST}{many_lines.pk}/change/"))

    assert one == many


def test_staff_who_may_only_look_at_requests_cannot_send_or_import(client):
    request = requested(third_party(partner_email="ops@3pl.example"))
    staff(client, "fulfillment.view_fulfilmentrequest")

    assert client.get(LIST).status_code == 200
    assert client.post(f"{LIST}{request.pk}/send/").status_code == 403
    assert client.get(IMPORT).status_code == 403
    assert not mail.outbox
