"""The demo's collections: which products each holds, chosen from a plan with the plan's seed."""

from __future__ import annotations

import random
from dataclasses import dataclass

from comptoir.catalog.kinds import ProductKind
from comptoir.demo.blueprint import ProductPlan

SHELF_SIZE = 24


@dataclass(frozen=True, slots=True)
class CollectionPlan:
    slug: str
    name: str
    description: str
    is_featured: bool
    members: list[int]  # indexes into the plan, in display order


def plan_collections(plans: list[ProductPlan], *, seed: int) -> list[CollectionPlan]:
    """Five collections; the first three are featured on the home page."""
    rng = random.Random(f"collections-{seed}")
    published = [i for i, p in enumerate(plans) if p.status == "published"]
    goods = [i for i in published if plans[i].kind == ProductKind.PHYSICAL]
    in_stock = [i for i in goods if any(sum(v.stock.values()) > 0 for v in plans[i].variants)]
    newest = sorted(goods, key=lambda i: plans[i].age_days)[:SHELF_SIZE]
    on_sale = sorted((i for i in goods if plans[i].on_sale), key=lambda i: plans[i].age_days)
    experiences = [i for i in published if plans[i].kind not in (ProductKind.PHYSICAL, ProductKind.DIGITAL)]
    giftable = [i for i in goods if plans[i].category.split("-")[0] in {"home", "books"}]
    outdoor = [i for i in published if plans[i].category.startswith("outdoor-") or plans[i].kind == ProductKind.RENTAL]
    return [
        CollectionPlan(
            "new-in", "New in", "The latest arrivals, fresh from our makers' workshops.", True, newest
        ),
        CollectionPlan(
            "best-sellers", "Best sellers", "What our customers come back for.", True,
            rng.sample(in_stock, min(SHELF_SIZE, len(in_stock))),
        ),
        CollectionPlan("sale", "Sale", "Last pieces of the season, up to 40% off.", True, on_sale),
        CollectionPlan(
            "gift-ideas", "Gift ideas", "Presents that will be used and kept: experiences, books and objects.", False,
            experiences + rng.sample(giftable, min(SHELF_SIZE - len(experiences), len(giftable))),
        ),
        CollectionPlan(
            "outdoor-weekend", "Outdoor weekend", "Everything for two nights under canvas.", False,
            rng.sample(outdoor, min(SHELF_SIZE, len(outdoor))),
        ),
    ]  # fmt: skip
