"""The shapes of a demo shop plan: plain dataclasses, filled by `plan` and `specials`, written by `builder`."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from comptoir.catalog.kinds import ProductKind

WAREHOUSE, STORE = "lyon-warehouse", "paris-store"


@dataclass(slots=True)
class VariantPlan:
    sku: str
    name: str
    options: list[tuple[str, str]]  # (attribute slug, value name)
    gtin: str = ""
    weight_grams: int | None = None
    prices: dict[str, Decimal] = field(default_factory=dict)  # currency -> amount
    compare_at: dict[str, Decimal] = field(default_factory=dict)
    stock: dict[str, int] = field(default_factory=dict)  # location slug -> units on hand


@dataclass(slots=True)
class ImagePlan:
    shape: str
    background: str
    ink: str
    alt: str
    colour: str = ""  # the variants of this colour show this picture
    mirrored: bool = False


@dataclass(slots=True)
class ProductPlan:
    name: str
    slug: str
    kind: str
    category: str
    brand: str
    description: str
    seo_title: str = ""
    seo_description: str = ""
    status: str = "published"
    is_featured: bool = False
    on_sale: bool = False
    age_days: float = 0.0  # how long ago it was added, so "newest" listings mean something
    attributes: list[tuple[str, str]] = field(default_factory=list)
    variants: list[VariantPlan] = field(default_factory=list)
    images: list[ImagePlan] = field(default_factory=list)


def stock_for(kind: str, units: int | None) -> dict[str, int]:
    """Where the units of a non-goods product live: event seats at the Paris shop, the rest at the warehouse."""
    if units is None:
        return {}
    return {STORE if kind == ProductKind.EVENT else WAREHOUSE: units}
