"""How big a NEX Retail world is, and how its random draws are split into independent streams."""

from __future__ import annotations

import math
from dataclasses import dataclass

from nex_assets.sample_world.vocabulary import CATEGORIES

MIN_WEEKS = 104


# Rows of sales built in memory at once; bounds peak memory whatever the world size.
SALES_CHUNK_ROWS = 250_000


# Child stream index per table, so adding draws to one table leaves the others untouched.
STREAMS = ("stores", "products", "assortment", "sales", "customers", "offers", "events")


@dataclass(frozen=True)
class WorldSize:
    """How big a world to build; the defaults give about 100k sales rows."""

    stores: int = 100
    products: int = 60
    skus_per_store: int = 10  # each store sells its own random assortment of this many skus
    weeks: int = 104  # >= 104 so that yearly seasonality and holidays are seen at least twice
    customers: int = 5000
    offers: int = 6

    def __post_init__(self) -> None:
        if self.weeks < MIN_WEEKS:
            raise ValueError(f"weeks must be >= {MIN_WEEKS}, got {self.weeks}")
        if min(self.stores, self.products, self.skus_per_store, self.customers, self.offers) < 1:
            raise ValueError(f"every size must be positive: {self}")
        if self.skus_per_store > self.products:
            raise ValueError(f"skus_per_store ({self.skus_per_store}) exceeds products ({self.products})")

    @property
    def sales_rows(self) -> int:
        return self.stores * self.skus_per_store * self.weeks

    @classmethod
    def for_sales_rows(cls, rows: int) -> WorldSize:
        """Scale stores and assortment together (keeping the default 10:1 store:sku and 6:1
        catalogue:assortment ratios) so benchmarks at any size still look like the default world."""
        if rows < 1:
            raise ValueError(f"rows must be positive, got {rows}")
        weeks = MIN_WEEKS
        store_skus = rows / weeks
        scale = math.sqrt(store_skus / 1000.0)
        skus = max(1, round(10 * scale))
        stores = max(1, round(store_skus / skus))
        products = max(len(CATEGORIES), skus, round(6 * skus))
        return cls(stores=stores, products=products, skus_per_store=skus, weeks=weeks)


DEFAULT_SIZE = WorldSize()
