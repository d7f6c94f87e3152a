"""sitemap.xml: every visible product, category and collection, in every shop language."""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from comptoir.catalog.queries import category_tree, collections_for_sitemap, products_for_sitemap
from comptoir.core.models import Channel


class _ShopSitemap(Sitemap):
    i18n = True  # one <url> per language, with hreflang alternates between them
    alternates = True
    x_default = True


class HomeSitemap(_ShopSitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self) -> list[str]:
        return ["storefront:home"]

    def location(self, item: str) -> str:
        return reverse(item)


class ProductSitemap(_ShopSitemap):
    changefreq = "weekly"
    priority = 0.8

    def __init__(self, channel: Channel | None) -> None:
        self.channel = channel

    def items(self) -> list[tuple[str, object]]:
        return list(products_for_sitemap(self.channel)) if self.channel is not None else []

    def location(self, item: tuple[str, object]) -> str:
        return reverse("storefront:product", kwargs={"slug": item[0]})

    def lastmod(self, item: tuple[str, object]):
        return item[1]


class CategorySitemap(_ShopSitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self) -> list[str]:
        tree = category_tree()
        return [node.slug for node in tree.nodes.values()]

    def location(self, item: str) -> str:
        return reverse("storefront:category", kwargs={"slug": item})


class CollectionSitemap(_ShopSitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self) -> list[str]:
        return collections_for_sitemap()

    def location(self, item: str) -> str:
        return reverse("storefront:collection", kwargs={"slug": item})


def shop_sitemaps(channel: Channel | None) -> dict[str, Sitemap]:
    return {
        "home": HomeSitemap(),
        "products": ProductSitemap(channel),
        "categories": CategorySitemap(),
        "collections": CollectionSitemap(),
    }
