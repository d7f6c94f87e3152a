import json
import time

import pytest
from django.core import mail
from werkzeug.wrappers import Response

from comptoir.fulfillment.errors import FulfilmentRequestClosedError, NotAPartnerLocationError
from comptoir.fulfillment.models import FulfilmentRequest, RequestStatus
from comptoir.fulfillment.partners import SIGNATURE_HEADER, sign, verify
from comptoir.fulfillment.services import (
    confirm_partner_shipment,
    import_shipment_confirmations,
    request_partner_fulfilment,
    resend_pending_requests,
    send_request,
)
from comptoir.inventory.models import LocationKind, StockLevel
from comptoir.inventory.services import allocate_order, receive_stock
from tests.factories import LocationFactory, VariantFactory

pytestmark = pytest.mark.django_db

SHIP_TO = {"name": "Ada Lovelace", "line1": "12 rue de la Paix", "postcode": "75002", "city": "Paris", "country": "FR"}
SECRET = "whsec_test_0123456789"


def partner(kind=LocationKind.SUPPLIER, **kwargs):
    return LocationFactory(kind=kind, **kwargs)


def allocated_at(location, units=2):
    variant = VariantFactory()
    receive_stock(location_id=location.pk, variant_id=variant.pk, quantity=10)
    allocate_order(order_ref="order-7", quantities={variant.pk: units}, ranking=[location.pk])
    return variant


def test_a_signature_made_with_the_secret_verifies_and_a_tampered_body_does_not():
    header = sign(SECRET, b'{"a": 1}')

    assert verify(SECRET, header, b'{"a": 1}')
    assert not verify(SECRET, header, b'{"a": 2}')
    assert not verify("other-secret", header, b'{"a": 1}')


def test_an_old_signature_is_refused_as_a_replay():
    header = sign(SECRET, b"{}", timestamp=int(time.time()) - 3600)

    assert not verify(SECRET, header, b"{}")


def test_a_supplier_receives_the_purchase_order_by_email(django_capture_on_commit_callbacks):
    supplier = partner(partner_email="orders@supplier.example")
    variant = allocated_at(supplier)

    with django_capture_on_commit_callbacks(execute=True):
        request = request_partner_fulfilment(
            order_ref="order-7", location_id=supplier.pk, quantities={variant.pk: 2}, ship_to=SHIP_TO
        )

    request.refresh_from_db()
    assert request.status == RequestStatus.SENT
    assert mail.outbox[0].to == ["orders@supplier.example"]
    assert f"2 x {variant.sku}" in mail.outbox[0].body
    assert f"/api/v1/fulfilment/{request.token}/shipment" in mail.outbox[0].body


def test_a_supplier_webhook_gets_a_signed_purchase_order(httpserver):
    received = []

    def handler(req):
        received.append((req.headers.get(SIGNATURE_HEADER), req.get_data()))
        return Response("ok", status=202)

    httpserver.expect_request("/po", method="POST").respond_with_handler(handler)
    supplier = partner(partner_webhook_url=httpserver.url_for("/po"), partner_webhook_secret=SECRET)
    variant = allocated_at(supplier)
    request = request_partner_fulfilment(
        order_ref="order-7", location_id=supplier.pk, quantities={variant.pk: 2}, ship_to=SHIP_TO
    )

    assert send_request(request_id=request.pk) is True

    signature, body = received[0]
    assert verify(SECRET, signature, body)
    assert json.loads(body)["lines"] == [{"sku": variant.sku, "name": request.lines.get().name, "quantity": 2}]
    assert json.loads(body)["ship_to"]["city"] == "Paris"


def test_a_partner_down_leaves_the_request_pending_and_a_retry_sends_it(httpserver):
    httpserver.expect_oneshot_request("/po").respond_with_data("busy", status=503)
    httpserver.expect_oneshot_request("/po").respond_with_data("ok", status=200)
    supplier = partner(partner_webhook_url=httpserver.url_for("/po"))
    variant = allocated_at(supplier)
    request = request_partner_fulfilment(
        order_ref="order-7", location_id=supplier.pk, quantities={variant.pk: 2}, ship_to=SHIP_TO
    )

    assert send_request(request_id=request.pk) is False
    request.refresh_from_db()
    assert (request.status, request.last_error) == (RequestStatus.PENDING, "webhook answered 503")

    FulfilmentRequest.objects.filter(pk=request.pk).update(created_at=request.created_at.replace(year=2020))
    assert resend_pending_requests() == 1
    request.refresh_from_db()
    assert request.status == RequestStatus.SENT


def test_a_3pl_gets_a_csv_file_in_its_drop_folder(tmp_path):
    third_party = partner(kind=LocationKind.THIRD_PARTY, partner_file_drop=str(tmp_path))
    variant = allocated_at(third_party)
    request = request_partner_fulfilment(
        order_ref="order-7", location_id=third_party.pk, quantities={variant.pk: 2}, ship_to=SHIP_TO
    )

    send_request(request_id=request.pk)

    files = [p.name for p in tmp_path.iterdir()]
    assert files == [f"order-7-{request.pk}.csv"]
    assert f"order-7,{request.token},{variant.sku}" in (tmp_path / files[0]).read_text()


def test_asking_twice_for_the_same_order_and_partner_gives_the_same_request():
    supplier = partner(partner_email="a@b.example")
    variant = allocated_at(supplier)

    first = request_partner_fulfilment(
        order_ref="order-7", location_id=supplier.pk, quantities={variant.pk: 2}, ship_to=SHIP_TO
    )
    second = request_partner_fulfilment(
        order_ref="order-7", location_id=supplier.pk, quantities={variant.pk: 2}, ship_to=SHIP_TO
    )

    assert first.pk == second.pk


def test_our_own_warehouse_is_not_a_partner():
    with pytest.raises(NotAPartnerLocationError):
        request_partner_fulfilment(order_ref="o", location_id=LocationFactory().pk, quantities={1: 1}, ship_to=SHIP_TO)


def test_the_partners_tracking_number_ships_the_stock_once():
    supplier = partner(partner_email="a@b.example")
    variant = allocated_at(supplier)
    request = request_partner_fulfilment(
        order_ref="order-7", location_id=supplier.pk, quantities={variant.pk: 2}, ship_to=SHIP_TO
    )

    confirm_partner_shipment(token=request.token, tracking_number="1Z999", carrier="UPS")
    confirm_partner_shipment(token=request.token, tracking_number="1Z999", carrier="UPS")

    level = StockLevel.objects.get(variant=variant, location=supplier)
    assert (level.on_hand, level.allocated) == (8, 0)
    request.refresh_from_db()
    assert (request.status, request.tracking_number) == (RequestStatus.SHIPPED, "1Z999")


def test_a_second_different_tracking_number_is_refused():
    supplier = partner(partner_email="a@b.example")
    variant = allocated_at(supplier)
    request = request_partner_fulfilment(
        order_ref="order-7", location_id=supplier.pk, quantities={variant.pk: 2}, ship_to=SHIP_TO
    )
    confirm_partner_shipment(token=request.token, tracking_number="1Z999")

    with pytest.raises(FulfilmentRequestClosedError):
        confirm_partner_shipment(token=request.token, tracking_number="OTHER")


def test_a_3pl_confirmation_file_with_a_bad_row_confirms_nothing_and_names_the_row():
    third_party = partner(kind=LocationKind.THIRD_PARTY, partner_file_drop="/tmp/unused")
    variant = allocated_at(third_party)
    request_partner_fulfilment(
        order_ref="order-7", location_id=third_party.pk, quantities={variant.pk: 2}, ship_to=SHIP_TO
    )
    data = b"order_ref,tracking_number,carrier\norder-7,TRK1,DHL\norder-404,TRK2,DHL\n"

    report = import_shipment_confirmations(location_id=third_party.pk, data=data)

    assert [(e.row, e.message) for e in report.errors] == [(3, "No request for order order-404 at this location.")]
    assert FulfilmentRequest.objects.get().status == RequestStatus.PENDING


def test_a_3pl_confirmation_file_ships_every_row():
    third_party = partner(kind=LocationKind.THIRD_PARTY, partner_file_drop="/tmp/unused")
    variant = allocated_at(third_party)
    request_partner_fulfilment(
        order_ref="order-7", location_id=third_party.pk, quantities={variant.pk: 2}, ship_to=SHIP_TO
    )

    report = import_shipment_confirmations(
        location_id=third_party.pk, data=b"order_ref,tracking_number\norder-7,TRK1\n"
    )

    assert (report.ok, report.confirmed) == (True, 1)
    assert StockLevel.objects.get(variant=variant).on_hand == 8
