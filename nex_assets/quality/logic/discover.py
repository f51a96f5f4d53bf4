"""Rules that hold across columns, discovered from the data: arithmetic identities between numbers
(``total = a + b``, ``profit = revenue - costs``, ``amount = price * quantity``), order relations
(``staff_costs <= total_costs``), functional dependencies between categories (``city -> region``)
and conditional completeness (``staff_costs`` present whenever ``staff > 0``).

A rule is kept when it holds on a clear majority of the rows it applies to and is not implied by
what single-column rules already say (an order relation between ranges that do not overlap, a
dependency on a near-unique column). The rows that break it are the point: each rule becomes an
``unexpected_rows_expectation`` whose query returns them, with the evidence (how many rows obey
it, how many break it) in its ``meta``.

The search is bounded: identities are screened on a probe of rows for every pair of numeric
columns against every third column at once (a matrix operation), and only candidates that pass the
probe are measured on the whole sample; at most ``max_numeric`` columns take part.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations, permutations
from typing import Any

import numpy as np
import pandas as pd

from nex_assets.common.identifiers import quote_ident

# Identities hold within this tolerance: relative to the value, with an absolute floor for rounding.
REL_TOL = 1e-3
ABS_TOL = 0.011


@dataclass(frozen=True)
class DiscoverySettings:
    min_support: int = 10  # complete rows a rule must apply to
    # Share of those rows that must obey it: an exact identity between continuous columns does not
    # hold on three rows in four by chance; orders and dependencies ask for 95% (see each).
    min_share: float = 0.75
    max_numeric: int = 120  # numeric columns taking part in identities and orders
    probe_rows: int = 64  # rows the identity screen looks at
    max_categories: int = 1000  # distinct values of a column in a dependency
    sample_rows: int = 50_000


@dataclass
class Rule:
    kind: str  # identity | order | dependency | completeness
    columns: list[str]
    statement: str  # "total_rev = turnover + other_rev"
    condition: str  # SQL true for the rows that break it
    holds: int
    breaks: int
    examples: list[int] = field(default_factory=list)  # positions of breaking rows in the sample
    # Rows of a sum whose total is there and one term missing, the present one not adding up to it
    # (parts of 1 against a total of 1,411): questions, flagged with the breaking rows.
    questioned: int = 0

    @property
    def share(self) -> float:
        return self.holds / max(1, self.holds + self.breaks)

    def expectation(self, key: list[str]) -> dict[str, Any]:
        """The rule as an ``unexpected_rows_expectation`` (a warning) over the dataset's table."""
        shown = ", ".join(quote_ident(c) for c in [*key, *[c for c in self.columns if c not in key]])
        return {
            "type": "unexpected_rows_expectation",
            "description": self.statement,
            "kwargs": {"unexpected_rows_query": f"select {shown} from {{batch}} where {self.condition}"},
            "meta": {
                "severity": "warn",
                "group": "discovered",
                "dimension": "consistency",
                "note": f"discovered: holds on {self.holds:,} of {self.holds + self.breaks:,} rows "
                f"({self.share:.1%}); the other {self.breaks:,} break it"
                + (
                    f"; {self.questioned:,} more have a term missing where the total does not equal the "
                    "other terms"
                    if self.questioned
                    else ""
                ),
                "discovered": {
                    "kind": self.kind,
                    "columns": self.columns,
                    "holds": self.holds,
                    "breaks": self.breaks,
                    "questioned": self.questioned,
                },
            },
        }


def _tolerance(values: np.ndarray, floor: float = ABS_TOL) -> np.ndarray:
    return floor + REL_TOL * np.abs(values)


def _sql_tol(column: str, floor: float = ABS_TOL) -> str:
    return f"{floor:g} + {REL_TOL} * abs({column})"


def _floor(*columns: np.ndarray) -> float:
    """Whole numbers are often rounded parts of a rounded total (thousands of euros): a sum of them
    may be one unit off. Otherwise a cent."""
    values = np.concatenate([c[~np.isnan(c)] for c in columns])
    return 1.0 if len(values) and np.all(values == np.round(values)) else ABS_TOL


def _numeric(frame: pd.DataFrame, columns: list[str], settings: DiscoverySettings) -> list[str]:
    """Numeric columns worth relating: varying, not mostly zero, at most ``max_numeric`` of them
    (the most complete first)."""
    out = []
    for c in columns:
        values = pd.to_numeric(frame[c], errors="coerce")
        present = values.dropna()
        if present.nunique() < 5 or (present == 0).mean() > 0.5 or _clock(present):
            continue
        out.append(c)
    out.sort(key=lambda c: frame[c].isna().mean())
    return out[: settings.max_numeric]


def _clock(values: pd.Series) -> bool:
    """Times of day written as HHMM (517 for 5:17): not numbers to add, whatever they look like
    (600 - 559 is one minute). Every value whole, below 2400 and with minutes below 60."""
    whole = values % 1 == 0
    return bool(
        whole.all()
        and values.min() >= 0
        and values.max() <= 2400
        and values.max() >= 100
        and (values % 100 < 60).all()
        and len(values) >= 20
    )


def identities(frame: pd.DataFrame, columns: list[str], settings: DiscoverySettings) -> list[Rule]:
    """``a = b + c`` and ``a = b * c``. Differences and ratios are the same identities rearranged
    (``profit = revenue - costs`` is found as ``revenue = profit + costs``)."""
    numeric = _numeric(frame, columns, settings)
    if len(numeric) < 3:
        return []
    values = frame[numeric].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    order = np.random.default_rng(0).permutation(len(values))
    probe = values[order[: settings.probe_rows]]
    present = ~np.isnan(probe)
    rules: list[Rule] = []
    seen: set[tuple] = set()
    pairs = np.array(list(combinations(range(len(numeric)), 2)))
    for op in ("+", "*"):
        # Pairs in chunks, every third column at once: on the probe rows, is it b (op) c?
        for chunk in np.array_split(pairs, max(1, len(pairs) // 256)):
            left, right = probe[:, chunk[:, 0]], probe[:, chunk[:, 1]]
            combined = (left + right if op == "+" else left * right).T[:, :, None]  # pairs x rows x 1
            close = np.abs(probe[None, :, :] - combined) <= _tolerance(combined, 1.0)
            both = present[None, :, :] & ~np.isnan(combined)
            counts = both.sum(axis=1)
            agree = (close & both).sum(axis=1) / np.maximum(counts, 1)
            for p, k in zip(*np.nonzero((agree >= settings.min_share * 0.75) & (counts >= 3)), strict=True):
                i, j = (int(x) for x in chunk[p])
                key = (int(k), i, j, op)
                if k in (i, j) or key in seen:
                    continue
                seen.add(key)
                rule = _identity(values, numeric, int(k), i, j, op, settings)
                if rule is not None:
                    rules.append(rule)
    return rules


def _identity(values, names, k, i, j, op, settings) -> Rule | None:
    # Both operations commute: the operands in name order make one statement per identity.
    i, j = sorted((i, j), key=lambda x: names[x])
    a, b, c = values[:, k], values[:, i], values[:, j]
    mask = ~(np.isnan(a) | np.isnan(b) | np.isnan(c))
    if mask.sum() < settings.min_support:
        return None
    combined = b + c if op == "+" else b * c
    floor = _floor(a, b, c) if op == "+" else ABS_TOL
    ok = np.abs(a - combined) <= _tolerance(combined, floor)
    holds, breaks = int((ok & mask).sum()), int((~ok & mask).sum())
    if holds / max(1, holds + breaks) < settings.min_share:
        return None
    na, nb, nc = (quote_ident(names[x]) for x in (k, i, j))
    expr = f"{nb} {op} {nc}"
    condition = (
        f"{na} is not null and {nb} is not null and {nc} is not null "
        f"and abs({na} - ({expr})) > {_sql_tol(f'({expr})', floor)}"
    )
    breaking = ~ok & mask
    questioned = np.zeros(len(a), dtype=bool)
    if op == "+":
        # A missing term is a question, not a pass, where the total is there: counted as zero, the
        # other term must make the total (a term left empty because it is nil passes).
        one_missing = ~np.isnan(a) & (np.isnan(b) ^ np.isnan(c))
        filled = np.nan_to_num(b) + np.nan_to_num(c)
        questioned = one_missing & (np.abs(a - filled) > _tolerance(filled, floor))
        partial = f"coalesce({nb}, 0) + coalesce({nc}, 0)"
        condition = (
            f"({condition}) or ({na} is not null and ({nb} is null) <> ({nc} is null) "
            f"and abs({na} - ({partial})) > {_sql_tol(f'({partial})', floor)})"
        )
    examples = [int(x) for x in np.where(breaking | questioned)[0][:20]]
    statement = f"{names[k]} = {names[i]} {op} {names[j]}"
    return Rule(
        "identity",
        [names[k], names[i], names[j]],
        statement,
        condition,
        holds,
        breaks,
        examples,
        questioned=int(questioned.sum()),
    )


def orders(frame: pd.DataFrame, columns: list[str], settings: DiscoverySettings) -> list[Rule]:
    """``a <= b`` where pairing the rows matters: it holds on a clear majority of the rows with
    both, and breaks at most a third as often as it would between unrelated rows (the same values
    shuffled); ``age <= income`` holds everywhere by scale alone and is left out."""
    numeric = _numeric(frame, columns, settings)
    values = frame[numeric].apply(pd.to_numeric, errors="coerce")
    rng = np.random.default_rng(0)
    rules = []
    for a, b in _order_candidates(values.to_numpy(dtype=float), numeric, rng):
        x, y = values[a].to_numpy(dtype=float), values[b].to_numpy(dtype=float)
        mask = ~(np.isnan(x) | np.isnan(y))
        # An order is weaker evidence than an identity: three times the rows.
        if mask.sum() < 3 * settings.min_support:
            continue
        xs, ys = x[mask], y[mask]
        ok = xs <= ys + _tolerance(ys)
        broken = 1 - ok.mean()
        if broken > 1 - max(settings.min_share, 0.95):
            continue
        shuffled = ys[rng.permutation(len(ys))]
        by_chance = 1 - np.mean(xs <= shuffled + _tolerance(shuffled))
        if by_chance < 0.03 or broken > by_chance / 3:
            continue
        qa, qb = quote_ident(a), quote_ident(b)
        condition = f"{qa} is not null and {qb} is not null and {qa} > {qb} + {_sql_tol(qb)}"
        positions = [int(p) for p in np.where(mask)[0][~ok][:20]]
        rules.append(
            Rule("order", [a, b], f"{a} <= {b}", condition, int(ok.sum()), int((~ok).sum()), positions)
        )
    return _drop_implied_orders(rules)


def _order_candidates(values: np.ndarray, names: list[str], rng, probe: int = 2000) -> list[tuple[str, str]]:
    """Pairs worth measuring: on a probe of rows, ``a <= b`` holds on 90% of the rows with both,
    more often than between shuffled rows. Every pair at once, as one comparison of matrices."""
    rows = values[rng.permutation(len(values))[:probe]]
    shuffled = rows[rng.permutation(len(rows))]
    present = ~np.isnan(rows)
    a, b = rows[:, :, None], rows[:, None, :]
    both = present[:, :, None] & present[:, None, :]
    counts = both.sum(axis=0)
    with np.errstate(invalid="ignore"):
        holds = ((a <= b + _tolerance(b)) & both).sum(axis=0) / np.maximum(counts, 1)
        chance = ((a <= shuffled[:, None, :] + _tolerance(shuffled[:, None, :])) & both).sum(axis=0)
    chance = chance / np.maximum(counts, 1)
    keep = (holds >= 0.9) & (holds > chance) & (counts >= 3)
    np.fill_diagonal(keep, False)
    return [(names[i], names[j]) for i, j in zip(*np.nonzero(keep), strict=True)]


def _drop_implied_orders(rules: list[Rule]) -> list[Rule]:
    """Keeps a <= c out when a <= b and b <= c are both there (the chain says it)."""
    pairs = {(r.columns[0], r.columns[1]) for r in rules}
    out = []
    for r in rules:
        a, c = r.columns
        implied = any((a, b) in pairs and (b, c) in pairs for b in {p[1] for p in pairs} - {a, c})
        if not implied or r.breaks:
            out.append(r)
    return out


def dependencies(frame: pd.DataFrame, columns: list[str], settings: DiscoverySettings) -> list[Rule]:
    """``a -> b`` between categorical columns: each value of ``a`` seen at least twice goes with one
    value of ``b`` on a clear majority of rows. A near-unique ``a`` determines anything and a
    constant ``b`` is determined by anything: both are left out."""
    rules = []
    for a, b in permutations(columns, 2):
        pair = frame[[a, b]].dropna().astype(str)
        distinct_a, distinct_b = pair[a].nunique(), pair[b].nunique()
        if len(pair) < settings.min_support or distinct_b < 2 or distinct_a > settings.max_categories:
            continue
        if distinct_b >= distinct_a:
            continue
        sizes = pair.groupby([a, b]).size()
        per_a = sizes.groupby(level=0).sum()
        repeated = per_a[per_a >= 2].index
        if per_a[repeated].sum() < 0.5 * len(pair) or len(repeated) < 2:
            continue
        best = sizes[sizes.index.get_level_values(0).isin(repeated)].sort_values(ascending=False)
        modes = best[~best.index.get_level_values(0).duplicated()]
        holds = int(modes.sum())
        total = int(per_a[repeated].sum())
        if holds / total < max(settings.min_share, 0.95):
            continue
        # Knowing `a` must matter: it has to break at most a third as often as always guessing b's
        # most common value does (a flag that is 0 on 96% of rows is "determined" by anything).
        guess_breaks = total - int(pair[pair[a].isin(repeated)][b].value_counts().iloc[0])
        if total - holds > guess_breaks / 3:
            continue
        mode_of = dict(modes.index)
        rows = pair[pair[a].isin(repeated)]
        breaking = rows.index[rows[b].to_numpy() != rows[a].map(mode_of).to_numpy()]
        qa, qb = quote_ident(a), quote_ident(b)
        # The usual b of each a is computed in the query, so new values of a need no edit.
        condition = (
            f"{qa} is not null and {qb} is not null and ({qa}::text, {qb}::text) not in ("
            f"select {qa}::text, mode() within group (order by {qb}::text) from {{batch}} "
            f"where {qb} is not null group by {qa})"
        )
        positions = [int(p) for p in breaking[:20]]
        rules.append(Rule("dependency", [a, b], f"{a} -> {b}", condition, holds, total - holds, positions))
    return rules


def completeness(frame: pd.DataFrame, numeric: list[str], others: list[str], settings: DiscoverySettings):
    """``b`` is present whenever ``a > 0``, where ``b`` is often missing otherwise."""
    candidates = [b for b in [*numeric, *others] if frame[b].isna().mean() >= 0.05]
    if not candidates:
        return []
    missing = frame[candidates].isna().to_numpy()
    rules = []
    for a in numeric:
        positive = (pd.to_numeric(frame[a], errors="coerce") > 0).to_numpy()
        if positive.sum() < settings.min_support:
            continue
        breaks = missing[positive].sum(axis=0)
        present_elsewhere = (
            (~missing[~positive]).mean(axis=0) if (~positive).any() else np.zeros(len(candidates))
        )
        for k, b in enumerate(candidates):
            holds = int(positive.sum() - breaks[k])
            # Informative only when b is present far more often where a > 0 than elsewhere.
            if b == a or holds / positive.sum() < max(settings.min_share, 0.95) or present_elsewhere[k] > 0.5:
                continue
            qa, qb = quote_ident(a), quote_ident(b)
            positions = [int(p) for p in np.nonzero(positive & missing[:, k])[0][:20]]
            rules.append(
                Rule(
                    "completeness",
                    [a, b],
                    f"{b} is present whenever {a} > 0",
                    f"{qa} > 0 and {qb} is null",
                    holds,
                    int(breaks[k]),
                    positions,
                )
            )
    return rules


def discover(
    frame: pd.DataFrame,
    numeric: list[str],
    categorical: list[str],
    settings: DiscoverySettings | None = None,
) -> list[Rule]:
    """Every kind of rule on a sample of the table; identities first (an identity explains the
    orders it implies, which are then left out)."""
    settings = settings or DiscoverySettings()
    if len(frame) > settings.sample_rows:
        frame = frame.sample(settings.sample_rows, random_state=0)
    frame = frame.reset_index(drop=True)
    found = identities(frame, numeric, settings)
    # An identity implies the orders between its total and its parts: they add nothing.
    in_identity = {frozenset((r.columns[0], part)) for r in found for part in r.columns[1:]}
    found += [r for r in orders(frame, numeric, settings) if frozenset(r.columns) not in in_identity]
    found += dependencies(frame, categorical, settings)
    found += completeness(frame, numeric, [c for c in frame.columns if c not in numeric], settings)
    return found
