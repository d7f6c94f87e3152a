"""Partner fulfilment in the back office: the requests sent to dropship suppliers and 3PLs, sending one
again, and importing a 3PL's file of shipment confirmations.

Requests are written by the fulfilment services only (made when an order is routed, closed by the
partner's confirmation), so their page is read-only; "send again" calls `send_request` and the import
calls `import_shipment_confirmations`, all or nothing.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import RelatedDropdownFilter
from unfold.decorators import action, display

from comptoir.backoffice.inventory_forms import ShipmentConfirmationsForm
from comptoir.backoffice.inventory_views import admin_context
from comptoir.core.errors import DomainError
from comptoir.fulfillment.models import FulfilmentRequest, FulfilmentRequestLine, RequestStatus
from comptoir.fulfillment.services import import_shipment_confirmations, send_request

CHANGE_REQUESTS = "fulfillment.change_fulfilmentrequest"
STATUS_LABELS = {
    RequestStatus.PENDING: "warning",
    RequestStatus.SENT: "info",
    RequestStatus.SHIPPED: "success",
    RequestStatus.CANCELLED: "danger",
}
SHIP_TO_FIELDS = ["name", "line1", "line2", "postcode", "city", "country", "phone", "email"]


class RequestLineInline(TabularInline):
    model = FulfilmentRequestLine
    fields = ["sku", "name", "quantity"]
    readonly_fields = ["sku", "name", "quantity"]
    extra = 0
    show_title = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(FulfilmentRequest)
class FulfilmentRequestAdmin(ModelAdmin):
    list_display = ["order_ref", "location", "status_label", "line_count", "created_at", "sent_at", "shipped_at"]
    list_display += ["tracking_number", "send_attempts", "last_error"]
    list_select_related = ["location"]
    list_filter = ["status", ("location", RelatedDropdownFilter)]
    list_filter_submit = True
    search_fields = ["order_ref", "tracking_number", "lines__sku"]
    search_help_text = gettext_lazy("Order, tracking number or SKU")
    # The token is the secret of the partner's callback URL: staff never need it, so it is not shown.
    fields = [
        "order_ref",
        "location",
        "status",
        "ship_to_address",
        "carrier",
        "tracking_number",
        "tracking_url",
        "send_attempts",
        "last_error",
        "created_at",
        "sent_at",
        "shipped_at",
    ]
    readonly_fields = fields
    inlines = [RequestLineInline]
    actions = ["send_again"]
    actions_detail = ["send_one_again"]
    actions_list = ["import_confirmations"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_send_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm(CHANGE_REQUESTS)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(line_count=Count("lines"))

    @display(description=gettext_lazy("Status"), ordering="status", label=STATUS_LABELS)
    def status_label(self, obj: FulfilmentRequest) -> tuple[str, str]:
        return obj.status, obj.get_status_display()

    @display(description=gettext_lazy("Lines"), ordering="line_count")
    def line_count(self, obj: FulfilmentRequest) -> int:
        return obj.line_count

    @display(description=gettext_lazy("Ship to"))
    def ship_to_address(self, obj: FulfilmentRequest) -> str:
        to = obj.ship_to or {}
        parts = [str(to[key]) for key in SHIP_TO_FIELDS if to.get(key)]
        return format_html_join("", "{}<br>", ((part,) for part in parts)) if parts else "-"

    # --- send again --------------------------------------------------------------------------------------

    def _send(self, request: HttpRequest, ids: list[int]) -> None:
        pending = dict(
            FulfilmentRequest.objects.filter(pk__in=ids, status=RequestStatus.PENDING).values_list("pk", "order_ref")
        )
        if len(pending) < len(ids):
            self.message_user(
                request,
                _(
                    "Only requests waiting to be sent can be sent again; requests already sent, shipped or "
                    "cancelled were left as they are."
                ),
                messages.WARNING,
            )
        sent = [order_ref for pk, order_ref in sorted(pending.items()) if send_request(request_id=pk)]
        if sent:
            message = ngettext("%(count)d request sent.", "%(count)d requests sent.", len(sent)) % {"count": len(sent)}
            self.message_user(request, message, messages.SUCCESS)
        failed = FulfilmentRequest.objects.filter(pk__in=list(pending), status=RequestStatus.PENDING)
        for order_ref, error in failed.values_list("order_ref", "last_error"):
            self.message_user(
                request,
                _("Order %(order)s could not be sent: %(error)s") % {"order": order_ref, "error": error or "?"},
                messages.ERROR,
            )

    @action(description=gettext_lazy("Send again"), permissions=["send"])
    def send_again(self, request: HttpRequest, queryset) -> None:
        self._send(request, sorted(queryset.values_list("pk", flat=True)))

    @action(description=gettext_lazy("Send again"), url_path="send", icon="send", permissions=["send"])
    def send_one_again(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """GET asks, POST sends: a link must never contact a partner."""
        if not str(object_id).isdigit():
            raise Http404
        fulfilment = get_object_or_404(FulfilmentRequest.objects.select_related("location"), pk=object_id)
        back = reverse("admin:fulfillment_fulfilmentrequest_change", args=[fulfilment.pk])
        if request.method == "POST":
            self._send(request, [fulfilment.pk])
            return HttpResponseRedirect(back)
        context = admin_context(
            self,
            request,
            _("Send the request for order %(order)s again?") % {"order": fulfilment.order_ref},
            object=fulfilment,
            button=_("Send to %(partner)s") % {"partner": fulfilment.location.name},
            back_url=back,
            explanation=_("The partner gets the request again by e-mail, webhook or CSV file, as set on its location."),
        )
        return TemplateResponse(request, "backoffice/inventory/confirm.html", context)

    # --- a 3PL's shipment confirmations --------------------------------------------------------------------

    @action(
        description=gettext_lazy("Import shipment confirmations"),
        url_path="import-confirmations",
        icon="upload",
        permissions=["send"],
    )
    def import_confirmations(self, request: HttpRequest) -> HttpResponse:
        """A CSV of order_ref, tracking_number, carrier[, tracking_url]: all confirmed, or none."""
        form = ShipmentConfirmationsForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = import_shipment_confirmations(location_id=form.cleaned_data["location"].pk, data=upload.read())
            except DomainError as exc:  # e.g. a confirmed order whose stock is no longer allocated there
                form.add_error(None, _("Nothing was confirmed: %(reason)s") % {"reason": exc.detail})
            else:
                if report.ok:
                    message = ngettext(
                        "%(count)d shipment confirmed.", "%(count)d shipments confirmed.", report.confirmed
                    ) % {"count": report.confirmed}
                    self.message_user(request, message, messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:fulfillment_fulfilmentrequest_changelist"))
        context = admin_context(self, request, _("Import shipment confirmations"), form=form, report=report)
        return TemplateResponse(request, "backoffice/inventory/shipment_confirmations.html", context)
