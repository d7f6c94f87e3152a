"""Catalogue: what the shop sells.

A `Product` is what a buyer looks at (name, description, images); a `Variant` is what goes in the basket
(SKU, barcode, weight, option values such as size and colour). Prices live in `pricing`, stock in
`inventory`. Products are visible in a channel when published, inside their publication dates, and
listed in that channel (`ProductChannelListing`).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from comptoir.catalog.kinds import KindRules, ProductKind, rules_for
from comptoir.taxes.classes import TaxClass


class SeoFields(models.Model):
    seo_title = models.CharField(_("SEO title"), max_length=70, blank=True, default="")
    seo_description = models.CharField(_("SEO description"), max_length=160, blank=True, default="")

    class Meta:
        abstract = True


class Brand(SeoFields):
    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    description = models.TextField(_("description"), blank=True, default="")

    class Meta:
        verbose_name = _("brand")
        verbose_name_plural = _("brands")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Category(SeoFields):
    """A node of the category tree. The tree is small and read whole (catalog.queries.category_tree)."""

    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    description = models.TextField(_("description"), blank=True, default="")
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Attribute(models.Model):
    """A property of products ("Material") or an option that tells variants apart ("Size", "Colour")."""

    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    is_variant_option = models.BooleanField(
        _("variant option"), default=False, help_text=_("Buyers choose a value of it (size, colour).")
    )
    is_filterable = models.BooleanField(_("filterable"), default=True, help_text=_("Offered as a listing filter."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("attribute")
        verbose_name_plural = _("attributes")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class AttributeValue(models.Model):
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="values")
    name = models.CharField(_("value"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=80)
    swatch = models.CharField(_("colour swatch"), max_length=7, blank=True, default="", help_text="#RRGGBB")
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("attribute value")
        verbose_name_plural = _("attribute values")
        ordering = ["attribute_id", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["attribute", "slug"], name="catalog_attributevalue_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.name


class ProductStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Product(SeoFields):
    kind = models.CharField(_("kind"), max_length=20, choices=ProductKind.choices, default=ProductKind.PHYSICAL)
    tax_class = models.CharField(
        _("tax class"),
        max_length=20,
        choices=TaxClass.choices,
        default=TaxClass.STANDARD,
        help_text=_("Which of each country's rates applies: standard, reduced (books, food), and so on."),
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    brand = models.ForeignKey(
        Brand, verbose_name=_("brand"), null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="products"
    )
    description = models.TextField(
        _("description"), blank=True, default="", help_text=_("Rich text; sanitised when saved.")
    )
    attribute_values = models.ManyToManyField(
        AttributeValue, verbose_name=_("attributes"), blank=True, related_name="products"
    )
    status = models.CharField(_("status"), max_length=10, choices=ProductStatus.choices, default=ProductStatus.DRAFT)
    published_from = models.DateTimeField(_("published from"), null=True, blank=True)
    published_until = models.DateTimeField(_("published until"), null=True, blank=True)
    is_featured = models.BooleanField(_("featured"), default=False)
    min_quantity = models.PositiveIntegerField(
        _("minimum per order"), default=1, help_text=_("A buyer cannot order fewer units of a variant.")
    )
    max_quantity = models.PositiveIntegerField(
        _("maximum per order"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "category"], name="catalog_product_status_cat_idx"),
            models.Index(fields=["-created_at", "-id"], name="catalog_product_newest_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(published_until__isnull=True)
                | Q(published_from__isnull=True)
                | Q(published_until__gt=F("published_from")),
                name="catalog_product_publication_window",
            ),
            models.CheckConstraint(condition=Q(min_quantity__gte=1), name="catalog_product_min_quantity_gte_1"),
            models.CheckConstraint(
                condition=Q(max_quantity__isnull=True) | Q(max_quantity__gte=F("min_quantity")),
                name="catalog_product_max_quantity_gte_min",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def rules(self) -> KindRules:
        return rules_for(self.kind)


class ProductChannelListing(models.Model):
    """A product is offered in a channel only when listed there."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="channel_listings")
    channel = models.ForeignKey("core.Channel", on_delete=models.CASCADE, related_name="product_listings")
    is_visible = models.BooleanField(_("visible in listings"), default=True)
    available_from = models.DateTimeField(_("purchasable from"), null=True, blank=True)

    class Meta:
        verbose_name = _("channel listing")
        verbose_name_plural = _("channel listings")
        constraints = [
            models.UniqueConstraint(fields=["product", "channel"], name="catalog_productchannellisting_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} in {self.channel_id}"


class Variant(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    gtin = models.CharField(_("GTIN / barcode"), max_length=14, blank=True, default="")
    name = models.CharField(_("name"), max_length=200, blank=True, default="", help_text=_("e.g. 'M / Blue'"))
    option_values = models.ManyToManyField(
        AttributeValue, verbose_name=_("options"), blank=True, related_name="variants"
    )
    weight_grams = models.PositiveIntegerField(_("weight (g)"), null=True, blank=True)
    length_mm = models.PositiveIntegerField(_("length (mm)"), null=True, blank=True)
    width_mm = models.PositiveIntegerField(_("width (mm)"), null=True, blank=True)
    height_mm = models.PositiveIntegerField(_("height (mm)"), null=True, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        ordering = ["product_id", "position", "pk"]
        indexes = [models.Index(fields=["gtin"], name="catalog_variant_gtin_idx")]

    def __str__(self) -> str:
        return self.sku


def product_image_path(instance: ProductMedia, filename: str) -> str:
    return f"products/{instance.product_id}/{filename}"


class ProductMedia(models.Model):
    """An image of a product, with responsive WebP renditions made when it is added.

    `renditions` lists `{"width": w, "height": h, "name": storage name}` from narrowest to widest.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="media")
    image = models.ImageField(_("image"), upload_to=product_image_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    alt = models.CharField(_("alternative text"), max_length=200, blank=True, default="")
    position = models.PositiveIntegerField(_("position"), default=0)
    renditions = models.JSONField(default=list, blank=True, editable=False)
    variants = models.ManyToManyField(Variant, blank=True, related_name="media", verbose_name=_("variants"))

    class Meta:
        verbose_name = _("image")
        verbose_name_plural = _("images")
        ordering = ["product_id", "position", "pk"]

    def __str__(self) -> str:
        return self.alt or self.image.name


class Collection(SeoFields):
    """A hand-picked group of products ("Summer sale", "New in"); featured ones show on the home page."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    description = models.TextField(_("description"), blank=True, default="")
    is_featured = models.BooleanField(_("featured on home page"), default=False)
    is_published = models.BooleanField(_("published"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    products = models.ManyToManyField(Product, through="CollectionProduct", related_name="collections", blank=True)

    class Meta:
        verbose_name = _("collection")
        verbose_name_plural = _("collections")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class CollectionProduct(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE)
    product = models.ForeignKey(Product, on_delete=models.CASCADE)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["collection", "product"], name="catalog_collectionproduct_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} in {self.collection_id}"


# Search documents live with the search code; importing them here makes them catalog models.
from comptoir.catalog.search.models import SearchCode, SearchDocument  # noqa: E402, F401
