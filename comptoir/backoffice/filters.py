"""List filters shared by the back office's screens."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import DropdownFilter

from comptoir.catalog.models import ProductMedia, ProductStatus
from comptoir.catalog.queries import CategoryNode, CategoryTree, category_tree
from comptoir.pricing.models import VariantPrice


def tree_order(tree: CategoryTree) -> list[tuple[CategoryNode, int]]:
    """Every category, depth first in position order, with its depth (0 for a top-level category)."""
    ordered: list[tuple[CategoryNode, int]] = []
    seen: set[int] = set()
    stack = [(node_id, 0) for node_id in reversed(tree.roots)]
    while stack:
        node_id, depth = stack.pop()
        if node_id in seen:  # a cycle in bad data must not hang the page
            continue
        seen.add(node_id)
        node = tree.nodes[node_id]
        ordered.append((node, depth))
        stack.extend((child, depth + 1) for child in reversed(node.children))
    return ordered


def indented(name: str, depth: int) -> str:
    return f"{'— ' * depth}{name}"


def tree_rank_and_depth() -> tuple[Case, Case]:
    """Expressions giving a category its place in the tree order and its depth.

    The tree is read from its cache; both are CASEs on the ids, so they cost no extra query.
    """
    order = tree_order(category_tree())
    rank = Case(
        *[When(pk=node.id, then=Value(i)) for i, (node, _d) in enumerate(order)],
        default=Value(len(order)),
        output_field=IntegerField(),
    )
    depth = Case(
        *[When(pk=node.id, then=Value(d)) for node, d in order if d], default=Value(0), output_field=IntegerField()
    )
    return rank, depth


def in_tree_order(queryset: QuerySet) -> QuerySet:
    """Categories as the tree shows them (parents before their children), annotated with `tree_depth`."""
    rank, depth = tree_rank_and_depth()
    return queryset.annotate(tree_depth=depth).order_by(rank.asc(), "pk")


class CategoryTreeFilter(DropdownFilter):
    """Filter by a category and everything below it, chosen from the indented tree (read from cache)."""

    title = _("category")
    parameter_name = "category"
    field_name = "category_id"

    def lookups(self, request, model_admin):
        return [(str(node.id), indented(node.name, depth)) for node, depth in tree_order(category_tree())]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if not self.value():
            return queryset
        tree = category_tree()
        try:
            node_id = int(self.value())
        except ValueError:
            return queryset.none()
        ids = tree.descendant_ids(node_id) if node_id in tree.nodes else []
        return queryset.filter(**{f"{self.field_name}__in": ids})


class UnderCategoryFilter(CategoryTreeFilter):
    """On the category list: a category and its whole branch."""

    title = _("branch")
    parameter_name = "branch"
    field_name = "pk"


class MissingFilter(admin.SimpleListFilter):
    """Products still to finish (archived ones left out): no price in any channel, or no image.

    The same rule as the dashboard's counts, which link here.
    """

    title = _("missing")
    parameter_name = "missing"

    def lookups(self, request, model_admin):
        return [("price", _("No price")), ("image", _("No image"))]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        match self.value():
            case "price":
                missing = ~Exists(VariantPrice.objects.filter(variant__product=OuterRef("pk")))
            case "image":
                missing = ~Exists(ProductMedia.objects.filter(product=OuterRef("pk")))
            case _:
                return queryset
        return queryset.filter(missing).exclude(status=ProductStatus.ARCHIVED)
