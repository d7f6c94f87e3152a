"""Import and export of the product sheet from the products screen (the work is in catalog.imports/exports)."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from unfold.widgets import UnfoldAdminFileFieldWidget, UnfoldBooleanSwitchWidget

from comptoir.catalog import product_sheet
from comptoir.catalog.exports import export_filename, export_products
from comptoir.catalog.imports import import_products
from comptoir.core.models import Channel
from comptoir.taxes.classes import TaxClass

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Product sheet"),
        help_text=_("A .csv or .xlsx file, one row per variant, as the export writes it."),
        widget=UnfoldAdminFileFieldWidget,
    )
    dry_run = forms.BooleanField(
        label=_("Check only"),
        required=False,
        help_text=_("Read and check the whole file and say what it would change, without saving anything."),
        widget=UnfoldBooleanSwitchWidget,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB: split it into several imports."))
        try:
            self.file_format = product_sheet.format_from_filename(upload.name)
        except product_sheet.UnreadableSheetError as exc:
            raise forms.ValidationError(str(exc.detail)) from exc
        return upload


def import_view(model_admin, request: HttpRequest) -> HttpResponse:
    """Upload a sheet; a full import redirects to the list with its summary, anything else shows the report."""
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = import_products(
                data=upload.read(), file_format=form.file_format, dry_run=form.cleaned_data["dry_run"]
            )
        except product_sheet.UnreadableSheetError as exc:
            form.add_error("file", str(exc.detail))
        else:
            if report.ok and not report.dry_run:
                model_admin.message_user(request, report.summary(), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:catalog_product_changelist"))
    channels = list(Channel.objects.order_by("position", "pk").values_list("slug", flat=True))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Import products"),
        "form": form,
        "report": report,
        "product_columns": product_sheet.PRODUCT_COLUMNS,
        "variant_columns": product_sheet.VARIANT_COLUMNS,
        "tax_classes": TaxClass.choices,
        "price_columns": [
            f"{prefix}{slug}"
            for slug in channels
            for prefix in (product_sheet.PRICE_PREFIX, product_sheet.COMPARE_AT_PREFIX)
        ],
    }
    return TemplateResponse(request, "backoffice/import_products.html", context)


def download(*, product_ids: Sequence[int] | None, file_format: str) -> HttpResponse:
    response = HttpResponse(
        export_products(file_format=file_format, product_ids=product_ids),
        content_type=product_sheet.FORMATS[file_format],
    )
    response["Content-Disposition"] = f'attachment; filename="{export_filename(file_format)}"'
    return response
