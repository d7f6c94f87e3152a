"""Template helpers for the storefront: prices in the buyer's locale, the category menu, language links."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import translate_url
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, to_locale

from comptoir.catalog.queries import CategoryNode, category_tree
from comptoir.core.cache_versions import SITE
from comptoir.core.money import Money
from comptoir.core.queries import list_active_channels
from comptoir.storefront.caching import cached_fragment, fragment_key

register = template.Library()


@register.filter
def money(value: Money | None) -> str:
    """'€19.90' in English, '19,90 €' in French: the amount in its own currency, the active language's format."""
    if value is None:
        return ""
    return value.format(to_locale(get_language() or settings.LANGUAGE_CODE))


@dataclass(frozen=True, slots=True)
class MenuItem:
    node: CategoryNode
    children: list[MenuItem]
    current: bool


def _branch(tree, node_id: int | None, current_slug: str, depth: int) -> list[MenuItem]:
    if depth > 6:  # a cycle an admin made by hand must not hang the page
        return []
    return [
        MenuItem(node, _branch(tree, node.id, current_slug, depth + 1), node.slug == current_slug)
        for node in tree.children_of(node_id)
    ]


@register.simple_tag
def category_menu(current_slug: str = "") -> str:
    """The whole category tree as nested lists, in the active language, the current category marked.

    Rendered once per language and category, then kept as a fragment until the site's version changes
    (`catalog.categories_changed`): it was a third of the rendering time of every page.
    """
    current_slug = current_slug or ""

    def build() -> str:
        items = _branch(category_tree(), None, current_slug, 0)
        return render_to_string("storefront/includes/category_menu.html", {"items": items})

    key = fragment_key("category-menu", get_language() or settings.LANGUAGE_CODE, current_slug)
    return mark_safe(cached_fragment(key, build, tags=[SITE]))


@register.simple_tag(takes_context=True)
def language_urls(context) -> list[tuple[str, str, str]]:
    """(code, name, absolute URL of this page in that language) for every shop language: hreflang links."""
    request = context.get("request")
    if request is None:
        return []
    here = request.build_absolute_uri(request.path)
    return [(code, name, translate_url(here, code)) for code, name in settings.LANGUAGES]


@register.simple_tag
def active_channels() -> list:
    """The channels a buyer may switch between (cached list: no query once warm)."""
    return list_active_channels()
