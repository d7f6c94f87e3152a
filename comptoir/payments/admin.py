"""Payments in the back office: every attempt to collect an order's amount, with its ledger of provider calls;
and the payment provider accounts of each channel.

Payments are read-only forms: they move only through the payment services, each call a ledger row. From a
payment's page staff may capture it (held for capture at fulfilment), void it (release the hold), ask the
provider again (reconcile one payment) or go to its order's refund page: a refund is made from the order,
which issues the credit note and never refunds more than was captured. A payment knows its order by number,
as the rest of the payments domain does; the link goes through the orders admin's "by number" address.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action, display

from comptoir.backoffice.inventory_views import admin_context
from comptoir.core.errors import DomainError
from comptoir.core.money import Money
from comptoir.inventory.admin import DayRangeFilter
from comptoir.payments import services
from comptoir.payments.accounts import SECRET_NAMES, decrypt_secrets, save_account
from comptoir.payments.gateways import GATEWAY_CLASSES
from comptoir.payments.models import Payment, PaymentStatus, PaymentTransaction, ProviderAccount

MANAGE_PAYMENTS = "payments.change_payment"

STATUS_LABELS = {
    PaymentStatus.PENDING: "warning",
    PaymentStatus.AUTHORIZED: "info",
    PaymentStatus.CAPTURED: "success",
    PaymentStatus.PARTIALLY_REFUNDED: "warning",
    PaymentStatus.REFUNDED: "danger",
    PaymentStatus.FAILED: "danger",
    PaymentStatus.CANCELLED: "danger",
}


def _money(amount, currency: str) -> str:
    return Money(amount, currency).quantize().format(to_locale(get_language() or "en"))


class TransactionInline(TabularInline):
    """The payment's ledger: one row per provider call or provider event, oldest first; never edited."""

    model = PaymentTransaction
    fields = ["created_at", "kind", "status", "provider_status", "amount_text", "moved", "provider_reference"]
    fields += ["provider_event_id", "message_text"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_title = False
    verbose_name = _("ledger entry")
    verbose_name_plural = _("ledger")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @display(description=_("Amount"))
    def amount_text(self, obj: PaymentTransaction) -> str:
        return _money(obj.amount, obj.currency)

    @display(description=_("Moved"))
    def moved(self, obj: PaymentTransaction) -> str:
        parts = []
        if obj.captured_delta:
            parts.append(str(_("captured +%(amount)s")) % {"amount": _money(obj.captured_delta, obj.currency)})
        if obj.refunded_delta:
            parts.append(str(_("refunded +%(amount)s")) % {"amount": _money(obj.refunded_delta, obj.currency)})
        return ", ".join(parts) or "-"

    @display(description=_("Message"))
    def message_text(self, obj: PaymentTransaction) -> str:
        return " ".join(part for part in (obj.error_code, obj.message) if part) or "-"


@admin.register(Payment)
class PaymentAdmin(ModelAdmin):
    list_display = ["reference", "order", "method", "amount_text", "captured", "refunded", "status_label"]
    list_display += ["created_at"]
    list_filter = ["status", "provider", "method", "capture_mode", ("created_at", DayRangeFilter)]
    list_filter_submit = True
    search_fields = ["reference", "order_ref", "provider_reference"]
    search_help_text = _("Payment reference, order number or the provider's reference")
    fields = [
        "reference",
        "order",
        "provider",
        "method",
        "status",
        "capture_mode",
        "amount_text",
        "captured",
        "refunded",
        "provider_reference",
        "action_url",
        "saved_method",
        "error",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields
    inlines = [TransactionInline]
    actions_detail = ["capture_action", "void_action", "refresh_action", "refund_action"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_manage_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm(MANAGE_PAYMENTS)

    def _act(self, request: HttpRequest, object_id: str, call, done: str, *, title: str, explanation: str):
        """GET asks, POST acts: a link must never contact a provider."""
        if not str(object_id).isdigit():
            raise Http404
        payment = get_object_or_404(Payment, pk=object_id)
        url = reverse("admin:payments_payment_change", args=[payment.pk])
        if request.method != "POST":
            context = admin_context(
                self,
                request,
                title % {"reference": payment.reference},
                object=payment,
                button=title % {"reference": payment.reference},
                back_url=url,
                explanation=explanation,
            )
            return TemplateResponse(request, "backoffice/inventory/confirm.html", context)
        try:
            payment = call(payment)
        except DomainError as exc:
            self.message_user(request, exc.detail, messages.ERROR)
            return HttpResponseRedirect(url)
        self.message_user(request, done % {"reference": payment.reference, "status": payment.get_status_display()})
        return HttpResponseRedirect(url)

    @action(description=_("Capture"), url_path="capture", icon="payments", permissions=["manage"])
    def capture_action(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._act(
            request,
            object_id,
            lambda p: services.capture_payment(reference=p.reference, key=f"staff-capture:{p.reference}"),
            _("Payment %(reference)s: %(status)s."),
            title=_("Capture payment %(reference)s"),
            explanation=_("The provider takes the authorised amount from the buyer's card."),
        )

    @action(description=_("Void (release the hold)"), url_path="void", icon="block", permissions=["manage"])
    def void_action(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._act(
            request,
            object_id,
            lambda p: services.void_payment(reference=p.reference, key=f"staff-void:{p.reference}"),
            _("Payment %(reference)s: %(status)s."),
            title=_("Void payment %(reference)s"),
            explanation=_("The hold on the buyer's card is released; nothing is taken. This cannot be undone."),
        )

    @action(description=_("Ask the provider"), url_path="refresh", icon="sync", permissions=["manage"])
    def refresh_action(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._act(
            request,
            object_id,
            lambda p: services.refresh_payment(reference=p.reference, refunds=True),
            _("Payment %(reference)s is %(status)s according to the provider."),
            title=_("Ask the provider about payment %(reference)s"),
            explanation=_(
                "The provider says where the payment stands, with the refunds and chargebacks made outside the "
                "shop, and it is recorded (as reconciliation does)."
            ),
        )

    @action(description=_("Refund"), url_path="refund", icon="undo", permissions=["manage"])
    def refund_action(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Refunds are made from the order (a credit note, capped at what is left to refund)."""
        payment = Payment.objects.filter(pk=object_id).first()
        order_id = None
        if payment is not None:
            from comptoir.orders.models import Order

            order_id = Order.objects.filter(number=payment.order_ref).values_list("pk", flat=True).first()
        if order_id is None:
            self.message_user(request, _("This payment's order cannot be found."), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:payments_payment_changelist"))
        return HttpResponseRedirect(reverse("admin:orders_order_refund", args=[order_id]))

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @display(description=_("Order"), ordering="order_ref")
    def order(self, obj: Payment) -> str:
        try:
            url = reverse("admin:orders_order_by_number", args=[obj.order_ref])
        except NoReverseMatch:  # an order number with a character no URL carries, or no orders admin
            return obj.order_ref
        return format_html('<a class="text-primary-600" href="{}">{}</a>', url, obj.order_ref)

    @display(description=_("Amount"), ordering="amount")
    def amount_text(self, obj: Payment) -> str:
        return _money(obj.amount, obj.currency)

    @display(description=_("Captured"), ordering="captured_amount")
    def captured(self, obj: Payment) -> str:
        return _money(obj.captured_amount, obj.currency)

    @display(description=_("Refunded"), ordering="refunded_amount")
    def refunded(self, obj: Payment) -> str:
        return _money(obj.refunded_amount, obj.currency) if obj.refunded_amount else "-"

    @display(description=_("Status"), ordering="status", label=STATUS_LABELS)
    def status_label(self, obj: Payment) -> tuple[str, str]:
        return obj.status, obj.get_status_display()


class ProviderAccountForm(forms.ModelForm):
    """Secrets are typed here and stored encrypted; they are never shown again (blank keeps what is stored)."""

    provider = forms.ChoiceField(label=_("Provider"), choices=[])
    api_key = forms.CharField(label=_("API key / secret key"), required=False, widget=forms.PasswordInput)
    webhook_secret = forms.CharField(label=_("Webhook signing secret"), required=False, widget=forms.PasswordInput)
    client_id = forms.CharField(label=_("Client id"), required=False)
    client_secret = forms.CharField(label=_("Client secret"), required=False, widget=forms.PasswordInput)

    class Meta:
        model = ProviderAccount
        fields = ["channel", "provider", "enabled", "mode", "capture_mode", "settings", "env_prefix"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [(code, code) for code in sorted(GATEWAY_CLASSES)]

    def clean(self):
        data = super().clean()
        duplicate = ProviderAccount.objects.filter(channel=data.get("channel"), provider=data.get("provider"))
        if self.instance.pk:
            duplicate = duplicate.exclude(pk=self.instance.pk)
        if duplicate.exists():  # NULL channels are not unique in the database: checked here too
            raise forms.ValidationError(_("This channel already has an account for this provider."))
        settings_value = data.get("settings") or {}
        if not isinstance(settings_value, dict):
            self.add_error("settings", _('Settings are a JSON object, e.g. {"publishable_key": "pk_live_..."}.'))
        return data


@admin.register(ProviderAccount)
class ProviderAccountAdmin(ModelAdmin):
    form = ProviderAccountForm
    list_display = ["provider", "channel_text", "enabled", "mode", "capture_mode", "secrets_text"]
    list_filter = ["provider", "enabled", "mode"]
    fieldsets = [
        (None, {"fields": ["channel", "provider", "enabled", "mode", "capture_mode", "settings"]}),
        (
            _("Secrets"),
            {
                "fields": ["env_prefix", *SECRET_NAMES],
                "description": _(
                    "Either name an environment variable prefix (secrets read from PREFIX_API_KEY, ...) or type "
                    "the secrets here: they are stored encrypted and never shown again; leave blank to keep them."
                ),
            },
        ),
    ]

    @display(description=_("Channel"), ordering="channel__name")
    def channel_text(self, obj: ProviderAccount) -> str:
        return str(obj.channel) if obj.channel_id else str(_("All channels"))

    @display(description=_("Secrets"))
    def secrets_text(self, obj: ProviderAccount) -> str:
        try:
            stored = sorted(decrypt_secrets(obj.encrypted_secrets))
        except Exception:
            return str(_("unreadable: re-enter them"))
        parts = [", ".join(stored)] if stored else []
        if obj.env_prefix:
            parts.append(f"${obj.env_prefix}_*")
        return "; ".join(parts) or "-"

    def save_model(self, request, obj, form, change):
        save_account(account=obj, secrets={name: form.cleaned_data.get(name, "") for name in SECRET_NAMES})

    def delete_model(self, request, obj):
        from comptoir.payments.accounts import forget_accounts

        super().delete_model(request, obj)
        forget_accounts()


# Offline payments' settings and bank statements (payoffline): registered by their own module.
from comptoir.payments import admin_statements  # noqa: E402, F401
from comptoir.payments.instalments import admin as _instalments  # noqa: E402, F401  (offers and plans)
