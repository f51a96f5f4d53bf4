"""What `nex add` works out about a file before anyone writes YAML for it: the dataset's name, its
primary key (one column or two, checked for uniqueness on every row read), what each column means
(semantic types), which columns hold personal data, and its time column. ``dataset_yaml`` writes
it all down, each inference with its reason as a comment a person can overrule.

Pure: the caller reads the file (every row, or a stated sample) into a pandas frame.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING

from nex_assets.common import patterns
from nex_assets.common.identifiers import to_identifier
from nex_assets.datasets.logic.semantics import CODE_WORDS, ColumnEvidence, name_words, semantic_type

if TYPE_CHECKING:
    import pandas as pd

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?$")
# Columns tried in pairs for a composite key, at most (pairs grow with the square).
MAX_KEY_COLUMNS = 15


@dataclass
class Inferred:
    name: str
    rows: int
    complete: bool  # every row was read (else the key is checked again by the load)
    primary_key: list[str] = field(default_factory=list)
    key_reason: str = ""
    semantics: dict[str, str] = field(default_factory=dict)
    sensitive: dict[str, str] = field(default_factory=dict)  # column -> kind of personal data
    time_column: str | None = None
    time_reason: str = ""


def dataset_name(stem: str) -> str:
    return to_identifier(stem) or "dataset"


def _pg_type(values: pd.Series) -> str:
    import pandas as pd

    if pd.api.types.is_bool_dtype(values):
        return "boolean"
    if pd.api.types.is_integer_dtype(values):
        return "bigint"
    if pd.api.types.is_float_dtype(values):
        return "double precision"
    if pd.api.types.is_datetime64_any_dtype(values):
        return "timestamp"
    present = values.dropna().astype(str).head(200)
    if len(present) and present.str.match(_ISO_DATE).all():
        return "date"
    return "text"


def _evidence(column: str, values: pd.Series, in_key: bool) -> ColumnEvidence:
    import numpy as np

    pg_type = _pg_type(values)
    present = values.dropna()
    rows, distinct = len(values), int(present.nunique())
    numeric = pg_type in ("bigint", "double precision")
    whole = bool(numeric and len(present) and np.all(np.asarray(present, dtype=float) % 1 == 0))
    if numeric:
        kind = "numeric"
    elif pg_type in ("date", "timestamp"):
        kind = "datetime"
    elif distinct == rows and rows > 20:
        kind = "identifier"
    elif len(present) and present.astype(str).str.len().mean() > 40:
        kind = "free_text"
    else:
        kind = "categorical"
    top = tuple(present.astype(str).value_counts().index[:20]) if distinct <= 2 or pg_type == "text" else ()
    return ColumnEvidence(
        column,
        pg_type,
        kind,
        rows,
        distinct,
        float(present.min()) if numeric and len(present) else None,
        float(present.max()) if numeric and len(present) else None,
        whole=whole,
        top_values=top,
        in_key=in_key,
    )


def _row_number(values: pd.Series) -> bool:
    """1..n or 0..n-1 in whole numbers, one per row: a row number, not a key anyone uses."""
    import numpy as np

    present = values.dropna()
    if len(present) != len(values) or not len(present):
        return False
    try:
        numbers = np.sort(np.asarray(present, dtype=float))
    except (TypeError, ValueError):
        return False
    return bool(np.all(numbers % 1 == 0) and numbers[0] in (0, 1) and np.all(np.diff(numbers) == 1))


def _unique(frame: pd.DataFrame, columns: list[str]) -> bool:
    part = frame[columns]
    return bool(part.notna().all().all() and not part.duplicated().any())


def infer_key(frame: pd.DataFrame, semantics: dict[str, str]) -> tuple[list[str], str]:
    """A single column people would use as a key, else a pair (an entity and a time preferred), else
    a row number; each must be complete and unique on every row read."""
    keyish = {"identifier", "category", "year", "period"}
    singles = [c for c in frame.columns if semantics.get(c) in keyish | {"personal"} and _unique(frame, [c])]
    natural = [c for c in singles if not _row_number(frame[c]) and semantics.get(c) != "personal"]
    natural.sort(key=lambda c: (not (name_words(c) & CODE_WORDS), semantics[c] != "identifier"))
    if natural:
        return [natural[0]], f"`{natural[0]}` is complete and different on every row"
    candidates = [
        c
        for c in frame.columns
        if semantics.get(c) in keyish and not _row_number(frame[c]) and frame[c].notna().all()
    ][:MAX_KEY_COLUMNS]
    pairs = [list(p) for p in combinations(candidates, 2) if _unique(frame, list(p))]
    # An entity and a period is what a panel is keyed by; then the pair with the fewest values.
    timed = {"year", "period"}
    pairs.sort(
        key=lambda p: (
            not any(semantics[c] in timed for c in p),
            sum(frame[c].nunique() for c in p),
        )
    )
    if pairs:
        a, b = pairs[0]
        return pairs[0], f"`{a}` and `{b}` together are complete and different on every row"
    numbered = [c for c in singles if _row_number(frame[c])]
    if numbered:
        return [numbered[0]], f"`{numbered[0]}` numbers the rows (no column or pair is a natural key)"
    return [], "no column and no pair of columns is complete and unique: no primary key"


def infer(frame: pd.DataFrame, name: str, *, complete: bool) -> Inferred:
    found = Inferred(name=name, rows=len(frame), complete=complete)
    for column in frame.columns:
        values = frame[column]
        text = [str(v) for v in values.dropna().head(500)]
        kind = patterns.personal_kind(column, text) if _pg_type(values) == "text" else None
        if kind:
            found.sensitive[column] = kind
            found.semantics[column] = "personal"
            continue
        found.semantics[column] = semantic_type(_evidence(column, values, in_key=False))
    found.primary_key, found.key_reason = infer_key(frame, found.semantics)
    # The time column: the year or period column with the most distinct values (a `year` that is
    # 2013 on every row says less than the hour of each flight).
    timed = [c for c, s in found.semantics.items() if s in ("year", "period") and frame[c].nunique() > 1]
    if timed:
        column = max(timed, key=lambda c: frame[c].nunique())
        values = frame[column].dropna()
        found.time_column = column
        found.time_reason = (
            f"`{column}` is a {found.semantics[column]} ({values.min()} to {values.max()}, "
            f"{values.nunique():,} distinct)"
        )
    return found


def _yaml_string(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def dataset_yaml(found: Inferred, source: dict[str, str], origin: str, digest: str, notes: list[str]) -> str:
    """The dataset file, every inference beside its reason."""
    lines = [
        f"# Added by `nex add` from {origin} (sha256 {digest}).",
        "# Every line below was inferred; the comments say why. Edit freely: the file is yours now.",
        f"name: {found.name}",
        f"description: {_yaml_string('Added from ' + origin.split('/')[-1] + '; say what it holds.')}",
        "source:",
        f"  path: {_yaml_string(source['path'])}",
    ]
    for key in ("format", "encoding", "delimiter", "sheet"):
        if source.get(key):
            lines.append(f"  {key}: {_yaml_string(source[key])}")
    lines += [f"  # {note}" for note in notes]
    read = (
        f"all {found.rows:,} rows"
        if found.complete
        else f"the first {found.rows:,} rows (the load checks all)"
    )
    lines.append(f"# {found.key_reason} (checked on {read})")
    lines.append(f"primary_key: [{', '.join(found.primary_key)}]")
    if found.sensitive:
        lines.append(
            "# personal data, never shown in previews and closed to the read-only role: "
            + ", ".join(f"{c} ({k})" for c, k in found.sensitive.items())
        )
        lines.append(f"sensitive: [{', '.join(found.sensitive)}]")
    if found.time_column:
        lines.append(f"# time column: {found.time_reason}; forecasts and trends follow it")
    lines.append("# what each column means (semantic types; the profile decides again on every load):")
    for column, semantic in found.semantics.items():
        lines.append(f"#   {column}: {semantic}")
    return "\n".join(lines) + "\n"
