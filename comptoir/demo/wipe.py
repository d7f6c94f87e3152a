"""`load_demo --reset`: remove the whole catalogue so the demo can be loaded again.

Removes products (with their variants, prices, listings, pictures and search documents), collections,
categories, brands, attributes, stock locations with their stock, holds, allocations and ledger, and
the delivery zones (local delivery starts from a store) and promotions (scoped to collections), in an
order the foreign keys allow. Channels, users and events stay. Picture files are deleted only once the
transaction commits, so a failed reset loses nothing. Anything else that still points at a product (an
order line, say) stops the reset with CatalogueInUseError, and nothing is removed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.db import transaction
from django.db.models import ProtectedError, RestrictedError

from comptoir.catalog.models import Attribute, Brand, Category, Collection, Product
from comptoir.catalog.services import categories_changed, products_changed
from comptoir.core.errors import ConflictError
from comptoir.demo import media
from comptoir.fulfillment.models import ShippingZone
from comptoir.inventory.models import Allocation, Location, Reservation, StockLevel, StockMovement
from comptoir.pricing.models import Promotion

BATCH = 500


class CatalogueInUseError(ConflictError):
    code = "catalogue-in-use"
    title = "The catalogue is referenced by other data and cannot be wiped"


def wipe_catalogue(*, log: Callable[[str], None] = lambda message: None) -> int:
    """Delete the catalogue (see the module docstring). Returns how many products were removed."""
    with transaction.atomic():
        product_ids = list(Product.objects.order_by("pk").values_list("pk", flat=True))
        try:
            # The ledger, holds and allocations protect stock levels, which protect locations.
            StockMovement.objects.all().delete()
            Reservation.objects.all().delete()
            Allocation.objects.all().delete()
            StockLevel.objects.all().delete()
            # A promotion scoped to a collection would apply to everything once the collection is gone.
            Promotion.objects.all().delete()
            Collection.objects.all().delete()
            Product.objects.all().delete()
            # Categories protect their children: remove the tree from the leaves up.
            while Category.objects.exists():
                Category.objects.filter(children__isnull=True).delete()
            Brand.objects.all().delete()
            Attribute.objects.all().delete()
            # Local delivery starts from a store: the demo's delivery setup goes with the locations.
            ShippingZone.objects.all().delete()
            Location.objects.all().delete()
        except (ProtectedError, RestrictedError) as exc:
            objects = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", ())
            blocking = sorted({type(obj)._meta.verbose_name_plural.capitalize() for obj in objects})
            raise CatalogueInUseError(
                detail=f"Other records use the catalogue ({', '.join(blocking) or 'unknown'}); nothing was removed.",
                data={"models": blocking},
            ) from exc
        for start in range(0, len(product_ids), BATCH):
            products_changed(product_ids[start : start + BATCH])  # removes their search documents
        categories_changed()
        transaction.on_commit(partial(media.delete_product_files, product_ids))
    log(f"Removed {len(product_ids)} products and the rest of the catalogue.")
    return len(product_ids)
