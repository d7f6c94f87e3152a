"""Partner fulfilment writes: ask a supplier or a 3PL to ship, record what they shipped.

Lock order: a request's row is claimed (conditional UPDATE on its status) before the stock levels it
ships are locked by `inventory.services.ship_order`; nothing locks them the other way round.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from comptoir.catalog.models import Variant
from comptoir.core.errors import InvalidInputError
from comptoir.core.events import record_event
from comptoir.core.imports import RowError
from comptoir.fulfillment.errors import (
    FulfilmentRequestClosedError,
    FulfilmentRequestNotFoundError,
    NotAPartnerLocationError,
)
from comptoir.fulfillment.models import FulfilmentRequest, FulfilmentRequestLine, RequestStatus
from comptoir.fulfillment.partners import PartnerDeliveryError, deliver
from comptoir.inventory.models import Location, LocationKind
from comptoir.inventory.services import ship_order

MAX_SEND_ATTEMPTS = 10


def request_partner_fulfilment(
    *, order_ref: str, location_id: int, quantities: Mapping[int, int], ship_to: Mapping[str, str]
) -> FulfilmentRequest:
    """Ask the supplier or 3PL at `location_id` to ship these lines to `ship_to`; sent after commit.

    Idempotent per order and location: asking again returns the existing request.
    """
    location = Location.objects.filter(pk=location_id).first()
    if location is None or location.kind not in (LocationKind.SUPPLIER, LocationKind.THIRD_PARTY):
        raise NotAPartnerLocationError(data={"location_id": location_id})
    if not quantities or any(q <= 0 for q in quantities.values()):
        raise InvalidInputError(detail="A fulfilment request needs lines with quantities above zero.")
    existing = FulfilmentRequest.objects.filter(order_ref=order_ref, location_id=location_id).first()
    if existing:
        return existing
    variants = {v.pk: v for v in Variant.objects.select_related("product").filter(pk__in=list(quantities))}
    try:
        with transaction.atomic():
            request = FulfilmentRequest.objects.create(
                location=location, order_ref=order_ref, token=secrets.token_urlsafe(32), ship_to=dict(ship_to)
            )
            FulfilmentRequestLine.objects.bulk_create(
                [
                    FulfilmentRequestLine(
                        request=request,
                        variant_id=variant_id,
                        sku=variants[variant_id].sku,
                        name=f"{variants[variant_id].product.name} {variants[variant_id].name}".strip(),
                        quantity=quantity,
                    )
                    for variant_id, quantity in sorted(quantities.items())
                ]
            )
            record_event("fulfillment.request_created", request_id=request.pk, order_ref=order_ref)
            from comptoir.fulfillment.tasks import send_fulfilment_request

            transaction.on_commit(partial(send_fulfilment_request.enqueue, request_id=request.pk))
    except IntegrityError:  # the same order asked twice at once: the first one stands
        return FulfilmentRequest.objects.get(order_ref=order_ref, location_id=location_id)
    return request


def send_request(*, request_id: int) -> bool:
    """Deliver a pending request to its partner. True when sent; on failure it stays pending with the error."""
    request = (
        FulfilmentRequest.objects.select_related("location").filter(pk=request_id, status=RequestStatus.PENDING).first()
    )
    if request is None:
        return False
    try:
        deliver(request)
    except PartnerDeliveryError as exc:
        FulfilmentRequest.objects.filter(pk=request.pk).update(
            send_attempts=request.send_attempts + 1, last_error=str(exc)[:500]
        )
        return False
    sent = FulfilmentRequest.objects.filter(pk=request.pk, status=RequestStatus.PENDING).update(
        status=RequestStatus.SENT, sent_at=timezone.now(), send_attempts=request.send_attempts + 1, last_error=""
    )
    return bool(sent)


def resend_pending_requests(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Retry requests a partner did not take (down, timeout). Returns how many went through."""
    cutoff = timezone.now() - older_than
    ids = list(
        FulfilmentRequest.objects.filter(
            status=RequestStatus.PENDING, created_at__lte=cutoff, send_attempts__lt=MAX_SEND_ATTEMPTS
        ).values_list("pk", flat=True)
    )
    return sum(send_request(request_id=pk) for pk in ids)


def confirm_partner_shipment(
    *, token: str, tracking_number: str, carrier: str = "", tracking_url: str = ""
) -> FulfilmentRequest:
    """The partner shipped: stock leaves its location and the tracking is kept for the buyer.

    Idempotent: the same confirmation twice changes nothing; a different tracking number for a shipped
    request, or any confirmation of a cancelled one, raises FulfilmentRequestClosedError.
    """
    tracking_number = (tracking_number or "").strip()
    if not tracking_number:
        raise InvalidInputError(
            detail="A shipment confirmation needs a tracking number.",
            errors=[{"field": "tracking_number", "message": "Required."}],
        )
    with transaction.atomic():
        request = FulfilmentRequest.objects.filter(token=token).first()
        if request is None:
            raise FulfilmentRequestNotFoundError()
        claimed = FulfilmentRequest.objects.filter(
            pk=request.pk, status__in=[RequestStatus.PENDING, RequestStatus.SENT]
        ).update(
            status=RequestStatus.SHIPPED,
            tracking_number=tracking_number[:120],
            carrier=carrier[:80],
            tracking_url=tracking_url[:200],
            shipped_at=timezone.now(),
        )
        request.refresh_from_db()
        if not claimed:
            if request.status == RequestStatus.SHIPPED and request.tracking_number == tracking_number:
                return request
            raise FulfilmentRequestClosedError(data={"status": request.status})
        quantities = {line.variant_id: line.quantity for line in request.lines.all()}
        ship_order(
            order_ref=request.order_ref,
            quantities=quantities,
            location_id=request.location_id,
            actor=f"partner:{request.location_id}",
        )
        record_event(
            "fulfillment.partner_shipped",
            request_id=request.pk,
            order_ref=request.order_ref,
            carrier=carrier,
            tracking_number=tracking_number,
        )
    return request


@dataclass
class ImportReport:
    confirmed: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def import_shipment_confirmations(*, location_id: int, data: bytes) -> ImportReport:
    """Import a 3PL's shipment confirmations (CSV: order_ref, tracking_number, carrier[, tracking_url]).

    All or nothing: every row is checked first; with any bad row, nothing is confirmed and the report lists
    each bad row with its line number (the header is line 1) and the reason.
    """
    report = ImportReport()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.errors.append(RowError(0, "The file is not UTF-8 text."))
        return report
    reader = csv.DictReader(io.StringIO(text))
    missing = {"order_ref", "tracking_number"} - set(reader.fieldnames or [])
    if missing:
        report.errors.append(RowError(1, f"Missing column(s): {', '.join(sorted(missing))}."))
        return report
    rows = list(reader)
    requests = {
        r.order_ref: r
        for r in FulfilmentRequest.objects.filter(
            location_id=location_id, order_ref__in=[(row.get("order_ref") or "").strip() for row in rows]
        )
    }
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):
        ref, tracking = (row.get("order_ref") or "").strip(), (row.get("tracking_number") or "").strip()
        request = requests.get(ref)
        if not ref or not tracking:
            report.errors.append(RowError(number, "order_ref and tracking_number are required."))
        elif request is None:
            report.errors.append(RowError(number, f"No request for order {ref} at this location."))
        elif ref in seen:
            report.errors.append(RowError(number, f"Order {ref} appears twice in the file."))
        elif request.status == RequestStatus.CANCELLED:
            report.errors.append(RowError(number, f"The request for order {ref} was cancelled."))
        elif request.status == RequestStatus.SHIPPED and request.tracking_number != tracking:
            report.errors.append(RowError(number, f"Order {ref} was already confirmed with {request.tracking_number}."))
        seen.add(ref)
    if report.errors:
        return report
    with transaction.atomic():
        for row in rows:
            confirm_partner_shipment(
                token=requests[row["order_ref"].strip()].token,
                tracking_number=row["tracking_number"].strip(),
                carrier=(row.get("carrier") or "").strip(),
                tracking_url=(row.get("tracking_url") or "").strip(),
            )
            report.confirmed += 1
    return report
