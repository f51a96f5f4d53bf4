"""Evaluation packs: versioned sets of criteria a candidate model must meet to become champion.

A pack is ``evaluation_packs/<name>.yaml``; its version is the hash of its content. A criterion
names a metric and a bound (``min`` / ``max``); with ``slice`` the bound holds for every value of
that column; with ``champion`` it compares the candidate with the current champion on the same
holdout (``min_improvement`` in the metric's units, better direction given by ``champion``);
``requires_ground_truth`` criteria are skipped, and say so, where no planted truth exists.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from nex_assets.common.yaml_files import read_yaml, validation_problems


class PackError(ValueError):
    pass


class Criterion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    metric: str
    description: str = ""
    min: float | None = None
    max: float | None = None
    slice: str | None = None
    champion: Literal["higher", "lower"] | None = None
    min_improvement: float = 0.0
    requires_ground_truth: bool = False

    @model_validator(mode="after")
    def _one_test(self) -> Criterion:
        bounded = self.min is not None or self.max is not None
        if bounded == (self.champion is not None):
            raise ValueError(f"criterion {self.name}: give either min/max or champion, exactly one of them")
        if self.champion is not None and self.slice is not None:
            raise ValueError(f"criterion {self.name}: champion comparisons apply to the whole holdout")
        return self


class Pack(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    families: list[str] = Field(default_factory=list)
    criteria: list[Criterion] = Field(min_length=1)
    file: str = Field(default="", exclude=True)

    @property
    def version(self) -> str:
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    @property
    def slices(self) -> list[str]:
        return sorted({c.slice for c in self.criteria if c.slice})


def load_pack(folder: Path, name: str) -> Pack:
    path = folder / f"{name}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.yaml"))) or "none"
        raise PackError(f"evaluation pack `{name}` not found at {path}; known packs: {known}")
    raw = read_yaml(path, PackError) or {}
    if not isinstance(raw, dict):
        raise PackError(f"{path}: expected a mapping of pack settings, got {type(raw).__name__}")
    try:
        pack = Pack.model_validate({**raw, "file": str(path)})
    except ValidationError as exc:
        raise PackError(f"{path}: {validation_problems(exc)}") from exc
    if pack.name != name:
        raise PackError(f"{path}: the file must be named after its pack ({pack.name}.yaml)")
    return pack


@dataclass
class Metrics:
    """What an evaluation measured: overall metrics and, per slice column, metrics per value."""

    overall: dict[str, float]
    slices: dict[str, dict[str, dict[str, float]]]
    has_ground_truth: bool = False
    # What a family reports beyond numbers to judge (e.g. each group's elasticity and interval).
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    """One criterion's result. Built by name (``Outcome.measured``, ``.skipped``, ``.failure``,
    ``.note``) so what kind of result it is reads at the call site."""

    pack: str
    pack_version: str
    criterion: str
    metric: str
    slice: str | None
    value: float | None
    threshold: str
    passed: bool
    skipped: bool
    reason: str

    @classmethod
    def measured(cls, pack: Pack, c: Criterion, value, threshold: str, passed: bool, reason: str, slice=None):
        return cls(pack.name, pack.version, c.name, c.metric, slice, value, threshold, passed, False, reason)

    @classmethod
    def skipped_(cls, pack: Pack, c: Criterion, threshold: str, reason: str, value=None):
        return cls(pack.name, pack.version, c.name, c.metric, c.slice, value, threshold, True, True, reason)

    @classmethod
    def failure(cls, source: str, criterion: str, reason: str) -> Outcome:
        """Something that had to work did not (the version would not load, the data would not read)."""
        return cls(source, "-", criterion, "-", None, None, "must succeed", False, False, reason)

    @classmethod
    def note(cls, source: str, criterion: str, reason: str) -> Outcome:
        """Information that judges nothing (a comparison that could not be made, and why)."""
        return cls(source, "-", criterion, "-", None, None, "informational", True, True, reason)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _bound_text(c: Criterion) -> str:
    parts = []
    if c.min is not None:
        parts.append(f">= {c.min:g}")
    if c.max is not None:
        parts.append(f"<= {c.max:g}")
    return " and ".join(parts)


def _within(value: float, c: Criterion) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return (c.min is None or value >= c.min) and (c.max is None or value <= c.max)


def _fmt(value: float | None) -> str:
    return "missing" if value is None else f"{value:.4g}"


def judge(pack: Pack, candidate: Metrics, champion: Metrics | None) -> list[Outcome]:
    """Every criterion's outcome; a metric the evaluation did not produce fails, never passes."""
    out = []
    for c in pack.criteria:
        if c.requires_ground_truth and not candidate.has_ground_truth:
            reason = "skipped: this dataset has no planted ground truth"
            out.append(Outcome.skipped_(pack, c, _bound_text(c), reason))
        elif c.champion is not None:
            out.append(_judge_champion(pack, c, candidate, champion))
        elif c.slice is None:
            value = candidate.overall.get(c.metric)
            ok = _within(value, c)
            reason = f"{c.metric} = {_fmt(value)} ({'meets' if ok else 'misses'} {_bound_text(c)})"
            out.append(Outcome.measured(pack, c, value, _bound_text(c), ok, reason))
        else:
            out += _judge_slices(pack, c, candidate)
    return out


def _judge_slices(pack: Pack, c: Criterion, candidate: Metrics) -> list[Outcome]:
    """A bound for every value of a slice column; ``*`` is every categorical column measured."""
    names = [k for k in candidate.slices if k != "group"] if c.slice == "*" else [c.slice]
    out = []
    for name in names:
        groups = {k: m for k, m in candidate.slices.get(name, {}).items() if c.metric in m}
        failing = {k: m.get(c.metric) for k, m in groups.items() if not _within(m.get(c.metric), c)}
        values = [m.get(c.metric) for m in groups.values() if m.get(c.metric) is not None]
        worst = (max(values) if c.max is not None else min(values)) if values else None
        if not groups:
            if c.slice == "*":
                continue
            reason = f"no `{name}` slices were measured"
        elif failing:
            shown = ", ".join(f"{k} ({_fmt(v)})" for k, v in list(failing.items())[:10])
            reason = f"misses {_bound_text(c)} for {shown}"
        else:
            reason = f"all {len(groups)} `{name}` slices meet {_bound_text(c)} (worst {_fmt(worst)})"
        out.append(
            Outcome.measured(pack, c, worst, _bound_text(c), bool(groups) and not failing, reason, slice=name)
        )
    if c.slice == "*" and not out:
        out.append(Outcome.skipped_(pack, c, _bound_text(c), "skipped: no categorical column to slice by"))
    return out


def _judge_champion(pack: Pack, c: Criterion, candidate: Metrics, champion: Metrics | None) -> Outcome:
    threshold = (
        f"{'+' if c.min_improvement >= 0 else ''}{c.min_improvement:g} vs champion ({c.champion} is better)"
    )
    value = candidate.overall.get(c.metric)
    if champion is None:
        return Outcome.skipped_(pack, c, threshold, "skipped: there is no champion yet", value)
    before = champion.overall.get(c.metric)
    if value is None or before is None or math.isnan(value) or math.isnan(before):
        return Outcome.measured(
            pack, c, value, threshold, False, f"{c.metric} missing for the candidate or the champion"
        )
    gain = value - before if c.champion == "higher" else before - value
    reason = f"{c.metric} {_fmt(value)} vs champion {_fmt(before)}: improvement {gain:+.4g}"
    return Outcome.measured(pack, c, value, threshold, gain >= c.min_improvement, reason)
