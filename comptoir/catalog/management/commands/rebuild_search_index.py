"""`manage.py rebuild_search_index`: rewrite every product's search document.

Run it after installing or upgrading Comptoir on a database that already has products, after changing
how documents are built, and after category renames (a product's document holds its category path).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from comptoir.catalog.models import Product, SearchCode, SearchDocument
from comptoir.catalog.search import reindex_products
from comptoir.catalog.search.documents import BATCH_SIZE


class Command(BaseCommand):
    help = "Rebuild the product search index from the catalogue, in batches."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help=f"Products per transaction (default {BATCH_SIZE})."
        )

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        # Documents of products that no longer exist: none while the foreign keys hold, but cheap to be sure.
        with transaction.atomic():
            orphans = SearchDocument.objects.exclude(product_id__in=Product.objects.values("pk"))
            removed, _ = orphans.delete()
            SearchCode.objects.exclude(product_id__in=Product.objects.values("pk")).delete()
        indexed, last_pk = 0, 0
        # Keyset pagination: each batch is its own transaction, so a large catalogue never holds one long
        # transaction, and products added meanwhile are indexed by the services that add them.
        while True:
            ids = list(Product.objects.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            with transaction.atomic():
                reindex_products(ids)
            indexed += len(ids)
            last_pk = ids[-1]
            if options["verbosity"] >= 2:
                self.stdout.write(f"  {indexed} products…")
        if removed:
            self.stdout.write(f"Removed {removed} search documents of deleted products.")
        self.stdout.write(self.style.SUCCESS(f"Indexed {indexed} products."))
