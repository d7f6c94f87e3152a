"""The catalogue in the back office: products (comptoir.backoffice.products), categories, brands, attributes
and collections.

The admin saves these plain rows itself, then tells the catalogue what changed in the same transaction
(`products_changed`, `categories_changed`), so search, caches and feeds stay in step.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display

from comptoir.backoffice.filters import UnderCategoryFilter, in_tree_order, indented, tree_rank_and_depth
from comptoir.backoffice.products import ProductAdmin
from comptoir.backoffice.widgets import PreloadedAutocompleteSelect
from comptoir.catalog.models import (
    Attribute,
    AttributeValue,
    Brand,
    Category,
    Collection,
    CollectionProduct,
    Product,
)
from comptoir.catalog.queries import category_tree
from comptoir.catalog.services import categories_changed, products_changed

admin.site.register(Product, ProductAdmin)

SEO = (_("SEO"), {"classes": ["collapse"], "fields": ["seo_title", "seo_description"]})


def _product_ids(queryset) -> list[int]:
    return list(queryset.order_by().values_list("pk", flat=True).distinct())


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name", "slug", "parent", "position", "description", "seo_title", "seo_description"]

    def clean_parent(self) -> Category | None:
        parent = self.cleaned_data.get("parent")
        if parent is not None and self.instance.pk:
            tree = category_tree()
            below = tree.descendant_ids(self.instance.pk) if self.instance.pk in tree.nodes else [self.instance.pk]
            if parent.pk in below:
                raise forms.ValidationError(_("A category cannot be placed under itself or one of its subcategories."))
        return parent


@admin.register(Category)
class CategoryAdmin(ModelAdmin):
    """Categories in tree order, indented; the tree is read from its cache, so the list costs no extra query."""

    form = CategoryForm
    list_display = ["tree_name", "slug", "product_count", "position"]
    list_filter = [UnderCategoryFilter]
    list_filter_submit = True
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [(None, {"fields": ["name", "slug", "parent", "position", "description"]}), SEO]

    def get_queryset(self, request: HttpRequest):
        return in_tree_order(super().get_queryset(request)).annotate(product_count=Count("products"))

    def get_ordering(self, request: HttpRequest):
        # Also the order of every category choice in other screens (Django asks the related admin).
        rank, _depth = tree_rank_and_depth()
        return [rank.asc(), "pk"]

    @display(description=_("Name"), ordering="name")
    def tree_name(self, obj: Category) -> str:
        return indented(obj.name, obj.tree_depth)

    @display(description=_("Products"), ordering="product_count")
    def product_count(self, obj: Category) -> int:
        return obj.product_count

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "parent":
            field.queryset = in_tree_order(Category.objects.all())
            field.label_from_instance = lambda c: indented(c.name, c.tree_depth)
        return field

    def save_model(self, request: HttpRequest, obj: Category, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        categories_changed()

    def delete_model(self, request: HttpRequest, obj: Category) -> None:
        super().delete_model(request, obj)
        categories_changed()

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        with transaction.atomic():
            super().delete_queryset(request, queryset)
            categories_changed()


@admin.register(Brand)
class BrandAdmin(ModelAdmin):
    list_display = ["name", "slug", "product_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [(None, {"fields": ["name", "slug", "description"]}), SEO]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(product_count=Count("products"))

    @display(description=_("Products"), ordering="product_count")
    def product_count(self, obj: Brand) -> int:
        return obj.product_count

    def save_model(self, request: HttpRequest, obj: Brand, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        products_changed(_product_ids(Product.objects.filter(brand=obj)))

    def delete_model(self, request: HttpRequest, obj: Brand) -> None:
        ids = _product_ids(Product.objects.filter(brand=obj))
        super().delete_model(request, obj)
        products_changed(ids)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        with transaction.atomic():
            ids = _product_ids(Product.objects.filter(brand__in=queryset))
            super().delete_queryset(request, queryset)
            products_changed(ids)


class AttributeValueInline(TabularInline):
    model = AttributeValue
    fields = ["name", "slug", "swatch", "position"]
    prepopulated_fields = {"slug": ["name"]}
    extra = 0


def _products_using(attributes) -> list[int]:
    return _product_ids(
        Product.objects.filter(
            Q(attribute_values__attribute__in=attributes) | Q(variants__option_values__attribute__in=attributes)
        )
    )


@admin.register(Attribute)
class AttributeAdmin(ModelAdmin):
    list_display = ["name", "slug", "is_variant_option", "is_filterable", "value_count", "position"]
    list_filter = ["is_variant_option", "is_filterable"]
    search_fields = ["name", "slug", "values__name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AttributeValueInline]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(value_count=Count("values"))

    @display(description=_("Values"), ordering="value_count")
    def value_count(self, obj: Attribute) -> int:
        return obj.value_count

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        # Products that lose a deleted value are only found before the delete.
        before = _products_using([form.instance.pk]) if change else []
        super().save_related(request, form, formsets, change)
        products_changed(before + _products_using([form.instance.pk]))

    def delete_model(self, request: HttpRequest, obj: Attribute) -> None:
        ids = _products_using([obj.pk])
        super().delete_model(request, obj)
        products_changed(ids)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        with transaction.atomic():
            ids = _products_using(list(queryset.values_list("pk", flat=True)))
            super().delete_queryset(request, queryset)
            products_changed(ids)


class CollectionProductInline(TabularInline):
    """The collection's products, in the order the shop shows them (drag to reorder)."""

    model = CollectionProduct
    fields = ["product", "position"]
    autocomplete_fields = ["product"]
    ordering_field = "position"
    hide_ordering_field = True
    show_title = False  # each row already shows its product; the membership row's own name says nothing
    extra = 0

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("product")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "product":
            kwargs["widget"] = PreloadedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request: HttpRequest, obj: Collection | None = None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None:
            members = CollectionProduct.objects.filter(collection=obj).values_list("product_id", "product__name")
            widget = formset.form.base_fields["product"].widget
            getattr(widget, "widget", widget).labels = {str(pk): name for pk, name in members}
        return formset


@admin.register(Collection)
class CollectionAdmin(ModelAdmin):
    list_display = ["name", "slug", "is_published", "is_featured", "product_count", "position"]
    list_filter = ["is_published", "is_featured"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "description", ("is_published", "is_featured"), "position"]}),
        SEO,
    ]
    inlines = [CollectionProductInline]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(product_count=Count("products"))

    @display(description=_("Products"), ordering="product_count")
    def product_count(self, obj: Collection) -> int:
        return obj.product_count

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        members = CollectionProduct.objects.filter(collection=form.instance)
        before = list(members.values_list("product_id", flat=True)) if change else []
        super().save_related(request, form, formsets, change)
        products_changed(before + list(members.values_list("product_id", flat=True)))

    def delete_model(self, request: HttpRequest, obj: Collection) -> None:
        ids = list(CollectionProduct.objects.filter(collection=obj).values_list("product_id", flat=True))
        super().delete_model(request, obj)
        products_changed(ids)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        with transaction.atomic():
            members = CollectionProduct.objects.filter(collection__in=queryset)
            ids = list(members.values_list("product_id", flat=True))
            super().delete_queryset(request, queryset)
            products_changed(ids)
