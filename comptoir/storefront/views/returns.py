"""Returns pages: the buyer asks to return items of an order, follows the return, and may withdraw it.

Each page exists twice: for the signed-in owner (`/<lang>/orders/<number>/...`; someone else's order is
"not found", anonymous visitors go to sign in) and for the guest tracking link (`/<lang>/orders/t/<token>/...`;
the token reaches its own order only). Plain forms with CSRF that work without JavaScript; a refused request
re-renders the form with the reason (409 / 422). Pages about one person's order: private, never indexed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.forms import BoundField
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from comptoir.core.errors import DomainError
from comptoir.core.money import Money
from comptoir.orders.errors import OrderNotFoundError, ReturnNotAllowedError, ReturnNotFoundError
from comptoir.orders.models import Order, OrderLine, ReturnStatus
from comptoir.orders.models.returns import ReturnReason
from comptoir.orders.queries import get_order_by_token, get_order_for_customer
from comptoir.orders.services.returns import (
    MAX_COMMENT,
    cancel_return,
    check_returnable,
    get_order_return,
    list_order_returns,
    request_return,
    returnable_quantities,
)
from comptoir.storefront.views.account import customer_page, private_page

REQUEST_TEMPLATE = "storefront/returns/request.html"
DETAIL_TEMPLATE = "storefront/returns/detail.html"


# --- How the buyer reached the order: their account, or the tracking link ------------------------------------


@dataclass(frozen=True, slots=True)
class _Via:
    """The URLs of one order's return pages, for its owner or for its tracking link."""

    order: Order
    token: str = ""

    def _reverse(self, name: str, *args: str) -> str:
        key = self.token or self.order.number
        return reverse(f"returns:{'guest_' if self.token else ''}{name}", args=[key, *args])

    @property
    def request_url(self) -> str:
        return self._reverse("request")

    def detail_url(self, number: str) -> str:
        return self._reverse("detail", number)

    def cancel_url(self, number: str) -> str:
        return self._reverse("cancel", number)

    @property
    def order_url(self) -> str:
        """The order's own page (written alongside these), or "" while its URL does not exist."""
        try:
            if self.token:
                return reverse("orders:track", args=[self.token])
            return reverse("account:order", args=[self.order.number])
        except NoReverseMatch:
            return ""


def _owner(request: HttpRequest, number: str) -> _Via:
    try:
        return _Via(get_order_for_customer(user_id=request.user.pk, number=number[:20]))
    except OrderNotFoundError as exc:
        raise Http404("No such order.") from exc


def _guest(token: str) -> _Via:
    try:
        return _Via(get_order_by_token(token=token), token=token)
    except OrderNotFoundError as exc:
        raise Http404("No such order.") from exc


# --- The request form -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Row:
    line: OrderLine
    returnable: int
    quantity: BoundField
    reason: BoundField


class ReturnRequestForm(forms.Form):
    """Per returnable line, how many units (0: keep them) and why; a comment for the whole return."""

    comment = forms.CharField(
        label=gettext_lazy("Anything else we should know? (optional)"),
        required=False,
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, data=None, *, lines: list[tuple[OrderLine, int]]) -> None:
        super().__init__(data)
        self.lines = lines
        reasons = [("", gettext_lazy("Choose a reason")), *ReturnReason.choices]
        for line, returnable in lines:
            self.fields[f"quantity_{line.pk}"] = forms.TypedChoiceField(
                label=gettext_lazy("Units to return"),
                choices=[(n, str(n)) for n in range(returnable + 1)],
                coerce=int,
                empty_value=0,
                required=False,
                initial=0,
            )
            self.fields[f"reason_{line.pk}"] = forms.ChoiceField(
                label=gettext_lazy("Reason"), choices=reasons, required=False
            )

    def rows(self) -> list[_Row]:
        return [
            _Row(line, returnable, self[f"quantity_{line.pk}"], self[f"reason_{line.pk}"])
            for line, returnable in self.lines
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        chosen = [line for line, _n in self.lines if cleaned.get(f"quantity_{line.pk}")]
        if not chosen and not self.errors:
            raise forms.ValidationError(_("Choose how many units of at least one item you want to return."))
        for line in chosen:
            if not cleaned.get(f"reason_{line.pk}"):
                self.add_error(f"reason_{line.pk}", _("Tell us why you return this item."))
        return cleaned

    def wanted(self) -> dict[int, tuple[int, str]]:
        data = self.cleaned_data
        return {
            line.pk: (data[f"quantity_{line.pk}"], data[f"reason_{line.pk}"])
            for line, _n in self.lines
            if data.get(f"quantity_{line.pk}")
        }


def _request_page(request: HttpRequest, via: _Via) -> HttpResponse:
    order = via.order
    returns = list_order_returns(order_id=order.pk)
    lines = list(order.lines.all())
    refusal, window_end = "", None
    try:
        window_end = check_returnable(order, shipments=list(order.shipments.all()))
    except ReturnNotAllowedError as exc:
        refusal = exc.detail
    left = returnable_quantities(lines, returns)
    returnable = [(line, left[line.pk]) for line in lines if left[line.pk] > 0]
    if not refusal and not returnable:
        refusal = _("Everything shipped from this order has already been returned or is in a return.")
    posted = request.method == "POST"
    form = ReturnRequestForm(request.POST if posted and not refusal else None, lines=returnable)
    status = 200
    if posted and refusal:
        status = 409
    elif posted and form.is_valid():
        try:
            ret = request_return(order_id=order.pk, lines=form.wanted(), comment=form.cleaned_data["comment"])
        except DomainError as exc:
            form.add_error(None, exc.detail)
            status = exc.status
        else:
            messages.success(
                request,
                _("We received your return request %(number)s. We will tell you by email what happens next.")
                % {"number": ret.number},
            )
            return HttpResponseRedirect(via.detail_url(ret.number))
    elif posted:
        status = 422
    context = {
        "order": order,
        "form": form,
        "rows": form.rows(),
        "refusal": refusal,
        "window_end": window_end,
        "returns": [(ret, via.detail_url(ret.number)) for ret in returns],
        "order_url": via.order_url,
        "title": _("Return items from order %(number)s") % {"number": order.number},
        "noindex": True,
    }
    return render(request, REQUEST_TEMPLATE, context, status=status)


@customer_page
@require_http_methods(["GET", "HEAD", "POST"])
def request_return_page(request: HttpRequest, number: str) -> HttpResponse:
    """The signed-in owner asks to return items of their order."""
    return _request_page(request, _owner(request, number))


@private_page
@require_http_methods(["GET", "HEAD", "POST"])
def guest_request_return_page(request: HttpRequest, token: str) -> HttpResponse:
    """A guest asks to return items of the order behind their tracking link."""
    return _request_page(request, _guest(token))


# --- A return's page, and withdrawing it ----------------------------------------------------------------------


def _detail_page(request: HttpRequest, via: _Via, number: str) -> HttpResponse:
    try:
        ret = get_order_return(order_id=via.order.pk, number=number)
    except ReturnNotFoundError as exc:
        raise Http404("No such return.") from exc
    context = {
        "order": via.order,
        "ret": ret,
        "refund": Money(ret.refund_amount, via.order.currency) if ret.status == ReturnStatus.REFUNDED else None,
        "cancel_url": via.cancel_url(ret.number) if ret.status == ReturnStatus.REQUESTED else "",
        "order_url": via.order_url,
        "request_url": via.request_url,
        "title": _("Return %(number)s") % {"number": ret.number},
        "noindex": True,
    }
    return render(request, DETAIL_TEMPLATE, context)


def _cancel(request: HttpRequest, via: _Via, number: str) -> HttpResponse:
    try:
        ret = get_order_return(order_id=via.order.pk, number=number)
    except ReturnNotFoundError as exc:
        raise Http404("No such return.") from exc
    try:
        cancel_return(return_id=ret.pk, actor_id=request.user.pk if request.user.is_authenticated else None)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Your return %(number)s is cancelled.") % {"number": ret.number})
    return HttpResponseRedirect(via.detail_url(ret.number))


@customer_page
@require_http_methods(["GET", "HEAD"])
def return_detail(request: HttpRequest, number: str, return_number: str) -> HttpResponse:
    """The owner's return: its status, its items and what happens next."""
    return _detail_page(request, _owner(request, number), return_number)


@private_page
@require_http_methods(["GET", "HEAD"])
def guest_return_detail(request: HttpRequest, token: str, return_number: str) -> HttpResponse:
    """A guest's return, reached through the order's tracking link."""
    return _detail_page(request, _guest(token), return_number)


@customer_page
@require_POST
def cancel_return_page(request: HttpRequest, number: str, return_number: str) -> HttpResponse:
    """The owner withdraws a return not yet approved."""
    return _cancel(request, _owner(request, number), return_number)


@private_page
@require_POST
def guest_cancel_return_page(request: HttpRequest, token: str, return_number: str) -> HttpResponse:
    """A guest withdraws a return not yet approved."""
    return _cancel(request, _guest(token), return_number)
