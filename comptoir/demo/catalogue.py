"""What the demo shop sells: its category tree and, per category, how product names, options and prices look.

Plain data. A leaf category has name templates ("{material} {style} Dress") and word lists to fill them,
the option plan of its variants (sizes and colours, shoe sizes, capacities), a price range in euros with
tax, a weight range, and the picture silhouette. `comptoir.demo.plan` turns this into products.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from comptoir.catalog.kinds import ProductKind


@dataclass(frozen=True, slots=True)
class RootSpec:
    slug: str
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class Template:
    """A product name pattern; `materials`, `shape` and `options` override the category's when given."""

    pattern: str
    materials: tuple[str, ...] | None = None
    shape: str | None = None
    options: str | None = None


@dataclass(frozen=True, slots=True)
class LeafSpec:
    slug: str
    name: str
    parent: str
    code: str  # SKU prefix
    group: str  # brands and description phrases
    description: str
    shape: str
    price: tuple[int, int]  # euros, tax included
    templates: tuple[Template, ...]
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)
    materials: tuple[str, ...] = ()
    origins: tuple[str, ...] = ("France", "Portugal", "Italy")
    extra: dict[str, tuple[str, ...]] = field(default_factory=dict)  # attribute slug -> values, one is picked
    options: str | None = None
    weight: tuple[int, int] | None = (200, 800)  # grams
    share: int = 10  # relative number of products
    kind: str = ProductKind.PHYSICAL


ROOTS: tuple[RootSpec, ...] = (
    RootSpec("women", "Women", "Dresses, knitwear, shoes and bags for every day, in natural fibres."),
    RootSpec("men", "Men", "Shirts, knits, trousers and shoes: a wardrobe built to last."),
    RootSpec("home", "Home", "Cookware, tableware, bedding, objects and a well-stocked pantry."),
    RootSpec("outdoor", "Outdoor", "Tents, packs, sleeping bags and clothing for days outside."),
    RootSpec("electronics", "Electronics", "Headphones, speakers and the small things that keep phones going."),
    RootSpec("books", "Books", "Novels, cookbooks and e-books chosen by our booksellers."),
    RootSpec("gifts", "Gifts & Experiences", "Gift cards, workshops, tastings, rentals and subscriptions."),
)

# fmt: off
LEAVES: tuple[LeafSpec, ...] = (
    LeafSpec(
        slug="women-dresses", name="Dresses", parent="women", code="WDR", group="apparel",
        description="Wrap, midi and shirt dresses in linen, cotton and silk.",
        shape="dress", price=(49, 169), weight=(250, 600), share=12, options="apparel",
        templates=(
            Template("{material} {style} Dress"),
        ),
        words={
            "style": ("Wrap", "Midi", "Maxi", "Shirt", "Slip", "Tiered", "Smocked", "Pleated", "Belted", "A-Line"),
        },
        materials=("Linen", "Cotton", "Silk", "Viscose", "Jersey", "Crepe", "Broderie"),
        origins=("Portugal", "France", "Italy", "Spain", "Romania"),
        extra={"fit": ("Slim", "Regular", "Relaxed")},
    ),
    LeafSpec(
        slug="women-tops", name="Tops & Blouses", parent="women", code="WTP", group="apparel",
        description="Blouses, tees and camisoles to layer all year round.",
        shape="top", price=(25, 95), weight=(120, 300), share=12, options="apparel",
        templates=(
            Template("{material} {style}"),
        ),
        words={
            "style": ("Blouse", "Camisole", "T-Shirt", "Tank Top", "Peasant Blouse", "Shirt", "Henley", "Polo"),
        },
        materials=("Linen", "Cotton", "Silk", "Organic Cotton", "Jersey", "Voile"),
        origins=("Portugal", "France", "Italy", "Spain", "Romania"),
        extra={"fit": ("Slim", "Regular", "Relaxed", "Oversized")},
    ),
    LeafSpec(
        slug="women-knitwear", name="Knitwear", parent="women", code="WKN", group="apparel",
        description="Soft sweaters and cardigans in merino, cashmere and alpaca.",
        shape="sweater", price=(59, 199), weight=(250, 600), share=10, options="apparel",
        templates=(
            Template("{material} {style}"),
        ),
        words={
            "style": ("Crew Sweater", "V-Neck Sweater", "Cardigan", "Turtleneck", "Cable Knit Jumper", "Knitted Vest"),
        },
        materials=("Merino", "Cashmere", "Lambswool", "Alpaca", "Organic Cotton", "Mohair Blend"),
        origins=("Scotland", "Italy", "Portugal", "Peru"),
        extra={"fit": ("Regular", "Relaxed", "Oversized")},
    ),
    LeafSpec(
        slug="women-shoes", name="Women's Shoes", parent="women", code="WSH", group="shoes",
        description="Flats, boots and sneakers, made to be resoled.",
        shape="shoe", price=(59, 229), weight=(500, 1100), share=10, options="shoes_women",
        templates=(
            Template("{material} {style}"),
        ),
        words={
            "style": ("Ballet Flats", "Ankle Boots", "Loafers", "Espadrilles", "Sneakers", "Mules", "Chelsea Boots",
                "Mary Janes", "Sandals"),
        },
        materials=("Leather", "Suede", "Canvas", "Patent Leather", "Nubuck"),
        origins=("Spain", "Portugal", "Italy", "France"),
    ),
    LeafSpec(
        slug="women-bags", name="Bags", parent="women", code="WBG", group="fashion",
        description="Totes, crossbody and shoulder bags for every day.",
        shape="bag", price=(39, 259), weight=(300, 1200), share=7, options="colour",
        templates=(
            Template("{material} {style}"),
        ),
        words={
            "style": ("Tote Bag", "Crossbody Bag", "Bucket Bag", "Shoulder Bag", "Clutch", "Weekender", "Basket Bag"),
        },
        materials=("Leather", "Canvas", "Raffia", "Suede", "Recycled Nylon"),
        origins=("Italy", "Spain", "France", "Morocco"),
    ),
    LeafSpec(
        slug="men-shirts", name="Shirts", parent="men", code="MSH", group="apparel",
        description="Oxford, linen and flannel shirts, cut for comfort.",
        shape="top", price=(45, 129), weight=(200, 400), share=12, options="apparel",
        templates=(
            Template("{material} {style} Shirt"),
        ),
        words={
            "style": (
                "Oxford", "Button-Down", "Camp Collar", "Grandad Collar", "Striped", "Checked", "Work", "Chambray"
            ),
        },
        materials=("Cotton", "Linen", "Organic Cotton", "Brushed Cotton", "Cotton Twill"),
        origins=("Portugal", "France", "Italy", "Spain", "Romania"),
        extra={"fit": ("Slim", "Regular", "Relaxed")},
    ),
    LeafSpec(
        slug="men-knitwear", name="Men's Knitwear", parent="men", code="MKN", group="apparel",
        description="Crew necks, zips and cardigans that get better with age.",
        shape="sweater", price=(59, 199), weight=(300, 700), share=10, options="apparel",
        templates=(
            Template("{material} {style}"),
        ),
        words={
            "style": ("Crew Sweater", "Quarter-Zip Sweater", "Cardigan", "Turtleneck", "Fisherman Sweater",
                "Knitted Polo"),
        },
        materials=("Merino", "Cashmere", "Lambswool", "Alpaca", "Organic Cotton", "Mohair Blend"),
        origins=("Scotland", "Italy", "Ireland", "Portugal"),
        extra={"fit": ("Slim", "Regular", "Relaxed")},
    ),
    LeafSpec(
        slug="men-trousers", name="Trousers & Jeans", parent="men", code="MTR", group="apparel",
        description="Chinos, jeans and easy trousers.",
        shape="trousers", price=(59, 149), weight=(400, 900), share=10, options="apparel",
        templates=(
            Template("{material} {style}", materials=("Cotton Twill", "Linen", "Wool", "Corduroy", "Ripstop")),
            Template("{jean} {wash} Jeans", materials=("Organic Denim", "Selvedge Denim")),
        ),
        words={
            "style": ("Chinos", "Pleated Trousers", "Carpenter Trousers", "Drawstring Trousers", "Cargo Trousers"),
            "jean": ("Straight", "Slim", "Relaxed", "Tapered"),
            "wash": ("Raw", "Indigo", "Stonewashed", "Black"),
        },
        materials=("Cotton Twill",),
        origins=("Portugal", "Italy", "Tunisia", "Japan"),
        extra={"fit": ("Slim", "Regular", "Relaxed")},
    ),
    LeafSpec(
        slug="men-shoes", name="Men's Shoes", parent="men", code="MSO", group="shoes",
        description="Derbies, boots and sneakers, Goodyear-welted where it counts.",
        shape="shoe", price=(79, 259), weight=(700, 1400), share=10, options="shoes_men",
        templates=(
            Template("{material} {style}"),
        ),
        words={
            "style": ("Derby Shoes", "Chelsea Boots", "Loafers", "Desert Boots", "Sneakers", "Brogues", "Boat Shoes"),
        },
        materials=("Leather", "Suede", "Canvas", "Nubuck"),
        origins=("Spain", "Portugal", "Italy", "England"),
    ),
    LeafSpec(
        slug="men-accessories", name="Accessories", parent="men", code="MAC", group="fashion",
        description="Belts, scarves, beanies and small leather goods.",
        shape="box", price=(19, 129), weight=(80, 400), share=7, options="colour",
        templates=(
            Template("{adj} {material} Belt", materials=("Leather", "Suede", "Webbing"), shape="box"),
            Template("{adj} {material} Scarf", materials=("Wool", "Cashmere", "Merino"), shape="pillow"),
            Template("{adj} {material} Beanie", materials=("Merino", "Lambswool", "Cashmere"), shape="bag"),
            Template("{adj} {material} Wallet", materials=("Leather", "Vegetable-Tanned Leather"),
                shape="card", options=""),
            Template("{adj} {material} Card Holder", materials=("Leather", "Vegetable-Tanned Leather"),
                shape="card", options=""),
        ),
        words={
            "adj": ("Classic", "Ribbed", "Slim", "Braided", "Everyday", "Heritage", "Fine"),
        },
        origins=("Italy", "Scotland", "France", "Spain"),
    ),
    LeafSpec(
        slug="home-kitchen", name="Kitchen", parent="home", code="HKT", group="kitchen",
        description="Cookware and tools that professional cooks would recognise.",
        shape="pan", price=(19, 249), weight=(400, 4500), share=12, options=None,
        templates=(
            Template("{material} Skillet", materials=("Cast Iron", "Carbon Steel", "Stainless Steel"),
                shape="pan", options="diameter"),
            Template("{material} Sauté Pan", materials=("Stainless Steel", "Copper", "Carbon Steel"),
                shape="pan", options="diameter"),
            Template("{material} Saucepan", materials=("Stainless Steel", "Copper"), shape="pan", options="capacity"),
            Template("Enamelled {material} Dutch Oven", materials=("Cast Iron",),
                shape="pot", options="capacity_large"),
            Template("{material} Chef's Knife 20 cm", materials=("Damascus Steel", "Carbon Steel", "Stainless Steel"),
                shape="tool", options=""),
            Template("{adj} {material} Chopping Board", materials=("Oak", "Walnut", "Olive Wood", "Beech"),
                shape="box", options=""),
            Template("{adj} {material} Kettle", materials=("Stainless Steel", "Enamelled Steel"),
                shape="mug", options="capacity"),
            Template("{adj} French Press", materials=("Borosilicate Glass", "Stainless Steel"),
                shape="mug", options="capacity_small"),
        ),
        words={
            "adj": ("Classic", "Professional", "Heritage", "Everyday", "Chef's", "Bistro"),
        },
        origins=("France", "Germany", "Japan", "Italy"),
    ),
    LeafSpec(
        slug="home-tableware", name="Tableware", parent="home", code="HTB", group="kitchen",
        description="Plates, bowls, mugs and glasses for every table.",
        shape="plate", price=(12, 119), weight=(300, 3000), share=10, options="colour",
        templates=(
            Template("{adj} {material} Dinner Plates, Set of 4", materials=("Stoneware", "Porcelain", "Earthenware"),
                shape="plate"),
            Template("{adj} {material} Mug", materials=("Stoneware", "Porcelain", "Enamel"), shape="mug"),
            Template("{adj} {material} Salad Bowl", materials=("Olive Wood", "Stoneware", "Acacia"), shape="plate"),
            Template("{adj} Wine Glasses, Set of 2", materials=("Crystal", "Recycled Glass"), shape="vase", options=""),
            Template("{adj} {material} Carafe", materials=("Glass", "Stoneware"), shape="vase", options=""),
            Template("{adj} Linen Napkins, Set of 4", materials=("Linen",), shape="pillow"),
        ),
        words={
            "adj": ("Speckled", "Glazed", "Hand-Thrown", "Matte", "Rustic", "Fluted", "Classic", "Scalloped"),
        },
        origins=("Portugal", "France", "Italy", "Japan"),
    ),
    LeafSpec(
        slug="home-bedding", name="Bedding", parent="home", code="HBD", group="home",
        description="Linen and percale bedding, stonewashed for softness.",
        shape="pillow", price=(29, 289), weight=(400, 2500), share=9, options="bed",
        templates=(
            Template("{adj} {material} Duvet Cover", materials=("Linen", "Percale Cotton", "Sateen Cotton")),
            Template("{adj} {material} Fitted Sheet", materials=("Linen", "Percale Cotton", "Sateen Cotton")),
            Template("{adj} {material} Pillowcase Pair", materials=("Linen", "Percale Cotton"), options="colour"),
            Template("{adj} {material} Throw", materials=("Wool", "Cashmere", "Cotton"), options="colour"),
        ),
        words={
            "adj": ("Stonewashed", "Washed", "Classic", "Striped", "Waffle", "Garment-Dyed"),
        },
        origins=("France", "Portugal", "Lithuania"),
    ),
    LeafSpec(
        slug="home-decor", name="Decor & Lighting", parent="home", code="HDC", group="home",
        description="Vases, lamps, candles and cushions for calm interiors.",
        shape="vase", price=(15, 249), weight=(200, 3500), share=9, options="colour",
        templates=(
            Template("{adj} {material} Vase", materials=("Ceramic", "Glass", "Stoneware")),
            Template("{adj} {material} Table Lamp", materials=("Brass", "Ceramic", "Rattan", "Oak"),
                shape="lamp", options=""),
            Template("{adj} Scented Candle", materials=("Soy Wax",), shape="jar", options=""),
            Template("{adj} {material} Cushion Cover", materials=("Linen", "Velvet", "Wool"), shape="pillow"),
            Template("{adj} {material} Photo Frame", materials=("Oak", "Brass", "Walnut"), shape="box", options=""),
        ),
        words={
            "adj": ("Sculpted", "Ribbed", "Organic", "Minimal", "Curved", "Bud", "Tall", "Low"),
        },
        origins=("France", "Portugal", "Denmark", "Vietnam"),
    ),
    LeafSpec(
        slug="home-pantry", name="Pantry", parent="home", code="HPN", group="pantry",
        description="Coffee, tea, olive oil, honey and chocolate from small producers.",
        shape="jar", price=(5, 39), weight=(100, 1100), share=7, options=None,
        templates=(
            Template("{coffee} Coffee Beans", materials=(), shape="jar", options="net_weight"),
            Template("{tea} Loose Leaf Tea", materials=(), shape="jar", options="net_weight_small"),
            Template("{region} Extra Virgin Olive Oil 500 ml", materials=(), shape="vase", options=""),
            Template("{flower} Honey 250 g", materials=(), shape="jar", options=""),
            Template("{flavour} Dark Chocolate 100 g", materials=(), shape="card", options=""),
            Template("{fruit} Jam 340 g", materials=(), shape="jar", options=""),
        ),
        words={
            "coffee": ("Ethiopia Yirgacheffe", "Colombia Huila", "Kenya Nyeri", "Guatemala Antigua", "Peru Cajamarca",
                "Rwanda Huye", "Brazil Cerrado", "Costa Rica Tarrazú"),
            "region": ("Provence", "Andalusia", "Crete", "Sicily", "Puglia", "Tuscany"),
            "tea": ("Earl Grey", "Sencha", "Darjeeling", "Assam", "Jasmine", "Rooibos", "Oolong", "Chai"),
            "flower": ("Lavender", "Acacia", "Chestnut", "Wildflower", "Heather", "Thyme", "Linden"),
            "flavour": ("Sea Salt", "Orange", "Hazelnut", "Raspberry", "Espresso", "Pure 70%", "Cardamom", "Almond"),
            "fruit": ("Apricot", "Strawberry", "Bitter Orange", "Fig", "Blackcurrant", "Mirabelle Plum"),
        },
        origins=("France", "Italy", "Spain", "Greece", "Ethiopia", "Colombia"),
    ),
    LeafSpec(
        slug="outdoor-tents", name="Tents", parent="outdoor", code="OTN", group="outdoor",
        description="Backpacking and family tents that stand up to the weather.",
        shape="tent", price=(129, 649), weight=(1200, 9000), share=6, options="sleeps",
        templates=(
            Template("{adj} {style} Tent"),
        ),
        words={
            "adj": ("Alpine", "Trail", "Ridge", "Basecamp", "Summit", "Meadow", "Fjord", "Storm", "Tundra"),
            "style": ("Dome", "Tunnel", "Backpacking", "Family", "Trekking", "Geodesic"),
        },
        materials=("Ripstop Nylon", "Polyester", "Cotton Canvas"),
        origins=("Vietnam", "China", "Norway"),
        extra={"season": ("3-season", "4-season", "Summer")},
    ),
    LeafSpec(
        slug="outdoor-backpacks", name="Backpacks", parent="outdoor", code="OBP", group="outdoor",
        description="Daypacks and trekking packs with proper harnesses.",
        shape="backpack", price=(49, 249), weight=(600, 2200), share=8, options="volume",
        templates=(
            Template("{adj} {style}"),
        ),
        words={
            "adj": ("Alpine", "Trail", "Ridge", "Basecamp", "Summit", "Meadow", "Fjord", "Storm", "Tundra"),
            "style": ("Daypack", "Hiking Backpack", "Travel Pack", "Roll-Top Backpack"),
        },
        materials=("Recycled Nylon", "Waxed Canvas", "Cordura"),
        origins=("Vietnam", "Portugal", "Norway"),
    ),
    LeafSpec(
        slug="outdoor-sleeping", name="Sleeping Bags & Mats", parent="outdoor", code="OSL", group="outdoor",
        description="Down and synthetic sleeping bags, mats and pillows.",
        shape="sleeping_bag", price=(29, 399), weight=(400, 1800), share=6, options="length_bag",
        templates=(
            Template("{adj} Down Sleeping Bag", materials=("Responsible Down",)),
            Template("{adj} Synthetic Sleeping Bag", materials=("Recycled Polyester",)),
            Template("{adj} Self-Inflating Mat", materials=("Polyester",), shape="pillow"),
        ),
        words={
            "adj": ("Alpine", "Trail", "Ridge", "Basecamp", "Summit", "Meadow", "Fjord", "Storm", "Tundra"),
        },
        origins=("Vietnam", "China", "Lithuania"),
        extra={"season": ("Summer", "3-season", "4-season")},
    ),
    LeafSpec(
        slug="outdoor-clothing", name="Outdoor Clothing", parent="outdoor", code="OCL", group="outdoor",
        description="Rain shells, fleeces and merino base layers.",
        shape="sweater", price=(49, 329), weight=(250, 900), share=8, options="apparel",
        templates=(
            Template("{adj} Rain Jacket", materials=("Recycled Nylon", "Waxed Cotton")),
            Template("{adj} Fleece Jacket", materials=("Recycled Polyester",)),
            Template("{adj} Down Jacket", materials=("Responsible Down",)),
            Template("{adj} Merino Base Layer", materials=("Merino",), shape="top"),
        ),
        words={
            "adj": ("Alpine", "Trail", "Ridge", "Basecamp", "Summit", "Meadow", "Fjord", "Storm", "Tundra"),
        },
        origins=("Vietnam", "Portugal", "Bangladesh"),
        extra={"fit": ("Slim", "Regular")},
    ),
    LeafSpec(
        slug="electronics-audio", name="Audio", parent="electronics", code="EAU", group="electronics",
        description="Headphones, earbuds and speakers that sound warm and clear.",
        shape="headphones", price=(39, 349), weight=(150, 3000), share=8, options="colour",
        templates=(
            Template("{adj} Wireless Headphones", shape="headphones"),
            Template("{adj} Bluetooth Speaker", shape="speaker"),
            Template("{adj} True Wireless Earbuds", shape="phone"),
            Template("{adj} Bookshelf Speakers", shape="speaker", options=""),
        ),
        words={
            "adj": ("Studio", "Nomad", "Pulse", "Aura", "Echo", "Wave", "Loft", "Pocket", "Arc"),
        },
        materials=("Aluminium", "Recycled Plastic", "Walnut"),
        origins=("China", "Vietnam", "France"),
        extra={"connectivity": ("Bluetooth 5.3", "Bluetooth 5.0 and jack", "Wi-Fi and Bluetooth")},
    ),
    LeafSpec(
        slug="electronics-phone", name="Phone Accessories", parent="electronics", code="EPH", group="electronics",
        description="Cases, chargers and cables.",
        shape="phone", price=(9, 89), weight=(30, 300), share=7, options=None,
        templates=(
            Template("{adj} {material} Phone Case", materials=("Leather", "Recycled Plastic", "Silicone"),
                shape="phone", options="colour"),
            Template("{adj} Braided USB-C Cable", materials=("Nylon",), shape="tool", options="length_cable"),
            Template("{adj} Wireless Charger", materials=("Aluminium", "Cork"), shape="plate", options=""),
            Template("{adj} Power Bank 10,000 mAh", materials=("Aluminium",), shape="phone", options=""),
        ),
        words={
            "adj": ("Studio", "Nomad", "Pulse", "Aura", "Echo", "Wave", "Loft", "Pocket", "Arc"),
        },
        origins=("China", "Vietnam"),
        extra={"connectivity": ("USB-C", "MagSafe", "Qi")},
    ),
    LeafSpec(
        slug="books-novels", name="Novels", parent="books", code="BNV", group="books",
        description="Fiction our booksellers press into customers' hands.",
        shape="book", price=(9, 29), weight=(250, 800), share=7, options="book_format",
        templates=(
            Template("The {noun} of {place}"),
            Template("A {adj} {noun}"),
            Template("The {adj} {noun}"),
            Template("Letters from {place}"),
        ),
        words={
            "noun": ("Lighthouse", "Orchard", "Cartographer", "Winter", "Harbour", "Garden", "Silence", "Translator",
                "Salt", "River", "Glasshouse", "Archivist"),
            "adj": ("Quiet", "Last", "Hidden", "Small", "Distant", "Golden", "Forgotten", "Long"),
            "place": ("Saint-Malo", "Lisbon", "the Vosges", "Marseille", "the North Sea", "Trieste", "the Camargue"),
        },
        origins=("France", "United Kingdom"),
        extra={"language": ("English", "French")},
    ),
    LeafSpec(
        slug="books-cookbooks", name="Cookbooks", parent="books", code="BCK", group="books",
        description="Cookbooks to read at the table and use at the stove.",
        shape="book", price=(19, 45), weight=(600, 1500), share=5, options="book_format_hard",
        templates=(
            Template("The {cuisine} Table"),
            Template("Cooking with {ingredient}"),
            Template("{adj} {cuisine} Kitchen"),
        ),
        words={
            "cuisine": ("Provençal", "Basque", "Breton", "Levantine", "Alpine", "Sicilian", "Nordic", "Japanese"),
            "ingredient": ("Olive Oil", "Butter", "Lemons", "Tomatoes", "Herbs", "Fire", "Grains", "Cheese"),
            "adj": ("Simple", "Everyday", "Seasonal", "Slow", "Weeknight", "Sunday"),
        },
        origins=("France", "United Kingdom", "Italy"),
        extra={"language": ("English", "French")},
    ),
)
# fmt: on

# Kinds other than physical goods: the demo shows each at least once (see plan.special_products).
EBOOK_CATEGORY = ("books-ebooks", "E-books", "books", "Novels and cookbooks to read on any e-reader, DRM-free.")
SPECIAL_CATEGORIES: tuple[tuple[str, str, str, str], ...] = (
    EBOOK_CATEGORY,
    ("gifts-gift-cards", "Gift Cards", "gifts", "Let them choose: gift cards delivered by email, valid two years."),
    ("gifts-workshops", "Workshops", "gifts", "Hands-on classes in our Paris shop, in small groups."),
    ("gifts-tastings", "Tastings", "gifts", "Evenings with the producers behind our pantry."),
    ("gifts-rentals", "Gear Rental", "gifts", "Rent a tent or a full camping kit for a weekend or a week."),
    ("gifts-subscriptions", "Subscriptions", "gifts", "Coffee and books delivered on your schedule."),
)
