"""Fitting SDV synthesizers and assembling whole synthetic tables.

One entry point serves a single table (Gaussian copula, CTGAN or TVAE) and a group of related
tables (SDV's HMA, whose children reference synthetic parents). SDV, torch and Faker are imported
here, and this module is only imported inside asset bodies.
"""

from __future__ import annotations

import io
import re
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from nex_assets.synthetic.logic import fake
from nex_assets.synthetic.logic.plan import (
    CONSTANT,
    FAKE,
    GENERATED,
    IDENTIFIER,
    MODEL,
    NULL,
    SDV_TREATMENTS,
    ColumnPlan,
    is_yes,
    sdv_table,
)
from nex_assets.synthetic.logic.settings import Relationship, SyntheticSettings

Progress = Callable[[str], None]
_TQDM_STEP = re.compile(r"(\d+)/(\d+)")


@dataclass
class TableInput:
    name: str
    frame: pd.DataFrame  # the real rows the synthesizer learns from
    plans: list[ColumnPlan]


@dataclass
class Synthesized:
    tables: dict[str, pd.DataFrame]
    synthesizer: object
    metadata: dict  # SDV metadata (dict form) of the modelled columns
    plans: dict[str, list[ColumnPlan]]
    device: str
    fit_s: float
    sample_s: float
    fake_rejections: dict[str, int] = field(default_factory=dict)
    losses: list[dict] = field(default_factory=list)


def sdv_frame(frame: pd.DataFrame, plans: list[ColumnPlan]) -> pd.DataFrame:
    """The columns SDV models, in the dtypes it expects (floats, datetimes, objects)."""
    out = {}
    for p in plans:
        if p.treatment not in SDV_TREATMENTS:
            continue
        col = frame[p.name]
        if p.sdtype == "numerical":
            col = pd.to_numeric(col, errors="coerce").astype(float)
        elif p.sdtype == "datetime":
            col = pd.to_datetime(col, errors="coerce")
        elif p.sdtype in {"categorical", "id"}:
            col = col.astype(object).where(col.notna(), None)
            if p.sdtype == "id":
                col = col.astype(str)
        elif p.sdtype == "boolean" and p.flag_values is not None:
            col = col.map(lambda v: None if pd.isna(v) else is_yes(v)).astype(object)
        out[p.name] = col
    return pd.DataFrame(out, index=frame.index)


def link_foreign_keys(inputs: list[TableInput], relations: list[Relationship]) -> list[TableInput]:
    """A child's key column becomes an SDV foreign key of the parent's shape."""
    regex = {(t.name, p.name): p.regex for t in inputs for p in t.plans}
    out = []
    for t in inputs:
        plans = []
        for p in t.plans:
            rel = next((r for r in relations if r.child == t.name and r.child_key == p.name), None)
            if rel is not None:
                p = replace(
                    p,
                    treatment=IDENTIFIER,
                    sdtype="id",
                    regex=regex.get((rel.parent, rel.parent_key)),
                    datetime_format=None,
                    reason=f"foreign key to {rel.parent}.{rel.parent_key}: references synthetic rows",
                )
            plans.append(p)
        out.append(TableInput(t.name, t.frame, plans))
    return out


def metadata_dict(inputs: list[TableInput], relations: list[Relationship]) -> dict:
    return {
        "METADATA_SPEC_VERSION": "V1",
        "tables": {t.name: sdv_table(t.plans) for t in inputs},
        "relationships": [
            {
                "parent_table_name": r.parent,
                "parent_primary_key": r.parent_key,
                "child_table_name": r.child,
                "child_foreign_key": r.child_key,
            }
            for r in relations
        ],
    }


class _TrainingLog(io.TextIOBase):
    """Receives the progress bar CTGAN/TVAE print and passes about ten lines per fit to ``progress``
    (epoch, total and the losses in the bar's description)."""

    def __init__(self, progress: Progress, label: str):
        self.progress, self.label, self.logged = progress, label, -1

    def write(self, text: str) -> int:
        for line in re.split(r"[\r\n]+", text):
            found = _TQDM_STEP.search(line)
            if not found:
                continue
            epoch, total = int(found.group(1)), int(found.group(2))
            step = max(1, total // 10)
            if epoch != self.logged and (epoch % step == 0 or epoch == total):
                self.logged = epoch
                described = re.split(r":\s+\d+%", line)[0].strip()
                self.progress(f"{self.label}: epoch {epoch}/{total} {described}")
        return len(text)


def _single_synthesizer(metadata, settings: SyntheticSettings, device: str, plans: list[ColumnPlan]):
    from sdv.single_table import CTGANSynthesizer, GaussianCopulaSynthesizer, TVAESynthesizer

    # Values stay within the real minimum and maximum and keep the real decimal places.
    common = {"enforce_min_max_values": True, "enforce_rounding": True}
    if settings.synthesizer == "ctgan":
        return CTGANSynthesizer(
            metadata,
            locales=[settings.locale],
            epochs=settings.epochs,
            batch_size=settings.batch_size,
            verbose=True,
            enable_gpu=device == "cuda",
            **common,
        )
    if settings.synthesizer == "tvae":
        return TVAESynthesizer(
            metadata,
            epochs=settings.epochs,
            batch_size=settings.batch_size,
            verbose=True,
            enable_gpu=device == "cuda",
            **common,
        )
    # SDV encodes categories as intervals of [0, 1] whose marginal is uniform by construction: fitting
    # a beta to it (the default) costs about half the fit of a mixed table and changes nothing.
    uniform = {
        p.name: "uniform" for p in plans if p.treatment == MODEL and p.sdtype in {"categorical", "boolean"}
    }
    return GaussianCopulaSynthesizer(
        metadata, locales=[settings.locale], numerical_distributions=uniform, **common
    )


def _losses(synthesizer) -> list[dict]:
    get = getattr(synthesizer, "get_loss_values", None)
    if get is None:
        return []
    try:
        frame = get()
    except Exception:  # a Gaussian copula has no loss: nothing to report
        return []
    return frame.groupby("Epoch").mean(numeric_only=True).reset_index().to_dict("records")


def synthesize(
    inputs: list[TableInput],
    relations: list[Relationship],
    settings: SyntheticSettings,
    *,
    device: str,
    progress: Progress,
) -> Synthesized:
    """Fits one synthesizer over ``inputs`` and samples every table (as many rows as were learnt
    from), with the columns SDV does not model filled in by their plans."""
    import contextlib

    from sdv.metadata import Metadata

    if relations:
        inputs = link_foreign_keys(inputs, relations)
    meta = metadata_dict(inputs, relations)
    metadata = Metadata.load_from_dict(meta)
    data = {t.name: sdv_frame(t.frame, t.plans) for t in inputs}
    np.random.seed(settings.seed)
    if settings.neural:
        import torch

        torch.manual_seed(settings.seed)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if relations:
            from sdv.multi_table import HMASynthesizer

            synthesizer = HMASynthesizer(metadata, locales=[settings.locale])
            progress(f"fitting HMA over {', '.join(data)} ({sum(len(f) for f in data.values())} rows)")
            # HMA draws its own progress bars; the run's log gets the summary lines instead.
            with contextlib.redirect_stderr(io.StringIO()):
                synthesizer.fit(data)
        else:
            ((name, frame),) = data.items()
            synthesizer = _single_synthesizer(metadata, settings, device, inputs[0].plans)
            progress(
                f"fitting {settings.synthesizer} on {len(frame)} rows x {frame.shape[1]} columns ({device})"
            )
            with contextlib.redirect_stderr(_TrainingLog(progress, settings.synthesizer)):
                synthesizer.fit(data)
        fit_s = time.perf_counter() - started
        started = time.perf_counter()
        np.random.seed(settings.seed)
        if relations:
            with contextlib.redirect_stderr(io.StringIO()):
                sampled = synthesizer.sample_scale(scale=1.0)
        else:
            # SDV samples from a fixed seed unless told another; ours makes the YAML's seed count.
            synthesizer._set_random_state(settings.seed)
            (name,) = data
            sampled = synthesizer.sample(num_rows=len(data[name]))
        sample_s = time.perf_counter() - started
    tables, rejections = {}, {}
    for t in inputs:
        table, rejected = _assemble(t, sampled[t.name], settings)
        tables[t.name] = table
        rejections.update({f"{t.name}.{k}": v for k, v in rejected.items()})
    return Synthesized(
        tables=tables,
        synthesizer=synthesizer,
        metadata=meta,
        plans={t.name: t.plans for t in inputs},
        device=device,
        fit_s=fit_s,
        sample_s=sample_s,
        fake_rejections=rejections,
        losses=[] if relations else _losses(synthesizer),
    )


def _assemble(t: TableInput, sampled: pd.DataFrame, settings: SyntheticSettings) -> tuple[pd.DataFrame, dict]:
    n = len(sampled)
    sampled = sampled.reset_index(drop=True)
    out, rejections = {}, {}
    for p in t.plans:
        if p.treatment in SDV_TREATMENTS and p.flag_values is not None:
            no, yes = p.flag_values
            out[p.name] = sampled[p.name].map(
                lambda v, no=no, yes=yes: None if pd.isna(v) else yes if v else no
            )
        elif p.treatment in SDV_TREATMENTS:
            out[p.name] = sampled[p.name]
        elif p.treatment == FAKE:
            out[p.name], rejections[p.name] = fake.fake_values(
                t.frame[p.name],
                n,
                kind=p.personal_kind,
                column=p.name,
                seed=settings.seed,
                locale=settings.locale,
            )
        elif p.treatment == GENERATED:
            out[p.name] = fake.labels(p.name, n)
        elif p.treatment == CONSTANT:
            out[p.name] = pd.Series([t.frame[p.name].iloc[0]] * n, dtype=object)
        elif p.treatment == NULL:
            out[p.name] = pd.Series([None] * n, dtype=object)
    return pd.DataFrame(out)[[p.name for p in t.plans]], rejections
