"""A pricing world of its own for the retrain loop: one weekly sales dataset, one pricing recipe and a
pack, under names unique to the test, so its registered model and tables are nobody else's."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nex_assets.core.build import Catalog
from nex_assets.datasets.logic.catalog import load_catalog
from tests.core.helpers import ROOT

STORES = [f"S{i:02d}" for i in range(1, 7)]
SKUS = [f"K{i:02d}" for i in range(1, 9)]
ELASTICITY = {"snacks": -2.0, "drinks": -1.2}
HISTORY_WEEKS = 40
BATCH_WEEKS = 60

RECIPE = """
name: {name}
dataset: {group}
family: pricing
level: intermediate
input: raw.{table}
target: units_sold
roles:
  price: price
  reference_price: base_price
  cost: unit_cost
  groups: [category]
  entities: [store_id, sku]
  time: week_start
  controls: [promo, holiday]
  id: [sku]
algorithm: log_log_regression
evaluation_packs: [{name}_pack]
"""

PACK = """
name: {name}_pack
description: Demand must fall with price in every category.
families: [pricing]
criteria:
  - name: demand_falls_with_price
    metric: elasticity
    slice: group
    max: -0.05
"""


def weeks_of_sales(first_week: int, weeks: int, *, seed: int, kind: str = "normal") -> pd.DataFrame:
    """Every store sells every sku every week. ``normal``: shelf prices within 15% of base, 10% of
    rows on promotion, demand falling with price. ``shifted``: prices 30-80% up and every row on
    promotion, same demand law. ``perverse``: the same shifted prices, but demand rising with price."""
    rng = np.random.default_rng(seed)
    rows = []
    for w in range(first_week, first_week + weeks):
        week_start = date(2024, 1, 1) + timedelta(weeks=w)
        holiday = w % 10 == 0
        for s, store in enumerate(STORES):
            factor = rng.uniform(0.85, 1.15) if kind == "normal" else rng.uniform(1.3, 1.8)
            for k, sku in enumerate(SKUS):
                category = "snacks" if k < 4 else "drinks"
                base = 2.0 + 0.4 * k
                promo = rng.random() < 0.1 if kind == "normal" else True
                price = base * factor * (0.8 if promo and kind == "normal" else 1.0)
                elasticity = 3.0 if kind == "perverse" else ELASTICITY[category]
                mu = 40 * (1 + 0.1 * s) * (price / base) ** elasticity * (1.3 if promo else 1.0)
                rows.append(
                    {
                        "week_start": week_start.isoformat(),
                        "store_id": store,
                        "sku": sku,
                        "category": category,
                        "price": round(price, 2),
                        "base_price": round(base, 2),
                        "unit_cost": round(base * 0.6, 2),
                        "promo": "true" if promo else "false",
                        "holiday": "true" if holiday else "false",
                        "units_sold": int(rng.poisson(mu)),
                    }
                )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class PricingWorld:
    root: Path
    group: str
    dataset: str
    recipe: str
    catalog: Catalog
    landing: Path

    @property
    def registered_model(self) -> str:
        return f"{self.group}.pricing"

    @property
    def train_job(self) -> str:
        return f"{self.group}__{self.recipe}__train"

    def drop(self, name: str, frame: pd.DataFrame) -> Path:
        """Writes a batch into the landing folder the way a producer should: a dot-file, renamed whole."""
        self.landing.mkdir(parents=True, exist_ok=True)
        tmp = self.landing / f".{name}"
        frame.to_csv(tmp, index=False)
        return tmp.replace(self.landing / name)

    def environ(self) -> dict[str, str]:
        return {
            "NEX_DATASETS_DIR": str(self.root / "datasets"),
            "NEX_LANDING_DIR": str(self.root / "landing"),
            "NEX_RECIPES_DIR": str(self.root / "recipes"),
            "NEX_EVALUATION_PACKS_DIR": str(self.root / "evaluation_packs"),
        }


@pytest.fixture()
def pricing_world(tmp_path, unique_name, monkeypatch) -> PricingWorld:
    group, dataset, recipe = unique_name, f"{unique_name}_sales", "pricing_watch"
    source = tmp_path / "sales.csv"
    weeks_of_sales(0, HISTORY_WEEKS, seed=1).to_csv(source, index=False)
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / f"{dataset}.yaml").write_text(
        f"name: {dataset}\ngroup: {group}\nsource:\n  path: {source}\n"
        "primary_key: [week_start, store_id, sku]\n"
        "columns:\n  week_start: {type: date}\n  store_id: {type: text}\n  sku: {type: text}\n"
        "landing:\n  mode: append\n"
    )
    recipes, packs = tmp_path / "recipes", tmp_path / "evaluation_packs"
    recipes.mkdir()
    packs.mkdir()
    for defaults in ("_families.yaml", "_algorithms.yaml"):
        shutil.copy(ROOT / "recipes" / defaults, recipes)
    (recipes / f"{recipe}.yaml").write_text(RECIPE.format(name=recipe, group=group, table=dataset))
    (packs / f"{recipe}_pack.yaml").write_text(PACK.format(name=recipe))
    world = PricingWorld(
        root=tmp_path,
        group=group,
        dataset=dataset,
        recipe=recipe,
        catalog=Catalog(
            load_catalog(tmp_path / "datasets"), project_dir=tmp_path, landing_dir=tmp_path / "landing"
        ),
        landing=tmp_path / "landing" / dataset,
    )
    for key, value in world.environ().items():
        monkeypatch.setenv(key, value)
    return world
