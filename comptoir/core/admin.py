"""Shop settings in the back office: sales channels, saved through `core.services.save_channel`, and staff
API keys, made and revoked through `core.apikeys`."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import RelatedDropdownFilter
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from comptoir.catalog.services import products_changed
from comptoir.core.apikeys import create_api_key, revoke_api_key
from comptoir.core.errors import DomainError
from comptoir.core.models import ApiKey, Channel
from comptoir.core.money import validate_currency
from comptoir.core.queries import forget_channels
from comptoir.core.services import save_channel


class ChannelForm(forms.ModelForm):
    class Meta:
        model = Channel
        fields = [
            "name",
            "slug",
            "is_active",
            "is_default",
            "position",
            "currency",
            "prices_include_tax",
            "default_language",
            "default_country",
            "domain",
            "allow_split_shipments",
            "return_window_days",
        ]

    def _get_validation_exclusions(self):
        # Making this channel the default takes the default from the others (save_channel does it), so
        # "there is already a default channel" is not an error here.
        return super()._get_validation_exclusions() | {"is_default"}

    def clean_currency(self) -> str:
        currency = (self.cleaned_data.get("currency") or "").strip().upper()
        try:
            validate_currency(currency)
        except DomainError as exc:
            raise forms.ValidationError(str(exc.detail)) from exc
        if self.instance.pk and currency != self.instance.currency and self.instance.variant_prices.exists():
            raise forms.ValidationError(
                _("This channel already has prices in %(currency)s; create a new channel for another currency.")
                % {"currency": self.instance.currency}
            )
        return currency


@admin.register(Channel)
class ChannelAdmin(ModelAdmin):
    form = ChannelForm
    list_display = ["name", "slug", "currency", "default_language", "default_country", "domain", "is_default"]
    list_display += ["is_active"]
    list_filter = ["is_active", "currency"]
    search_fields = ["name", "slug", "domain"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", ("is_active", "is_default"), "position"]}),
        (_("Selling"), {"fields": ["currency", "prices_include_tax", "default_language", "default_country"]}),
        (_("Address"), {"fields": ["domain"]}),
        (_("Delivery and returns"), {"fields": ["allow_split_shipments", "return_window_days"]}),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Channel | None = None):
        # The slug names the channel in price columns, cookies and feeds: it is fixed once created.
        return ["slug"] if obj else []

    def get_prepopulated_fields(self, request: HttpRequest, obj: Channel | None = None):
        return {} if obj else self.prepopulated_fields

    def save_model(self, request: HttpRequest, obj: Channel, form, change: bool) -> None:
        channel = save_channel(
            slug=obj.slug,
            name=obj.name,
            currency=obj.currency,
            default_language=obj.default_language,
            default_country=str(obj.default_country),
            prices_include_tax=obj.prices_include_tax,
            domain=obj.domain,
            is_default=obj.is_default,
            is_active=obj.is_active,
            allow_split_shipments=obj.allow_split_shipments,
            return_window_days=obj.return_window_days,
        )
        if channel.position != obj.position:
            Channel.objects.filter(pk=channel.pk).update(position=obj.position)
        obj.pk = channel.pk
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Channel) -> None:
        ids = list(obj.product_listings.values_list("product_id", flat=True))
        super().delete_model(request, obj)
        products_changed(ids)
        transaction.on_commit(forget_channels)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        with transaction.atomic():
            ids = list(Channel.objects.filter(pk__in=queryset).values_list("product_listings__product_id", flat=True))
            super().delete_queryset(request, queryset)
            products_changed([pk for pk in ids if pk is not None])
            transaction.on_commit(forget_channels)


# --- API keys ---------------------------------------------------------------------------------------------
# A key lets a program (an ERP, a warehouse scanner) act as one staff user through the API. The secret is
# made by core.apikeys.create_api_key and shown once, in the response to the form that made it: it is
# never put in the session, a message or a log, and only its digest is stored.


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What uses it, e.g. “Warehouse scanner 2” or “ERP sync”."),
        widget=UnfoldAdminTextInputWidget,
    )
    user = forms.ModelChoiceField(
        label=_("Acts as"),
        queryset=get_user_model().objects.none(),
        help_text=_("The key can do exactly what this staff member may do in the back office."),
        widget=UnfoldAdminSelectWidget,
    )

    def __init__(self, *args, request: HttpRequest, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(is_active=True, is_staff=True).order_by(get_user_model().USERNAME_FIELD)
        # Only a superuser may make a key for someone else: a key for a better-placed colleague would let
        # anyone allowed to make keys borrow that colleague's rights.
        if not request.user.is_superuser:
            users = users.filter(pk=request.user.pk)
        self.fields["user"].queryset = users
        self.fields["user"].initial = request.user.pk


class KeyStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", _("Active")), ("revoked", _("Revoked"))]

    def queryset(self, request, queryset):
        match self.value():
            case "active":
                return queryset.filter(revoked_at__isnull=True)
            case "revoked":
                return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiKey)
class ApiKeyAdmin(ModelAdmin):
    list_display = ["name", "key_prefix", "user", "created_at", "last_used_at", "state"]
    list_select_related = ["user"]
    list_filter = [KeyStateFilter, ("user", RelatedDropdownFilter)]
    list_filter_submit = True
    search_fields = ["name", "prefix", "user__username"]
    fields = ["name", "user", "key_prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]
    actions_detail = ["revoke_one"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("core.add_apikey")

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a key is made and revoked, never edited

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # revoked keys stay, to tell who could call the API when

    def has_revoke_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm("core.change_apikey")

    @display(description=_("Key starts with"), ordering="prefix")
    def key_prefix(self, obj: ApiKey) -> str:
        return f"{obj.prefix}\u2026"

    @display(description=_("State"), label={"active": "success", "revoked": "danger"})
    def state(self, obj: ApiKey) -> tuple[str, str]:
        return ("revoked", _("Revoked")) if obj.revoked_at else ("active", _("Active"))

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ApiKeyForm(request.POST or None, request=request)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form}
        if request.method == "POST" and form.is_valid():
            try:
                key, secret = create_api_key(user_id=form.cleaned_data["user"].pk, name=form.cleaned_data["name"])
            except DomainError as exc:
                form.add_error("name", str(exc.detail))
            else:
                self.log_addition(request, key, [{"added": {}}])
                context.update(title=_("API key created"), key=key, secret=secret)
                response = TemplateResponse(request, "backoffice/inventory/api_key_created.html", context)
                # Shown once: no browser or proxy may keep a copy of the page that holds the secret.
                add_never_cache_headers(response)  # no-store, private
                return response
        context["title"] = _("New API key")
        return TemplateResponse(request, "backoffice/inventory/api_key_form.html", context)

    def _revoke(self, request: HttpRequest, ids: list[int]) -> None:
        keys = list(ApiKey.objects.filter(pk__in=ids, revoked_at__isnull=True).order_by("pk"))
        for key in keys:
            revoke_api_key(key_id=key.pk)
            # The admin history says who revoked it and when, as for any change made in the back office.
            self.log_change(request, key, "Revoked.")
        message = ngettext("%(count)d key revoked.", "%(count)d keys revoked.", len(keys)) % {"count": len(keys)}
        self.message_user(request, message, messages.SUCCESS if keys else messages.WARNING)

    @action(description=_("Revoke"), permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset) -> None:
        self._revoke(request, sorted(queryset.values_list("pk", flat=True)))

    @action(description=_("Revoke"), url_path="revoke", icon="block", permissions=["revoke"])
    def revoke_one(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """GET asks, POST revokes."""
        if not str(object_id).isdigit():
            raise Http404
        key = get_object_or_404(ApiKey.objects.select_related("user"), pk=object_id)
        back = reverse("admin:core_apikey_change", args=[key.pk])
        if request.method == "POST":
            self._revoke(request, [key.pk])
            return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Revoke the key “%(name)s”?") % {"name": key.name},
            "explanation": _(
                "Programs using it are refused from now on. This cannot be undone: make a new key instead."
            ),
            "button": _("Revoke the key"),
            "back_url": back,
        }
        return TemplateResponse(request, "backoffice/inventory/confirm.html", context)
