"""Forms of the pricing domain: the buyer's gift-card balance check, and the back office's voucher and
gift-card forms. Forms check what a person can mistype; the services check the rules, and the views show
their errors on the form."""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from unfold.widgets import (
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminSingleDateWidget,
    UnfoldAdminTextInputWidget,
)

from comptoir.core.models import Channel
from comptoir.pricing.models import Voucher
from comptoir.pricing.vouchers import normalise_voucher_code


class GiftCardBalanceForm(forms.Form):
    code = forms.CharField(
        label=_("Gift card code"),
        max_length=40,
        help_text=_("The 16 letters and digits on your card, with or without dashes."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "inputmode": "text",
                "placeholder": "XXXX-XXXX-XXXX-XXXX",
            }
        ),
    )


class VoucherForm(forms.ModelForm):
    """The voucher's settings. Its use counter is not a field: only redemptions change it."""

    class Meta:
        model = Voucher
        fields = [
            "code",
            "is_active",
            "channel",
            "kind",
            "value",
            "currency",
            "minimum_spend",
            "starts_at",
            "ends_at",
            "usage_limit",
            "limit_per_customer",
            "products",
            "categories",
            "collections",
        ]

    def clean_code(self) -> str:
        return normalise_voucher_code(self.cleaned_data.get("code", ""))

    def clean_currency(self) -> str:
        return (self.cleaned_data.get("currency") or "").strip().upper()

    def clean(self):
        cleaned = super().clean()
        channel: Channel | None = cleaned.get("channel")
        kind, currency = cleaned.get("kind"), cleaned.get("currency", "")
        needs_currency = kind == "fixed_amount" or cleaned.get("minimum_spend") is not None
        if channel is not None:
            if currency and currency != channel.currency:
                self.add_error(
                    "currency",
                    _("This channel sells in %(currency)s: use %(currency)s or leave it empty.")
                    % {"currency": channel.currency},
                )
            elif needs_currency and not currency:
                cleaned["currency"] = self.instance.currency = channel.currency
        elif needs_currency and not currency:
            self.add_error("currency", _("Give the currency of the amount off or of the minimum spend."))
        if kind == "free_shipping":
            cleaned["value"] = 0
        return cleaned

    def _post_clean(self) -> None:
        # The currency filled in from the channel above must be on the instance before the model's
        # constraints are validated.
        if "currency" in self.cleaned_data:
            self.instance.currency = self.cleaned_data["currency"]
        super()._post_clean()


def _end_of_day(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max.replace(microsecond=0)))


class IssueGiftCardForm(forms.Form):
    """Staff issue a card: currency, amount, optional expiry (end of that day), optional own code."""

    currency = forms.ChoiceField(label=_("Currency"), widget=UnfoldAdminSelectWidget)
    amount = forms.DecimalField(
        label=_("Amount"), min_value=0, max_digits=12, decimal_places=4, widget=UnfoldAdminDecimalFieldWidget
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=UnfoldAdminSingleDateWidget,
        help_text=_("Empty: never expires. Check the law of your country: some require a minimum validity."),
    )
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        required=False,
        widget=UnfoldAdminTextInputWidget,
        help_text=_("Leave empty to generate one (recommended). Only for codes already printed on cards."),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=255,
        required=False,
        widget=UnfoldAdminTextInputWidget,
        help_text=_("For staff only, e.g. who it is for or why."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        currencies = sorted(set(Channel.objects.filter(is_active=True).values_list("currency", flat=True)))
        self.fields["currency"].choices = [(c, c) for c in currencies or ["EUR"]]

    @property
    def expires_at(self) -> datetime | None:
        day = self.cleaned_data.get("expires_on")
        return _end_of_day(day) if day else None
