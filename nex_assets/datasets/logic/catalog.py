"""The dataset catalog: one YAML file per dataset under ``datasets/``.

Adding a dataset is adding a file here; every later domain (dictionary, quality, models)
reads its settings from the same entry, so a bad entry fails loudly at load time with the
file and the field named.
"""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from nex_assets.common.identifiers import IdentifierError, dataset_identifier, to_identifier
from nex_assets.common.problems import Problems
from nex_assets.common.yaml_files import load_named
from nex_assets.datasets.logic.delimited import ALLOWED_TYPES
from nex_assets.datasets.logic.tabular import LANDING_PATTERNS, format_for_path, sheet_names


class CatalogError(ValueError):
    pass


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Source(_Strict):
    """Exactly one of ``path`` (a file or glob, relative to the project) or ``table``."""

    path: str | None = None
    table: str | None = None
    url_env: str | None = Field(
        default=None,
        description="environment variable holding the source server's URL (never the URL itself)",
    )
    # Taken from the file extension when not given (.xlsx, .json, .jsonl, .parquet; otherwise csv).
    format: Literal["csv", "xlsx", "json", "jsonl", "parquet"] | None = None
    # Excel: the sheet to load (default: the first); "*" makes one dataset per sheet.
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Source:
        if (self.path is None) == (self.table is None):
            raise ValueError("source needs exactly one of `path` or `table`")
        if self.url_env and not self.table:
            raise ValueError("`url_env` applies to a `table` source only")
        if self.delimiter is not None and len(self.delimiter) != 1:
            raise ValueError("`delimiter` must be one character")
        if self.format is None:
            self.format = format_for_path(self.path) if self.path else "csv"
        if self.sheet is not None and self.format != "xlsx":
            raise ValueError("`sheet` applies to an Excel (xlsx) source only")
        if (self.encoding or self.delimiter) and self.format != "csv":
            raise ValueError(f"`encoding` and `delimiter` apply to csv sources, not {self.format}")
        return self


class ColumnHint(_Strict):
    type: str | None = None
    description: str | None = None
    unit: str | None = None
    sensitive: bool = False

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str | None) -> str | None:
        if value is not None and value not in ALLOWED_TYPES:
            raise ValueError(f"unknown type {value!r}; use one of {list(ALLOWED_TYPES)}")
        return value


class Landing(_Strict):
    """Files dropped in ``data/landing/<dataset>/``: ``replace`` loads the newest file alone,
    ``append`` loads the source and every landing file together."""

    mode: Literal["replace", "append"] = "replace"
    pattern: str = "*.csv"


class Dataset(_Strict):
    name: str
    description: str = ""
    group: str = "datasets"
    owner: str | None = None
    source: Source
    primary_key: list[str] = Field(default_factory=list)
    columns: dict[str, ColumnHint] = Field(default_factory=dict)
    sensitive: list[str] = Field(default_factory=list)
    allow_empty: bool = False
    landing: Landing = Field(default_factory=Landing)
    tags: dict[str, str] = Field(default_factory=dict)
    # Settings of later domains. Each domain validates its own section with its own model, so a
    # mistake there is reported by the domain that understands it, still naming this file.
    dictionary: dict[str, Any] = Field(default_factory=dict)
    quality: dict[str, Any] = Field(default_factory=dict)
    synthetic: dict[str, Any] = Field(default_factory=dict)
    recipes: list[str] = Field(default_factory=list)
    monitoring: dict[str, Any] = Field(default_factory=dict)
    file: str = Field(default="", exclude=True)
    # Folders (besides the project a load reads it from) that the source's files may be in, set by the
    # catalog; empty for a dataset built outside a catalog, whose files are not checked. Symbolic
    # links are resolved before the check.
    source_roots: list[str] = Field(default_factory=list, exclude=True)

    @model_validator(mode="after")
    def _landing_pattern(self) -> Dataset:
        # Files dropped for an Excel dataset are workbooks, not CSV, unless the YAML says otherwise.
        if "pattern" not in self.landing.model_fields_set:
            self.landing.pattern = LANDING_PATTERNS[self.source.format or "csv"]
        return self

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        try:
            return dataset_identifier(value)
        except IdentifierError as exc:
            raise ValueError(str(exc)) from exc

    @field_validator("primary_key", "sensitive")
    @classmethod
    def _identifiers(cls, value: list[str]) -> list[str]:
        return [to_identifier(v) for v in value]

    @field_validator("columns")
    @classmethod
    def _column_keys(cls, value: dict[str, ColumnHint]) -> dict[str, ColumnHint]:
        return {to_identifier(k): v for k, v in value.items()}

    @property
    def sensitive_columns(self) -> set[str]:
        return set(self.sensitive) | {name for name, hint in self.columns.items() if hint.sensitive}

    @property
    def type_hints(self) -> dict[str, str]:
        return {name: hint.type for name, hint in self.columns.items() if hint.type}

    def source_files(self, project_dir: Path) -> list[Path]:
        """The files the source names, sorted; empty for a table source."""
        if self.source.path is None:
            return []
        pattern = self.source.path
        full = pattern if Path(pattern).is_absolute() else str(project_dir / pattern)
        files = (
            sorted(Path(p) for p in glob.glob(full) if Path(p).is_file())
            if glob.has_magic(full)
            else [Path(full)]
        )
        roots = [project_dir, *(Path(r) for r in self.source_roots)]
        outside = [f for f in files if self.source_roots and f.exists() and not inside(f, roots)]
        if outside:
            raise CatalogError(
                f"{self.file}: {outside[0]} resolves to {outside[0].resolve()}, outside the folders NEX "
                "reads from; a symbolic link may not lead out of them"
            )
        return files

    def landing_files(self, landing_root: Path) -> list[Path]:
        folder = landing_root / self.name
        if not folder.is_dir():
            return []
        # A link that leads out of the landing folder is never a landed file (it would load a private
        # file someone could only point at).
        return sorted(
            p
            for p in folder.glob(self.landing.pattern)
            if p.is_file() and not p.name.startswith(".") and inside(p, [landing_root])
        )

    def files_to_load(self, project_dir: Path, landing_root: Path) -> list[Path]:
        landed = self.landing_files(landing_root)
        if self.landing.mode == "replace" and landed:
            return [max(landed, key=lambda p: (p.stat().st_mtime_ns, p.name))]
        return self.source_files(project_dir) + landed


def load_dataset(path: Path) -> Dataset:
    return load_named(path, Dataset, CatalogError, "dataset")


def _fixed_prefix(pattern: str) -> str:
    """The part of a path or glob before its first wildcard: what a glob can never leave."""
    parts = Path(pattern).parts
    fixed = []
    for part in parts:
        if glob.has_magic(part):
            break
        fixed.append(part)
    return str(Path(*fixed)) if fixed else "."


def inside(path: Path, roots: list[Path]) -> bool:
    resolved = path.resolve()
    return any(resolved.is_relative_to(root.resolve()) for root in roots)


def check_source_path(ds: Dataset, project_dir: Path, roots: list[Path]) -> None:
    """A source path stays inside the project or a folder the platform was told to read
    (``NEX_SOURCE_DIRS``): ``..``, absolute paths and symbolic links that lead elsewhere are refused."""
    if ds.source.path is None:
        return
    base = Path(_fixed_prefix(ds.source.path))
    full = base if base.is_absolute() else project_dir / base
    if not inside(full, roots):
        allowed = ", ".join(str(r) for r in roots)
        raise CatalogError(
            f"{ds.file}: source.path {ds.source.path!r} leads outside the folders NEX reads from "
            f"({allowed}); move the data inside the project or list its folder in NEX_SOURCE_DIRS"
        )


def expand_sheets(ds: Dataset, project_dir: Path, problems: Problems | None = None) -> list[Dataset]:
    """``sheet: "*"`` makes one dataset per sheet of the workbook, named ``<dataset>__<sheet>``.
    A workbook that cannot be read yet stays one dataset, whose load then says why; a sheet whose
    name would make an unusable dataset name is a problem of the dataset's file."""
    if ds.source.sheet != "*":
        return [ds]
    files = ds.source_files(project_dir)
    try:
        sheets = sheet_names(str(files[0])) if files else []
    except Exception:  # any unreadable workbook (zip, XML, zlib errors): its load will say why
        sheets = []
    out = []
    for sheet in sheets:
        name = f"{ds.name}__{to_identifier(sheet) or 'sheet'}"
        try:
            dataset_identifier(name)
        except IdentifierError as exc:
            if problems is None:
                raise CatalogError(f"{ds.file}: sheet {sheet!r}: {exc}") from exc
            problems.add("dataset", ds.file, f"{ds.file}: sheet {sheet!r}: {exc}")
            continue
        update = {"name": name, "source": ds.source.model_copy(update={"sheet": sheet})}
        out.append(ds.model_copy(update=update))
    return out or [ds]


def load_catalog(
    folder: Path,
    project_dir: Path | None = None,
    *,
    problems: Problems | None = None,
    source_roots: list[Path] | None = None,
) -> list[Dataset]:
    """Every dataset of the folder. With ``problems``, a bad file is recorded there and left out
    while the rest load; without, the first problem raises ``CatalogError``."""
    if not folder.is_dir():
        return []
    project = project_dir or folder.parent
    # The project, the folder the catalog sits in (NEX_DATASETS_DIR may move it), and the others.
    roots = list(dict.fromkeys([project, folder.parent, *(source_roots or [])]))
    found = problems if problems is not None else Problems()
    datasets: list[Dataset] = []
    for path in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
        with found.isolate("dataset", path):
            ds = load_dataset(path)
            check_source_path(ds, project, roots)
            kept = {"source_roots": [str(r) for r in roots]}
            datasets += expand_sheets(ds.model_copy(update=kept), project, found)
    seen: dict[str, str] = {}
    unique = []
    for ds in datasets:
        if ds.name in seen:
            found.add(
                "dataset", ds.file, f"{ds.file}: dataset {ds.name!r} is already defined in {seen[ds.name]}"
            )
            continue
        seen[ds.name] = ds.file
        unique.append(ds)
    if problems is None and found:
        raise CatalogError(next(iter(found)).text())
    return unique
