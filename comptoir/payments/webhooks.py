"""Provider webhooks: POST /payments/webhooks/<provider>/ (outside the language prefix, CSRF-exempt: the
provider's signature is the authentication).

The gateway's `parse_webhook` verifies the signature and the timestamp (replays older than the provider's
tolerance are refused); each event is then recorded once (`record_provider_event`: the unique provider event
id rejects a replay within the tolerance too). The answer is quick: 200 once recorded, 400 problem JSON for a
bad signature or body, 404 for an unknown provider, 503 when verifying needed the provider and it did not
answer, or when it could not list the refunds and chargebacks its event announced (it delivers again). An
event about no payment of ours is acknowledged (200), or the provider would retry it for days.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from comptoir.payments.gateways import WebhookSignatureError, gateways_for_provider
from comptoir.payments.services import record_provider_event

try:  # the HTTP helper of the Mollie and PayPal adapters: their provider could not be asked (answer 503)
    from comptoir.payments.providers._http import ProviderUnreachableError
except ImportError:  # pragma: no cover - before those adapters are merged

    class ProviderUnreachableError(Exception):
        pass


log = logging.getLogger(__name__)
MAX_BODY = 512 * 1024
PROBLEM = "application/problem+json"


class UnknownProviderError(Exception):
    pass


def handle_webhook(*, provider: str, body: bytes, headers: Mapping[str, str]) -> int:
    """Verify and record one webhook delivery; returns how many events it carried. Raises
    UnknownProviderError, or WebhookSignatureError when no configured account of the provider verifies it."""
    gateways = gateways_for_provider(provider)
    if not gateways:
        raise UnknownProviderError(provider)
    error: WebhookSignatureError | None = None
    for gateway in gateways:  # one per account: the delivery does not say which account's secret signed it
        try:
            events = gateway.parse_webhook(body=body, headers=headers)
        except WebhookSignatureError as exc:
            error = exc
            continue
        except NotImplementedError:
            raise UnknownProviderError(provider) from None
        for event in events:
            record_provider_event(provider=provider, event=event)
        return len(events)
    raise error or WebhookSignatureError("No account of this provider verifies the signature.")


def _problem(status: int, title: str, detail: str) -> JsonResponse:
    return JsonResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail}, status=status, content_type=PROBLEM
    )


@csrf_exempt
@require_POST
def receive(request: HttpRequest, provider: str) -> HttpResponse:
    if len(request.body) > MAX_BODY:
        return _problem(413, "Too large", "A webhook body is at most 512 KiB.")
    try:
        count = handle_webhook(provider=provider, body=request.body, headers=request.headers)
    except UnknownProviderError:
        return _problem(404, "Unknown payment provider", f"No payment provider '{provider}' is enabled here.")
    except WebhookSignatureError as exc:
        log.warning("rejected %s webhook: %s", provider, exc)
        return _problem(400, "Invalid webhook signature", str(exc))
    except ProviderUnreachableError as exc:  # verifying needed the provider, which did not answer: resend later
        response = _problem(503, "Provider unreachable", str(exc) or "The provider could not be reached.")
        response["Retry-After"] = "60"
        return response
    return JsonResponse({"received": count})
