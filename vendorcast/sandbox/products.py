"""The simulated vendor's catalogue: ASINs, brands, categories, titles, identifiers, prices and costs,
variation families, launch and discontinuation dates. Deterministic from the seed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

ASIN_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Products too big to pack several to a case.
BULKY_NOUNS = frozenset({"Raised Bed", "Dog Bed", "Cat Scratcher", "Dumbbell Set", "Planter"})


@dataclass(frozen=True)
class Category:
    name: str
    product_type: str
    classification_id: str
    browse_node: str
    parent_node: str
    parent_node_id: str
    display_group: str
    display_group_name: str
    product_group: str
    peak_day_of_year: int
    seasonal_amplitude: float
    price_range: tuple[float, float]
    return_rate: float
    fresh: bool
    nouns: tuple[str, ...]
    variation_theme: str


CATEGORIES: tuple[Category, ...] = (
    Category(
        "Kitchen",
        "KITCHEN",
        "289814",
        "Food Storage Containers",
        "Kitchen & Dining",
        "284507",
        "home_display_on_website",
        "Home",
        "Kitchen",
        340,
        0.25,
        (9.0, 60.0),
        0.04,
        False,
        ("Storage Container Set", "Chef Knife", "Cutting Board", "Water Bottle", "Mixing Bowls"),
        "SIZE",
    ),
    Category(
        "Toys",
        "TOY_FIGURE",
        "166092011",
        "Action Figures",
        "Toys & Games",
        "165793011",
        "toy_display_on_website",
        "Toys",
        "Toy",
        350,
        0.9,
        (12.0, 80.0),
        0.05,
        False,
        ("Building Set", "Action Figure", "Puzzle", "Plush Toy", "Board Game"),
        "COLOR",
    ),
    Category(
        "Garden",
        "OUTDOOR_LIVING",
        "3610851",
        "Garden Hoses",
        "Patio, Lawn & Garden",
        "2972638011",
        "lawn_and_garden_display_on_website",
        "Lawn & Patio",
        "Lawn & Patio",
        135,
        0.6,
        (15.0, 120.0),
        0.06,
        False,
        ("Garden Hose", "Planter", "Pruning Shears", "Sprinkler", "Raised Bed"),
        "SIZE",
    ),
    Category(
        "Sports",
        "SPORTING_GOODS",
        "3407731",
        "Yoga Mats",
        "Sports & Outdoors",
        "3375251",
        "sporting_goods_display_on_website",
        "Sports",
        "Sports",
        170,
        0.3,
        (10.0, 90.0),
        0.05,
        False,
        ("Yoga Mat", "Resistance Bands", "Jump Rope", "Foam Roller", "Dumbbell Set"),
        "COLOR",
    ),
    Category(
        "Office",
        "OFFICE_PRODUCTS",
        "1069242",
        "Notebooks",
        "Office Products",
        "1064954",
        "office_product_display_on_website",
        "Office Product",
        "Office Product",
        225,
        0.5,
        (4.0, 35.0),
        0.02,
        False,
        ("Spiral Notebook", "Gel Pens", "Desk Organizer", "Sticky Notes", "Binder Set"),
        "COLOR",
    ),
    Category(
        "Beauty",
        "BEAUTY",
        "11060451",
        "Face Moisturizers",
        "Beauty & Personal Care",
        "3760911",
        "beauty_display_on_website",
        "Beauty",
        "Beauty",
        330,
        0.12,
        (7.0, 45.0),
        0.03,
        False,
        ("Face Moisturizer", "Shampoo", "Lip Balm", "Body Lotion", "Serum"),
        "SIZE",
    ),
    Category(
        "Grocery",
        "GROCERY",
        "16318031",
        "Snack Foods",
        "Grocery & Gourmet Food",
        "16310101",
        "grocery_display_on_website",
        "Grocery",
        "Grocery",
        320,
        0.15,
        (3.0, 25.0),
        0.01,
        True,
        ("Trail Mix", "Granola", "Coffee Beans", "Herbal Tea", "Dark Chocolate"),
        "SIZE",
    ),
    Category(
        "Electronics",
        "ELECTRONIC_ADAPTER",
        "2407755011",
        "USB Cables",
        "Electronics",
        "172282",
        "wireless_display_on_website",
        "Wireless",
        "Wireless",
        335,
        0.35,
        (8.0, 70.0),
        0.07,
        False,
        ("USB-C Cable", "Wall Charger", "Power Bank", "Phone Stand", "Earbuds Case"),
        "COLOR",
    ),
    Category(
        "Pet",
        "PET_SUPPLIES",
        "2975312011",
        "Dog Toys",
        "Pet Supplies",
        "2619533011",
        "pet_products_display_on_website",
        "Pet Products",
        "Pet Products",
        330,
        0.1,
        (6.0, 50.0),
        0.03,
        False,
        ("Chew Toy", "Dog Bed", "Cat Scratcher", "Pet Bowl", "Leash"),
        "SIZE",
    ),
)

_ADJECTIVES = (
    "Premium",
    "Classic",
    "Eco",
    "Pro",
    "Essential",
    "Deluxe",
    "Compact",
    "Ultra",
    "Everyday",
    "Signature",
)
_COLORS = ("Black", "White", "Blue", "Red", "Green", "Grey", "Pink", "Teal")
_SIZES = ("Small", "Medium", "Large", "X-Large", "12 oz", "16 oz", "24 oz", "32 oz")
_BRAND_STEMS = (
    "Acme",
    "Northwind",
    "Brightline",
    "Harbor",
    "Summit",
    "Willow",
    "Copper",
    "Juniper",
    "Atlas",
    "Nimbus",
)
_BRAND_SUFFIXES = ("Home", "Goods", "Co", "Labs", "Works", "Outfitters", "Essentials")


@dataclass(frozen=True)
class Product:
    """One sellable ASIN of the vendor."""

    index: int
    asin: str
    category: Category
    brand: str
    title: str
    model_number: str
    upc: str
    base_price: float
    unit_cost: float
    case_size: int
    noun: str  # what the product is ("Dog Bed"), as in its title
    launch_date: date
    # First day the ASIN is no longer sold (None: never discontinued).
    discontinue_date: date | None
    parent_asin: str | None
    variation_value: str | None

    @property
    def ordered_in_eaches(self) -> bool:
        """Whether Amazon orders it by the each rather than by the case: bulky items ship one to a carton."""
        return self.noun in BULKY_NOUNS

    @property
    def ean(self) -> str:
        return "0" + self.upc

    @property
    def gtin(self) -> str:
        return "00" + self.upc


@dataclass(frozen=True)
class VariationParent:
    """A non-buyable parent ASIN grouping variations (e.g. colours) of one product."""

    asin: str
    title: str
    category: Category
    brand: str
    child_asins: tuple[str, ...]


@dataclass(frozen=True)
class Vendor:
    name: str
    vendor_code: str
    brands: tuple[str, ...]


@dataclass(frozen=True)
class Catalogue:
    """The vendor, its ASINs (sorted) and its variation parents."""

    vendor: Vendor
    products: tuple[Product, ...]
    parents: tuple[VariationParent, ...]

    @property
    def asins(self) -> list[str]:
        return [p.asin for p in self.products]


def _check_digit(digits: str) -> str:
    """GS1 check digit (UPC-A / EAN-13)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def _unique_asins(rng: np.random.Generator, count: int) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        codes = rng.integers(0, len(ASIN_ALPHABET), size=(count, 8))
        for row in codes:
            asin = "B0" + "".join(ASIN_ALPHABET[c] for c in row)
            if asin not in seen:
                seen.add(asin)
                out.append(asin)
                if len(out) == count:
                    break
    return out


def _price(value: float) -> float:
    """Retail price points end in .99."""
    return float(max(1.99, np.floor(value) + 0.99))


def build_catalogue(rng: np.random.Generator, n_asins: int, start: date) -> Catalogue:
    """Draw the vendor's catalogue. Launch and discontinuation dates are offsets from `start` only, so the
    catalogue does not depend on how far the simulation runs."""
    brand_stems = rng.choice(len(_BRAND_STEMS), size=3, replace=False)
    brands = tuple(
        f"{_BRAND_STEMS[s]} {_BRAND_SUFFIXES[int(rng.integers(len(_BRAND_SUFFIXES)))]}" for s in brand_stems
    )
    vendor_letters = "".join(ASIN_ALPHABET[10 + int(x)] for x in rng.integers(0, 26, size=4))
    vendor = Vendor(name=f"{brands[0]} Manufacturing", vendor_code=f"{vendor_letters}1", brands=brands)

    asins = _unique_asins(rng, 2 * n_asins)
    child_pool, parent_pool = asins[:n_asins], asins[n_asins:]

    drafts: list[dict] = []
    parents: list[VariationParent] = []
    index = 0
    while len(drafts) < n_asins:
        category = CATEGORIES[int(rng.integers(len(CATEGORIES)))]
        brand = brands[int(rng.choice(len(brands), p=[0.6, 0.25, 0.15]))]
        noun = category.nouns[int(rng.integers(len(category.nouns)))]
        adjective = _ADJECTIVES[int(rng.integers(len(_ADJECTIVES)))]
        family = int(rng.choice([1, 2, 3, 4], p=[0.7, 0.12, 0.1, 0.08]))
        family = min(family, n_asins - len(drafts))
        lo, hi = category.price_range
        price = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
        cost_ratio = rng.uniform(0.45, 0.7)
        case_size = int(rng.choice([4, 6, 12, 24]))
        if rng.random() < 0.72:
            launch = start - timedelta(days=int(rng.integers(30, 900)))
        else:
            launch = start + timedelta(days=int(rng.integers(0, 1000)))
        discontinue = None
        if rng.random() < 0.12:
            discontinue = max(launch, start) + timedelta(days=int(rng.integers(150, 1000)))
        values = _COLORS if category.variation_theme == "COLOR" else _SIZES
        picks = rng.choice(len(values), size=family, replace=False)
        base_title = f"{brand} {adjective} {noun}"
        members = []
        for member in range(family):
            variation = values[picks[member]] if family > 1 else None
            members.append(child_pool[len(drafts)])
            drafts.append(
                dict(
                    asin=child_pool[len(drafts)],
                    category=category,
                    brand=brand,
                    title=f"{base_title}, {variation}" if variation else base_title,
                    model_number=f"{category.product_type[:3]}-{int(rng.integers(100, 999))}{'ABCD'[member]}",
                    upc="8" + "".join(str(d) for d in rng.integers(0, 10, size=10)),
                    base_price=_price(price * (1 + 0.1 * member)),
                    cost_ratio=cost_ratio,
                    case_size=case_size,
                    noun=noun,
                    launch=launch,
                    discontinue=discontinue,
                    parent=parent_pool[index] if family > 1 else None,
                    variation=variation,
                )
            )
        if family > 1:
            parents.append(VariationParent(parent_pool[index], base_title, category, brand, tuple(members)))
        index += 1

    products = []
    # Catalogue order is ASIN order, the order Amazon's documents list ASINs in.
    for i, draft in enumerate(sorted(drafts, key=lambda d: d["asin"])):
        asin = draft["asin"]
        upc = draft["upc"] + _check_digit(draft["upc"])
        products.append(
            Product(
                index=i,
                asin=asin,
                category=draft["category"],
                brand=draft["brand"],
                title=draft["title"],
                model_number=draft["model_number"],
                upc=upc,
                base_price=draft["base_price"],
                unit_cost=round(draft["base_price"] * draft["cost_ratio"], 2),
                case_size=draft["case_size"],
                noun=draft["noun"],
                launch_date=draft["launch"],
                discontinue_date=draft["discontinue"],
                parent_asin=draft["parent"],
                variation_value=draft["variation"],
            )
        )
    return Catalogue(vendor=vendor, products=tuple(products), parents=tuple(parents))
