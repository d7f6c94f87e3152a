"""The back office for B2B taxes: exemption certificates to review, customers' company details, and the tax
report (collected tax by period, country and rate, for VAT and OSS returns).

Approving or rejecting a certificate needs the `taxes.review_taxexemptioncertificate` permission: staff who
may edit certificates are not necessarily those who may decide that a customer pays no tax.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from comptoir.backoffice.inventory_views import admin_context
from comptoir.core.errors import DomainError
from comptoir.taxes.exemption_models import (
    CertificateStatus,
    CustomerTaxProfile,
    TaxExemptionCertificate,
    TaxReport,
)
from comptoir.taxes.exemptions import (
    InvalidCertificateError,
    approve_certificate,
    check_certificate_file,
    clean_regions,
    reject_certificate,
)

STATUS_LABELS = {
    CertificateStatus.PENDING: "warning",
    CertificateStatus.APPROVED: "success",
    CertificateStatus.REJECTED: "danger",
}


class CertificateForm(forms.ModelForm):
    regions_text = forms.CharField(
        label=gettext_lazy("Regions covered"),
        help_text=gettext_lazy('Countries ("FR") and states ("US-CA"), separated by commas.'),
    )

    class Meta:
        model = TaxExemptionCertificate
        fields = ["user", "email", "company_name", "tax_id", "number", "valid_from", "valid_until", "document"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["regions_text"].initial = ", ".join(self.instance.regions or [])

    def clean_regions_text(self):
        try:
            return clean_regions(self.cleaned_data["regions_text"])
        except InvalidCertificateError as error:
            raise forms.ValidationError(error.detail) from error

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if document and hasattr(document, "content_type"):  # a new upload, not the stored file
            try:
                content_type, _extension = check_certificate_file(document)
            except InvalidCertificateError as error:
                raise forms.ValidationError(error.detail) from error
            self.instance.document_type = content_type
        return document

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("user") and not cleaned.get("email"):
            self.add_error("email", _("Link the certificate to a customer account or an e-mail address."))
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The end date must come after the start date."))
        return cleaned

    def save(self, commit=True):
        self.instance.regions = self.cleaned_data["regions_text"]
        return super().save(commit)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason given to the customer"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )


@admin.register(TaxExemptionCertificate)
class TaxExemptionCertificateAdmin(ModelAdmin):
    form = CertificateForm
    list_display = ["number", "holder", "regions_list", "valid_from", "valid_until", "status_label", "reviewed_by"]
    list_select_related = ["user", "reviewed_by"]
    list_filter = ["status"]
    search_fields = ["number", "company_name", "tax_id", "email", "user__email"]
    search_help_text = gettext_lazy("Certificate number, company, tax id or e-mail")
    autocomplete_fields = ["user"]
    readonly_fields = ["status", "reviewed_by", "reviewed_at", "rejection_reason", "document_link", "created_at"]
    fieldsets = [
        (None, {"fields": ["user", "email", "company_name", "tax_id"]}),
        (
            gettext_lazy("Certificate"),
            {"fields": ["number", "regions_text", ("valid_from", "valid_until"), "document", "document_link"]},
        ),
        (
            gettext_lazy("Review"),
            {"fields": ["status", "reviewed_by", "reviewed_at", "rejection_reason", "notes", "created_at"]},
        ),
    ]
    actions = ["approve_selected"]
    actions_detail = ["approve_one", "reject_one", "download_document"]

    def has_review_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm("taxes.review_taxexemptioncertificate")

    def save_model(self, request, obj, form, change):
        # Editing what a certificate says sends it back for review: approval covered the old wording.
        if change and obj.status == CertificateStatus.APPROVED and form.changed_data and form.changed_data != ["notes"]:
            obj.status, obj.reviewed_by, obj.reviewed_at = CertificateStatus.PENDING, None, None
            messages.warning(request, _("The certificate changed: it waits for a new review."))
        super().save_model(request, obj, form, change)

    @display(description=gettext_lazy("Holder"))
    def holder(self, obj: TaxExemptionCertificate) -> str:
        who = obj.user.email if obj.user else obj.email
        return f"{obj.company_name} ({who})" if obj.company_name else who

    @display(description=gettext_lazy("Regions"))
    def regions_list(self, obj: TaxExemptionCertificate) -> str:
        return ", ".join(obj.regions or [])

    @display(description=gettext_lazy("Status"), ordering="status", label=STATUS_LABELS)
    def status_label(self, obj: TaxExemptionCertificate) -> tuple[str, str]:
        return obj.status, obj.get_status_display()

    @display(description=gettext_lazy("Document"))
    def document_link(self, obj: TaxExemptionCertificate) -> str:
        if not obj.pk or not obj.document:
            return "-"
        url = reverse("admin:taxes_taxexemptioncertificate_download_document", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open the certificate"))

    @admin.action(description=gettext_lazy("Approve the selected certificates"), permissions=["review"])
    def approve_selected(self, request: HttpRequest, queryset) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        for certificate_id in ids:
            approve_certificate(certificate_id=certificate_id, reviewer_id=request.user.pk)
        message = ngettext("%(count)d certificate approved.", "%(count)d certificates approved.", len(ids))
        self.message_user(request, message % {"count": len(ids)}, messages.SUCCESS)

    def _object_id(self, object_id: str) -> int:
        if not str(object_id).isdigit():
            raise Http404
        return int(object_id)

    @action(description=gettext_lazy("Approve"), url_path="approve", icon="check", permissions=["review"])
    def approve_one(self, request: HttpRequest, object_id: str) -> HttpResponse:
        back = reverse("admin:taxes_taxexemptioncertificate_change", args=[object_id])
        certificate_id = self._object_id(object_id)
        if request.method == "POST":
            try:
                approve_certificate(certificate_id=certificate_id, reviewer_id=request.user.pk)
            except DomainError as error:
                self.message_user(request, error.detail, messages.ERROR)
            else:
                self.message_user(request, _("Certificate approved: it applies at checkout."), messages.SUCCESS)
            return HttpResponseRedirect(back)
        context = admin_context(
            self,
            request,
            _("Approve this exemption certificate?"),
            button=_("Approve"),
            back_url=back,
            explanation=_(
                "The customer's orders delivered to the regions it covers will be sold without tax, within its "
                "dates. Check the document first."
            ),
        )
        return TemplateResponse(request, "backoffice/inventory/confirm.html", context)

    @action(description=gettext_lazy("Reject"), url_path="reject", icon="block", permissions=["review"])
    def reject_one(self, request: HttpRequest, object_id: str) -> HttpResponse:
        back = reverse("admin:taxes_taxexemptioncertificate_change", args=[object_id])
        certificate_id = self._object_id(object_id)
        form = RejectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                reject_certificate(
                    certificate_id=certificate_id, reviewer_id=request.user.pk, reason=form.cleaned_data["reason"]
                )
            except DomainError as error:
                form.add_error("reason", error.detail)
            else:
                self.message_user(request, _("Certificate rejected; the customer sees why."), messages.SUCCESS)
                return HttpResponseRedirect(back)
        context = admin_context(self, request, _("Reject this exemption certificate"), form=form, back_url=back)
        return TemplateResponse(request, "taxes/admin/reject.html", context, status=422 if form.errors else 200)

    @action(
        description=gettext_lazy("Open the certificate"), url_path="document", icon="download", permissions=["view"]
    )
    def download_document(self, request: HttpRequest, object_id: str) -> HttpResponse:
        certificate = TaxExemptionCertificate.objects.filter(pk=self._object_id(object_id)).first()
        if certificate is None or not certificate.document:
            raise Http404
        if not self.has_view_permission(request, certificate):
            raise PermissionDenied
        response = FileResponse(
            certificate.document.open("rb"),
            content_type=certificate.document_type or "application/octet-stream",
            as_attachment=True,
            filename=f"exemption-{certificate.pk}.{certificate.document.name.rsplit('.', 1)[-1]}",
        )
        patch_cache_control(response, private=True, no_store=True)
        return response


@admin.register(CustomerTaxProfile)
class CustomerTaxProfileAdmin(ModelAdmin):
    list_display = ["user", "company_name", "vat_number", "updated_at"]
    search_fields = ["user__email", "company_name", "vat_number"]
    autocomplete_fields = ["user"]


# --- The tax report -------------------------------------------------------------------------------------


class ReportForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}))
    group = forms.ChoiceField(
        label=gettext_lazy("Group by"),
        choices=[("month", gettext_lazy("Month")), ("quarter", gettext_lazy("Quarter"))],
        initial="quarter",
    )
    channel = forms.ModelChoiceField(
        label=gettext_lazy("Sales channel"), queryset=None, required=False, empty_label=gettext_lazy("All channels")
    )
    scheme = forms.ChoiceField(
        label=gettext_lazy("Show"),
        choices=[
            ("all", gettext_lazy("Every sale")),
            ("oss", gettext_lazy("OSS return: consumer sales to other EU member states")),
        ],
        initial="all",
    )

    def __init__(self, *args, **kwargs):
        from comptoir.core.models import Channel

        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = Channel.objects.order_by("name")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            from comptoir.taxes.reports import InvalidReportPeriodError, parse_period

            try:
                parse_period(start, end, cleaned.get("group") or "month")
            except InvalidReportPeriodError as error:
                raise forms.ValidationError(error.detail) from error
        return cleaned


@admin.register(TaxReport)
class TaxReportAdmin(ModelAdmin):
    """Taxes > Tax report: the page itself replaces the change list (there is nothing to edit)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        from django.utils import timezone

        from comptoir.taxes.reports import home_country, oss_rows, tax_report, to_csv, to_xlsx

        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
        form = ReportForm(request.GET or None, initial={"start": quarter_start, "end": today})
        rows, report = [], None
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            channel = data.get("channel")
            report = tax_report(
                start=data["start"], end=data["end"], grouping=data["group"], channel_id=channel.pk if channel else None
            )
            rows = report.rows
            if data["scheme"] == "oss":
                rows = oss_rows(report, home_country=home_country())
            export = request.GET.get("export")
            name = f"tax-report-{data['start']}-{data['end']}{'-oss' if data['scheme'] == 'oss' else ''}"
            if export == "csv":
                response = HttpResponse(to_csv(rows), content_type="text/csv; charset=utf-8")
                response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
                patch_cache_control(response, private=True, no_store=True)
                return response
            if export == "xlsx":
                response = HttpResponse(
                    to_xlsx(rows),
                    content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
                response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
                patch_cache_control(response, private=True, no_store=True)
                return response
        totals: dict[str, list] = {}
        for row in rows:
            entry = totals.setdefault(row.currency, [0, 0])
            entry[0] += row.taxable
            entry[1] += row.tax
        context = admin_context(
            self,
            request,
            _("Tax report"),
            form=form,
            rows=rows,
            report=report,
            totals=sorted(totals.items()),
            query=request.GET.urlencode(),
        )
        status = 422 if form.is_bound and form.errors else 200
        return TemplateResponse(request, "taxes/admin/report.html", context, status=status)
