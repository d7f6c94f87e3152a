"""The callback a dropship supplier or a 3PL uses to report a shipment.

The URL's token (sent with each request) identifies the request. When the partner has a signing secret,
the body must also carry a valid `Comptoir-Signature`, so a leaked link alone cannot confirm shipments.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema

from comptoir.core.errors import PermissionDeniedError
from comptoir.fulfillment.errors import FulfilmentRequestNotFoundError
from comptoir.fulfillment.models import FulfilmentRequest
from comptoir.fulfillment.partners import SIGNATURE_HEADER, verify
from comptoir.fulfillment.services import confirm_partner_shipment

router = Router(tags=["fulfilment partners"])


class ShipmentIn(Schema):
    tracking_number: str = Field(min_length=1, max_length=120)
    carrier: str = Field("", max_length=80)
    tracking_url: str = Field("", max_length=200)


class ShipmentOut(Schema):
    order_ref: str
    status: str
    tracking_number: str
    carrier: str


@router.post("/fulfilment/{token}/shipment", response=ShipmentOut, summary="A partner reports a shipment")
def report_shipment(request: HttpRequest, token: str, payload: ShipmentIn):
    secret = (
        FulfilmentRequest.objects.filter(token=token).values_list("location__partner_webhook_secret", flat=True).first()
    )
    if secret is None:
        raise FulfilmentRequestNotFoundError()
    if secret and not verify(secret, request.headers.get(SIGNATURE_HEADER, ""), request.body):
        raise PermissionDeniedError(detail=f"Missing or invalid {SIGNATURE_HEADER} header.")
    shipped = confirm_partner_shipment(
        token=token, tracking_number=payload.tracking_number, carrier=payload.carrier, tracking_url=payload.tracking_url
    )
    return ShipmentOut(
        order_ref=shipped.order_ref,
        status=shipped.status,
        tracking_number=shipped.tracking_number,
        carrier=shipped.carrier,
    )
