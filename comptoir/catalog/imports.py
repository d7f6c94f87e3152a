"""Import products from a spreadsheet (CSV or XLSX, one row per variant; see catalog.product_sheet).

All or nothing: every row is checked before anything is written, and one bad row means nothing of the
file is saved; the report then names each bad row with its spreadsheet row number and the reason. A
product is matched by its slug and a variant by its SKU, so importing the same file again updates
rather than duplicates, and an unchanged row writes nothing.

What a cell means:
- a column missing from the file leaves that field as it is; an empty cell clears it (no category, no
  brand, no barcode...), except `kind`, `tax_class` and `status`, where an empty cell keeps the current
  value (and a new product gets the default: physical, standard, draft);
- `kind`, `tax_class` and `status` take their codes in any case (`Reduced` is `reduced`); an unknown
  code is a row error naming the codes accepted;
- an empty `price_<channel>` cell leaves that price as it is (an import never takes a variant off sale
  by omission; remove a price on the product page); a variant's first price in a channel also lists
  its product in that channel;
- a brand or an option value that does not exist yet is created; a category, an option attribute or a
  channel must already exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import DataError, IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from comptoir.catalog import product_sheet
from comptoir.catalog.import_plan import KEEP, Planner, ProductPlan, RowError, VariantPlan, chunks
from comptoir.catalog.models import AttributeValue, Brand, Product, ProductChannelListing, ProductStatus, Variant
from comptoir.catalog.services import products_changed
from comptoir.core.errors import DomainError

__all__ = ["ImportReport", "RowError", "import_products"]


@dataclass(slots=True)
class ImportReport:
    """What an import did, or would do (`dry_run`), or why it did nothing (`errors`)."""

    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    products_created: int = 0
    products_updated: int = 0
    products_unchanged: int = 0
    variants_created: int = 0
    variants_updated: int = 0
    variants_unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> list[int]:
        return sorted({error.row for error in self.errors})

    def summary(self) -> str:
        if self.errors:
            return _("%(count)d row(s) have errors; nothing was imported.") % {"count": len(self.error_rows)}
        text = _(
            "%(rows)d rows: %(pc)d products created, %(pu)d updated, %(pn)d unchanged; "
            "%(vc)d variants created, %(vu)d updated, %(vn)d unchanged."
        ) % {
            "rows": self.rows,
            "pc": self.products_created,
            "pu": self.products_updated,
            "pn": self.products_unchanged,
            "vc": self.variants_created,
            "vu": self.variants_updated,
            "vn": self.variants_unchanged,
        }
        return _("Check only, nothing saved. %(text)s") % {"text": text} if self.dry_run else text


def import_products(*, data: bytes, file_format: str, dry_run: bool = False) -> ImportReport:
    """Create or update products and variants from a product sheet, all or nothing.

    Returns a report; when it has errors nothing was written. With `dry_run` the import runs inside a
    transaction that is rolled back, so the counts are exactly what a real import would do. Raises
    UnreadableSheetError when the file is not a CSV or XLSX sheet at all. Emits
    `catalog.products_changed` once for every product touched, and `pricing.prices_changed` per variant
    whose prices changed.
    """
    sheet = product_sheet.read_sheet(data, file_format=file_format)
    report = ImportReport(rows=len(sheet.rows), dry_run=dry_run)
    planner = Planner(sheet)
    plans = planner.plan()
    if planner.errors:
        report.errors = sorted(planner.errors, key=lambda e: (e.row, e.column))
        return report
    try:
        with transaction.atomic():
            _Writer(planner, report).write(plans)
            if dry_run:
                transaction.set_rollback(True)
    except (IntegrityError, DataError, DomainError) as exc:
        # Someone changed the catalogue between the checks and the writes (a SKU or slug taken meanwhile).
        report.errors = [RowError(0, _("Nothing was imported: %(reason)s. Try again.") % {"reason": exc})]
        report.products_created = report.products_updated = report.products_unchanged = 0
        report.variants_created = report.variants_updated = report.variants_unchanged = 0
    return report


class _Writer:
    """Applies checked plans; compares with what is stored so that an unchanged row writes nothing."""

    def __init__(self, planner: Planner, report: ImportReport) -> None:
        self.planner = planner
        self.report = report
        self.now = timezone.now()

    def write(self, plans: Mapping[str, ProductPlan]) -> None:
        brands = self._brands({p.brand for p in plans.values() if p.brand not in (KEEP, "")})
        values = self._option_values(
            {option for p in plans.values() for v in p.variants if v.options is not KEEP for option in v.options}
        )
        touched: list[int] = []
        for plan in plans.values():
            product, created, changed = self._product(plan, brands)
            newly_priced: set[int] = set()
            variants_changed = [self._variant(product, v, values, newly_priced) for v in plan.variants]
            if self._list_in_channels(product, newly_priced, created=created):
                changed = True
            if created:
                self.report.products_created += 1
            elif changed:
                self.report.products_updated += 1
            else:
                self.report.products_unchanged += 1
            if changed or any(variants_changed):
                touched.append(product.pk)
        products_changed(touched)

    def _brands(self, names: set[str]) -> dict[str, int]:
        wanted = {name.lower(): name for name in names}
        found: dict[str, int] = {}
        for chunk in chunks(sorted(wanted)):
            rows = Brand.objects.annotate(lname=Lower("name")).filter(lname__in=chunk).values_list("lname", "pk")
            found.update(rows)
        for key, name in sorted(wanted.items()):
            if key not in found:
                found[key] = Brand.objects.create(name=name, slug=_free_slug(Brand.objects.all(), name)).pk
        return found

    def _option_values(self, options: set[tuple[int, str]]) -> dict[tuple[int, str], int]:
        known = self.planner.values
        ids: dict[tuple[int, str], int] = {}
        for attribute_id, name in sorted(options):
            key = (attribute_id, name.lower())
            if key not in known:
                siblings = AttributeValue.objects.filter(attribute_id=attribute_id)
                known[key] = AttributeValue.objects.create(
                    attribute_id=attribute_id, name=name, slug=_free_slug(siblings, name)
                )
            ids[key] = known[key].pk
        return ids

    def _product(self, plan: ProductPlan, brands: dict[str, int]) -> tuple[Product, bool, bool]:
        """The product of `plan`, created or brought up to date: (product, created, changed)."""
        wanted: dict[str, Any] = {"name": plan.name}
        for name in ("kind", "tax_class", "status", "category_id", "description"):
            if getattr(plan, name) is not KEEP:
                wanted[name] = getattr(plan, name)
        if plan.brand is not KEEP:
            wanted["brand_id"] = brands[plan.brand.lower()] if plan.brand else None
        product = self.planner.products.get(plan.slug)
        if product is None:
            wanted.setdefault("status", ProductStatus.DRAFT)
            if wanted["status"] == ProductStatus.PUBLISHED:
                wanted["published_from"] = self.now  # as set_products_status does on first publication
            return Product.objects.create(slug=plan.slug, **wanted), True, True
        changed = [name for name, value in wanted.items() if getattr(product, name) != value]
        if "status" in changed and wanted["status"] == ProductStatus.PUBLISHED and product.published_from is None:
            wanted["published_from"] = self.now
            changed.append("published_from")
        for name in changed:
            setattr(product, name, wanted[name])
        if changed:
            product.save(update_fields=[*changed, "updated_at"])
        return product, False, bool(changed)

    def _list_in_channels(self, product: Product, channel_ids: set[int], *, created: bool) -> bool:
        """List the product where the import gave it its first price; never unlists. True when it listed it."""
        listed = set() if created else {listing.channel_id for listing in product.channel_listings.all()}
        missing = sorted(channel_ids - listed)
        ProductChannelListing.objects.bulk_create(
            [ProductChannelListing(product=product, channel_id=channel_id) for channel_id in missing]
        )
        return bool(missing)

    def _variant(
        self, product: Product, plan: VariantPlan, value_ids: dict[tuple[int, str], int], newly_priced: set[int]
    ) -> bool:
        """Create or update one variant, its options and prices; adds to `newly_priced` the channels it
        had no price in before. True when anything changed."""
        from comptoir.pricing.services import set_variant_prices

        wanted = {
            name: getattr(plan, name) for name in ("gtin", "name", "weight_grams") if getattr(plan, name) is not KEEP
        }
        options = None
        if plan.options is not KEEP:
            options = sorted(value_ids[(attribute_id, name.lower())] for attribute_id, name in plan.options)
        variant = self.planner.variants.get(plan.sku)
        if variant is None:
            position = product.variants.count()
            variant = Variant.objects.create(product=product, sku=plan.sku, position=position, **wanted)
            current_options, current_prices = [], {}
            created, changed = True, True
        else:
            current_options = sorted(value.pk for value in variant.option_values.all())
            current_prices = {price.channel_id: price for price in variant.prices.all()}
            fields = [name for name, value in wanted.items() if getattr(variant, name) != value]
            for name in fields:
                setattr(variant, name, wanted[name])
            if fields:
                variant.save(update_fields=[*fields, "updated_at"])
            created, changed = False, bool(fields)
        if options is not None and options != current_options:
            variant.option_values.set(options)
            changed = True
        prices, compare_at = self._price_changes(plan, current_prices)
        newly_priced.update(set(prices) - set(current_prices))
        if prices:
            set_variant_prices(variant_id=variant.pk, prices=prices, compare_at=compare_at)
            changed = True
        if created:
            self.report.variants_created += 1
        elif changed:
            self.report.variants_updated += 1
        else:
            self.report.variants_unchanged += 1
        return changed

    @staticmethod
    def _price_changes(plan: VariantPlan, current: Mapping[int, Any]) -> tuple[dict, dict]:
        prices, compare_at = {}, {}
        for channel_id, amount in plan.prices.items():
            row = current.get(channel_id)
            former = plan.compare_at.get(channel_id, KEEP)
            if former is KEEP:  # no compare-at column: keep the stored one while it still makes sense
                stored = row.compare_at_amount if row is not None else None
                former = stored if stored is not None and stored > amount else None
            if row is None or row.amount != amount or row.compare_at_amount != former:
                prices[channel_id] = amount
                compare_at[channel_id] = former
        return prices, compare_at


def _free_slug(queryset, name: str) -> str:
    base = slugify(name)[:70] or "item"
    slug, n = base, 1
    while queryset.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug
