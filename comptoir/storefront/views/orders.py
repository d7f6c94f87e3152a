"""Orders without an account: the guest tracking page, opened by the secret link of the order e-mails, and
the form that e-mails that link again to whoever placed the order.

The tracking link is the only key a guest has: a wrong token is "not found", the page is never cached by
anyone but the buyer's browser, nor indexed. The form answers the same whether the order exists or not.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from comptoir.customers import ratelimit
from comptoir.customers.errors import RateLimitedError
from comptoir.customers.forms import FindOrderForm
from comptoir.orders.errors import OrderNotFoundError
from comptoir.orders.queries_account import get_tracked_order
from comptoir.orders.tasks import send_tracking_link
from comptoir.payments.instalments.queries import get_plan_view
from comptoir.storefront.views.account import private, private_page


@private_page
def track(request: HttpRequest, token: str) -> HttpResponse:
    """The order behind a tracking link: status, timeline, items, totals, delivery, parcels, invoices."""
    try:
        order = get_tracked_order(token=token)
    except OrderNotFoundError as exc:
        raise Http404("No such order.") from exc
    context = {
        "order": order,
        "plan": get_plan_view(order_ref=order.number),
        "guest_token": token,
        "title": _("Order %(number)s") % {"number": order.number},
        "noindex": True,
    }
    return render(request, "storefront/orders/track.html", context)


@private_page
def find(request: HttpRequest) -> HttpResponse:
    """Order number and e-mail address in, the tracking link out by e-mail (when they match an order).

    A few requests per client per quarter hour (429 past that): each may send a mail, and the pair is a
    guess at someone's order.
    """
    form = FindOrderForm(request.POST or None)
    context = {"form": form, "title": _("Find your order"), "noindex": True}
    if request.method == "POST":
        try:
            ratelimit.hit(ratelimit.FIND_ORDER, key=ratelimit.client_ip(request))
        except RateLimitedError as exc:
            response = render(request, "storefront/orders/find.html", {**context, "limited": exc}, status=429)
            response["Retry-After"] = str(exc.retry_after)
            return private(response)
        if form.is_valid():
            # Looked up by the task, not here: the answer takes as long whether or not the order exists.
            send_tracking_link.enqueue(number=form.cleaned_data["number"].strip(), email=form.cleaned_data["email"])
            messages.success(
                request,
                _(
                    "If an order with this number was placed with this email address, we have just sent it the "
                    "link to follow the order. Check your inbox (and your spam folder)."
                ),
            )
            return HttpResponseRedirect(reverse("orders:find"))
    return render(request, "storefront/orders/find.html", context, status=422 if form.errors else 200)
