"""Talking to fulfilment partners: the message we send (e-mail, signed webhook, CSV file) and the
signature check on what they send back.

Webhooks are signed like the large providers do it: header `Comptoir-Signature: t=<unix time>,v1=<hex>`
where hex = HMAC-SHA256(secret, "<t>.<raw body>"). The timestamp bounds replays; the comparison is
constant-time.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import os
import tempfile
import time
from pathlib import Path

import httpx
from django.conf import settings
from django.core.mail import send_mail

from comptoir.fulfillment.models import FulfilmentRequest
from comptoir.inventory.models import LocationKind

SIGNATURE_HEADER = "Comptoir-Signature"
SIGNATURE_TOLERANCE_SECONDS = 300
WEBHOOK_TIMEOUT_SECONDS = 10.0
CSV_COLUMNS = [
    "order_ref",
    "request_token",
    "sku",
    "name",
    "quantity",
    "ship_to_name",
    "ship_to_line1",
    "ship_to_line2",
    "ship_to_postcode",
    "ship_to_city",
    "ship_to_country",
    "ship_to_phone",
]


class PartnerDeliveryError(Exception):
    """The partner could not be reached or refused the message; the request stays pending for a retry."""


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, *, now: float | None = None) -> bool:
    """True when `header` signs `body` with `secret` and is recent enough."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (ValueError, KeyError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > SIGNATURE_TOLERANCE_SECONDS:
        return False
    expected = sign(secret, body, timestamp=timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, given)


def callback_url(request: FulfilmentRequest) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/api/v1/fulfilment/{request.token}/shipment"


def payload(request: FulfilmentRequest) -> dict:
    return {
        "type": "purchase_order" if request.location.kind == LocationKind.SUPPLIER else "shipping_request",
        "order_ref": request.order_ref,
        "request_token": request.token,
        "lines": [{"sku": line.sku, "name": line.name, "quantity": line.quantity} for line in request.lines.all()],
        "ship_to": request.ship_to,
        "confirm_shipment_url": callback_url(request),
    }


def as_csv(request: FulfilmentRequest) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    to = request.ship_to
    for line in request.lines.all():
        writer.writerow(
            [
                request.order_ref,
                request.token,
                line.sku,
                line.name,
                line.quantity,
                to.get("name", ""),
                to.get("line1", ""),
                to.get("line2", ""),
                to.get("postcode", ""),
                to.get("city", ""),
                to.get("country", ""),
                to.get("phone", ""),
            ]
        )
    return out.getvalue()


def _post_webhook(request: FulfilmentRequest, body: bytes) -> None:
    location = request.location
    headers = {"Content-Type": "application/json", "Idempotency-Key": request.token}
    if location.partner_webhook_secret:
        headers[SIGNATURE_HEADER] = sign(location.partner_webhook_secret, body)
    try:
        response = httpx.post(
            location.partner_webhook_url, content=body, headers=headers, timeout=WEBHOOK_TIMEOUT_SECONDS
        )
    except httpx.HTTPError as exc:
        raise PartnerDeliveryError(f"webhook unreachable: {exc.__class__.__name__}: {exc}") from exc
    if response.status_code >= 300:
        raise PartnerDeliveryError(f"webhook answered {response.status_code}")


def _drop_file(request: FulfilmentRequest) -> None:
    folder = Path(request.location.partner_file_drop)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Write then rename: the partner's pickup job never sees a half-written file.
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".partial-", suffix=".csv")
        with os.fdopen(fd, "w", newline="") as handle:
            handle.write(as_csv(request))
        os.replace(tmp, folder / f"{request.order_ref}-{request.pk}.csv")
    except OSError as exc:
        raise PartnerDeliveryError(f"file drop failed: {exc}") from exc


def deliver(request: FulfilmentRequest) -> None:
    """Send the request by every means the partner has set up. Raises PartnerDeliveryError."""
    location = request.location
    if not (location.partner_email or location.partner_webhook_url or location.partner_file_drop):
        raise PartnerDeliveryError(f"{location.name} has no e-mail, webhook or file drop set up")
    body = json.dumps(payload(request), sort_keys=True).encode()
    if location.partner_webhook_url:
        _post_webhook(request, body)
    if location.partner_file_drop:
        _drop_file(request)
    if location.partner_email:
        lines = "\n".join(f"  {line.quantity} x {line.sku}  {line.name}" for line in request.lines.all())
        to = request.ship_to
        address = "\n".join(
            str(part)
            for part in (
                to.get("name"),
                to.get("line1"),
                to.get("line2"),
                f"{to.get('postcode', '')} {to.get('city', '')}".strip(),
                to.get("country"),
                to.get("phone"),
            )
            if part
        )
        send_mail(
            subject=f"Order {request.order_ref}: please ship",
            message=(
                f"Please ship order {request.order_ref}:\n\n{lines}\n\nTo:\n{address}\n\n"
                f"When it has shipped, send the tracking number to:\n{callback_url(request)}\n"
            ),
            from_email=None,
            recipient_list=[location.partner_email],
        )
