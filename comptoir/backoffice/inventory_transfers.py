"""Stock transfers in the back office: the list, a new transfer (sent through `send_transfer`), and
"mark received" / "cancel" (through `receive_transfer` / `cancel_transfer`).

A transfer is never edited: its lines moved stock and wrote ledger lines when it was sent, so the page of
a transfer is read-only and the only changes are closing it, once. Writing needs the right to change
stock (`inventory.change_stocklevel`), reading it the right to see stock or transfers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import RelatedDropdownFilter
from unfold.decorators import action, display

from comptoir.backoffice.inventory_forms import TransferForm
from comptoir.backoffice.inventory_views import (
    CHANGE_STOCK,
    StockPermissions,
    admin_context,
    history_url,
    may_see_stock,
)
from comptoir.core.errors import DomainError
from comptoir.inventory.errors import InsufficientStockError
from comptoir.inventory.models import StockTransfer, StockTransferLine, TransferStatus
from comptoir.inventory.services import cancel_transfer, receive_transfer, send_transfer

STATUS_LABELS = {
    TransferStatus.IN_TRANSIT: "info",
    TransferStatus.RECEIVED: "success",
    TransferStatus.CANCELLED: "warning",
}


class TransferLineInline(TabularInline):
    model = StockTransferLine
    fields = ["sku", "product", "quantity"]
    readonly_fields = ["sku", "product", "quantity"]
    extra = 0
    show_title = False

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("variant__product").order_by("variant__sku")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @display(description=gettext_lazy("SKU"))
    def sku(self, line: StockTransferLine) -> str:
        return line.variant.sku

    @display(description=gettext_lazy("Product"))
    def product(self, line: StockTransferLine) -> str:
        return f"{line.variant.product.name} {line.variant.name}".strip()


def _shortages_by_sku(exc: InsufficientStockError, skus: dict[int, str]) -> str:
    parts = [
        _("%(sku)s: %(available)d free at the origin, %(requested)d asked")
        % {"sku": skus.get(s.variant_id, s.variant_id), "available": s.available, "requested": s.requested}
        for s in exc.shortages
    ]
    return _("Not enough free stock to send: %(lines)s.") % {"lines": "; ".join(parts)}


def _received(count: int) -> str:
    return ngettext("%(count)d transfer received.", "%(count)d transfers received.", count) % {"count": count}


def _cancelled(count: int) -> str:
    return ngettext("%(count)d transfer cancelled.", "%(count)d transfers cancelled.", count) % {"count": count}


class StockTransferAdmin(StockPermissions, ModelAdmin):
    list_display = ["number", "origin", "destination", "status_label", "line_count", "units", "reference"]
    list_display += ["created_by", "created_at", "closed_at"]
    list_display_links = ["number"]
    list_select_related = ["origin", "destination"]
    list_filter = ["status", ("origin", RelatedDropdownFilter), ("destination", RelatedDropdownFilter)]
    list_filter_submit = True
    search_fields = ["reference", "note", "lines__variant__sku"]
    search_help_text = gettext_lazy("Reference, note or SKU")
    fields = ["origin", "destination", "status", "reference", "note", "created_by", "created_at", "closed_at"]
    readonly_fields = fields
    inlines = [TransferLineInline]
    actions = ["mark_received", "cancel"]
    actions_detail = ["receive_one", "cancel_one", "history"]

    # --- permissions: reading follows the stock rights, writing needs the right to change stock -----------

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_view_permission(request, obj) or may_see_stock(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(CHANGE_STOCK)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_close_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm(CHANGE_STOCK)

    # --- the list -----------------------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(line_count=Count("lines"), units=Sum("lines__quantity"))

    @display(description=gettext_lazy("Transfer"), ordering="pk")
    def number(self, obj: StockTransfer) -> str:
        return f"#{obj.pk}"

    @display(description=gettext_lazy("Status"), ordering="status", label=STATUS_LABELS)
    def status_label(self, obj: StockTransfer) -> tuple[str, str]:
        return obj.status, obj.get_status_display()

    @display(description=gettext_lazy("Lines"), ordering="line_count")
    def line_count(self, obj: StockTransfer) -> int:
        return obj.line_count

    @display(description=gettext_lazy("Units"), ordering="units")
    def units(self, obj: StockTransfer) -> int:
        return obj.units or 0

    # --- a new transfer ----------------------------------------------------------------------------------

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None):
        """Origin, destination and lines by SKU; sent through `send_transfer` (units leave the origin now)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = TransferForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                transfer = send_transfer(
                    origin_id=data["origin"].pk,
                    destination_id=data["destination"].pk,
                    quantities=data["lines"],
                    reference=data["reference"],
                    note=data["note"],
                    actor=request.user.get_username(),
                )
            except InsufficientStockError as exc:
                form.add_error(None, _shortages_by_sku(exc, form.skus))
            except DomainError as exc:
                form.add_error(None, exc.detail)
            else:
                self.message_user(
                    request,
                    _("Transfer #%(number)d sent: its units left %(origin)s and are in transit to %(destination)s.")
                    % {"number": transfer.pk, "origin": data["origin"].name, "destination": data["destination"].name},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:inventory_stocktransfer_change", args=[transfer.pk]))
        context = admin_context(self, request, _("New stock transfer"), form=form)
        return TemplateResponse(request, "backoffice/inventory/transfer_form.html", context)

    # --- closing: from the list (selected transfers) and from a transfer's page ---------------------------

    def _close(
        self, request: HttpRequest, ids: list[int], close: Callable[..., StockTransfer], done: Callable[[int], str]
    ) -> None:
        closed, refused = 0, []
        for transfer_id in ids:
            try:
                close(transfer_id=transfer_id, actor=request.user.get_username())
                closed += 1
            except DomainError as exc:
                refused.append(f"#{transfer_id}: {exc.detail}")
        if closed:
            self.message_user(request, done(closed), messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.ERROR)

    @action(description=gettext_lazy("Mark received"), permissions=["close"])
    def mark_received(self, request: HttpRequest, queryset) -> None:
        ids = sorted(queryset.values_list("pk", flat=True))
        self._close(request, ids, receive_transfer, _received)

    @action(description=gettext_lazy("Cancel (units go back to the origin)"), permissions=["close"])
    def cancel(self, request: HttpRequest, queryset) -> None:
        ids = sorted(queryset.values_list("pk", flat=True))
        self._close(request, ids, cancel_transfer, _cancelled)

    def _confirm(self, request: HttpRequest, object_id: str, *, close, question: str, button: str, done: str):
        """GET asks, POST closes: a link must never move stock."""
        transfer = get_object_or_404(StockTransfer.objects.select_related("origin", "destination"), pk=object_id)
        back = reverse("admin:inventory_stocktransfer_change", args=[transfer.pk])
        if transfer.status != TransferStatus.IN_TRANSIT:
            self.message_user(
                request,
                _("Transfer #%(number)d is already %(status)s.")
                % {
                    "number": transfer.pk,
                    "status": transfer.get_status_display().lower(),
                },
                messages.WARNING,
            )
            return HttpResponseRedirect(back)
        if request.method == "POST":
            self._close(request, [transfer.pk], close, done)
            return HttpResponseRedirect(back)
        context = admin_context(
            self,
            request,
            question % {"number": transfer.pk},
            object=transfer,
            button=button,
            back_url=back,
            explanation=_("From %(origin)s to %(destination)s.")
            % {
                "origin": transfer.origin.name,
                "destination": transfer.destination.name,
            },
        )
        return TemplateResponse(request, "backoffice/inventory/confirm.html", context)

    @action(description=gettext_lazy("Mark received"), url_path="receive", permissions=["close"], icon="inventory")
    def receive_one(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._confirm(
            request,
            object_id,
            close=receive_transfer,
            question=_("Mark transfer #%(number)d as received?"),
            button=_("Received: count the units at the destination"),
            done=_received,
        )

    @action(description=gettext_lazy("Cancel"), url_path="cancel", permissions=["close"], icon="undo")
    def cancel_one(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._confirm(
            request,
            object_id,
            close=cancel_transfer,
            question=_("Cancel transfer #%(number)d?"),
            button=_("Cancel: the units count at the origin again"),
            done=_cancelled,
        )

    @action(
        description=gettext_lazy("Stock history"),
        url_path="history",
        permissions=["view_history"],
        icon="history",
    )
    def history(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return HttpResponseRedirect(history_url(reference=f"transfer-{int(object_id)}"))
