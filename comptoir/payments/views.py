"""The TEST provider's 3-D Secure challenge: a page on our site, labelled TEST MODE, standing in for the
bank's page a real card would show. The buyer approves or fails it and is sent back to the shop's return
address, which asks the provider (`fetch`) how it went, as with a real provider."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from comptoir.core.money import Money
from comptoir.payments.gateways import ProviderStatus
from comptoir.payments.models import TestCharge
from comptoir.payments.providers.test import TestGateway


@never_cache
@require_http_methods(["GET", "POST"])
def test_challenge(request: HttpRequest, provider_reference: str) -> HttpResponse:
    charge = TestCharge.objects.filter(provider_reference=provider_reference, scenario="three_ds").first()
    if charge is None:
        raise Http404("No such TEST payment.")
    safe = url_has_allowed_host_and_scheme(charge.return_url, allowed_hosts={request.get_host()})
    back = charge.return_url if safe else "/"
    if request.method == "POST":
        TestGateway().complete_challenge(
            provider_reference=provider_reference, approve=request.POST.get("outcome") == "approve"
        )
        return redirect(back)
    if charge.status != ProviderStatus.REQUIRES_ACTION:
        return redirect(back)
    context = {
        "charge": charge,
        "amount": Money(charge.amount, charge.currency),
        "title": _("TEST MODE: 3-D Secure check"),
        "noindex": True,
    }
    return render(request, "payments/test_challenge.html", context)
