"""Invoices in the back office: the legal entities that issue them (with the sales channels each serves), and
the invoices and credit notes, read-only, each with its PDF.

Documents are written by comptoir.orders.invoices only, numbered and frozen when issued: nobody edits or
deletes one here. "Issue missing invoices" calls `issue_missing_invoices` for orders paid while no legal
entity was configured.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_cache_control
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import RelatedDropdownFilter
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminCheckboxSelectMultipleWidget

from comptoir.backoffice.inventory_views import admin_context
from comptoir.core.errors import DomainError
from comptoir.core.money import Money
from comptoir.inventory.admin import DayRangeFilter
from comptoir.orders.invoices import get_invoice, issue_missing_invoices
from comptoir.orders.models import Invoice, InvoiceKind, LegalEntity
from comptoir.orders.pdf import pdf_filename, render_invoice_pdf

KIND_LABELS = {InvoiceKind.INVOICE: "info", InvoiceKind.CREDIT_NOTE: "warning"}


class LegalEntityForm(forms.ModelForm):
    class Meta:
        model = LegalEntity
        fields = [
            "name",
            "address",
            "vat_number",
            "registration",
            "legal_mentions",
            "invoice_prefix",
            "credit_note_prefix",
            "is_default",
            "channels",
        ]

    def clean(self):
        cleaned = super().clean()
        others = LegalEntity.objects.exclude(pk=self.instance.pk) if self.instance.pk else LegalEntity.objects.all()
        if cleaned.get("is_default") and (default := others.filter(is_default=True).first()):
            self.add_error(
                "is_default",
                _("%(name)s is already the default legal entity: only one can be.") % {"name": default.name},
            )
        channels = list(cleaned.get("channels") or [])
        if channels:
            taken = sorted(
                {
                    f"{channel} ({entity})"
                    for entity in others.filter(channels__in=channels).prefetch_related("channels").distinct()
                    for channel in entity.channels.all()
                    if channel in channels
                }
            )
            if taken:
                self.add_error(
                    "channels",
                    _("Each channel is invoiced by one legal entity; already assigned: %(channels)s.")
                    % {"channels": ", ".join(taken)},
                )
        invoice_prefix, credit_prefix = cleaned.get("invoice_prefix"), cleaned.get("credit_note_prefix")
        if invoice_prefix is not None and invoice_prefix == credit_prefix:
            self.add_error(
                "credit_note_prefix", _("Invoices and credit notes need different prefixes, so numbers never clash.")
            )
        return cleaned


@admin.register(LegalEntity)
class LegalEntityAdmin(ModelAdmin):
    form = LegalEntityForm
    list_display = ["name", "vat_number", "invoice_prefix", "credit_note_prefix", "is_default", "serves"]
    search_fields = ["name", "vat_number", "registration"]
    fieldsets = [
        (None, {"fields": ["name", "address", "vat_number", "registration"]}),
        (
            gettext_lazy("Invoices"),
            {
                "fields": ["legal_mentions", ("invoice_prefix", "credit_note_prefix")],
                "description": gettext_lazy(
                    "Printed on every invoice and credit note. Each document keeps what it said when it was "
                    "issued: changes here apply to the next ones only."
                ),
            },
        ),
        (
            gettext_lazy("Sales channels"),
            {
                "fields": ["is_default", "channels"],
                "description": gettext_lazy(
                    "The entity that invoices each channel's orders; the default one invoices the channels no "
                    "entity is assigned."
                ),
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("channels")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "channels":
            kwargs["widget"] = UnfoldAdminCheckboxSelectMultipleWidget
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # An entity that issued documents is kept (PROTECT): the law keeps its invoices for years.
        if obj is not None and obj.invoices.exists():
            return False
        return super().has_delete_permission(request, obj)

    @display(description=gettext_lazy("Sales channels"))
    def serves(self, obj: LegalEntity) -> str:
        names = ", ".join(channel.name for channel in obj.channels.all())
        return names or (_("All others") if obj.is_default else "-")


@admin.register(Invoice)
class InvoiceAdmin(ModelAdmin):
    list_display = ["number", "kind_label", "order_link", "legal_entity", "amount", "issued_at", "pdf_link"]
    list_select_related = ["order", "legal_entity"]
    # A day range computed in Python, not date_hierarchy: MariaDB without its time-zone tables fails the latter.
    list_filter = ["kind", ("legal_entity", RelatedDropdownFilter), ("issued_at", DayRangeFilter)]
    list_filter_submit = True
    search_fields = ["number", "order__number", "order__email", "source"]
    search_help_text = gettext_lazy("Number, order number, buyer e-mail or source")
    fields = ["number", "kind", "legal_entity", "order_link", "source", "amount", "tax", "issued_at", "pdf_link"]
    readonly_fields = fields
    actions_row = ["download_pdf"]
    actions_detail = ["download_pdf"]
    actions_list = ["issue_missing"]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).defer("content")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_issue_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm("orders.add_invoice") or request.user.has_perm("orders.change_order")

    @display(description=gettext_lazy("Kind"), ordering="kind", label=KIND_LABELS)
    def kind_label(self, obj: Invoice) -> tuple[str, str]:
        return obj.kind, obj.get_kind_display()

    @display(description=gettext_lazy("Order"), ordering="order__number")
    def order_link(self, obj: Invoice) -> str:
        try:
            url = reverse("admin:orders_order_change", args=[obj.order_id])
        except NoReverseMatch:  # the order admin is not registered
            return str(obj.order)
        return format_html('<a href="{}">{}</a>', url, obj.order)

    @display(description=gettext_lazy("Total"), ordering="total")
    def amount(self, obj: Invoice) -> str:
        return Money(obj.total, obj.currency).format(_language())

    @display(description=gettext_lazy("Tax"))
    def tax(self, obj: Invoice) -> str:
        return Money(obj.tax_total, obj.currency).format(_language())

    @display(description=gettext_lazy("PDF"))
    def pdf_link(self, obj: Invoice) -> str:
        url = reverse("admin:orders_invoice_download_pdf", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download PDF"))

    @action(description=gettext_lazy("Download PDF"), url_path="pdf", icon="download", permissions=["view"])
    def download_pdf(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not str(object_id).isdigit():
            raise Http404
        try:
            invoice = get_invoice(invoice_id=int(object_id))
        except DomainError as exc:
            raise Http404(exc.detail) from exc
        response = HttpResponse(render_invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=pdf_filename(invoice))
        patch_cache_control(response, private=True, no_store=True)
        return response

    @action(
        description=gettext_lazy("Issue missing invoices"),
        url_path="issue-missing",
        icon="receipt_long",
        permissions=["issue"],
    )
    def issue_missing(self, request: HttpRequest) -> HttpResponse:
        """GET asks, POST issues: numbering is final, a link must never take numbers."""
        back = reverse("admin:orders_invoice_changelist")
        if request.method == "POST":
            try:
                issued = issue_missing_invoices()
            except DomainError as exc:
                self.message_user(request, exc.detail, messages.ERROR)
            else:
                message = ngettext("%(count)d invoice issued.", "%(count)d invoices issued.", issued) % {
                    "count": issued
                }
                self.message_user(request, message, messages.SUCCESS)
            return HttpResponseRedirect(back)
        context = admin_context(
            self,
            request,
            _("Issue the invoices of paid orders that have none?"),
            button=_("Issue missing invoices"),
            back_url=back,
            explanation=_(
                "Orders paid while no legal entity was configured have no invoice yet. Each gets the next "
                "number of its legal entity, dated today."
            ),
        )
        return TemplateResponse(request, "backoffice/inventory/confirm.html", context)


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0]
