"""The words NEX Retail is written in: cities, brands, items, names and the other lists its tables
draw from, so that the tables read like a real retailer's."""

from __future__ import annotations

CATEGORIES: tuple[str, ...] = ("grocery", "beverages", "household", "personal_care", "snacks")


# (city, region, latitude, longitude, weight, median income level, population density multiplier)
CITIES: tuple[tuple[str, str, float, float, float, float, float], ...] = (
    ("London", "London", 51.5074, -0.1278, 0.26, 39000, 1.6),
    ("Manchester", "North West", 53.4808, -2.2426, 0.11, 30000, 1.2),
    ("Birmingham", "West Midlands", 52.4862, -1.8904, 0.11, 29000, 1.2),
    ("Leeds", "Yorkshire and the Humber", 53.8008, -1.5491, 0.09, 29500, 1.0),
    ("Glasgow", "Scotland", 55.8642, -4.2518, 0.08, 28500, 1.0),
    ("Bristol", "South West", 51.4545, -2.5879, 0.08, 33000, 0.9),
    ("Newcastle upon Tyne", "North East", 54.9783, -1.6178, 0.07, 28000, 0.8),
    ("Cardiff", "Wales", 51.4816, -3.1791, 0.06, 28500, 0.8),
    ("Nottingham", "East Midlands", 52.9548, -1.1581, 0.07, 28000, 0.9),
    ("Edinburgh", "Scotland", 55.9533, -3.1883, 0.07, 34000, 0.9),
)


STORE_DESCRIPTORS = (
    "Central",
    "High Street",
    "Retail Park",
    "North",
    "South",
    "East",
    "West",
    "Riverside",
    "Station Road",
    "Market Square",
    "Park Lane",
    "Quayside",
    "Old Town",
    "Village",
)


BRANDS: dict[str, tuple[str, ...]] = {
    "grocery": ("Harvest Lane", "Millbrook", "NEX Essentials"),
    "beverages": ("Clearspring", "Brewhouse", "Fizzwell"),
    "household": ("BrightHome", "Sparkle", "NEX Essentials"),
    "personal_care": ("Dermacare", "Pure & Fresh", "Velora"),
    "snacks": ("Crunchies", "Golden Bake", "Nibbly"),
}


# Items carry their pack size so that names read like real shelf labels.
ITEMS: dict[str, tuple[str, ...]] = {
    "grocery": (
        "Basmati Rice 1kg",
        "Fusilli Pasta 500g",
        "Chopped Tomatoes 400g",
        "Porridge Oats 1kg",
        "Baked Beans 4x415g",
        "Plain Flour 1.5kg",
        "Extra Virgin Olive Oil 500ml",
        "Smooth Peanut Butter 340g",
        "Strawberry Jam 454g",
        "Cornflakes 500g",
        "Long Grain Rice 2kg",
        "Spaghetti 1kg",
    ),
    "beverages": (
        "Orange Juice 1L",
        "Sparkling Water 6x500ml",
        "Cola 2L",
        "Ground Coffee 227g",
        "English Breakfast Tea 80 bags",
        "Cloudy Lemonade 1.75L",
        "Apple Juice 1L",
        "Energy Drink 4x250ml",
        "Still Water 6x1.5L",
        "Hot Chocolate 400g",
        "Ginger Beer 4x330ml",
        "Instant Coffee 200g",
    ),
    "household": (
        "Washing Up Liquid 450ml",
        "Laundry Gel 1.3L",
        "Bin Bags 20 pack",
        "Kitchen Roll 4 pack",
        "Toilet Tissue 9 pack",
        "Antibacterial Surface Spray 500ml",
        "Dishwasher Tablets 30 pack",
        "Fabric Conditioner 1.2L",
        "Thick Bleach 750ml",
        "Scrub Sponges 6 pack",
        "Glass Cleaner 500ml",
        "Foil 10m",
    ),
    "personal_care": (
        "Shampoo 400ml",
        "Conditioner 400ml",
        "Shower Gel 250ml",
        "Whitening Toothpaste 75ml",
        "Antiperspirant Deodorant 150ml",
        "Hand Wash 250ml",
        "Body Lotion 400ml",
        "Razors 4 pack",
        "Lip Balm 4.8g",
        "Sun Cream SPF30 200ml",
        "Cotton Buds 200 pack",
        "Face Wash 150ml",
    ),
    "snacks": (
        "Ready Salted Crisps 6 pack",
        "Sweet Salted Popcorn 80g",
        "Milk Chocolate Bar 100g",
        "Digestive Biscuits 400g",
        "Salted Peanuts 200g",
        "Oat Cereal Bars 5 pack",
        "Tortilla Chips 200g",
        "Golden Syrup Flapjack 4 pack",
        "Pretzels 175g",
        "Lightly Salted Rice Cakes 130g",
        "Chocolate Chip Cookies 200g",
        "Mixed Nuts 200g",
    ),
}


VARIANTS = ("Multipack", "Value Pack", "Family Size", "Finest", "Organic", "Reduced Sugar", "Limited Edition")


# Shelf price ranges (log-uniform) per category, in GBP.
PRICE_RANGES: dict[str, tuple[float, float]] = {
    "grocery": (0.80, 4.50),
    "beverages": (0.90, 6.00),
    "household": (1.50, 8.00),
    "personal_care": (1.50, 9.00),
    "snacks": (0.70, 3.50),
}


FIRST_NAMES = (
    "Oliver",
    "George",
    "Harry",
    "Jack",
    "Jacob",
    "Noah",
    "Charlie",
    "Muhammad",
    "Thomas",
    "Oscar",
    "William",
    "James",
    "Leo",
    "Alfie",
    "Henry",
    "Joshua",
    "Freddie",
    "Archie",
    "Ethan",
    "Isaac",
    "Daniel",
    "Samuel",
    "Joseph",
    "Max",
    "Arthur",
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Emily",
    "Sophia",
    "Grace",
    "Mia",
    "Poppy",
    "Ella",
    "Lily",
    "Evie",
    "Isabella",
    "Sophie",
    "Ivy",
    "Freya",
    "Harper",
    "Willow",
    "Charlotte",
    "Jessica",
    "Daisy",
    "Florence",
    "Ruby",
    "Chloe",
    "Priya",
)


LAST_NAMES = (
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Thomas",
    "Clarke",
    "Jackson",
    "Wood",
    "Harris",
    "Edwards",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Hughes",
    "Moore",
    "Clark",
    "King",
    "Harrison",
    "Lewis",
    "Baker",
    "Lee",
    "Allen",
    "Morris",
    "Khan",
    "Scott",
    "Watson",
    "Davis",
    "Parker",
    "James",
    "Bennett",
    "Young",
    "Phillips",
    "Richardson",
    "O'Brien",
)


EMAIL_DOMAINS = ("gmail.com", "outlook.com", "hotmail.co.uk", "yahoo.co.uk", "btinternet.com", "icloud.com")


EMAIL_DOMAIN_WEIGHTS = (0.40, 0.18, 0.15, 0.12, 0.08, 0.07)


SEGMENTS = ("value", "regular", "premium")


INCOME_BANDS = ("low", "mid", "high")


CHANNELS = ("email", "sms", "app")


EXTRA_OFFER_TYPES = ("discount", "bundle", "loyalty_points", "free_delivery", "cashback", "exclusive_access")
