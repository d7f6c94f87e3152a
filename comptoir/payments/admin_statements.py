"""Offline payments in the back office: each channel's settings, bank statement imports (upload a CSV or
CAMT.053 file) and the statement lines to check, with what staff may decide about each.

Thin: the upload calls `import_bank_statement`, each decision one service of comptoir/payments/
offline_services.py or comptoir/orders/services/offline.py; a refusal becomes an error message.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from comptoir.core.errors import DomainError
from comptoir.core.money import Money
from comptoir.payments import offline_services
from comptoir.payments.statement_models import (
    BankStatement,
    LineStatus,
    OfflineMethodSettings,
    StatementFormat,
    StatementLine,
)
from comptoir.payments.statements import MAX_BYTES

LINE_LABELS = {
    LineStatus.MATCHED: "success",
    LineStatus.PARTIAL: "warning",
    LineStatus.OVER: "warning",
    LineStatus.UNMATCHED: "danger",
    LineStatus.PARTIAL_RECORDED: "info",
    LineStatus.REFUNDED: "info",
    LineStatus.DISMISSED: "info",
}


class OfflineSettingsForm(forms.ModelForm):
    class Meta:
        model = OfflineMethodSettings
        fields = [
            "channel",
            "bank_transfer_enabled",
            "account_holder",
            "iban",
            "bic",
            "bank_name",
            "transfer_deadline_days",
            "cod_enabled",
            "cod_fee",
            "cod_max_amount",
            "in_store_enabled",
        ]

    def clean_iban(self) -> str:
        value = self.cleaned_data.get("iban", "")
        if not value:
            return ""
        try:
            return stdnum_iban.validate(value)
        except Exception as exc:  # stdnum raises ValidationError subclasses of ValueError
            raise forms.ValidationError(_("This IBAN is not valid.")) from exc

    def clean_bic(self) -> str:
        value = self.cleaned_data.get("bic", "")
        if not value:
            return ""
        try:
            return stdnum_bic.validate(value)
        except Exception as exc:
            raise forms.ValidationError(_("This BIC is not valid.")) from exc

    def clean(self):
        data = super().clean()
        if data.get("bank_transfer_enabled") and not data.get("iban"):
            self.add_error("iban", _("Bank transfer needs the IBAN buyers transfer to."))
        return data


@admin.register(OfflineMethodSettings)
class OfflineMethodSettingsAdmin(ModelAdmin):
    form = OfflineSettingsForm
    list_display = ["channel", "bank_transfer_enabled", "cod_enabled", "in_store_enabled"]
    fieldsets = [
        (None, {"fields": ["channel"]}),
        (
            _("Bank transfer"),
            {
                "fields": [
                    "bank_transfer_enabled",
                    "account_holder",
                    "iban",
                    "bic",
                    "bank_name",
                    "transfer_deadline_days",
                ]
            },
        ),
        (_("Cash on delivery"), {"fields": ["cod_enabled", "cod_fee", "cod_max_amount"]}),
        (_("Payment in store"), {"fields": ["in_store_enabled"]}),
    ]


class StatementUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Bank statement"), help_text=_("A CSV export of your account or a CAMT.053 XML file.")
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("", _("Recognise it")), *StatementFormat.choices],
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


@admin.register(BankStatement)
class BankStatementAdmin(ModelAdmin):
    list_display = ["filename", "format", "imported_at", "imported_by", "summary_text"]
    fields = ["filename", "format", "imported_at", "imported_by", "summary_text"]
    readonly_fields = fields

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @display(description=_("Lines"))
    def summary_text(self, obj: BankStatement) -> str:
        return _summary_text(obj.summary or {})

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None) -> HttpResponse:
        """The upload: the file is read, its credits stored once and matched, in one transaction."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = StatementUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                summary = offline_services.import_bank_statement(
                    raw=upload.read(),
                    filename=upload.name,
                    format=form.cleaned_data["format"],
                    user_id=request.user.pk,
                )
            except DomainError as exc:
                form.add_error("file", exc.detail)
            else:
                self.message_user(request, _summary_text(summary.as_dict()), messages.SUCCESS)
                target = reverse("admin:payments_statementline_changelist")
                if summary.flagged:
                    target += "?status__in=partial,over,unmatched"
                return HttpResponseRedirect(target)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import a bank statement"),
            "form": form,
            "lines_url": reverse("admin:payments_statementline_changelist"),
        }
        return TemplateResponse(
            request, "admin/payments/import_statement.html", context, status=422 if form.errors else 200
        )


def _summary_text(summary: dict) -> str:
    return _t(
        "%(lines)s new lines: %(matched)s matched, %(partial)s partial, %(over)s over-paid, %(unmatched)s unmatched; "
        "%(duplicates)s already imported, %(debits)s debits skipped."
    ) % {
        key: summary.get(key, 0) for key in ("lines", "matched", "partial", "over", "unmatched", "duplicates", "debits")
    }


class MatchForm(forms.Form):
    order_number = forms.CharField(label=_("Order number"), max_length=40)


class ToCheckFilter(admin.SimpleListFilter):
    title = _("to check")
    parameter_name = "check"

    def lookups(self, request, model_admin):
        return [("yes", _("Lines to check"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(status__in=[LineStatus.PARTIAL, LineStatus.OVER, LineStatus.UNMATCHED])
        return queryset


@admin.register(StatementLine)
class StatementLineAdmin(ModelAdmin):
    """The bank's credits, newest first; those to check are flagged. Staff decide with the actions: record a
    part payment (the order keeps waiting for the rest), mark an over-payment's excess refunded, match a
    line to an order by its number, or dismiss a credit that is no order's payment."""

    list_display = ["booked_on", "amount_text", "remittance", "counterparty", "status_label", "order", "note"]
    list_filter = [ToCheckFilter, "status", "currency"]
    search_fields = ["remittance", "counterparty", "order_ref", "entry_id"]
    search_help_text = _("Reference text, payer, order number or bank entry id")
    fields = [
        "statement",
        "entry_id",
        "booked_on",
        "amount_text",
        "remittance",
        "counterparty",
        "status",
        "order",
        "payment_reference",
        "applied_amount",
        "excess_amount",
        "note",
        "resolved_by",
        "resolved_at",
    ]
    readonly_fields = fields
    actions = ["record_partial", "excess_refunded", "dismiss"]
    actions_detail = ["match_to_order"]
    actions_list = ["import_statement"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @display(description=_("Amount"), ordering="amount")
    def amount_text(self, obj: StatementLine) -> str:
        return str(Money(obj.amount, obj.currency).quantize())

    @display(description=_("Status"), ordering="status", label=LINE_LABELS)
    def status_label(self, obj: StatementLine) -> tuple[str, str]:
        return obj.status, obj.get_status_display()

    @display(description=_("Order"), ordering="order_ref")
    def order(self, obj: StatementLine) -> str:
        if not obj.order_ref:
            return "-"
        try:
            url = reverse("admin:orders_order_by_number", args=[obj.order_ref])
        except NoReverseMatch:
            return obj.order_ref
        return format_html('<a class="text-primary-600" href="{}">{}</a>', url, obj.order_ref)

    def _each(self, request: HttpRequest, queryset, call, done: str) -> None:
        ok = 0
        for line_id in list(queryset.order_by("pk").values_list("pk", flat=True)):
            try:
                call(line_id)
                ok += 1
            except DomainError as exc:
                self.message_user(request, f"#{line_id}: {exc.detail}", messages.ERROR)
        if ok:
            self.message_user(request, done % {"n": ok}, messages.SUCCESS)

    @action(description=_("Record as part payment (the order keeps waiting for the rest)"), permissions=["change"])
    def record_partial(self, request: HttpRequest, queryset) -> None:
        self._each(
            request,
            queryset,
            lambda pk: offline_services.record_partial_payment(line_id=pk, user_id=request.user.pk),
            _t("%(n)s part payments recorded."),
        )

    @action(description=_("Excess refunded to the payer"), permissions=["change"])
    def excess_refunded(self, request: HttpRequest, queryset) -> None:
        self._each(
            request,
            queryset,
            lambda pk: offline_services.mark_excess_refunded(line_id=pk, user_id=request.user.pk),
            _t("%(n)s over-payments marked refunded."),
        )

    @action(description=_("Dismiss: not a payment for an order"), permissions=["change"])
    def dismiss(self, request: HttpRequest, queryset) -> None:
        self._each(
            request,
            queryset,
            lambda pk: offline_services.dismiss_line(line_id=pk, user_id=request.user.pk),
            _t("%(n)s lines dismissed."),
        )

    @action(description=_("Import a bank statement"), url_path="import", icon="upload_file", permissions=["view"])
    def import_statement(self, request: HttpRequest) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:payments_bankstatement_add"))

    @action(description=_("Match to an order"), url_path="match", permissions=["change"])
    def match_to_order(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:payments_statementline_match_order", args=[object_id]))

    def get_urls(self):
        return [
            path(
                "<int:object_id>/match-order/",
                self.admin_site.admin_view(self.match_view),
                name="payments_statementline_match_order",
            ),
            *super().get_urls(),
        ]

    def match_view(self, request: HttpRequest, object_id) -> HttpResponse:
        from comptoir.orders.services.offline import match_statement_line

        if not self.has_change_permission(request):
            raise PermissionDenied
        line = StatementLine.objects.filter(pk=int(object_id)).first() if str(object_id).isdigit() else None
        if line is None:
            raise Http404(_("No such statement line."))
        form = MatchForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                line = match_statement_line(
                    line_id=line.pk, order_number=form.cleaned_data["order_number"], actor_id=request.user.pk
                )
            except DomainError as exc:
                form.add_error("order_number", exc.detail)
            else:
                self.message_user(
                    request,
                    _t("Line matched to order %(number)s: %(status)s.")
                    % {"number": line.order_ref, "status": line.get_status_display()},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:payments_statementline_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _t("Match a bank credit to an order"),
            "form": form,
            "line": line,
            "lines_url": reverse("admin:payments_statementline_changelist"),
        }
        return TemplateResponse(request, "admin/payments/match_line.html", context, status=422 if form.errors else 200)
