"""Reading a product sheet into a plan: every row checked against the catalogue before anything is written.

`Planner.plan()` returns what each product and variant of the file should become and collects every
problem as a `RowError` (row number, column, reason); `catalog.imports` writes the plan only when there
is none. Catalogue lookups are made once per file, in chunks, whatever its number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db.models import Prefetch
from django.utils.text import slugify
from django.utils.translation import gettext as _

from comptoir.catalog import product_sheet
from comptoir.catalog.errors import InvalidProductError
from comptoir.catalog.kinds import ProductKind
from comptoir.catalog.models import (
    Attribute,
    AttributeValue,
    Brand,
    Category,
    Product,
    ProductChannelListing,
    ProductStatus,
    Variant,
)
from comptoir.catalog.services import sanitize_description, validate_gtin
from comptoir.core.imports import RowError
from comptoir.core.models import Channel
from comptoir.core.money import Money
from comptoir.taxes.classes import TaxClass

CHUNK = 500  # ids per IN (...) lookup: well under every database's bound-parameter limit
MAX_PRICE = Decimal(10) ** 10  # what VariantPrice's DecimalField(14, 4) holds
MAX_WEIGHT = 2_147_483_647  # a PositiveIntegerField on every database


class Keep:
    """The column is not in the file: leave the field as it is."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = Keep()


@dataclass(slots=True)
class VariantPlan:
    row: int
    sku: str
    gtin: Any = KEEP
    name: Any = KEEP
    options: Any = KEEP  # list of (attribute id, value name)
    weight_grams: Any = KEEP
    prices: dict[int, Decimal] = field(default_factory=dict)  # channel id -> amount (quantized)
    compare_at: dict[int, Any] = field(default_factory=dict)  # channel id -> amount, None or KEEP


@dataclass(slots=True)
class ProductPlan:
    slug: str
    row: int
    cells: dict[str, str]
    name: str = ""
    kind: Any = KEEP
    tax_class: Any = KEEP
    status: Any = KEEP
    category_id: Any = KEEP
    brand: Any = KEEP  # brand name, "" for none
    description: Any = KEEP
    variants: list[VariantPlan] = field(default_factory=list)


def _cell_key(column: str, text: str) -> str:
    # A tax class code is read case-insensitively, so "Reduced" on one row and "reduced" on the next agree.
    return text.lower() if column == "tax_class" else text


def chunks(items: list) -> list[list]:
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]


class Planner:
    """Checks every row against the catalogue and turns the sheet into plans, collecting every error."""

    def __init__(self, sheet: product_sheet.Sheet) -> None:
        self.sheet = sheet
        self.columns = set(sheet.header)
        self.errors: list[RowError] = []
        self.channels = {c.slug: c for c in Channel.objects.all()}
        self.price_columns: dict[str, Channel] = {}
        self.compare_columns: dict[str, Channel] = {}
        self.products: dict[str, Product] = {}
        self.variants: dict[str, Variant] = {}
        self.attributes: dict[str, Attribute] = {}
        self.values: dict[tuple[int, str], AttributeValue] = {}

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, message, column))

    def plan(self) -> dict[str, ProductPlan]:
        self._check_header()
        self._load_catalogue()
        plans: dict[str, ProductPlan] = {}
        skus: dict[str, int] = {}
        for number, cells in self.sheet.rows:
            plan = self._product(number, cells, plans)
            if plan is not None:
                self._variant(number, cells, plan, skus)
        return plans

    def _check_header(self) -> None:
        seen: set[str] = set()
        for column in self.sheet.header:
            if not column:
                continue
            if column in seen:
                self.error(1, column, _("The column %(column)s appears twice.") % {"column": column})
            seen.add(column)
            if column in product_sheet.FIXED_COLUMNS:
                continue
            for prefix, found in (
                (product_sheet.PRICE_PREFIX, self.price_columns),
                (product_sheet.COMPARE_AT_PREFIX, self.compare_columns),
            ):
                if column.startswith(prefix):
                    slug = column.removeprefix(prefix)
                    if slug in self.channels:
                        found[column] = self.channels[slug]
                    else:
                        known = ", ".join(sorted(self.channels)) or "-"
                        self.error(
                            1,
                            column,
                            _("There is no sales channel %(slug)s (channels: %(known)s).")
                            % {"slug": slug, "known": known},
                        )
                    break
            else:
                self.error(1, column, _("Unknown column %(column)s.") % {"column": column})
        if "sku" not in self.columns:
            self.error(1, "sku", _("The file needs a sku column."))
        if not self.columns & {"product_slug", "product_name"}:
            self.error(1, "product_name", _("The file needs a product_slug or product_name column."))

    def _load_catalogue(self) -> None:
        rows = self.sheet.rows
        slugs = sorted({c.get("product_slug") or slugify(c.get("product_name", "")) for _n, c in rows} - {""})
        for chunk in chunks(slugs):
            listings = Prefetch("channel_listings", queryset=ProductChannelListing.objects.only("product", "channel"))
            for product in Product.objects.filter(slug__in=chunk).prefetch_related(listings):
                self.products[product.slug] = product
        skus = sorted({c["sku"] for _n, c in rows if c.get("sku")})
        for chunk in chunks(skus):
            found = Variant.objects.filter(sku__in=chunk).select_related("product")
            for variant in found.prefetch_related("option_values", "prices"):
                self.variants[variant.sku] = variant
        self.categories = dict(Category.objects.values_list("slug", "pk"))
        for attribute in Attribute.objects.all():
            self.attributes.setdefault(attribute.slug.lower(), attribute)
            self.attributes.setdefault(attribute.name.lower(), attribute)
        if "options" in self.columns:
            for value in AttributeValue.objects.all():
                self.values.setdefault((value.attribute_id, value.name.lower()), value)
                self.values.setdefault((value.attribute_id, value.slug.lower()), value)

    def _product(self, number: int, cells: dict[str, str], plans: dict[str, ProductPlan]) -> ProductPlan | None:
        name = cells.get("product_name", "")
        slug = cells.get("product_slug", "") or slugify(name)
        if not slug:
            self.error(number, "product_name", _("A product needs a name."))
            return None
        try:
            validate_slug(slug)
            if len(slug) > Product._meta.get_field("slug").max_length:
                raise ValidationError("too long")
        except ValidationError:
            self.error(number, "product_slug", _("%(slug)s is not a valid slug.") % {"slug": slug})
            return None
        plan = plans.get(slug)
        if plan is not None:  # a further variant of a product already seen: its product cells must agree
            for column in product_sheet.PRODUCT_COLUMNS[1:]:
                if cells.get(column) and _cell_key(column, cells[column]) != _cell_key(
                    column, plan.cells.get(column, "")
                ):
                    self.error(
                        number,
                        column,
                        _("Differs from row %(row)d of the same product.") % {"row": plan.row},
                    )
            return plan
        plan = plans[slug] = ProductPlan(slug=slug, row=number, cells=cells)
        if not name:
            self.error(number, "product_name", _("A product needs a name."))
        elif len(name) > Product._meta.get_field("name").max_length:
            self.error(number, "product_name", _("The name is longer than 200 characters."))
        plan.name = name
        plan.kind = self._choice(number, cells, "kind", ProductKind.values)
        plan.tax_class = self._choice(number, cells, "tax_class", TaxClass.values)
        plan.status = self._choice(number, cells, "status", ProductStatus.values)
        if "category_slug" in self.columns:
            category = cells.get("category_slug", "")
            plan.category_id = self.categories.get(category) if category else None
            if category and plan.category_id is None:
                self.error(number, "category_slug", _("There is no category %(slug)s.") % {"slug": category})
        if "brand" in self.columns:
            plan.brand = cells.get("brand", "")
            if len(plan.brand) > Brand._meta.get_field("name").max_length:
                self.error(number, "brand", _("The brand name is longer than 120 characters."))
        if "description" in self.columns:
            plan.description = sanitize_description(cells.get("description", ""))
        return plan

    def _choice(self, number: int, cells: dict[str, str], column: str, allowed: list[str]) -> Any:
        value = cells.get(column, "").lower()
        if not value:
            return KEEP
        if value not in allowed:
            self.error(
                number,
                column,
                _("Unknown %(column)s %(value)s (use one of: %(allowed)s).")
                % {"column": column, "value": value, "allowed": ", ".join(allowed)},
            )
        return value

    def _variant(self, number: int, cells: dict[str, str], plan: ProductPlan, skus: dict[str, int]) -> None:
        sku = cells.get("sku", "")
        priced = [c for c in (*self.price_columns, *self.compare_columns) if cells.get(c)]
        if not sku:
            if priced or any(cells.get(c) for c in product_sheet.VARIANT_COLUMNS):
                self.error(number, "sku", _("A variant needs a SKU."))
            return  # a product-only row: a product without variants yet
        if sku in skus:
            self.error(number, "sku", _("SKU %(sku)s is also on row %(row)d.") % {"sku": sku, "row": skus[sku]})
            return
        skus[sku] = number
        if len(sku) > Variant._meta.get_field("sku").max_length:
            self.error(number, "sku", _("The SKU is longer than 64 characters."))
        existing = self.variants.get(sku)
        if existing is not None and existing.product.slug != plan.slug:
            self.error(
                number,
                "sku",
                _("SKU %(sku)s belongs to the product %(slug)s.") % {"sku": sku, "slug": existing.product.slug},
            )
        variant = VariantPlan(row=number, sku=sku)
        if "gtin" in self.columns:
            try:
                variant.gtin = validate_gtin(cells.get("gtin", ""))
            except InvalidProductError:
                self.error(number, "gtin", _("%(gtin)s is not a valid GTIN barcode.") % {"gtin": cells.get("gtin", "")})
        if "variant_name" in self.columns:
            variant.name = cells.get("variant_name", "")
            if len(variant.name) > Variant._meta.get_field("name").max_length:
                self.error(number, "variant_name", _("The variant name is longer than 200 characters."))
        if "options" in self.columns:
            variant.options = self._options(number, cells.get("options", ""))
        if "weight_grams" in self.columns:
            variant.weight_grams = self._weight(number, cells.get("weight_grams", ""))
        self._prices(number, cells, variant)
        plan.variants.append(variant)

    def _options(self, number: int, text: str) -> list[tuple[int, str]]:
        try:
            pairs = product_sheet.parse_options(text)
        except ValueError as exc:
            self.error(number, "options", _("Write options as size:M|colour:Blue (%(problem)s).") % {"problem": exc})
            return []
        options: list[tuple[int, str]] = []
        for attribute_name, value in pairs:
            attribute = self.attributes.get(attribute_name.lower())
            if attribute is None:
                self.error(
                    number,
                    "options",
                    _("There is no attribute %(name)s; create it first.") % {"name": attribute_name},
                )
            elif any(attribute.pk == chosen for chosen, _value in options):
                self.error(number, "options", _("%(name)s is given twice.") % {"name": attribute_name})
            elif len(value) > AttributeValue._meta.get_field("name").max_length or not slugify(value):
                self.error(number, "options", _("%(value)s is not a usable option value.") % {"value": value})
            else:
                options.append((attribute.pk, value))
        return options

    def _weight(self, number: int, text: str) -> int | None:
        if not text:
            return None
        try:
            weight = Decimal(text.replace(",", "."))
        except InvalidOperation:
            weight = None
        if weight is None or not weight.is_finite() or weight < 0 or weight > MAX_WEIGHT or weight % 1:
            self.error(number, "weight_grams", _("%(value)s is not a weight in whole grams.") % {"value": text})
            return None
        return int(weight)

    def _prices(self, number: int, cells: dict[str, str], variant: VariantPlan) -> None:
        for column, channel in self.price_columns.items():
            amount = self._amount(number, column, cells.get(column, ""), channel)
            if amount is not None:
                variant.prices[channel.pk] = amount
        for column, channel in self.compare_columns.items():
            text = cells.get(column, "")
            price = variant.prices.get(channel.pk)
            if not text:
                if price is not None:
                    variant.compare_at[channel.pk] = None
                continue
            former = self._amount(number, column, text, channel)
            if former is None:
                continue
            if price is None:
                price_column = product_sheet.PRICE_PREFIX + channel.slug
                if not cells.get(price_column):
                    self.error(number, column, _("A compare-at price needs a price in the same row."))
            elif former <= price:
                self.error(number, column, _("The compare-at price must be higher than the price."))
            else:
                variant.compare_at[channel.pk] = former

    def _amount(self, number: int, column: str, text: str, channel: Channel) -> Decimal | None:
        if not text:
            return None
        # A French spreadsheet writes 19,90: a lone comma is a decimal mark, never a thousands separator here.
        normalized = text.replace(" ", "").replace("\u00a0", "")
        if normalized.count(",") == 1 and "." not in normalized:
            normalized = normalized.replace(",", ".")
        try:
            amount = Decimal(normalized)
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            self.error(number, column, _("%(value)s is not a price.") % {"value": text})
            return None
        if amount < 0:
            self.error(number, column, _("A price cannot be negative (%(value)s).") % {"value": text})
            return None
        if amount >= MAX_PRICE:
            self.error(number, column, _("%(value)s is too large for a price.") % {"value": text})
            return None
        return Money(amount, channel.currency).quantize().amount
