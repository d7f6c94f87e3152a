"""The category tree: a few dozen rows, read whole and cached; `forget_category_tree()` after a change."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache

from comptoir.catalog.models import (
    Category,
)

CATEGORY_TREE_CACHE_KEY = "catalog:category-tree:v1"


@dataclass(frozen=True, slots=True)
class CategoryNode:
    id: int
    slug: str
    name: str
    parent_id: int | None
    position: int
    description: str = ""
    seo_title: str = ""
    seo_description: str = ""
    children: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class CategoryTree:
    nodes: dict[int, CategoryNode]
    by_slug: dict[str, int]
    roots: tuple[int, ...]

    def get(self, slug: str) -> CategoryNode | None:
        node_id = self.by_slug.get(slug)
        return self.nodes[node_id] if node_id is not None else None

    def ancestors(self, node_id: int) -> list[CategoryNode]:
        """From the root down to the node's parent (breadcrumbs)."""
        chain: list[CategoryNode] = []
        seen: set[int] = set()
        parent_id = self.nodes[node_id].parent_id
        while parent_id is not None and parent_id not in seen:
            seen.add(parent_id)
            chain.append(self.nodes[parent_id])
            parent_id = self.nodes[parent_id].parent_id
        return list(reversed(chain))

    def descendant_ids(self, node_id: int) -> list[int]:
        """The node and everything below it."""
        ids, stack = [], [node_id]
        while stack:
            current = stack.pop()
            if current in ids:
                continue
            ids.append(current)
            stack.extend(self.nodes[current].children)
        return ids

    def children_of(self, node_id: int | None) -> list[CategoryNode]:
        ids = self.roots if node_id is None else self.nodes[node_id].children
        return [self.nodes[i] for i in ids]


def category_tree() -> CategoryTree:
    tree = cache.get(CATEGORY_TREE_CACHE_KEY)
    if tree is None:
        rows = list(Category.objects.order_by("position", "name"))
        children: dict[int | None, list[int]] = {}
        for row in rows:
            children.setdefault(row.parent_id, []).append(row.pk)
        nodes = {
            row.pk: CategoryNode(
                id=row.pk,
                slug=row.slug,
                name=row.name,
                parent_id=row.parent_id,
                position=row.position,
                description=row.description,
                seo_title=row.seo_title,
                seo_description=row.seo_description,
                children=tuple(children.get(row.pk, ())),
            )
            for row in rows
        }
        tree = CategoryTree(
            nodes=nodes, by_slug={n.slug: n.id for n in nodes.values()}, roots=tuple(children.get(None, ()))
        )
        cache.set(CATEGORY_TREE_CACHE_KEY, tree, 3600)
    return tree


def forget_category_tree() -> None:
    cache.delete(CATEGORY_TREE_CACHE_KEY)
