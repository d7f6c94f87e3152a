"""The stock screens of the back office: adjust one variant at one location, receive a delivery, import a
stock count, and the low-stock report.

Each view parses the form, calls one inventory service with the staff member's name as the actor, and
shows the service's refusal (promised units, unknown stock, bad quantities) on the form: a refused
change writes nothing. Views are reached through `StockLevelAdmin` (comptoir/inventory/admin.py), which
wraps them in the admin's login and permission checks.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from comptoir.backoffice.inventory_forms import (
    ADJUST_FORMS,
    LocationSwitchForm,
    LowStockFilterForm,
    ReceiptForm,
    StockCountImportForm,
)
from comptoir.backoffice.inventory_reports import (
    LevelRow,
    VariantAtLocations,
    count_sheet_csv,
    low_stock_levels,
    low_stock_levels_csv,
    low_stock_totals,
    low_stock_totals_csv,
    variant_stock,
)
from comptoir.catalog.models import Variant
from comptoir.core.errors import DomainError
from comptoir.inventory import services
from comptoir.inventory.imports import REQUIRED, import_stock_counts
from comptoir.inventory.models import Location

CHANGE_STOCK = "inventory.change_stocklevel"
VIEW_STOCK = "inventory.view_stocklevel"
VIEW_HISTORY = "inventory.view_stockmovement"
REPORT_PAGE_SIZE = 100


class StockPermissions:
    """Admin mixin naming the stock rights for unfold's action `permissions=[...]`.

    Actions name these methods ("change_stock", "view_history") rather than dotted Django permissions:
    unfold's system check looks dotted ones up in the database, which fails before the first migrate.
    """

    def has_change_stock_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm(CHANGE_STOCK)

    def has_view_history_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm(VIEW_HISTORY)


def may_see_stock(user) -> bool:
    """As everywhere in the admin, the right to change stock includes the right to look at it."""
    return user.has_perm(VIEW_STOCK) or user.has_perm(CHANGE_STOCK)


def require(request: HttpRequest, permission: str) -> None:
    allowed = may_see_stock(request.user) if permission == VIEW_STOCK else request.user.has_perm(permission)
    if not allowed:
        raise PermissionDenied


def admin_context(model_admin, request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        **extra,
    }


def history_url(**params: Any) -> str:
    """The stock ledger filtered by `level`, `product` or another filter of StockMovementAdmin."""
    return f"{reverse('admin:inventory_stockmovement_changelist')}?{urlencode(params)}"


def adjust_url(*, variant_id: int, location_id: int | None = None) -> str:
    url = reverse("admin:inventory_stocklevel_adjust_variant", args=[variant_id])
    return f"{url}?{urlencode({'location': location_id})}" if location_id else url


def csv_download(lines, *, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


# --- adjust one variant at one location ---------------------------------------------------------------


def _chosen_location(request: HttpRequest, info: VariantAtLocations, locations: list[Location]) -> Location | None:
    """The location asked for, else the first (by priority) holding this variant, else the first active one."""
    by_id = {location.pk: location for location in locations}
    raw = request.POST.get("location") or request.GET.get("location") or ""
    if raw.isdigit() and int(raw) in by_id:
        return by_id[int(raw)]
    if info.stock.levels:
        return by_id[info.stock.levels[0].location_id]
    return next((location for location in locations if location.is_active), None)


def _apply(action: str, form, *, variant_id: int, location: Location, actor: str) -> str:
    """Call the service for `action`; returns the success message. Raises the service's DomainError."""
    data = form.cleaned_data
    where = {"location_id": location.pk, "variant_id": variant_id}
    names = {"place": location.name}
    if action == "receive":
        level = services.receive_stock(
            **where, quantity=data["quantity"], reference=data["reference"], note=data["note"], actor=actor
        )
        return _("%(count)d received at %(place)s: %(on_hand)d on hand.") % {
            **names,
            "count": data["quantity"],
            "on_hand": level.on_hand,
        }
    if action == "count":
        level = services.count_stock(**where, counted=data["counted"], note=data["note"], actor=actor)
        return _("Count saved at %(place)s: %(on_hand)d on hand.") % {**names, "on_hand": level.on_hand}
    if action == "write_off":
        reason, note = form.movement()
        level = services.remove_stock(**where, quantity=data["quantity"], reason=reason, note=note, actor=actor)
        return _("%(count)d removed at %(place)s: %(on_hand)d on hand.") % {
            **names,
            "count": data["quantity"],
            "on_hand": level.on_hand,
        }
    if action == "backorder":
        services.set_backorder_limit(**where, limit=data["limit"], actor=actor)
        return _("Backorder allowance at %(place)s: %(limit)d.") % {**names, "limit": data["limit"]}
    policy = services.set_stock_policy(
        variant_id=variant_id,
        oversell=data["oversell"],
        expected_on=data["expected_on"],
        low_stock_threshold=data["low_stock_threshold"],
    )
    return _("Selling when sold out: %(mode)s.") % {"mode": policy.get_oversell_display()}


def adjust_view(model_admin, request: HttpRequest, *, variant_id: int) -> HttpResponse:
    """One variant at one location: its counters, and a form per change (receipt, count, write-off,
    backorder allowance) plus the variant's selling policy. Each form posts on its own."""
    require(request, CHANGE_STOCK)
    info = variant_stock(variant_id=variant_id)
    if info is None:
        raise Http404("No such variant.")
    locations = list(Location.objects.order_by("priority", "pk"))
    location = _chosen_location(request, info, locations)
    level = None
    if location is not None:
        level = next((row for row in info.stock.levels if row.location_id == location.pk), None) or LevelRow(
            None, location.pk, location.name, location.is_active
        )
    initial = {
        "backorder": {"limit": level.backorder_limit if level else 0},
        "policy": {
            "oversell": info.stock.oversell,
            "expected_on": info.stock.expected_on,
            "low_stock_threshold": info.stock.low_stock_threshold,
        },
    }
    forms = {name: form(prefix=name, initial=initial.get(name)) for name, form in ADJUST_FORMS.items()}
    action = request.POST.get("action", "")
    if request.method == "POST" and location is not None and action in ADJUST_FORMS:
        form = forms[action] = ADJUST_FORMS[action](request.POST, prefix=action)
        if form.is_valid():
            try:
                message = _apply(
                    action, form, variant_id=variant_id, location=location, actor=request.user.get_username()
                )
            except DomainError as exc:
                form.add_error(None, exc.detail)
            else:
                model_admin.message_user(request, message, messages.SUCCESS)
                return HttpResponseRedirect(adjust_url(variant_id=variant_id, location_id=location.pk))
    title = _("Adjust stock: %(sku)s") % {"sku": info.stock.sku}
    context = admin_context(
        model_admin,
        request,
        title,
        info=info,
        variant=info.stock,
        level=level,
        location=location,
        switch=LocationSwitchForm(initial={"location": location.pk if location else None}, locations=locations),
        forms=forms,
        policy_form=forms["policy"],
        history_url=history_url(level=level.level_id) if level and level.level_id else None,
        product_history_url=history_url(product=info.product_id),
        may_see_history=request.user.has_perm(VIEW_HISTORY),
    )
    return TemplateResponse(request, "backoffice/inventory/adjust.html", context)


# --- a delivery of many SKUs -----------------------------------------------------------------------------


def _receipt_sheet(product_id: str) -> str:
    """Every SKU of a product with 0 units, for the merchant to fill in (0 lines are skipped)."""
    if not product_id.isdigit():
        return ""
    skus = Variant.objects.filter(product_id=int(product_id)).order_by("position", "pk").values_list("sku", flat=True)
    return "\n".join(f"{sku}\t0" for sku in skus)


def receive_view(model_admin, request: HttpRequest) -> HttpResponse:
    """Goods received: one delivery, many SKUs, all booked together or none (`receive_goods`)."""
    require(request, CHANGE_STOCK)
    form = ReceiptForm(request.POST or None, initial={"lines": _receipt_sheet(request.GET.get("product", ""))})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.receive_goods(
                location_id=data["location"].pk,
                quantities=data["lines"],
                reference=data["reference"],
                note=data["note"],
                actor=request.user.get_username(),
            )
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            units = sum(data["lines"].values())
            message = ngettext(
                "%(units)d unit of %(skus)d SKU received at %(place)s.",
                "%(units)d units of %(skus)d SKU(s) received at %(place)s.",
                units,
            ) % {"units": units, "skus": len(data["lines"]), "place": data["location"].name}
            model_admin.message_user(request, message, messages.SUCCESS)
            return HttpResponseRedirect(
                history_url(reference=data["reference"])
                if data["reference"]
                else reverse("admin:inventory_stocklevel_changelist")
            )
    context = admin_context(model_admin, request, _("Receive goods"), form=form)
    return TemplateResponse(request, "backoffice/inventory/receive.html", context)


# --- stock-count import --------------------------------------------------------------------------------------


def import_counts_view(model_admin, request: HttpRequest) -> HttpResponse:
    """Upload a stock count; all or nothing, with the report of every bad row."""
    require(request, CHANGE_STOCK)
    form = StockCountImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = import_stock_counts(data=upload.read(), filename=upload.name, actor=request.user.get_username())
        if report.ok:
            message = ngettext(
                "%(changed)d stock level updated out of %(rows)d counted.",
                "%(changed)d stock levels updated out of %(rows)d counted.",
                report.changed,
            ) % {"changed": report.changed, "rows": report.rows}
            model_admin.message_user(request, message, messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:inventory_stocklevel_changelist"))
    context = admin_context(
        model_admin,
        request,
        _("Import a stock count"),
        form=form,
        report=report,
        columns=REQUIRED,
        locations=list(Location.objects.filter(is_active=True).order_by("priority", "pk")),
        template_url=reverse("admin:inventory_stocklevel_count_sheet"),
    )
    return TemplateResponse(request, "backoffice/inventory/import_counts.html", context)


def count_sheet_view(request: HttpRequest) -> StreamingHttpResponse:
    """The count sheet: every stock row with today's on hand, optionally for one location (`?location=<id>`)."""
    require(request, CHANGE_STOCK)
    raw = request.GET.get("location", "")
    return csv_download(count_sheet_csv(location_id=int(raw) if raw.isdigit() else None), name="stock-count")


# --- the low-stock report ------------------------------------------------------------------------------------


def low_stock_view(model_admin, request: HttpRequest) -> HttpResponse:
    """Rows at or below their threshold: per location (default) or per variant over all locations
    (`?view=variants`, the dashboard's count); `?export=csv` downloads the whole report."""
    require(request, VIEW_STOCK)
    by_variant = request.GET.get("view") == "variants"
    raw_location = request.GET.get("location", "")
    location_id = int(raw_location) if raw_location.isdigit() and not by_variant else None
    rows = low_stock_totals() if by_variant else low_stock_levels(location_id=location_id)
    if request.GET.get("export") == "csv":
        lines = low_stock_totals_csv(rows) if by_variant else low_stock_levels_csv(rows)
        return csv_download(lines, name="low-stock")
    page = Paginator(rows, REPORT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = {key: value for key, value in request.GET.items() if key in ("view", "location") and value}
    context = admin_context(
        model_admin,
        request,
        _("Low-stock report"),
        page=page,
        by_variant=by_variant,
        filters=LowStockFilterForm(
            initial={"view": "variants" if by_variant else "locations", "location": location_id or ""},
            locations=list(Location.objects.filter(is_active=True).order_by("priority", "pk")),
        ),
        csv_url=f"?{urlencode({**query, 'export': 'csv'})}",
        query=urlencode(query),
        may_adjust=request.user.has_perm(CHANGE_STOCK),
    )
    return TemplateResponse(request, "backoffice/inventory/low_stock.html", context)
