"""Words the demo shop is made of: brands, attributes, colours, option values and description phrases.

Everything here is plain data; `comptoir.demo.plan` draws from it with a seeded random generator.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BrandSpec:
    name: str
    slug: str
    group: str
    description: str


BRANDS: tuple[BrandSpec, ...] = (
    BrandSpec("Maison Verlaine", "maison-verlaine", "fashion", "Parisian wardrobe staples cut from natural fibres."),
    BrandSpec("Atelier Nord", "atelier-nord", "fashion", "Scandinavian-minded clothing, made to be worn for years."),
    BrandSpec("Lune & Lin", "lune-et-lin", "fashion", "Linen and cotton pieces woven and sewn in Portugal."),
    BrandSpec("Brume", "brume", "fashion", "Soft knitwear and easy layers in muted colours."),
    BrandSpec("Oakhurst", "oakhurst", "fashion", "Heritage menswear: oxford shirts, chinos and knits."),
    BrandSpec("Pas de Deux", "pas-de-deux", "shoes", "Leather shoes and boots resoled, not replaced."),
    BrandSpec("Cordonnerie Martin", "cordonnerie-martin", "shoes", "A family shoemaker since 1952, Goodyear-welted."),
    BrandSpec("Fonte & Feu", "fonte-et-feu", "kitchen", "Cast iron and carbon steel cookware that lasts a lifetime."),
    BrandSpec("Terre d'Argile", "terre-d-argile", "kitchen", "Stoneware and porcelain thrown in small workshops."),
    BrandSpec("Maison Basalte", "maison-basalte", "home", "Lamps, vases and objects for calm interiors."),
    BrandSpec("Lin Blanc", "lin-blanc", "home", "Stonewashed linen bedding from French flax."),
    BrandSpec("Épicerie Soleil", "epicerie-soleil", "pantry", "Small-producer coffee, olive oil, honey and chocolate."),
    BrandSpec("Fjellkraft", "fjellkraft", "outdoor", "Tents and packs tested in Norwegian weather."),
    BrandSpec("Sentier", "sentier", "outdoor", "Light, repairable gear for long walks."),
    BrandSpec("Northbound", "northbound", "outdoor", "Outdoor clothing from recycled fabrics."),
    BrandSpec("Ondes", "ondes", "electronics", "Warm-sounding headphones and speakers, designed in Lyon."),
    BrandSpec("Volta Labs", "volta-labs", "electronics", "Chargers, cables and smart-home bits that just work."),
    BrandSpec("Éditions du Port", "editions-du-port", "books", "An independent publisher of novels and essays."),
    BrandSpec("Northlight Press", "northlight-press", "books", "Cookbooks and illustrated books."),
    BrandSpec("Comptoir Ateliers", "comptoir-ateliers", "experiences", "Workshops, tastings and gifts by the shop."),
)


@dataclass(frozen=True, slots=True)
class AttributeSpec:
    slug: str
    name: str
    is_variant_option: bool
    ordered_values: tuple[str, ...] = ()
    """Option values in their natural order (sizes); values not listed sort by name after them."""
    is_filterable: bool = True


ATTRIBUTES: tuple[AttributeSpec, ...] = (
    AttributeSpec("size", "Size", True, ("XS", "S", "M", "L", "XL")),
    AttributeSpec("shoe-size", "Shoe size", True, tuple(f"EU {n}" for n in range(35, 48))),
    AttributeSpec("colour", "Colour", True),
    AttributeSpec("diameter", "Diameter", True, ("16 cm", "20 cm", "24 cm", "26 cm", "28 cm", "30 cm", "32 cm")),
    AttributeSpec("capacity", "Capacity", True, ("0.35 L", "0.5 L", "1 L", "1.5 L", "2 L", "3 L", "4 L", "5.5 L")),
    AttributeSpec("bed-size", "Bed size", True, ("Single", "Double", "King", "Super King")),
    AttributeSpec("sleeps", "Sleeps", True, ("1 person", "2 persons", "3 persons", "4 persons", "6 persons")),
    AttributeSpec("volume", "Volume", True, ("18 L", "24 L", "30 L", "40 L", "55 L")),
    AttributeSpec("length", "Length", True, ("1 m", "2 m", "Regular", "Long")),
    AttributeSpec("net-weight", "Net weight", True, ("100 g", "250 g", "500 g", "1 kg")),
    AttributeSpec("format", "Format", True, ("Hardcover", "Paperback", "EPUB", "PDF")),
    AttributeSpec("session", "Session", True),
    AttributeSpec("duration", "Duration", True, ("Weekend", "One week", "Two weeks")),
    AttributeSpec("frequency", "Delivery", True, ("Every 2 weeks", "Every month")),
    AttributeSpec("amount", "Amount", True, ("25", "50", "100", "200")),
    AttributeSpec("material", "Material", False),
    AttributeSpec("origin", "Made in", False),
    AttributeSpec("fit", "Fit", False, ("Slim", "Regular", "Relaxed", "Oversized")),
    AttributeSpec("season", "Season", False, ("Summer", "3-season", "4-season")),
    AttributeSpec("connectivity", "Connectivity", False),
    AttributeSpec("language", "Language", False),
)

# (name, swatch): swatches colour the option buttons and the demo pictures.
COLOURS: tuple[tuple[str, str], ...] = (
    ("Black", "#222222"),
    ("Ecru", "#EFE8D8"),
    ("Navy", "#1F2A44"),
    ("Sand", "#D8C3A5"),
    ("Olive", "#6B7042"),
    ("Terracotta", "#C4623F"),
    ("Sage", "#9CAF88"),
    ("Burgundy", "#6D1A36"),
    ("Charcoal", "#3D3D3D"),
    ("Sky", "#8FB8DE"),
    ("Mustard", "#D4A237"),
    ("Rose", "#D8A7A7"),
    ("Forest", "#2F4F3A"),
    ("Camel", "#B08A5A"),
    ("Slate", "#5B6B7A"),
)
SWATCHES = dict(COLOURS)

# Soft backgrounds for pictures of products that come in no colour.
PALETTE: tuple[str, ...] = (
    "#E9C9B1",
    "#C9D8C5",
    "#BFD3E6",
    "#E8D9A8",
    "#D9C2D8",
    "#F0D5C0",
    "#C8D6D3",
    "#DCCFC0",
    "#D3DDB8",
    "#E3BFB6",
)
INKS: tuple[str, ...] = ("#2B3A55", "#3E2F2A", "#2F4F3A", "#5A2E3A", "#333333", "#4A3F6B", "#7A4B24")

# Sentences for descriptions, by group: {name}, {material}, {origin}, {brand} are filled in.
OPENINGS: dict[str, tuple[str, ...]] = {
    "apparel": (
        "The {name} is the piece you reach for first: easy to wear, easy to care for, made to last.",
        "Cut in {material} with a relaxed drape, the {name} works from a weekday to a weekend away.",
        "A wardrobe classic from {brand}, the {name} is made in {origin} from carefully sourced {material}.",
        "Soft from the first wear and softer with every wash, the {name} keeps its shape season after season.",
    ),
    "shoes": (
        "The {name} is built on a comfortable last and finished by hand in {origin}.",
        "{brand} makes the {name} from {material} that moulds to your foot and can be resoled.",
        "Light enough for every day and smart enough for the evening: meet the {name}.",
    ),
    "home": (
        "The {name} brings a quiet, lasting quality to everyday rituals.",
        "Made in {origin} from {material}, the {name} is designed to be used daily and kept for years.",
        "{brand} designed the {name} with small workshops that still work by hand.",
    ),
    "pantry": (
        "{name}: sourced directly from a small producer in {origin}, in small batches.",
        "Our buyers tasted dozens before choosing the {name}. We think you will taste why.",
    ),
    "outdoor": (
        "The {name} is made for long days outside, tested in wind, rain and the occasional snow.",
        "Light, packable and repairable, the {name} from {brand} goes wherever the trail goes.",
        "{material} keeps the {name} tough without the weight.",
    ),
    "electronics": (
        "The {name} delivers a warm, detailed sound without fuss.",
        "Designed by {brand}, the {name} pairs in seconds and lasts all day.",
        "Small, well made and easy to repair: the {name} is technology that stays out of the way.",
    ),
    "books": (
        "{name} is one of our booksellers' favourites this season.",
        "Published by {brand}, {name} has been praised for its warmth and its precision.",
        "A book to keep by the bed and to give to the friends who love good stories.",
    ),
}
CARE: dict[str, tuple[str, ...]] = {
    "apparel": ("Machine wash at 30 °C", "Hand wash cold, dry flat", "Dry clean only", "Wash inside out at 40 °C"),
    "shoes": ("Wipe with a damp cloth", "Nourish the leather twice a year", "Resoleable by any cobbler"),
    "home": ("Dishwasher safe", "Hand wash recommended", "Oven safe up to 250 °C", "Wash at 40 °C, tumble dry low"),
    "pantry": ("Store in a cool, dry place", "Best within 12 months", "Reseal after opening"),
    "outdoor": ("Air dry after use", "Reproof once a season", "Repair kit included"),
    "electronics": ("2-year warranty", "USB-C charging", "Spare parts available for 7 years"),
    "books": ("Printed on FSC-certified paper", "Sewn binding", "Illustrated edition"),
}

# Line names told apart products that would otherwise share a name ("Arles Linen Wrap Dress").
LINE_NAMES: tuple[str, ...] = (
    "Arles",
    "Biarritz",
    "Colmar",
    "Dinard",
    "Étretat",
    "Figeac",
    "Gordes",
    "Honfleur",
    "Annecy",
    "Lourmarin",
    "Menton",
    "Nérac",
    "Oléron",
    "Pornic",
    "Quimper",
    "Roscoff",
    "Sète",
    "Tournon",
    "Uzès",
    "Vannes",
)
