"""PayPal's offline webhook verification, with a key and certificate made here in PayPal's shape: the signature
is RSA-SHA256 over "<transmission id>|<transmission time>|<webhook id>|<CRC32 of the body>"."""

import base64
import json
import re
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from django.utils import timezone

from comptoir.payments.gateways import ProviderStatus, WebhookSignatureError
from comptoir.payments.providers import _paypal_signature
from comptoir.payments.providers._http import ProviderUnreachableError
from comptoir.payments.providers.paypal import PayPalGateway

from .conftest import PAYPAL_CONFIG, load

CERT_PATH = "/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77"
TRANSMISSION_ID = "69cd13f0-d67a-11e5-baa3-778b53f4ae55"


@pytest.fixture(scope="module")
def key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def certificate(key, *, name="messageverificationcerts.paypal.com", valid_from=None, valid_until=None) -> bytes:
    now = datetime.now(UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid_from or now - timedelta(days=1))
        .not_valid_after(valid_until or now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def gateway(paypal_config, monkeypatch):
    # The local server stands in for PayPal's certificate host (https://api.paypal.com/... in production).
    monkeypatch.setattr(_paypal_signature, "TRUSTED_CERT_URL", re.compile(r"^http://localhost:\d+/"))
    return PayPalGateway({**paypal_config, "webhook_verification": "offline"})


def signed_headers(httpserver, key, body: bytes, *, webhook_id=PAYPAL_CONFIG["webhook_id"], **changes) -> dict:
    sent_at = timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    message = f"{TRANSMISSION_ID}|{sent_at}|{webhook_id}|{zlib.crc32(body)}".encode()
    signature = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    headers = {
        "PAYPAL-AUTH-ALGO": "SHA256withRSA",
        "PAYPAL-CERT-URL": httpserver.url_for(CERT_PATH),
        "PAYPAL-TRANSMISSION-ID": TRANSMISSION_ID,
        "PAYPAL-TRANSMISSION-SIG": base64.b64encode(signature).decode(),
        "PAYPAL-TRANSMISSION-TIME": sent_at,
    }
    headers.update(changes)
    return headers


def body() -> bytes:
    return json.dumps(load("paypal/webhook_capture_completed"), indent=2).encode()


def serve_certificate(httpserver, pem: bytes):
    httpserver.expect_request(CERT_PATH, method="GET").respond_with_data(pem, content_type="application/x-pem-file")


def test_a_webhook_signed_by_paypals_certificate_is_accepted_without_calling_the_api(httpserver, gateway, key):
    serve_certificate(httpserver, certificate(key))
    payload = body()

    (event,) = gateway.parse_webhook(body=payload, headers=signed_headers(httpserver, key, payload))

    assert (event.event_id, event.status) == ("WH-58D329510W468432D-8HN650336L201105X", ProviderStatus.CAPTURED)
    assert [request.path for request, _response in httpserver.log] == [CERT_PATH]


def test_the_certificate_is_fetched_once_for_many_webhooks(httpserver, gateway, key):
    serve_certificate(httpserver, certificate(key))
    payload = body()

    for _ in range(3):
        gateway.parse_webhook(body=payload, headers=signed_headers(httpserver, key, payload))

    assert len(httpserver.log) == 1


def test_a_body_changed_after_signing_is_rejected(httpserver, gateway, key):
    serve_certificate(httpserver, certificate(key))
    payload = body()
    headers = signed_headers(httpserver, key, payload)

    with pytest.raises(WebhookSignatureError, match="does not match"):
        gateway.parse_webhook(body=payload.replace(b"42.50", b"4250.00"), headers=headers)


def test_a_webhook_signed_for_another_webhook_id_is_rejected(httpserver, gateway, key):
    serve_certificate(httpserver, certificate(key))
    payload = body()

    with pytest.raises(WebhookSignatureError, match="does not match"):
        gateway.parse_webhook(body=payload, headers=signed_headers(httpserver, key, payload, webhook_id="9XX99999"))


def test_a_webhook_signed_by_another_key_is_rejected(httpserver, gateway, key):
    serve_certificate(httpserver, certificate(key))
    payload = body()
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    with pytest.raises(WebhookSignatureError, match="does not match"):
        gateway.parse_webhook(body=payload, headers=signed_headers(httpserver, other, payload))


def test_a_certificate_outside_paypal_com_is_never_fetched(httpserver, paypal_config, key):
    gateway = PayPalGateway({**paypal_config, "webhook_verification": "offline"})
    payload = body()
    headers = signed_headers(httpserver, key, payload, **{"PAYPAL-CERT-URL": "https://paypal.com.evil.example/c"})

    with pytest.raises(WebhookSignatureError, match="outside paypal"):
        gateway.parse_webhook(body=payload, headers=headers)

    assert httpserver.log == []


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "messageverificationcerts.example.com"},
        {"valid_until": datetime.now(UTC) - timedelta(days=1), "valid_from": datetime.now(UTC) - timedelta(days=30)},
    ],
)
def test_a_certificate_not_issued_to_paypal_or_expired_is_refused(httpserver, gateway, key, changes):
    serve_certificate(httpserver, certificate(key, **changes))
    payload = body()

    with pytest.raises(WebhookSignatureError, match="certificate"):
        gateway.parse_webhook(body=payload, headers=signed_headers(httpserver, key, payload))


def test_an_algorithm_other_than_sha256_with_rsa_is_refused(httpserver, gateway, key):
    payload = body()

    with pytest.raises(WebhookSignatureError, match="algorithm"):
        gateway.parse_webhook(
            body=payload, headers=signed_headers(httpserver, key, payload, **{"PAYPAL-AUTH-ALGO": "SHA1withRSA"})
        )


def test_a_certificate_host_that_does_not_answer_leaves_the_webhook_for_paypal_to_retry(httpserver, gateway, key):
    httpserver.expect_request(CERT_PATH).respond_with_data("", status=503)
    payload = body()

    with pytest.raises(ProviderUnreachableError):
        gateway.parse_webhook(body=payload, headers=signed_headers(httpserver, key, payload))


def test_a_stale_delivery_is_refused_before_any_certificate_is_fetched(httpserver, gateway, key):
    payload = body()
    stale = (timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    with pytest.raises(WebhookSignatureError, match="tolerance"):
        gateway.parse_webhook(
            body=payload, headers=signed_headers(httpserver, key, payload, **{"PAYPAL-TRANSMISSION-TIME": stale})
        )

    assert httpserver.log == []
