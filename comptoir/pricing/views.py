"""Buyer pages of the pricing domain: the gift-card balance check.

A plain form (works without JavaScript), POSTed so the code never sits in a URL, a log or the browser's
history. Tries are rate-limited per client (shared with the API): codes must not be findable by trying.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from comptoir.pricing import ratelimit
from comptoir.pricing.errors import GiftCardError
from comptoir.pricing.forms import GiftCardBalanceForm
from comptoir.pricing.giftcards import get_gift_card_balance


def too_many_tries(retry_after: int) -> str:
    minutes = max(1, -(-retry_after // 60))
    return _(
        "Too many tries from your connection. For your security, please wait %(minutes)d minute(s) before "
        "checking a code again."
    ) % {"minutes": minutes}


@never_cache
@require_http_methods(["GET", "POST"])
def gift_card_balance(request: HttpRequest) -> HttpResponse:
    """The form, and after a POST the card's balance, expiry and whether it can be used (one query).

    422 with the form's message for an unknown code, 429 (with Retry-After) past the rate limit.
    """
    form = GiftCardBalanceForm(request.POST or None)
    balance, status, retry_after = None, 200, None
    if request.method == "POST":
        if form.is_valid():
            retry_after = ratelimit.hit(ratelimit.GIFT_CARD_BALANCE, key=ratelimit.client_key(request))
            if retry_after is not None:
                form.add_error(None, too_many_tries(retry_after))
                status = 429
            else:
                try:
                    balance = get_gift_card_balance(code=form.cleaned_data["code"])
                except GiftCardError as exc:
                    form.add_error("code", exc.detail)  # the typed code stays, to correct a typo
                    status = 422
                else:
                    form = GiftCardBalanceForm()  # an empty field: the page never shows the whole code back
        else:
            status = 422
    context = {"form": form, "balance": balance, "title": _("Gift card balance"), "noindex": True}
    response = render(request, "pricing/gift_card_balance.html", context, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response
