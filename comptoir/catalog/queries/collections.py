"""Collections (home page shelves) and the lists the sitemap needs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from comptoir.catalog.errors import ProductNotFoundError
from comptoir.catalog.models import (
    Collection,
    CollectionProduct,
)
from comptoir.catalog.queries.listing import ProductCard, product_cards, visible_products
from comptoir.core.models import Channel


@dataclass(frozen=True, slots=True)
class CollectionShelf:
    id: int
    slug: str
    name: str
    description: str
    cards: list[ProductCard]


def list_featured_collections(*, channel: Channel, products_per_collection: int = 8) -> list[CollectionShelf]:
    """Featured collections with their first visible products, for the home page.

    Four queries whatever the number of collections: collections, memberships, products, images.
    """
    collections = list(Collection.objects.filter(is_featured=True, is_published=True).order_by("position", "pk"))
    if not collections:
        return []
    memberships = CollectionProduct.objects.filter(
        collection__in=[c.pk for c in collections], product__in=visible_products(channel).values("pk")
    ).order_by("collection_id", "position", "pk")
    by_collection: dict[int, list[int]] = {c.pk: [] for c in collections}
    for collection_id, product_id in memberships.values_list("collection_id", "product_id"):
        shelf = by_collection[collection_id]
        if len(shelf) < products_per_collection:
            shelf.append(product_id)
    wanted = sorted({pid for shelf in by_collection.values() for pid in shelf})
    cards = {card.id: card for card in product_cards(channel=channel, product_ids=wanted)}
    return [
        CollectionShelf(c.pk, c.slug, c.name, c.description, [cards[pid] for pid in by_collection[c.pk]])
        for c in collections
        if by_collection[c.pk]
    ]


def get_collection(slug: str) -> Collection:
    collection = Collection.objects.filter(slug=slug, is_published=True).first()
    if collection is None:
        raise ProductNotFoundError(detail="No such collection.", data={"collection": slug})
    return collection


def products_for_sitemap(channel: Channel) -> Iterable[tuple[str, object]]:
    """(slug, updated_at) of every visible product, streamed for sitemap.xml."""
    return visible_products(channel).order_by("pk").values_list("slug", "updated_at").iterator(chunk_size=2000)


def collections_for_sitemap() -> list[str]:
    """Slugs of the published collections, for sitemap.xml: one query."""
    return list(Collection.objects.filter(is_published=True).order_by("position", "pk").values_list("slug", flat=True))


def list_published_collections() -> list[Collection]:
    """Published collections in the merchant's order: one query."""
    return list(Collection.objects.filter(is_published=True).order_by("position", "name", "pk"))
