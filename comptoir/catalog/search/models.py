"""What search reads: one document per product, and the product's codes for exact SKU and barcode matches.

Both are derived data, written only by `comptoir.catalog.search.reindex_products()` (called by the
catalogue services inside their transactions) and rebuilt whole by `manage.py rebuild_search_index`.
Imported at the end of catalog/models.py, so they belong to the catalog app.

Each database indexes the document its own way, set up by migration 0002_search_document:
- PostgreSQL: a generated, weighted `search_vector` tsvector column with a GIN index;
- SQLite: an FTS5 table `catalog_search_fts` kept in step by triggers on this table. A later migration that
  alters this table makes SQLite copy it into a new table, which drops the triggers: such a migration must
  create them again (see 0002_search_document);
- MariaDB/MySQL: a FULLTEXT index over all the text columns.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    """A product as search sees it. Every text column holds folded words (see search/text.py).

    Ranking groups: `name` and `skus` first, then `brand` and `categories`, then `body`.
    """

    product = models.OneToOneField(
        "catalog.Product", primary_key=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )
    name = models.TextField(blank=True, default="")
    skus = models.TextField(blank=True, default="", help_text="SKUs and barcodes of the variants, as words.")
    brand = models.TextField(blank=True, default="")
    categories = models.TextField(blank=True, default="", help_text="Category names from the root down.")
    body = models.TextField(
        blank=True, default="", help_text="Attribute and option values, variant names, description excerpt."
    )
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")

    def __str__(self) -> str:
        return self.name


class SearchCode(models.Model):
    """A SKU or barcode of a product, folded (search/text.py `fold_code`), for an exact match ranked first."""

    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=100)

    class Meta:
        verbose_name = _("search code")
        verbose_name_plural = _("search codes")
        constraints = [
            # Leading with `code`, it is also the index the exact-match lookup uses.
            models.UniqueConstraint(fields=["code", "product"], name="catalog_searchcode_unique"),
        ]

    def __str__(self) -> str:
        return self.code
