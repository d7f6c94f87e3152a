"""The demo products that are not goods on a shelf: a gift card, workshops, tastings, rentals, subscriptions
and e-books, so the demo shows every product kind and what the shop does with each."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal

from django.utils.text import slugify

from comptoir.catalog.kinds import ProductKind
from comptoir.demo.blueprint import ImagePlan, ProductPlan, VariantPlan, stock_for
from comptoir.demo.catalogue import LEAVES
from comptoir.demo.vocabulary import INKS, PALETTE

# name, kind, category, shape, SKU prefix, option attribute, [(value, EUR price, units)], weight, description
_FIXED = (
    (
        "Comptoir Gift Card", ProductKind.GIFT_CARD, "gifts-gift-cards", "card", "GFT", "amount",
        [("25", 25, None), ("50", 50, None), ("100", 100, None), ("200", 200, None)], None,
        "Sent by email with your message, spendable online and in our Paris shop.",
        ["Delivered instantly by email", "Valid for two years", "Spend it in several goes"],
    ),
    (
        "Sourdough Baking Workshop", ProductKind.SERVICE, "gifts-workshops", "jar", "WKS", "session",
        [("Saturday morning", 89, None), ("Sunday morning", 89, None)], None,
        "Three hours with our baker: feed a starter, shape a loaf, and take home a jar of starter.",
        ["Groups of eight at most", "Apron and ingredients provided", "Held in our Paris shop"],
    ),
    (
        "Knife Sharpening Class", ProductKind.SERVICE, "gifts-workshops", "tool", "WKS", "session",
        [("Wednesday evening", 65, None), ("Saturday afternoon", 65, None)], None,
        "Learn to bring any kitchen knife back to a razor edge on water stones.",
        ["Bring two of your own knives", "Stones to practise on provided", "Two hours"],
    ),
    (
        "Pottery Taster Session", ProductKind.SERVICE, "gifts-workshops", "vase", "WKS", "session",
        [("Thursday evening", 75, None), ("Saturday afternoon", 75, None)], None,
        "Try the wheel with a potter from Terre d'Argile and glaze two pieces we fire for you.",
        ["All materials included", "Pieces ready to collect in three weeks", "No experience needed"],
    ),
    (
        "Natural Wine Tasting Evening", ProductKind.EVENT, "gifts-tastings", "ticket", "EVT", "session",
        [("Friday 7 pm", 45, 24), ("Saturday 7 pm", 45, 0)], None,
        "Six natural wines from the Loire and the Jura, poured by the people who made them.",
        ["Cheese and charcuterie served", "Ticket sent by email", "Over-18s only"],
    ),
    (
        "Cheese & Cider Tasting Night", ProductKind.EVENT, "gifts-tastings", "ticket", "EVT", "session",
        [("Thursday 7 pm", 39, 16)], None,
        "Normandy ciders and the cheeses that go with them, with our pantry buyer.",
        ["Five ciders, five cheeses", "Ticket sent by email", "Two hours"],
    ),
    (
        "Family Tent Rental", ProductKind.RENTAL, "gifts-rentals", "tent", "RNT", "duration",
        [("Weekend", 59, 4), ("One week", 149, 3)], 9000,
        "A six-person tent, checked and cleaned between every rental, delivered or collected in Paris.",
        ["Sleeps six", "Pitches in ten minutes", "Deposit returned on check-in"],
    ),
    (
        "Complete Camping Kit Rental", ProductKind.RENTAL, "gifts-rentals", "backpack", "RNT", "duration",
        [("Weekend", 89, 3), ("One week", 199, 2)], 14000,
        "Tent, sleeping bags, mats, stove and cook set for two: everything but the food.",
        ["For two people", "Fits in a small car boot", "Deposit returned on check-in"],
    ),
    (
        "Single-Origin Coffee Subscription", ProductKind.SUBSCRIPTION, "gifts-subscriptions", "jar", "SUB", "frequency",
        [("Every 2 weeks", 16, 200), ("Every month", 17, 200)], 280,
        "A different single-origin coffee from our roaster, freshly roasted and sent to your door.",
        ["250 g whole beans per delivery", "Pause or cancel any time", "Free delivery"],
    ),
    (
        "Book of the Month Box", ProductKind.SUBSCRIPTION, "gifts-subscriptions", "book", "SUB", "frequency",
        [("Every month", 25, 120)], 650,
        "A new novel chosen by our booksellers every month, with a letter about why we loved it.",
        ["One hardcover a month", "Pause or cancel any time", "Free delivery"],
    ),
)  # fmt: skip


def fixed_products(rng: random.Random) -> list[ProductPlan]:
    """The gift card, workshops, tastings, rentals and subscriptions (same list for every seed)."""
    plans = []
    for index, (name, kind, category, shape, prefix, option, values, weight, text, bullets) in enumerate(_FIXED):
        items = "".join(f"<li>{b}</li>" for b in bullets)
        plan = ProductPlan(
            name=name,
            slug="",
            kind=kind,
            category=category,
            brand="comptoir-ateliers",
            description=f"<p>{text}</p><ul>{items}</ul>",
            images=[ImagePlan(shape, rng.choice(PALETTE), rng.choice(INKS), name)],
        )
        for value, euros, units in values:
            plan.variants.append(
                VariantPlan(
                    sku=f"{prefix}-{index + 1:04d}-{slugify(value).upper()[:12]}",
                    name=value,
                    options=[(option, value)],
                    weight_grams=weight,
                    prices={"EUR": Decimal(euros)},
                    stock=stock_for(kind, units),
                )
            )
        plans.append(plan)
    return plans


def ebooks(rng: random.Random, *, count: int, isbn: Callable[[], str], taken: set[str]) -> list[ProductPlan]:
    """E-books: titles drawn like the printed books', sold as EPUB (and PDF for some)."""
    books = [leaf for leaf in LEAVES if leaf.group == "books"]
    plans = []
    for index in range(count):
        for _ in range(12):  # redraw a title already taken
            leaf = rng.choice(books)
            words = {key: rng.choice(values) for key, values in leaf.words.items()}
            title = rng.choice(leaf.templates).pattern.format(material="", **words)
            name = f"{title} (e-book)"
            if name not in taken:
                break
        taken.add(name)
        publisher = rng.choice(("editions-du-port", "northlight-press"))
        formats = ["EPUB"] if rng.random() < 0.6 else ["EPUB", "PDF"]
        euros = Decimal(rng.randint(5, 15))
        plan = ProductPlan(
            name=name,
            slug="",
            kind=ProductKind.DIGITAL,
            category="books-ebooks",
            brand=publisher,
            description=(
                f"<p>The digital edition of <em>{title}</em>, ready to read on any e-reader, tablet or phone.</p>"
                "<ul><li>DRM-free, download up to five times</li><li>Delivered instantly after payment</li></ul>"
            ),
            attributes=[("language", rng.choice(leaf.extra["language"]))],
            images=[ImagePlan("book", rng.choice(PALETTE), rng.choice(INKS), name)],
        )
        for file_format in formats:
            plan.variants.append(
                VariantPlan(
                    sku=f"EBK-{index + 1:04d}-{file_format}",
                    name=file_format,
                    options=[("format", file_format)],
                    gtin=isbn(),  # every format of a book has its own ISBN
                    prices={"EUR": euros},
                )
            )
        plans.append(plan)
    return plans
