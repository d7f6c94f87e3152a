"""PayPal's offline webhook verification: an RSA signature over the transmission id, the transmission time, our
webhook id and the CRC32 of the body, checked with the certificate PayPal names in PAYPAL-CERT-URL.

Used when the channel sets `webhook_verification=offline`; the default asks PayPal's verify-webhook-signature
API instead. The certificate is trusted because it is fetched over TLS from a paypal.com address (and its own
name is a paypal.com one); it is kept in the cache for a day, never past its expiry.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from django.core.cache import cache

from comptoir.payments.gateways import WebhookSignatureError
from comptoir.payments.providers import _http

TRUSTED_CERT_URL = re.compile(r"^https://(?:[a-z0-9-]+\.)*paypal\.com/", re.IGNORECASE)
CERT_CACHE_SECONDS = 24 * 3600


def verify(*, client: httpx.Client, body: bytes, headers: Mapping[str, str], webhook_id: str) -> None:
    """Raise WebhookSignatureError unless PayPal signed exactly this body for our webhook; raise
    ProviderUnreachableError when the certificate could not be fetched (the delivery is to be retried)."""
    if headers["auth_algo"] != "SHA256withRSA":
        raise WebhookSignatureError(f"PayPal webhook signed with an unexpected algorithm {headers['auth_algo']!r}.")
    if not TRUSTED_CERT_URL.match(headers["cert_url"]):
        raise WebhookSignatureError("PayPal webhook names a certificate outside paypal.com.")
    certificate = _certificate(client, headers["cert_url"])
    now = datetime.now(UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise WebhookSignatureError("PayPal webhook certificate is expired or not valid yet.")
    names = [str(attr.value) for attr in certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    if not any(name == "paypal.com" or name.endswith(".paypal.com") for name in names):
        raise WebhookSignatureError("PayPal webhook certificate is not issued to paypal.com.")
    public_key = certificate.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise WebhookSignatureError("PayPal webhook certificate does not hold an RSA key.")
    try:
        signature = base64.b64decode(headers["transmission_sig"], validate=True)
    except binascii.Error as exc:
        raise WebhookSignatureError("PayPal webhook signature is not base64.") from exc
    message = f"{headers['transmission_id']}|{headers['transmission_time']}|{webhook_id}|{zlib.crc32(body)}"
    try:
        public_key.verify(signature, message.encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as exc:
        raise WebhookSignatureError("PayPal webhook signature does not match.") from exc


def _certificate(client: httpx.Client, url: str) -> x509.Certificate:
    key = "payments:paypal:cert:" + hashlib.sha256(url.encode()).hexdigest()[:32]
    pem = cache.get(key)
    if pem is None:
        reply = _http.send(client, "paypal", "GET", url)
        if reply.unreachable:
            raise _http.ProviderUnreachableError(f"PayPal certificate {url} could not be fetched.")
        if not reply.ok:
            raise WebhookSignatureError(f"PayPal certificate {url} answered {reply.status}.")
        pem = reply.content
    try:
        certificate = x509.load_pem_x509_certificates(pem)[0]
    except ValueError as exc:
        raise WebhookSignatureError("PayPal webhook certificate is unreadable.") from exc
    remaining = int((certificate.not_valid_after_utc - datetime.now(UTC)).total_seconds())
    if remaining > 0:
        cache.set(key, pem, timeout=min(CERT_CACHE_SECONDS, remaining))
    return certificate
