"""Partner fulfilment in the back office: the requests sent to dropship suppliers and 3PLs, sending one
again, and importing a 3PL's file of shipment confirmations. Below them, delivery options: shipping zones,
methods, rate tiers and pickup points.

Requests are written by the fulfilment services only (made when an order is routed, closed by the
partner's confirmation), so their page is read-only; "send again" calls `send_request` and the import
calls `import_shipment_confirmations`, all or nothing.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_countries import countries
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import RelatedDropdownFilter
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminTextareaWidget, UnfoldAdminTextInputWidget

from comptoir.backoffice.inventory_forms import ShipmentConfirmationsForm
from comptoir.backoffice.inventory_views import admin_context
from comptoir.core.errors import DomainError
from comptoir.core.money import Money
from comptoir.fulfillment.errors import InvalidShippingSetupError
from comptoir.fulfillment.models import (
    FulfilmentRequest,
    FulfilmentRequestLine,
    MethodKind,
    PickupPoint,
    RateType,
    RequestStatus,
    ShippingMethod,
    ShippingRate,
    ShippingZone,
)
from comptoir.fulfillment.services import import_shipment_confirmations, send_request
from comptoir.fulfillment.shipping_services import (
    RateTier,
    check_rate_tiers,
    clean_countries,
    clean_postcode_rules,
    clean_regions,
    clean_tracking_url_template,
    method_currency,
)

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


# --- Delivery options: shipping zones, methods, rate tiers, pickup points ---------------------------------------
# The forms run the checks of comptoir.fulfillment.shipping_services (the same words as the API and the demo), so
# a zone, method or tier refused there is refused here. Tiers that overlap are refused; gaps are saved with a
# warning, since the method is then simply not offered for those baskets.


def _setup_errors(exc: DomainError) -> list[str]:
    return [str(error.get("message") or exc.detail) for error in exc.errors] or [str(exc.detail)]


def _checked(check, *args, **kwargs):
    """Run a shipping_services check; its InvalidShippingSetupError becomes the form field's error."""
    try:
        return check(*args, **kwargs)
    except InvalidShippingSetupError as exc:
        raise forms.ValidationError(_setup_errors(exc)) from None


class ListField(forms.CharField):
    """A list typed in one box, separated by commas (or one per line); stored as a JSON list."""

    def __init__(self, *, rows: int | None = None, **kwargs) -> None:
        widget = UnfoldAdminTextareaWidget(attrs={"rows": rows}) if rows else UnfoldAdminTextInputWidget
        super().__init__(required=False, widget=widget, **kwargs)

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value


class ShippingZoneForm(forms.ModelForm):
    countries = ListField(label=gettext_lazy("Countries"), help_text=gettext_lazy("Country codes, e.g. “FR, BE, LU”."))
    regions = ListField(
        label=gettext_lazy("Regions"),
        help_text=gettext_lazy(
            "Optional: states or provinces, e.g. “US/NY, US/NJ” (or “NY, NJ” for a zone of one country). They narrow "
            "only the countries they name."
        ),
    )
    postcode_rules = ListField(
        label=gettext_lazy("Postcodes"),
        rows=3,
        help_text=gettext_lazy(
            "Optional: postcodes (75011), prefixes (75*) and ranges (75000-75999, or 00-950..00-999 for postcodes "
            "with a dash), separated by commas. They apply to every country of the zone: keep one country per zone "
            "when you list postcodes."
        ),
    )

    class Meta:
        model = ShippingZone
        fields = ["name", "channel", "countries", "regions", "postcode_rules", "is_active", "position"]

    def clean_countries(self) -> list[str]:
        return _checked(clean_countries, self.cleaned_data.get("countries", ""))

    def clean_postcode_rules(self) -> list[str]:
        return _checked(clean_postcode_rules, self.cleaned_data.get("postcode_rules", ""))

    def clean(self):
        cleaned = super().clean()
        if "countries" in cleaned:
            try:
                cleaned["regions"] = clean_regions(cleaned["countries"], cleaned.get("regions", ""))
            except InvalidShippingSetupError as exc:
                self.add_error("regions", _setup_errors(exc))
        return cleaned


LOCAL_FIELDS = ["local_postcodes", "origin", "radius_km"]


class ShippingMethodForm(forms.ModelForm):
    """A method's settings; the currency is the zone channel's (filled in when left empty)."""

    local_postcodes = ListField(
        label=gettext_lazy("Local postcodes"),
        rows=2,
        help_text=gettext_lazy("Postcodes, prefixes (75*) or ranges this delivery reaches."),
    )
    currency = forms.CharField(
        label=gettext_lazy("Currency"),
        required=False,
        max_length=3,
        widget=UnfoldAdminTextInputWidget,
        help_text=gettext_lazy("Left empty: the zone channel's currency."),
    )

    class Meta:
        model = ShippingMethod
        fields = [
            "zone",
            "name",
            "kind",
            "carrier",
            "tracking_url_template",
            "rate_type",
            "currency",
            "price",
            "free_above",
            "min_days",
            "max_days",
            "cutoff_hour",
            *LOCAL_FIELDS,
            "position",
            "is_active",
        ]
        help_texts = {
            "radius_km": gettext_lazy(
                "Used only when the buyer's position is known (apps and API clients may send it); list postcodes "
                "to reach buyers who type an address."
            ),
        }

    def clean_tracking_url_template(self) -> str:
        return _checked(clean_tracking_url_template, self.cleaned_data.get("tracking_url_template", ""))

    def clean(self):
        cleaned = super().clean()
        zone = cleaned.get("zone") or getattr(self.instance, "zone", None)
        if zone is not None:
            try:
                cleaned["currency"] = method_currency(channel=zone.channel, currency=cleaned.get("currency"))
                self.instance.currency = cleaned["currency"]
            except InvalidShippingSetupError as exc:
                self.add_error("currency" if "currency" in self.fields else None, _setup_errors(exc))
        low, high = cleaned.get("min_days"), cleaned.get("max_days")
        if low is not None and high is not None and low > high:
            self.add_error("max_days", _("The slowest delivery time must be at least the fastest one."))
        hour = cleaned.get("cutoff_hour")
        if hour is not None and hour > 23:
            self.add_error("cutoff_hour", _("The cut-off hour is between 0 and 23."))
        if cleaned.get("kind") != MethodKind.LOCAL_DELIVERY:
            # Hidden for these kinds (conditional_fields) and never used for them: left-overs are dropped.
            cleaned.update({"local_postcodes": [], "origin": None, "radius_km": None})
            return cleaned
        try:
            cleaned["local_postcodes"] = clean_postcode_rules(cleaned.get("local_postcodes", ""))
        except InvalidShippingSetupError as exc:
            self.add_error("local_postcodes", _setup_errors(exc))
        radius, origin = cleaned.get("radius_km"), cleaned.get("origin")
        if radius is not None and radius <= 0:
            self.add_error("radius_km", _("The radius must be more than 0 km."))
        elif radius is not None and (origin is None or origin.latitude is None or origin.longitude is None):
            self.add_error(
                "origin", _("A delivery radius needs the location it is measured from, with its coordinates.")
            )
        return cleaned


class ShippingMethodInline(TabularInline):
    model = ShippingMethod
    form = ShippingMethodForm
    fields = ["name", "kind", "carrier", "rate_type", "currency", "price", "free_above", "min_days", "max_days"]
    fields += ["position", "is_active"]
    extra = 0
    show_change_link = True
    tab = True


class RateTierFormSet(BaseInlineFormSet):
    """All tiers of the method at once: overlapping tiers are refused, gaps are kept as warnings."""

    warnings: list[str]

    def clean(self) -> None:
        super().clean()
        self.warnings = []
        method = self.instance
        if any(form.errors for form in self.forms) or method.rate_type == RateType.FLAT:
            return
        by_weight = method.rate_type == RateType.BY_WEIGHT
        tiers = []
        for form in self.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE") or data.get("price") is None:
                continue
            low = data.get("min_weight_grams" if by_weight else "min_order_value") or 0
            high = data.get("max_weight_grams" if by_weight else "max_order_value")
            tiers.append(RateTier(low, high, data["price"]))
        try:
            self.warnings = check_rate_tiers(method.rate_type, tiers, currency=method.currency or "EUR")
        except InvalidShippingSetupError as exc:
            raise forms.ValidationError(_setup_errors(exc)) from None


class ShippingRateInline(TabularInline):
    model = ShippingRate
    formset = RateTierFormSet
    extra = 0
    tab = True
    verbose_name_plural = gettext_lazy("Rate tiers")

    def get_fields(self, request: HttpRequest, obj: ShippingMethod | None = None) -> list[str]:
        if obj is not None and obj.rate_type == RateType.BY_VALUE:
            return ["min_order_value", "max_order_value", "price"]
        return ["min_weight_grams", "max_weight_grams", "price"]


class PickupPointForm(forms.ModelForm):
    class Meta:
        model = PickupPoint
        fields = ["method", "code", "name", "street_address_1", "street_address_2", "postcode", "city", "country"]
        fields += ["latitude", "longitude", "opening_hours", "is_active"]

    def clean_country(self) -> str:
        code = (self.cleaned_data.get("country") or "").strip().upper()
        if code not in countries:
            raise forms.ValidationError(_("Unknown country code %(code)s.") % {"code": code})
        return code

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None):
            self.add_error("longitude", _("Enter both latitude and longitude, or neither."))
        for field, limit in (("latitude", 90), ("longitude", 180)):
            value = cleaned.get(field)
            if value is not None and not -limit <= value <= limit:
                self.add_error(field, _("Between -%(limit)d and %(limit)d.") % {"limit": limit})
        method = cleaned.get("method") or getattr(self.instance, "method", None)
        if method is not None and method.kind != MethodKind.PICKUP_POINT:
            self.add_error(None, _("Pickup points belong to a pickup-point method."))
        return cleaned


class PickupPointInline(TabularInline):
    model = PickupPoint
    form = PickupPointForm
    fields = ["code", "name", "street_address_1", "postcode", "city", "country", "latitude", "longitude"]
    fields += ["opening_hours", "is_active"]
    extra = 0
    tab = True


@admin.register(ShippingZone)
class ShippingZoneAdmin(ModelAdmin):
    form = ShippingZoneForm
    list_display = ["name", "channel_name", "country_list", "narrowed_to", "method_count", "is_active", "position"]
    list_select_related = ["channel"]
    list_filter = ["is_active", ("channel", RelatedDropdownFilter)]
    list_filter_submit = True
    search_fields = ["name"]
    inlines = [ShippingMethodInline]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(method_count=Count("methods"))

    @display(description=gettext_lazy("Sales channel"), ordering="channel__name")
    def channel_name(self, obj: ShippingZone) -> str:
        return obj.channel.name if obj.channel else _("All")

    @display(description=gettext_lazy("Countries"))
    def country_list(self, obj: ShippingZone) -> str:
        return ", ".join(obj.countries or [])

    @display(description=gettext_lazy("Narrowed to"))
    def narrowed_to(self, obj: ShippingZone) -> str:
        return ", ".join([*(obj.regions or []), *(obj.postcode_rules or [])]) or "-"

    @display(description=gettext_lazy("Methods"), ordering="method_count")
    def method_count(self, obj: ShippingZone) -> int:
        return obj.method_count


@admin.register(ShippingMethod)
class ShippingMethodAdmin(ModelAdmin):
    form = ShippingMethodForm
    list_display = ["name", "zone", "kind", "carrier", "price_rule", "days", "is_active", "position"]
    list_select_related = ["zone"]
    list_filter = ["kind", "rate_type", "is_active", ("zone", RelatedDropdownFilter)]
    list_filter_submit = True
    search_fields = ["name", "carrier", "zone__name"]
    conditional_fields = {name: "kind == 'local_delivery'" for name in LOCAL_FIELDS}
    fieldsets = [
        (None, {"fields": ["zone", "name", "kind", "carrier", "tracking_url_template", "position", "is_active"]}),
        (
            gettext_lazy("Price"),
            {
                "fields": ["rate_type", "currency", "price", "free_above"],
                "description": gettext_lazy(
                    "Flat: the price below. By weight or by order value: the rate tiers (tab above); a basket no "
                    "tier covers is not offered this method. Free from: the order total after discounts."
                ),
            },
        ),
        (gettext_lazy("Delivery time"), {"fields": [("min_days", "max_days"), "cutoff_hour"]}),
        (
            gettext_lazy("Local delivery"),
            {
                "fields": LOCAL_FIELDS,
                "description": gettext_lazy(
                    "Only for local deliveries: the postcodes it reaches, and/or a radius around a location. The "
                    "radius counts only when the buyer's position is known."
                ),
            },
        ),
    ]

    def get_inlines(self, request: HttpRequest, obj: ShippingMethod | None):
        # Tiers and points once the method exists and only where they mean something.
        inlines = []
        if obj is not None and obj.rate_type != RateType.FLAT:
            inlines.append(ShippingRateInline)
        if obj is not None and obj.kind == MethodKind.PICKUP_POINT:
            inlines.append(PickupPointInline)
        return inlines

    @display(description=gettext_lazy("Price"))
    def price_rule(self, obj: ShippingMethod) -> str:
        if obj.rate_type == RateType.FLAT:
            text = f"{Money(obj.price, obj.currency).quantize()}"
        else:
            text = str(obj.get_rate_type_display())
        if obj.free_above is not None:
            free = Money(obj.free_above, obj.currency).quantize()
            text = _("%(price)s, free from %(threshold)s") % {"price": text, "threshold": free}
        return text

    @display(description=gettext_lazy("Business days"))
    def days(self, obj: ShippingMethod) -> str:
        return f"{obj.min_days}-{obj.max_days}"

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        for formset in formsets:
            for warning in getattr(formset, "warnings", []):
                self.message_user(request, warning, messages.WARNING)
        method = form.instance
        if method.rate_type != RateType.FLAT and not method.rates.exists():
            message = _("Add rate tiers: until then this method is offered to nobody.")
            self.message_user(request, message, messages.WARNING)


@admin.register(PickupPoint)
class PickupPointAdmin(ModelAdmin):
    form = PickupPointForm
    list_display = ["name", "code", "method", "postcode", "city", "country", "is_active"]
    list_select_related = ["method"]
    list_filter = ["is_active", "country", ("method", RelatedDropdownFilter)]
    list_filter_submit = True
    search_fields = ["name", "code", "postcode", "city"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "method":
            kwargs["queryset"] = ShippingMethod.objects.filter(kind=MethodKind.PICKUP_POINT).select_related("zone")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
