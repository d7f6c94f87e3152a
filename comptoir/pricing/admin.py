"""Prices, vouchers, promotions and gift cards in the back office.

Setting a price goes through `pricing.services.set_variant_prices` (rounding, currency, compare-at rule); the
product page edits the same prices variant by variant. A voucher's settings are saved by
`pricing.vouchers.save_voucher`, which never writes its use counter (only redemptions do). Gift cards are
issued by `pricing.giftcards.issue_gift_card` and never edited: their balance and ledger move only through
the gift-card services; staff can deactivate and reactivate a card.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import RelatedDropdownFilter
from unfold.decorators import action, display

from comptoir.catalog.services import products_changed
from comptoir.core.errors import DomainError
from comptoir.core.money import Money
from comptoir.pricing.forms import IssueGiftCardForm, VoucherForm
from comptoir.pricing.giftcards import (
    format_gift_card_code,
    issue_gift_card,
    normalise_gift_card_code,
    set_gift_card_active,
)
from comptoir.pricing.models import (
    GiftCard,
    GiftCardTransaction,
    Promotion,
    PromotionKind,
    VariantPrice,
    Voucher,
    VoucherKind,
    VoucherRedemption,
)
from comptoir.pricing.services import set_variant_prices
from comptoir.pricing.vouchers import record_discount_scope, save_voucher


class VariantPriceForm(forms.ModelForm):
    class Meta:
        model = VariantPrice
        fields = ["variant", "channel", "amount", "compare_at_amount"]

    def clean(self):
        cleaned = super().clean()
        amount, former = cleaned.get("amount"), cleaned.get("compare_at_amount")
        if amount is not None and amount < 0:
            self.add_error("amount", _("A price cannot be negative."))
        if amount is not None and former is not None and former <= amount:
            self.add_error("compare_at_amount", _("Must be higher than the price."))
        return cleaned


@admin.register(VariantPrice)
class VariantPriceAdmin(ModelAdmin):
    form = VariantPriceForm
    list_display = ["sku", "product", "channel", "price", "compare_at", "updated_at"]
    list_select_related = ["variant__product", "channel"]
    list_filter = ["channel", "currency"]
    search_fields = ["variant__sku", "variant__product__name"]
    raw_id_fields = ["variant"]

    def get_readonly_fields(self, request: HttpRequest, obj: VariantPrice | None = None):
        # One row per variant and channel: a price is moved by deleting it and adding another.
        return ["variant", "channel", "currency"] if obj else ["currency"]

    @display(description=_("SKU"), ordering="variant__sku")
    def sku(self, obj: VariantPrice) -> str:
        return obj.variant.sku

    @display(description=_("Product"), ordering="variant__product__name")
    def product(self, obj: VariantPrice) -> str:
        return obj.variant.product.name

    @display(description=_("Price"), ordering="amount")
    def price(self, obj: VariantPrice) -> str:
        return obj.price.format((get_language() or "en").replace("-", "_"))

    @display(description=_("Compare at"), ordering="compare_at_amount")
    def compare_at(self, obj: VariantPrice) -> str:
        return obj.compare_at.format((get_language() or "en").replace("-", "_")) if obj.compare_at else "-"

    def save_model(self, request: HttpRequest, obj: VariantPrice, form, change: bool) -> None:
        [row] = set_variant_prices(
            variant_id=obj.variant_id,
            prices={obj.channel_id: obj.amount},
            compare_at={obj.channel_id: obj.compare_at_amount},
        )
        obj.pk, obj.currency, obj._state.adding = row.pk, row.currency, False
        products_changed([obj.variant.product_id])

    def delete_model(self, request: HttpRequest, obj: VariantPrice) -> None:
        product_id = obj.variant.product_id
        super().delete_model(request, obj)
        products_changed([product_id])

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        with transaction.atomic():
            ids = list(queryset.values_list("variant__product_id", flat=True))
            super().delete_queryset(request, queryset)
            products_changed(ids)


def _locale() -> str:
    return (get_language() or "en").replace("-", "_")


def _when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT") if moment else ""


class ReadOnlyAdmin(ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


# --- Vouchers ---------------------------------------------------------------------------------------------


@admin.register(Voucher)
class VoucherAdmin(ModelAdmin):
    form = VoucherForm
    list_display = ["code", "kind", "value_label", "channel", "usage", "limit_per_customer", "validity", "is_active"]
    list_select_related = ["channel"]
    list_filter = ["kind", "is_active", "channel"]
    search_fields = ["code"]
    search_help_text = _("Code")
    autocomplete_fields = ["products", "categories", "collections"]
    readonly_fields = ["used_count"]
    actions_detail = ["uses"]
    fieldsets = [
        (None, {"fields": ["code", "is_active", "channel"]}),
        (_("Discount"), {"fields": ["kind", "value", "currency", "minimum_spend"]}),
        (_("When"), {"fields": ["starts_at", "ends_at"]}),
        (_("Limits"), {"fields": ["usage_limit", "used_count", "limit_per_customer"]}),
        (
            _("Only for"),
            {
                "fields": ["products", "categories", "collections"],
                "description": _(
                    "Leave all three empty for the whole order. Otherwise the discount applies to the items that "
                    "are any of these products, in any of these categories (sub-categories included) or "
                    "collections, and the minimum spend counts those items only."
                ),
            },
        ),
    ]

    @display(description=_("Value"), ordering="value")
    def value_label(self, obj: Voucher) -> str:
        if obj.kind == VoucherKind.PERCENTAGE:
            return f"{obj.value.normalize():f} %"
        if obj.kind == VoucherKind.FIXED_AMOUNT:
            return obj.money_value.format(_locale())
        return gettext("Free shipping")

    @display(description=_("Uses"), ordering="used_count")
    def usage(self, obj: Voucher) -> str:
        if obj.usage_limit is None:
            return str(obj.used_count)
        return f"{obj.used_count} / {obj.usage_limit}"

    @display(description=_("Valid"), ordering="starts_at")
    def validity(self, obj: Voucher) -> str:
        return f"{_when(obj.starts_at)} → {_when(obj.ends_at) or '…'}"

    def save_model(self, request: HttpRequest, obj: Voucher, form, change: bool) -> None:
        # The form has checked what save_voucher checks; it saves the settings without the use counter.
        save_voucher(voucher=obj)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        record_discount_scope(form.instance)

    @action(description=_("Uses"), url_path="uses", icon="receipt_long", permissions=["view"])
    def uses(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return HttpResponseRedirect(
            reverse("admin:pricing_voucherredemption_changelist") + f"?voucher__id__exact={int(object_id)}"
        )


@admin.register(VoucherRedemption)
class VoucherRedemptionAdmin(ReadOnlyAdmin):
    """Every use of a voucher, written by redemption and released by cancellation; never edited."""

    list_display = ["created_at", "voucher", "order_ref", "email", "discount_label", "released_at"]
    list_select_related = ["voucher"]
    list_filter = [("voucher", RelatedDropdownFilter), ("released_at", admin.EmptyFieldListFilter)]
    list_filter_submit = True
    search_fields = ["order_ref", "email", "voucher__code"]
    search_help_text = _("Order, e-mail or code")

    @display(description=_("Discount"), ordering="amount")
    def discount_label(self, obj: VoucherRedemption) -> str:
        return obj.discount.format(_locale())


# --- Promotions -------------------------------------------------------------------------------------------


@admin.register(Promotion)
class PromotionAdmin(ModelAdmin):
    """Automatic promotions: settings only (no counters), so the form saves them as they are."""

    list_display = ["name", "rule", "channel", "starts_at", "ends_at", "priority", "is_active"]
    list_select_related = ["channel"]
    list_filter = ["kind", "is_active", "channel"]
    search_fields = ["name"]
    autocomplete_fields = ["products", "categories", "collections"]
    conditional_fields = {
        "buy_quantity": "kind == 'buy_x_get_y'",
        "free_quantity": "kind == 'buy_x_get_y'",
        "nth": "kind == 'nth_item_percentage'",
        "percentage": "kind == 'nth_item_percentage'",
    }
    fieldsets = [
        (None, {"fields": ["name", "is_active", "channel", "priority"]}),
        (
            _("Rule"),
            {
                "fields": ["kind", "buy_quantity", "free_quantity", "nth", "percentage"],
                "description": _(
                    "The units of all the eligible items in the cart are counted together, and the cheapest are "
                    "discounted. “3 for 2” (group of 3, 1 free): with 7 eligible items, the 2 cheapest are free. "
                    "“-20% on the second item” (every 2nd, 20%): with 5 items, the 2 cheapest get 20% off. "
                    "Promotions do not add up on the same item: the one with the lowest priority number wins."
                ),
            },
        ),
        (_("When"), {"fields": ["starts_at", "ends_at"]}),
        (
            _("Only for"),
            {
                "fields": ["products", "categories", "collections"],
                "description": _("Leave all three empty for every item."),
            },
        ),
    ]

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        record_discount_scope(form.instance)

    @display(description=_("Rule"), ordering="kind")
    def rule(self, obj: Promotion) -> str:
        if obj.kind == PromotionKind.BUY_X_GET_Y:
            return gettext("%(buy)d for %(pay)d") % {
                "buy": obj.buy_quantity,
                "pay": obj.buy_quantity - obj.free_quantity,
            }
        return gettext("-%(percentage)s%% on every %(nth)dth item") % {
            "percentage": f"{obj.percentage.normalize():f}",
            "nth": obj.nth,
        }


# --- Gift cards -------------------------------------------------------------------------------------------


class GiftCardTransactionInline(TabularInline):
    model = GiftCardTransaction
    fields = ["created_at", "kind", "amount", "order_ref", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_title = False
    verbose_name_plural = _("Ledger")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(GiftCard)
class GiftCardAdmin(ModelAdmin):
    """Read-only cards with their ledger; "add" is the issue form; deactivate / reactivate through the service."""

    list_display = ["masked", "currency", "balance_label", "initial_label", "expires_at", "is_active", "created_at"]
    list_filter = ["is_active", "currency"]
    search_fields = ["code"]
    search_help_text = _("The full code, or its last 4 characters")
    fields = ["full_code", "currency", "initial_balance", "balance", "expires_at", "is_active", "note", "created_at"]
    readonly_fields = fields
    inlines = [GiftCardTransactionInline]
    actions = ["deactivate", "reactivate"]
    actions_detail = ["deactivate_one", "reactivate_one"]

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_switch_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm("pricing.change_giftcard")

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        # Codes are searched as stored (no dashes, upper case): the full code, or the last four from a list.
        term = normalise_gift_card_code(search_term)
        if not term:
            return queryset, False
        return queryset.filter(code__endswith=term) if len(term) < 8 else queryset.filter(code=term), False

    @display(description=_("Code"), ordering="code")
    def masked(self, obj: GiftCard) -> str:
        return obj.masked_code

    @display(description=_("Code"))
    def full_code(self, obj: GiftCard) -> str:
        return format_gift_card_code(obj.code)

    @display(description=_("Balance"), ordering="balance")
    def balance_label(self, obj: GiftCard) -> str:
        return obj.current_balance.format(_locale())

    @display(description=_("Initial balance"), ordering="initial_balance")
    def initial_label(self, obj: GiftCard) -> str:
        return Money(obj.initial_balance, obj.currency).quantize().format(_locale())

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None):
        """The issue form: the card is made by `issue_gift_card`; its full code is shown once, here."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = IssueGiftCardForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                card = issue_gift_card(
                    currency=data["currency"],
                    amount=Money(data["amount"], data["currency"]),
                    code=data["code"],
                    expires_at=form.expires_at,
                    note=data["note"],
                )
            except DomainError as exc:
                form.add_error(None, exc.detail)
            else:
                self.message_user(
                    request,
                    gettext("Gift card %(code)s issued for %(amount)s. Give the buyer this code.")
                    % {"code": format_gift_card_code(card.code), "amount": card.current_balance.format(_locale())},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:pricing_giftcard_change", args=[card.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Issue a gift card"),
            "form": form,
        }
        return TemplateResponse(request, "pricing/admin_issue_gift_card.html", context)

    def _switch(self, request: HttpRequest, ids: list[int], *, is_active: bool) -> None:
        changed = 0
        for gift_card_id in ids:
            try:
                set_gift_card_active(gift_card_id=gift_card_id, is_active=is_active)
                changed += 1
            except DomainError as exc:
                self.message_user(request, exc.detail, messages.ERROR)
        if is_active:
            text = ngettext("%(count)d gift card reactivated.", "%(count)d gift cards reactivated.", changed)
        else:
            text = ngettext("%(count)d gift card deactivated.", "%(count)d gift cards deactivated.", changed)
        self.message_user(request, text % {"count": changed}, messages.SUCCESS)

    @action(description=_("Deactivate (lost or stolen)"), permissions=["switch"])
    def deactivate(self, request: HttpRequest, queryset) -> None:
        self._switch(request, sorted(queryset.values_list("pk", flat=True)), is_active=False)

    @action(description=_("Reactivate"), permissions=["switch"])
    def reactivate(self, request: HttpRequest, queryset) -> None:
        self._switch(request, sorted(queryset.values_list("pk", flat=True)), is_active=True)

    def _switch_one(self, request: HttpRequest, object_id: str, *, is_active: bool) -> HttpResponse:
        # Detail actions are links (GET); a change of state needs a POST, so a GET asks first.
        back = reverse("admin:pricing_giftcard_change", args=[int(object_id)])
        if request.method == "POST":
            self._switch(request, [int(object_id)], is_active=is_active)
            return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Reactivate this gift card?") if is_active else gettext("Deactivate this gift card?"),
            "button": gettext("Reactivate") if is_active else gettext("Deactivate"),
            "back_url": back,
            "explanation": gettext("Its balance is kept; a deactivated card cannot pay until it is reactivated."),
        }
        return TemplateResponse(request, "pricing/admin_confirm.html", context)

    @action(description=_("Deactivate"), url_path="deactivate", icon="block", permissions=["switch"])
    def deactivate_one(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._switch_one(request, object_id, is_active=False)

    @action(description=_("Reactivate"), url_path="reactivate", icon="check_circle", permissions=["switch"])
    def reactivate_one(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._switch_one(request, object_id, is_active=True)
