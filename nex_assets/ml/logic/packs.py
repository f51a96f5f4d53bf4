"""Evaluation packs: versioned sets of criteria a candidate model must meet to become champion.

A pack is ``evaluation_packs/<name>.yaml``; its version is the hash of its content. A criterion
names a metric and a bound (``min`` / ``max``); with ``slice`` the bound holds for every value of
that column; with ``champion`` it compares the candidate with the current champion on the same
holdout (``min_improvement`` in the metric's units, better direction given by ``champion``);
``requires_ground_truth`` criteria are skipped, and say so, where no planted truth exists.

A slice is judged only when it holds enough holdout rows to tell a good model from a bad one. A
slice's metric is an average over its rows, so its standard error is the spread of one row's error
over the square root of the rows: on 5 rows that is 45% of one row's spread, larger than any
margin a slice bound allows (5 to 25% of a baseline), and a good model fails by chance. From
``MIN_SLICE_ROWS`` rows (30: the error is under a fifth of one row's spread, and Student's t is
within 5% of the normal) a slice is judged; a smaller one is named as skipped with its size.
A criterion's ``min_rows`` sets another minimum.
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

MIN_SLICE_ROWS = 30


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
    # Slices with fewer holdout rows are skipped (see the module's docstring).
    min_rows: int = Field(MIN_SLICE_ROWS, ge=1)
    # A miss asks a person to look instead of rejecting: "too good to be true" bounds. The version is
    # not promoted and is marked as needing review; a person who finds it right moves the alias.
    review: bool = False

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
    review: bool = False

    @classmethod
    def measured(cls, pack: Pack, c: Criterion, value, threshold: str, passed: bool, reason: str, slice=None):
        return cls(pack.name, pack.version, c.name, c.metric, slice, value, threshold, passed, False, reason)

    @classmethod
    def skipped_(cls, pack: Pack, c: Criterion, threshold: str, reason: str, value=None, slice=None):
        return cls(
            pack.name, pack.version, c.name, c.metric, slice or c.slice, value, threshold, True, True, reason
        )

    @classmethod
    def failure(cls, source: str, criterion: str, reason: str) -> Outcome:
        """Something that had to work did not (the version would not load, the data would not read)."""
        return cls(source, "-", criterion, "-", None, None, "must succeed", False, False, reason)

    @classmethod
    def check(cls, source: str, criterion: str, threshold: str, passed: bool, reason: str) -> Outcome:
        """A check every candidate of a family goes through, whatever its packs (no leaked feature)."""
        return cls(source, "-", criterion, "-", None, None, threshold, passed, False, reason)

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
            if c.review and not ok:
                reason = (
                    f"needs review, too good to be true: {reason}; look for a feature recorded after the "
                    "outcome or computed from it, and if the model is right set its `champion` alias by hand"
                )
            out.append(Outcome.measured(pack, c, value, _bound_text(c), ok, reason))
            out[-1].review = c.review
        else:
            out += _judge_slices(pack, c, candidate)
    return out


def _judge_slices(pack: Pack, c: Criterion, candidate: Metrics) -> list[Outcome]:
    """A bound for every value of a slice column; ``*`` is every categorical column measured. A
    slice whose metrics carry ``rows`` below the criterion's minimum is skipped and named."""
    names = [k for k in candidate.slices if k != "group"] if c.slice == "*" else [c.slice]
    out = []
    for name in names:
        measured = {k: m for k, m in candidate.slices.get(name, {}).items() if c.metric in m}
        small = {k: int(m["rows"]) for k, m in measured.items() if m.get("rows", c.min_rows) < c.min_rows}
        groups = {k: m for k, m in measured.items() if k not in small}
        failing = {k: m.get(c.metric) for k, m in groups.items() if not _within(m.get(c.metric), c)}
        values = [m.get(c.metric) for m in groups.values() if m.get(c.metric) is not None]
        worst = (max(values) if c.max is not None else min(values)) if values else None
        too_small = (
            f"skipped (fewer than {c.min_rows} holdout rows): "
            + ", ".join(f"{k} ({n} rows)" for k, n in list(small.items())[:10])
            + (" ..." if len(small) > 10 else "")
            if small
            else ""
        )
        if not measured:
            if c.slice == "*":
                continue
            reason = f"no `{name}` slices were measured"
        elif not groups:
            out.append(Outcome.skipped_(pack, c, _bound_text(c), f"`{name}` slices {too_small}", slice=name))
            continue
        elif failing:
            shown = ", ".join(f"{k} ({_fmt(v)})" for k, v in list(failing.items())[:10])
            reason = f"misses {_bound_text(c)} for {shown}"
        else:
            reason = f"all {len(groups)} `{name}` slices meet {_bound_text(c)} (worst {_fmt(worst)})"
        if too_small:
            reason += f"; {too_small}"
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
