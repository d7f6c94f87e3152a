"""Returns in the back office: the list of return requests and a request's page, with its steps.

A buyer asks; staff approve or reject, then receive the parcel (units back on sale or written off) and refund.
Each step calls the returns service (comptoir/orders/services/returns.py) by POST with the CSRF token, for
staff holding `orders.change_returnrequest`; a refusal is an error message and changes nothing. The
services are imported when a step runs, so this screen loads whatever the state of that module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import ModelAdmin
from unfold.decorators import display

from comptoir.backoffice.inventory_views import admin_context
from comptoir.core.errors import DomainError
from comptoir.core.money import Money
from comptoir.inventory.admin import DayRangeFilter
from comptoir.orders.admin_actions import NOT_RUN, ServiceActions
from comptoir.orders.admin_page import money_text
from comptoir.orders.forms import ReceiveReturnForm, RefundReturnForm, RejectReturnForm
from comptoir.orders.models import ReturnLine, ReturnRequest, ReturnStatus
from comptoir.orders.models.returns import RETURNED_TO_SENDER

CHANGE_RETURNS = "orders.change_returnrequest"
RETURN_LABELS = {
    ReturnStatus.REQUESTED: "warning",
    ReturnStatus.APPROVED: "info",
    ReturnStatus.REJECTED: "danger",
    ReturnStatus.RECEIVED: "primary",
    ReturnStatus.REFUNDED: "success",
}
# Which steps a request's status offers; the service has the last word.
STEPS = {
    ReturnStatus.REQUESTED: ["approve", "reject"],
    ReturnStatus.APPROVED: ["receive", "reject"],
    ReturnStatus.RECEIVED: ["refund"],
}


def steps_for(found: ReturnRequest, lines: list[ReturnLine]) -> list[str]:
    """A cash-on-delivery parcel returned to sender is only received (written off if lost or damaged): the
    buyer asked for nothing, so there is nothing to reject, and nothing was paid, so nothing to refund."""
    steps = STEPS.get(found.status, [])
    if any(line.reason == RETURNED_TO_SENDER for line in lines):
        steps = [step for step in steps if step == "receive"]
    return steps


def returns_service(name: str, module: str = "returns") -> Callable[..., Any]:
    """A function of comptoir.orders.services.<module>, or a DomainError saying returns cannot be handled.

    Imported when a step runs: the returns and refunds services are their own modules of the orders domain,
    and this screen must load (and list returns) whatever their state."""
    try:
        return getattr(importlib.import_module(f"comptoir.orders.services.{module}"), name)
    except (ImportError, AttributeError) as exc:
        raise DomainError(_("Returns cannot be handled in this version of the shop.")) from exc


def return_url(request_id: int) -> str:
    return reverse("admin:orders_returnrequest_change", args=[request_id])


@admin.register(ReturnRequest)
class ReturnRequestAdmin(ServiceActions, ModelAdmin):
    list_display = ["number", "order_number", "email", "status_label", "created_at", "units", "refunded"]
    list_display_links = ["number"]
    list_select_related = ["order"]
    list_filter = ["status", ("created_at", DayRangeFilter)]
    list_filter_submit = True
    search_fields = ["number", "order__number", "order__email", "lines__order_line__sku"]
    search_help_text = gettext_lazy("Return number, order number, e-mail or SKU")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # buyers ask for returns from their order page

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(unit_count=Sum("lines__quantity"))

    @display(description=gettext_lazy("Order"), ordering="order__number")
    def order_number(self, obj: ReturnRequest) -> str:
        return obj.order.number

    @display(description=gettext_lazy("E-mail"), ordering="order__email")
    def email(self, obj: ReturnRequest) -> str:
        return obj.order.email

    @display(description=gettext_lazy("Status"), ordering="status", label=RETURN_LABELS)
    def status_label(self, obj: ReturnRequest) -> tuple[str, str]:
        return obj.status, obj.get_status_display()

    @display(description=gettext_lazy("Units"), ordering="unit_count")
    def units(self, obj: ReturnRequest) -> int:
        return obj.unit_count or 0

    @display(description=gettext_lazy("Refunded"), ordering="refund_amount")
    def refunded(self, obj: ReturnRequest) -> str:
        return money_text(obj.refund_amount, obj.order.currency) if obj.refund_amount else "-"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        steps = [("approve", self.approve_view), ("reject", self.reject_view)]
        steps += [("receive", self.receive_view), ("refund", self.refund_view)]
        return [
            *[
                path(f"<int:request_id>/{name}/", wrap(view), name=f"orders_returnrequest_{name}")
                for name, view in steps
            ],
            *super().get_urls(),
        ]

    # --- the request's page ------------------------------------------------------------------------------

    def _load(self, request_id: int) -> ReturnRequest:
        found = (
            ReturnRequest.objects.select_related("order")
            .prefetch_related(
                Prefetch("lines", queryset=ReturnLine.objects.select_related("order_line").order_by("pk"))
            )
            .filter(pk=request_id)
            .first()
        )
        if found is None:
            raise Http404(_("No such return."))
        return found

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        if not str(object_id).isdigit():
            raise Http404
        found = self._load(int(object_id))
        if not self.has_view_or_change_permission(request, found):
            raise PermissionDenied
        may_act = request.user.has_perm(CHANGE_RETURNS)
        lines = list(found.lines.all())
        steps = steps_for(found, lines) if may_act else []
        context = admin_context(
            self,
            request,
            _("Return %(number)s") % {"number": found.number},
            original=found,
            request_obj=found,
            order=found.order,
            lines=lines,
            returned_to_sender=any(line.reason == RETURNED_TO_SENDER for line in lines),
            status_type=RETURN_LABELS.get(found.status, ""),
            refunded=money_text(found.refund_amount, found.order.currency) if found.refund_amount else "",
            steps=steps,
            urls={name: reverse(f"admin:orders_returnrequest_{name}", args=[found.pk]) for name in STEPS_ALL},
            order_url=reverse("admin:orders_order_change", args=[found.order_id]),
            refund_form=RefundReturnForm(currency=found.order.currency) if "refund" in steps else None,
            **(extra_context or {}),
        )
        return TemplateResponse(request, "admin/orders/return_detail.html", context)

    # --- the steps ---------------------------------------------------------------------------------------

    def _request(self, request: HttpRequest, request_id: int) -> ReturnRequest:
        if not request.user.has_perm(CHANGE_RETURNS):
            raise PermissionDenied
        return self._load(request_id)

    def _page_url(self, found: ReturnRequest) -> str:
        return return_url(found.pk)

    def _order_of(self, found: ReturnRequest):
        return found.order

    def approve_view(self, request: HttpRequest, request_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        found = self._request(request, request_id)
        result = self._run(
            request, lambda: returns_service("approve_return")(return_id=found.pk, actor_id=request.user.pk)
        )
        if result is NOT_RUN:
            return HttpResponseRedirect(return_url(found.pk))
        return self._done(request, found, _("Return %(number)s approved.") % {"number": found.number})

    def reject_view(self, request: HttpRequest, request_id: int) -> HttpResponse:
        found = self._request(request, request_id)
        form = RejectReturnForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            reason = form.cleaned_data["reason"]
            result = self._run(
                request,
                lambda: returns_service("reject_return")(return_id=found.pk, note=reason, actor_id=request.user.pk),
            )
            if result is not NOT_RUN:
                return self._done(request, found, _("Return %(number)s rejected.") % {"number": found.number})
        return self._form_page(
            request,
            found,
            form,
            title=_("Reject return %(number)s") % {"number": found.number},
            button=_("Reject the return"),
            danger=True,
        )

    def receive_view(self, request: HttpRequest, request_id: int) -> HttpResponse:
        found = self._request(request, request_id)
        form = ReceiveReturnForm(request.POST if request.method == "POST" else None, lines=list(found.lines.all()))
        if request.method == "POST" and form.is_valid():
            result = self._run(
                request,
                lambda: returns_service("receive_return")(
                    return_id=found.pk,
                    decisions=form.decisions(),
                    location_id=form.cleaned_data["location"].pk,
                    actor_id=request.user.pk,
                ),
            )
            if result is not NOT_RUN:
                units = sum(restocked for restocked, _written_off in form.decisions().values())
                return self._done(
                    request,
                    found,
                    _("Return %(number)s received: %(units)d unit(s) back on sale.")
                    % {"number": found.number, "units": units},
                )
        return self._form_page(
            request,
            found,
            form,
            title=_("Receive return %(number)s") % {"number": found.number},
            button=_("Book the parcel"),
        )

    def refund_view(self, request: HttpRequest, request_id: int) -> HttpResponse:
        found = self._request(request, request_id)
        currency = found.order.currency
        form = RefundReturnForm(request.POST if request.method == "POST" else None, currency=currency)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            amount = Money(data["amount"], currency) if data["amount"] is not None else None
            # No key needed: refunding a return already refunded returns it as it is, so a double click
            # refunds once.
            result = self._run(
                request,
                lambda: returns_service("refund_return", "refunds")(
                    return_id=found.pk,
                    include_shipping=data["include_shipping"],
                    amount=amount,
                    actor_id=request.user.pk,
                ),
            )
            if result is not NOT_RUN:
                return self._done(
                    request,
                    found,
                    _("Return %(number)s refunded: %(amount)s.")
                    % {"number": found.number, "amount": money_text(result.refund_amount, currency)},
                )
        return self._form_page(
            request,
            found,
            form,
            title=_("Refund return %(number)s") % {"number": found.number},
            button=_("Refund"),
            danger=True,
        )


STEPS_ALL = ["approve", "reject", "receive", "refund"]
