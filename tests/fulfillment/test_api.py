import json

import pytest

from comptoir.fulfillment.models import RequestStatus
from comptoir.fulfillment.partners import SIGNATURE_HEADER, sign
from comptoir.fulfillment.services import request_partner_fulfilment
from comptoir.inventory.models import LocationKind
from comptoir.inventory.services import allocate_order, receive_stock
from tests.factories import LocationFactory, VariantFactory

pytestmark = pytest.mark.django_db
SECRET = "whsec_partner"


def partner_request(secret=""):
    supplier = LocationFactory(kind=LocationKind.SUPPLIER, partner_email="po@s.example", partner_webhook_secret=secret)
    variant = VariantFactory()
    receive_stock(location_id=supplier.pk, variant_id=variant.pk, quantity=5)
    allocate_order(order_ref="order-9", quantities={variant.pk: 1})
    return request_partner_fulfilment(
        order_ref="order-9", location_id=supplier.pk, quantities={variant.pk: 1}, ship_to={"name": "A", "country": "FR"}
    )


def test_a_partner_reports_a_shipment_with_a_valid_signature(client):
    request = partner_request(secret=SECRET)
    body = json.dumps({"tracking_number": "1Z1", "carrier": "UPS"}).encode()

    response = client.post(
        f"/api/v1/fulfilment/{request.token}/shipment",
        body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: sign(SECRET, body)},
    )

    assert response.status_code == 200
    assert response.json()["status"] == RequestStatus.SHIPPED


def test_a_report_without_the_signature_is_refused_when_the_partner_has_a_secret(client):
    request = partner_request(secret=SECRET)

    response = client.post(
        f"/api/v1/fulfilment/{request.token}/shipment", {"tracking_number": "1Z1"}, content_type="application/json"
    )

    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status != RequestStatus.SHIPPED


def test_an_unknown_token_is_404(client):
    response = client.post(
        "/api/v1/fulfilment/not-a-token/shipment", {"tracking_number": "1"}, content_type="application/json"
    )

    assert response.status_code == 404


def test_a_partner_without_a_secret_is_trusted_on_the_token_alone(client):
    request = partner_request()

    response = client.post(
        f"/api/v1/fulfilment/{request.token}/shipment", {"tracking_number": "TRK"}, content_type="application/json"
    )

    assert response.status_code == 200
