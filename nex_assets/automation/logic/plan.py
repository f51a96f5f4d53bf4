"""Which assets a run must compute so that everything it covers is up to date, and why.

An asset is computed when it has never been, when its own inputs are no longer the ones its last
result was computed from (a new code or configuration version, a new data version upstream, new
files for a load), or when an asset it reads from is computed in the same run: an upstream asset
that is recomputed may hand it new data, so waiting for the next run would leave it behind. Every
other asset keeps its last result, which is still the result of its inputs.

Keys are plain strings here (``retail_sales/raw``); the Dagster side (``automation/incremental.py``)
says what each asset's own reason is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Plan:
    run: dict[str, str]  # asset -> why it is computed, in dependency order
    unchanged: list[str]  # covered, up to date, not computed
    held: dict[str, str] = field(default_factory=dict)  # would be computed, but the run may not

    def summary(self) -> str:
        parts = [f"{len(self.run)} to compute", f"{len(self.unchanged)} unchanged"]
        if self.held:
            parts.append(f"{len(self.held)} left to their own schedule")
        return ", ".join(parts)


def plan(
    order: Iterable[str],
    parents: Mapping[str, Iterable[str]],
    own: Mapping[str, str | None],
    covered: set[str],
    held: set[str] = frozenset(),
) -> Plan:
    """``order`` lists every asset upstream before downstream; ``own[key]`` is the asset's own reason
    to be computed (None: its last result still stands); ``covered`` is what the run is about and
    ``held`` what it never computes (a schedule that stops short of model training). A held asset
    that would be computed does not make its dependents run: it has not changed yet."""
    run: dict[str, str] = {}
    kept: dict[str, str] = {}
    unchanged = []
    for key in order:
        if key not in covered:
            continue
        reason = own.get(key)
        if reason is None:
            recomputed = sorted(p for p in parents.get(key, ()) if p in run)
            if recomputed:
                more = f" and {len(recomputed) - 1} more are" if len(recomputed) > 1 else " is"
                reason = f"{recomputed[0]}{more} recomputed in this run"
        if reason is None:
            unchanged.append(key)
        elif key in held:
            kept[key] = reason
        else:
            run[key] = reason
    return Plan(run, unchanged, kept)


def ordered(parents: Mapping[str, Iterable[str]]) -> list[str]:
    """Every key of ``parents`` with its parents first (keys sorted within a layer, for stable output)."""
    remaining = {k: set(ps) & set(parents) for k, ps in parents.items()}
    out: list[str] = []
    while remaining:
        ready = sorted(k for k, ps in remaining.items() if not ps)
        if not ready:
            raise ValueError(f"a cycle among {sorted(remaining)[:5]}")
        out += ready
        for k in ready:
            del remaining[k]
        for ps in remaining.values():
            ps.difference_update(ready)
    return out
