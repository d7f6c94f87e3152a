"""The demo shop as plain data, drawn from the catalogue with one seeded random generator.

`make_plan(products=N, seed=S)` is pure (no database, no clock): the same arguments give the same names,
SKUs, barcodes, prices, stock and pictures, so two demo shops built with one seed are the same shop.
`comptoir.demo.builder` writes a plan to the database.
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from itertools import product as cartesian

from django.utils.html import strip_tags
from django.utils.text import slugify

from comptoir.catalog.kinds import ProductKind, rules_for
from comptoir.demo import specials
from comptoir.demo.blueprint import STORE, WAREHOUSE, ImagePlan, ProductPlan, VariantPlan
from comptoir.demo.catalogue import LEAVES, LeafSpec, Template
from comptoir.demo.vocabulary import BRANDS, CARE, COLOURS, INKS, LINE_NAMES, OPENINGS, PALETTE, SWATCHES

MIN_PRODUCTS = 20
MAX_VARIANTS = 8
GTIN_PREFIX = "3701234"  # 7-digit company prefix in the GS1 France range + 5-digit item reference
ISBN_PREFIX = "978249"  # ISBN-13: EAN "Bookland", French-language group, a publisher block
USD_PER_EUR_EX_TAX = Decimal("0.92")  # EUR with 20% VAT -> USD before sales tax, at a rounded exchange rate


@dataclass(frozen=True, slots=True)
class Axis:
    attribute: str
    values: tuple[str, ...]
    low: int
    high: int
    contiguous: bool = True
    price_step: Decimal = Decimal(0)  # each larger value costs this much more (share of the base price)


_COLOUR_NAMES = tuple(name for name, _ in COLOURS)
OPTION_PLANS: dict[str, tuple[Axis, ...]] = {
    "apparel": (Axis("size", ("XS", "S", "M", "L", "XL"), 3, 5), Axis("colour", _COLOUR_NAMES, 1, 2, False)),
    "shoes_women": (
        Axis("shoe-size", tuple(f"EU {n}" for n in range(36, 42)), 4, 6),
        Axis("colour", _COLOUR_NAMES, 1, 2, False),
    ),
    "shoes_men": (
        Axis("shoe-size", tuple(f"EU {n}" for n in range(40, 47)), 4, 7),
        Axis("colour", _COLOUR_NAMES, 1, 2, False),
    ),
    "colour": (Axis("colour", _COLOUR_NAMES, 1, 4, False),),
    "diameter": (Axis("diameter", ("20 cm", "24 cm", "26 cm", "28 cm", "30 cm"), 1, 3, True, Decimal("0.12")),),
    "capacity": (Axis("capacity", ("1 L", "1.5 L", "2 L", "3 L"), 1, 3, True, Decimal("0.12")),),
    "capacity_small": (Axis("capacity", ("0.35 L", "0.5 L", "1 L"), 1, 2, True, Decimal("0.15")),),
    "capacity_large": (Axis("capacity", ("3 L", "4 L", "5.5 L"), 1, 3, True, Decimal("0.15")),),
    "bed": (
        Axis("bed-size", ("Single", "Double", "King", "Super King"), 2, 4, True, Decimal("0.18")),
        Axis("colour", _COLOUR_NAMES, 1, 2, False),
    ),
    "sleeps": (
        Axis("sleeps", ("1 person", "2 persons", "3 persons", "4 persons", "6 persons"), 1, 3, True, Decimal("0.25")),
    ),
    "volume": (
        Axis("volume", ("18 L", "24 L", "30 L", "40 L", "55 L"), 1, 2, True, Decimal("0.12")),
        Axis("colour", _COLOUR_NAMES, 1, 3, False),
    ),
    "length_cable": (Axis("length", ("1 m", "2 m"), 1, 2, True, Decimal("0.2")),),
    "length_bag": (Axis("length", ("Regular", "Long"), 1, 2, True, Decimal("0.1")),),
    "net_weight": (Axis("net-weight", ("250 g", "1 kg"), 1, 2, True, Decimal("2.6")),),
    "net_weight_small": (Axis("net-weight", ("100 g", "250 g"), 1, 2, True, Decimal("1.2")),),
    "book_format": (Axis("format", ("Hardcover", "Paperback"), 1, 2, True, Decimal("-0.4")),),
    "book_format_hard": (Axis("format", ("Hardcover",), 1, 1),),
}
# A size that is the only one a product comes in reads better in its name: "Cast Iron Skillet 26 cm".
NAME_SUFFIX_AXES = {"diameter", "capacity", "volume", "net-weight"}


def make_plan(*, products: int, seed: int) -> list[ProductPlan]:
    """`products` products (at least MIN_PRODUCTS), every product kind among them, in creation order."""
    if products < MIN_PRODUCTS:
        raise ValueError(f"The demo needs at least {MIN_PRODUCTS} products to show every kind.")
    rng = random.Random(seed)
    counter = _Counter()
    taken: set[str] = set()
    ebooks = max(1, round(products * 0.02))
    plans = specials.fixed_products(rng)
    plans += specials.ebooks(rng, count=ebooks, isbn=counter.isbn, taken=taken)
    physical = products - len(plans)
    for leaf, count in zip(LEAVES, _spread(physical, [leaf.share for leaf in LEAVES]), strict=True):
        plans += [_physical_product(rng, leaf, counter, taken) for _ in range(count)]
    _dedupe_names(rng, plans)
    rng.shuffle(plans)
    for index, plan in enumerate(plans):
        _finish(rng, plan, index=index, total=len(plans), counter=counter)
    return plans


class _Counter:
    """Sequences behind SKUs and barcodes, so both are unique and stable for a seed."""

    def __init__(self) -> None:
        self.product = self.item = self.book = 0

    def next_product(self) -> int:
        self.product += 1
        return self.product

    def gtin(self) -> str:
        self.item += 1
        return with_check_digit(f"{GTIN_PREFIX}{self.item:05d}")

    def isbn(self) -> str:
        self.book += 1
        return with_check_digit(f"{ISBN_PREFIX}{self.book:06d}")


def with_check_digit(digits: str) -> str:
    """Append the GS1 check digit to 7, 11, 12 or 13 digits (GTIN-8/12/13/14)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return f"{digits}{(10 - total % 10) % 10}"


def _spread(total: int, weights: list[int]) -> list[int]:
    """Split `total` in proportion to `weights`, at least one each when there is enough (largest remainder)."""
    minimum = 1 if total >= len(weights) else 0
    rest = total - minimum * len(weights)
    exact = [rest * w / sum(weights) for w in weights]
    counts = [int(x) for x in exact]
    for i in sorted(range(len(weights)), key=lambda i: (counts[i] - exact[i], i))[: rest - sum(counts)]:
        counts[i] += 1
    return [c + minimum for c in counts]


NAME_DRAWS = 12  # redraws before a clashing name gets a line name
# Fashion and objects take a model name after a French town; food and books read better otherwise.
LINE_NAMES_BY_CATEGORY: dict[str, tuple[str, ...]] = {
    "home-pantry": ("Organic", "Reserve", "Single Estate", "Limited Harvest", "Fairtrade", "Heritage", "Small Batch"),
    "books-novels": (),
    "books-cookbooks": (),
    "books-ebooks": (),
}


def _physical_product(rng: random.Random, leaf: LeafSpec, counter: _Counter, taken: set[str]) -> ProductPlan:
    for _ in range(NAME_DRAWS):
        template: Template = rng.choice(leaf.templates)
        materials = leaf.materials if template.materials is None else template.materials
        material = rng.choice(materials) if materials else ""
        words = {key: rng.choice(values) for key, values in leaf.words.items()}
        name = template.pattern.format(material=material, **words)
        if name not in taken:
            break
    taken.add(name)
    brand_group = {"apparel": "fashion"}.get(leaf.group, leaf.group)
    brand = rng.choice([b.slug for b in BRANDS if b.group == brand_group])
    origin = rng.choice(leaf.origins)
    attributes = [("material", material)] if material else []
    attributes.append(("origin", origin))
    attributes += [(slug, rng.choice(values)) for slug, values in leaf.extra.items()]
    options = leaf.options if template.options is None else (template.options or None)
    axes = _choose_axes(rng, OPTION_PLANS[options] if options else ())
    for axis, values in list(axes):
        if len(values) == 1 and axis.attribute in NAME_SUFFIX_AXES:
            name = f"{name} {values[0]}"
            axes.remove((axis, values))
    plan = ProductPlan(
        name=name,
        slug="",
        kind=ProductKind.PHYSICAL,
        category=leaf.slug,
        brand=brand,
        description=_description(rng, leaf.group, name, material, origin, brand, attributes),
        attributes=attributes,
    )
    base = Decimal(rng.randint(leaf.price[0] * 100, leaf.price[1] * 100)) / 100
    weight = rng.randint(*leaf.weight) if leaf.weight else None
    code = f"{leaf.code}-{counter.next_product():04d}"
    is_book = leaf.group == "books"
    for combo in cartesian(*[[(axis, i, v) for i, v in enumerate(values)] for axis, values in axes]):
        factor = 1 + sum((axis.price_step * i for axis, i, _ in combo), Decimal(0))
        plan.variants.append(
            VariantPlan(
                sku="-".join([code, *(_token(v) for _, _, v in combo)]),
                name=" / ".join(v for _, _, v in combo),
                options=[(axis.attribute, v) for axis, _, v in combo],
                gtin=counter.isbn() if is_book else counter.gtin(),
                weight_grams=round(weight * max(factor, Decimal("0.6"))) if weight else None,
                prices={"EUR": base * factor},
            )
        )
    plan.images = _images(rng, plan, leaf.shape if template.shape is None else template.shape)
    return plan


def _choose_axes(rng: random.Random, axes: tuple[Axis, ...]) -> list[tuple[Axis, tuple[str, ...]]]:
    chosen = []
    for axis in axes:
        count = rng.randint(axis.low, min(axis.high, len(axis.values)))
        if axis.contiguous:
            start = rng.randint(0, len(axis.values) - count)
            chosen.append((axis, axis.values[start : start + count]))
        else:
            chosen.append((axis, tuple(rng.sample(axis.values, count))))
    # Keep at most MAX_VARIANTS combinations by trimming the longest axis (from its end: sizes stay contiguous).
    while chosen and _combinations(chosen) > MAX_VARIANTS:
        longest = max(range(len(chosen)), key=lambda i: len(chosen[i][1]))
        axis, values = chosen[longest]
        chosen[longest] = (axis, values[:-1])
    return chosen


def _combinations(chosen: list[tuple[Axis, tuple[str, ...]]]) -> int:
    total = 1
    for _, values in chosen:
        total *= len(values)
    return total


def _token(value: str) -> str:
    return slugify(value).upper().replace("-", "")[:5]


def _description(
    rng: random.Random, group: str, name: str, material: str, origin: str, brand: str, attributes: list
) -> str:
    key = group if group in OPENINGS else {"fashion": "apparel", "kitchen": "home"}.get(group, "home")
    brand_name = next(b.name for b in BRANDS if b.slug == brand)
    opening = rng.choice(OPENINGS[key]).format(
        name=name, material=(material or "carefully chosen materials").lower(), origin=origin, brand=brand_name
    )
    bullets = [f"<li><strong>Material:</strong> {material}</li>"] if material else []
    bullets.append(f"<li><strong>Made in</strong> {origin}</li>")
    bullets += [f"<li>{care}</li>" for care in rng.sample(CARE[key], 2)]
    return f"<p>{opening}</p><ul>{''.join(bullets)}</ul>"


def _images(rng: random.Random, plan: ProductPlan, shape: str) -> list[ImagePlan]:
    colours = list(dict.fromkeys(v for variant in plan.variants for a, v in variant.options if a == "colour"))
    background = rng.choice(PALETTE)
    if colours:
        # A picture per colour for the first two colours of half the products: the others show one.
        shown = colours[:2] if rng.random() < 0.5 else colours[:1]
        return [
            ImagePlan(shape, background, SWATCHES[colour], f"{plan.name} in {colour.lower()}", colour=colour)
            for colour in shown
        ]
    images = [ImagePlan(shape, background, rng.choice(INKS), plan.name)]
    if rng.random() < 0.2:
        images.append(ImagePlan(shape, rng.choice(PALETTE), images[0].ink, f"{plan.name}, another view", mirrored=True))
    return images


def _dedupe_names(rng: random.Random, plans: list[ProductPlan]) -> None:
    """Tell apart products that still share a name with a line name ("Arles Merino Crew Sweater");
    slugs follow names."""
    seen: set[str] = set()
    for plan in plans:
        name = plan.name
        lines = LINE_NAMES_BY_CATEGORY.get(plan.category, LINE_NAMES)
        for line in rng.sample(lines, len(lines)):
            if name not in seen:
                break
            name = f"{line} {plan.name}"
        n = 2
        while name in seen:
            name, n = f"{plan.name} {n}", n + 1
        seen.add(name)
        if name != plan.name:
            plan.description = plan.description.replace(plan.name, name)
            for image in plan.images:
                image.alt = image.alt.replace(plan.name, name)
            plan.name = name
    slugs: set[str] = set()
    for plan in plans:
        base = slugify(plan.name)[:200] or "product"
        slug, n = base, 1
        while slug in slugs:
            n += 1
            slug = f"{base}-{n}"
        slugs.add(slug)
        plan.slug = slug


def _finish(rng: random.Random, plan: ProductPlan, *, index: int, total: int, counter: _Counter) -> None:
    """Status, age, sale prices, US prices and stock: decided after the shuffle, in creation order."""
    plan.age_days = round((total - 1 - index) * 365 / total + rng.random(), 3)
    roll = rng.random()
    # Only goods go to draft or archive, so the storefront always shows one product of every kind.
    if plan.kind == ProductKind.PHYSICAL and roll < 0.02:
        plan.status = "draft"
    elif plan.kind == ProductKind.PHYSICAL and roll < 0.035:
        plan.status = "archived"
    plan.is_featured = plan.status == "published" and rng.random() < 0.05
    plan.on_sale = plan.status == "published" and plan.kind == ProductKind.PHYSICAL and rng.random() < 0.12
    brand_name = next(b.name for b in BRANDS if b.slug == plan.brand)
    plan.seo_title = f"{plan.name} | {brand_name}"[:70]
    plan.seo_description = _plain(plan.description)[:160]
    euro_ending = Decimal("0.90") if plan.kind != ProductKind.DIGITAL else Decimal("0.99")
    discount = Decimal(rng.choice(("0.2", "0.25", "0.3", "0.4")))
    tracks = rules_for(plan.kind).tracks_stock
    for variant in plan.variants:
        if plan.kind == ProductKind.GIFT_CARD:
            amount = variant.prices["EUR"]
            variant.prices = {"EUR": amount, "USD": amount}
        else:
            eur = shop_price(variant.prices["EUR"], euro_ending)
            variant.prices = {"EUR": eur, "USD": shop_price(eur * USD_PER_EUR_EX_TAX, Decimal("0.99"))}
        if plan.on_sale:
            variant.compare_at = {
                cur: shop_price(amount / (1 - discount), _ending(amount)) for cur, amount in variant.prices.items()
            }
            variant.compare_at = {cur: max(was, variant.prices[cur] + 1) for cur, was in variant.compare_at.items()}
        if tracks and not variant.stock:
            variant.stock = _stock(rng)


def shop_price(amount: Decimal, ending: Decimal) -> Decimal:
    """A believable shelf price near `amount`: 12.90, 44.90, 129.90 (or .99 endings)."""
    step = Decimal(1) if amount < 20 else Decimal(5) if amount < 100 else Decimal(10)
    whole = (amount / step).quantize(Decimal(1)) * step
    if step > 1:
        whole -= 1
    whole = max(whole.quantize(Decimal(1), rounding=ROUND_FLOOR), Decimal(0))
    return whole + ending


def _ending(amount: Decimal) -> Decimal:
    return amount - amount.quantize(Decimal(1), rounding=ROUND_FLOOR)


def _stock(rng: random.Random) -> dict[str, int]:
    roll = rng.random()
    if roll < 0.07:
        return {WAREHOUSE: 0}
    if roll < 0.17:
        return {WAREHOUSE: rng.randint(1, 5)}
    stock = {WAREHOUSE: rng.randint(8, 120)}
    if rng.random() < 0.55:
        stock[STORE] = rng.randint(1, 12)
    return stock


def _plain(description: str) -> str:
    """The first paragraph as plain text (search engines show it under the title)."""
    return html.unescape(strip_tags(description.split("</p>", 1)[0]))
