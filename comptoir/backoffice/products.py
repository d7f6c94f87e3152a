"""The products screen: the list a merchant works from, the product page, and the bulk actions.

The list is one page query whatever its length: the category and brand are joined, the price range
(in the default channel) and the stock are subqueries, and the thumbnails come in one more query.
Writes go through the catalogue and pricing services; what the admin form saves itself (the product's
own fields, variants, listings) is followed by `products_changed` in the same transaction, so search,
caches and feeds stay in step.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import IntegerField, Max, Min, OuterRef, Prefetch, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import RelatedDropdownFilter
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminDecimalFieldWidget, UnfoldAdminSelectWidget

from comptoir.backoffice import product_sheets
from comptoir.backoffice.filters import CategoryTreeFilter, MissingFilter, in_tree_order, indented
from comptoir.backoffice.inventory_product import ProductStockMixin
from comptoir.backoffice.product_forms import (
    ProductForm,
    ProductMediaInline,
    VariantInline,
    delete_files_after_commit,
    media_files,
    save_media,
    save_variant_prices,
)
from comptoir.catalog.kinds import KIND_RULES
from comptoir.catalog.models import (
    AttributeValue,
    Category,
    Product,
    ProductChannelListing,
    ProductMedia,
    ProductStatus,
    Variant,
)
from comptoir.catalog.services import products_changed, set_products_status
from comptoir.core.errors import DomainError
from comptoir.core.models import Channel
from comptoir.core.money import Money
from comptoir.core.queries import list_active_channels
from comptoir.inventory.models import StockLevel
from comptoir.inventory.queries import FREE
from comptoir.pricing.models import VariantPrice
from comptoir.pricing.services import change_prices_by_percentage

STATUS_LABELS = {ProductStatus.PUBLISHED: "success", ProductStatus.DRAFT: "info", ProductStatus.ARCHIVED: "warning"}


def default_channel() -> Channel | None:
    """The channel whose prices the list shows: the default one, else the first active one (cached)."""
    channels = list_active_channels()
    return channels[0] if channels else None


class PriceChangeForm(forms.Form):
    percentage = forms.DecimalField(
        label=_("Change prices by (%)"),
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("-99.99"),
        max_value=Decimal("1000"),
        # xgettext:no-python-format (the percent sign is literal: this text is never %-formatted)
        help_text=_("Positive raises prices, negative lowers them: -10 takes 10% off."),
        widget=UnfoldAdminDecimalFieldWidget,
    )
    channel = forms.ModelChoiceField(
        label=_("In channel"),
        queryset=Channel.objects.order_by("position", "pk"),
        required=False,
        empty_label=_("All channels"),
        widget=UnfoldAdminSelectWidget,
    )

    def clean_percentage(self) -> Decimal:
        percentage = self.cleaned_data["percentage"]
        if percentage == 0:
            # xgettext:no-python-format (the percent sign is literal: this text is never %-formatted)
            raise forms.ValidationError(_("A change of 0% changes nothing."))
        return percentage


class ProductAdmin(ProductStockMixin, ModelAdmin):
    form = ProductForm
    inlines = [VariantInline, ProductMediaInline]
    list_display = ["product", "kind", "status_label", "category", "brand", "price_range", "stock", "updated_at"]
    list_display_links = ["product"]
    list_select_related = ["category", "brand"]
    list_per_page = 50
    search_fields = ["name", "slug", "variants__sku", "variants__gtin", "brand__name"]
    search_help_text = _("Name, slug, SKU, barcode or brand")
    list_filter = [
        "status",
        "kind",
        CategoryTreeFilter,
        MissingFilter,
        ("brand", RelatedDropdownFilter),
        ("channel_listings__channel", RelatedDropdownFilter),
        "is_featured",
    ]
    list_filter_submit = True
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (
            _("General"),
            {
                "classes": ["tab"],
                "fields": ["name", "slug", "kind", "tax_class", "category", "brand", "description", "attribute_values"],
            },
        ),
        (
            _("Publication"),
            {"classes": ["tab"], "fields": ["status", ("published_from", "published_until"), "is_featured"]},
        ),
        (_("Channels"), {"classes": ["tab"], "fields": ["channels"]}),
        (_("SEO"), {"classes": ["tab"], "fields": ["seo_title", "seo_description"]}),
    ]
    actions = ["publish", "unpublish", "archive", "change_prices", "export_selected_csv", "export_selected_xlsx"]
    actions_list = [
        "import_sheet",
        {"title": _("Export"), "icon": "download", "items": ["export_all_csv", "export_all_xlsx"]},
    ]

    # --- the list -----------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest):
        queryset = super().get_queryset(request)
        stock = (
            StockLevel.objects.filter(variant__product=OuterRef("pk"), location__is_active=True)
            .order_by()
            .values("variant__product")
            .annotate(total=Sum(FREE))
            .values("total")
        )
        queryset = queryset.annotate(stock_available=Coalesce(Subquery(stock, output_field=IntegerField()), Value(0)))
        channel = default_channel()
        if channel is not None:
            prices = VariantPrice.objects.filter(channel=channel, variant__product=OuterRef("pk")).order_by()
            grouped = prices.values("variant__product")
            queryset = queryset.annotate(
                price_currency=Value(channel.currency),
                min_price=Subquery(grouped.annotate(low=Min("amount")).values("low")),
                max_price=Subquery(grouped.annotate(high=Max("amount")).values("high")),
            )
        return queryset

    def get_changelist_instance(self, request: HttpRequest):
        changelist = super().get_changelist_instance(request)
        first_images = Prefetch("media", queryset=ProductMedia.objects.order_by("position", "pk"), to_attr="images")
        changelist.result_list = changelist.result_list.prefetch_related(first_images)
        return changelist

    @display(description=_("Product"), header=True, ordering="name")
    def product(self, obj: Product) -> list[Any]:
        picture = None
        if media := next(iter(getattr(obj, "images", [])), None):
            smallest = (media.renditions or [None])[0]
            url = default_storage.url(smallest["name"]) if smallest else media.image.url
            picture = {"path": url, "squared": True, "width": 40, "height": 40}
        return [obj.name, obj.slug, obj.name[:1].upper(), picture]

    @display(description=_("Status"), ordering="status", label=STATUS_LABELS)
    def status_label(self, obj: Product) -> tuple[str, str]:
        return obj.status, obj.get_status_display()

    @display(description=_("Price"), ordering="min_price")
    def price_range(self, obj: Product) -> str:
        low, high = getattr(obj, "min_price", None), getattr(obj, "max_price", None)
        if low is None:
            return "-"
        locale = (get_language() or "en").replace("-", "_")
        text = Money(low, obj.price_currency).format(locale)
        if high != low:
            text += " \u2013 " + Money(high, obj.price_currency).format(locale)
        return text

    @display(description=_("Stock"), ordering="stock_available")
    def stock(self, obj: Product) -> int | str:
        return obj.stock_available if KIND_RULES[obj.kind].tracks_stock else "-"

    # --- the product page ---------------------------------------------------------------------

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        if channel := default_channel():
            initial.setdefault("channels", [channel.pk])
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "category":
            # The category choice shows the tree, indented, in the order the shop shows it.
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.queryset = in_tree_order(Category.objects.all())
            field.label_from_instance = lambda c: indented(c.name, c.tree_depth)
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "attribute_values":
            field.queryset = AttributeValue.objects.select_related("attribute")
            field.label_from_instance = lambda v: f"{v.attribute.name}: {v.name}"
        return field

    def view_on_site(self, obj: Product) -> str | None:
        try:
            return reverse("storefront:product", kwargs={"slug": obj.slug})
        except NoReverseMatch:
            return None

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if formset.model is Variant:
            formset.save()
            for variant_form in formset.forms:
                if variant_form not in formset.deleted_forms and variant_form.instance.pk:
                    save_variant_prices(variant_form)
        elif formset.model is ProductMedia:
            save_media(form.instance, formset)
        else:
            formset.save()

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        product = form.instance
        wanted = {channel.pk for channel in form.cleaned_data.get("channels", [])}
        listed = set(ProductChannelListing.objects.filter(product=product).values_list("channel_id", flat=True))
        ProductChannelListing.objects.bulk_create(
            [ProductChannelListing(product=product, channel_id=cid) for cid in sorted(wanted - listed)]
        )
        ProductChannelListing.objects.filter(product=product, channel_id__in=sorted(listed - wanted)).delete()
        products_changed([product.pk])

    def delete_model(self, request: HttpRequest, obj: Product) -> None:
        product_id, files = obj.pk, media_files(ProductMedia.objects.filter(product=obj))
        super().delete_model(request, obj)
        products_changed([product_id])
        delete_files_after_commit(files)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        with transaction.atomic():
            ids = list(queryset.values_list("pk", flat=True))
            files = media_files(ProductMedia.objects.filter(product_id__in=ids))
            super().delete_queryset(request, queryset)
            products_changed(ids)
            delete_files_after_commit(files)

    # --- bulk actions -------------------------------------------------------------------------

    def _set_status(self, request: HttpRequest, queryset, status: str) -> tuple[int, int]:
        ids = list(queryset.values_list("pk", flat=True))
        changed = set_products_status(product_ids=ids, status=status)
        return changed, len(ids) - changed

    def _report(self, request: HttpRequest, message: str, unchanged: int) -> None:
        if unchanged:
            message += " " + ngettext("(%(count)d already was.)", "(%(count)d already were.)", unchanged) % {
                "count": unchanged
            }
        self.message_user(request, message, messages.SUCCESS)

    @action(description=_("Publish"), permissions=["change"])
    def publish(self, request: HttpRequest, queryset) -> None:
        changed, unchanged = self._set_status(request, queryset, ProductStatus.PUBLISHED)
        message = ngettext("%(count)d product published.", "%(count)d products published.", changed)
        self._report(request, message % {"count": changed}, unchanged)

    @action(description=_("Unpublish (back to draft)"), permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset) -> None:
        changed, unchanged = self._set_status(request, queryset, ProductStatus.DRAFT)
        message = ngettext("%(count)d product unpublished.", "%(count)d products unpublished.", changed)
        self._report(request, message % {"count": changed}, unchanged)

    @action(description=_("Archive"), permissions=["change"])
    def archive(self, request: HttpRequest, queryset) -> None:
        changed, unchanged = self._set_status(request, queryset, ProductStatus.ARCHIVED)
        message = ngettext("%(count)d product archived.", "%(count)d products archived.", changed)
        self._report(request, message % {"count": changed}, unchanged)

    @action(description=_("Change prices by a percentage"), permissions=["change"])
    def change_prices(self, request: HttpRequest, queryset) -> TemplateResponse | None:
        """Asks for the percentage and channel first; the form posts back to this action with `apply`."""
        form = PriceChangeForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            ids = list(queryset.values_list("pk", flat=True))
            variant_ids = list(Variant.objects.filter(product_id__in=ids).values_list("pk", flat=True))
            channel = form.cleaned_data["channel"]
            percentage = form.cleaned_data["percentage"]
            try:
                with transaction.atomic():
                    changed = change_prices_by_percentage(
                        variant_ids=variant_ids, percentage=percentage, channel_id=channel.pk if channel else None
                    )
                    products_changed(ids)
            except DomainError as exc:
                self.message_user(request, exc.detail, messages.ERROR)
                return None
            self.message_user(
                request,
                ngettext(
                    "%(count)d price of %(products)d product(s) changed by %(percentage)s%%.",
                    "%(count)d prices of %(products)d product(s) changed by %(percentage)s%%.",
                    changed,
                )
                % {"count": changed, "products": len(ids), "percentage": percentage},
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Change prices by a percentage"),
            "form": form,
            "products": list(queryset.order_by("name")[:50]),
            "product_ids": list(queryset.values_list("pk", flat=True)),
            "action": "change_prices",
        }
        return TemplateResponse(request, "backoffice/change_prices.html", context)

    @action(description=_("Export selected (CSV)"), permissions=["view"])
    def export_selected_csv(self, request: HttpRequest, queryset) -> HttpResponse:
        return product_sheets.download(product_ids=list(queryset.values_list("pk", flat=True)), file_format="csv")

    @action(description=_("Export selected (Excel)"), permissions=["view"])
    def export_selected_xlsx(self, request: HttpRequest, queryset) -> HttpResponse:
        return product_sheets.download(product_ids=list(queryset.values_list("pk", flat=True)), file_format="xlsx")

    # --- buttons above the list ---------------------------------------------------------------

    @action(description=_("Import"), icon="upload", url_path="import", permissions=["add", "change"])
    def import_sheet(self, request: HttpRequest) -> HttpResponse:
        return product_sheets.import_view(self, request)

    @action(description=_("All products (CSV)"), url_path="export-csv", permissions=["view"])
    def export_all_csv(self, request: HttpRequest) -> HttpResponse:
        return product_sheets.download(product_ids=None, file_format="csv")

    @action(description=_("All products (Excel)"), url_path="export-xlsx", permissions=["view"])
    def export_all_xlsx(self, request: HttpRequest) -> HttpResponse:
        return product_sheets.download(product_ids=None, file_format="xlsx")
