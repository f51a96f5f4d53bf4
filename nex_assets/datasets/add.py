"""`nex add PATH`: a file, a glob or a folder of files of one shape becomes a dataset, with no YAML
written by hand. The file is read with the loader's own sniffing (encoding, delimiter, column
names, nested JSON flattened), what can be inferred is (``logic/infer.py``), and
``datasets/<name>.yaml`` is written with the reasons as comments. Files outside the places a source
may live are copied into ``data/added/<name>/`` first. Adding the same content again changes
nothing: the file records the content's hash.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from nex_assets.common.identifiers import column_identifiers
from nex_assets.datasets.logic import delimited
from nex_assets.datasets.logic.catalog import CatalogError, Dataset, inside, load_dataset
from nex_assets.datasets.logic.infer import dataset_name, dataset_yaml, infer
from nex_assets.datasets.logic.tabular import format_for_path

# Rows read to infer the key and the types; past this the load checks the key on every row.
READ_ROWS = 500_000
SAMPLE_BYTES = 1 << 20


class AddError(ValueError):
    pass


@dataclass
class Added:
    name: str
    path: Path  # the dataset file
    created: bool  # False when the same content had been added before
    notes: list[str]


def files_of(target: str, cwd: Path) -> list[Path]:
    """The files a PATH names: one file, a glob, or a folder (its files of the most common kind). A
    symbolic link is refused, not followed: what it points at may be a private file outside the project."""
    files = _named_files(target, cwd)
    links = [f for f in files if f.is_symlink()]
    if links:
        raise AddError(
            f"{links[0]} is a symbolic link (to {os.path.realpath(links[0])}); NEX adds only regular "
            "files: copy the file itself"
        )
    return files


def _named_files(target: str, cwd: Path) -> list[Path]:
    path = Path(target).expanduser()
    path = path if path.is_absolute() else cwd / path
    if path.is_dir():
        found = [p for p in sorted(path.iterdir()) if p.is_file() and not p.name.startswith(".")]
        if not found:
            raise AddError(f"{path}: the folder holds no files")
        kinds = [format_for_path(p.name) for p in found]
        common = max(set(kinds), key=kinds.count)
        return [p for p, k in zip(found, kinds, strict=True) if k == common]
    if any(ch in target for ch in "*?["):
        found = sorted(p for p in path.parent.glob(path.name) if p.is_file())
        if not found:
            raise AddError(f"{target}: no file matches")
        return found
    if not path.is_file():
        raise AddError(f"{path}: no such file")
    return [path]


def digest(files: list[Path]) -> str:
    h = hashlib.sha256()
    for f in files:
        with f.open("rb") as fh:
            while block := fh.read(1 << 20):
                h.update(block)
    return h.hexdigest()[:16]


def already_added(datasets_dir: Path, content: str) -> str | None:
    for path in sorted(datasets_dir.glob("*.yaml")):
        try:
            head = path.read_text(encoding="utf-8", errors="replace")[:2000]
        except OSError:
            continue
        if f"sha256 {content})" in head:
            return path.stem
    return None


def _read_csv(path: Path, limit: int):
    import pandas as pd

    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    complete = len(sample) < SAMPLE_BYTES
    try:
        shape = delimited.read_shape(sample, path=str(path), complete=complete)
    except delimited.FileShapeError as exc:
        raise AddError(str(exc)) from exc
    try:
        frame = pd.read_csv(
            path,
            encoding=shape.encoding.python,
            sep=shape.delimiter,
            nrows=limit,
            low_memory=False,
            dtype={c: str for c, t in zip(shape.header, shape.types, strict=True) if t == "text"},
        )
    except UnicodeDecodeError as exc:  # the encoding was detected from the first MiB; a later byte is not it
        raise AddError(
            f"{path}: not {shape.encoding.python} text past the first {SAMPLE_BYTES:,} bytes it was "
            f"detected from ({exc.reason}, byte {exc.object[exc.start : exc.start + 1]!r}); "
            "convert the whole file to one encoding (UTF-8)"
        ) from exc
    frame.columns = shape.columns
    notes = [f"encoding: {shape.encoding.python} (detected)", f"delimiter: {shape.delimiter!r} (detected)"]
    # Keys, kinds and the time column are inferred from the values as the load stores them: decimal
    # commas, dd.mm.yyyy dates and missing markers converted first, as PostgreSQL will.
    for column, conversion in shape.conversions.items():
        frame[column] = conversion.apply(frame[column])
        notes.append(
            f"{column}: read as {conversion.target}" + (f" ({conversion.note})" if conversion.note else "")
        )
    return frame, notes


def _read_typed(path: Path, name: str, limit: int):
    """Excel, JSON and Parquet through the loader's own readers (same column names, same flattening)."""
    import pandas as pd

    from nex_assets.datasets.load.formats import read_table

    ds = Dataset(name=name, source={"path": str(path)})
    try:
        table = read_table(path, ds)
    except Exception as exc:  # the readers raise LoadError naming the file and the place
        raise AddError(str(exc)) from exc
    rows = []
    for row in table.rows():
        rows.append(row)
        if len(rows) >= limit:
            break
    frame = pd.DataFrame(rows, columns=table.columns)
    for column, pg_type in zip(table.columns, table.types, strict=True):
        if pg_type in ("bigint", "integer", "smallint", "numeric", "double precision", "real"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame, [f"format: {format_for_path(path.name)} (from the extension)", *table.notes]


def read_frame(files: list[Path], name: str, limit: int = READ_ROWS):
    """Every row (up to ``limit``) of the files, as the loader would name the columns."""
    import pandas as pd

    frames, notes = [], []
    for f in files:
        reader = _read_csv(f, limit) if format_for_path(f.name) == "csv" else _read_typed(f, name, limit)
        frame, notes = reader
        if frames and list(frame.columns) != list(frames[0].columns):
            raise AddError(f"{f}: its columns differ from {files[0].name}'s; add files of one shape together")
        frames.append(frame)
        limit -= len(frame)
        if limit <= 0:
            break
    return pd.concat(frames, ignore_index=True), notes, limit > 0


def place(files: list[Path], name: str, project_dir: Path, roots: list[Path]) -> str:
    """The source path for the YAML: where the files are when a source may live there (the project or
    ``NEX_SOURCE_DIRS``), else a copy under ``data/added/<name>/``."""
    allowed = [project_dir, *roots]
    if all(inside(f, allowed) for f in files):
        chosen = files
    else:
        target = project_dir / "data" / "added" / name
        target.mkdir(parents=True, exist_ok=True)
        chosen = []
        for f in files:
            copy = target / f.name
            shutil.copy2(f, copy)
            chosen.append(copy)
    if len(chosen) == 1:
        first = chosen[0].resolve()
        return str(first.relative_to(project_dir.resolve())) if inside(first, [project_dir]) else str(first)
    folder = chosen[0].parent.resolve()
    pattern = folder / f"*{chosen[0].suffix}"
    return str(pattern.relative_to(project_dir.resolve())) if inside(folder, [project_dir]) else str(pattern)


def add(
    target: str,
    *,
    name: str | None,
    project_dir: Path,
    datasets_dir: Path,
    roots: list[Path],
    cwd: Path | None = None,
) -> Added:
    files = files_of(target, cwd or Path.cwd())
    content = digest(files)
    known = already_added(datasets_dir, content)
    if known:
        return Added(known, datasets_dir / f"{known}.yaml", False, [f"already added as {known}"])
    stem = Path(target.rstrip("/")).name if Path(target).is_dir() else files[0].stem
    if name is not None and dataset_name(name) != name:
        # Checked before the name makes any path: it becomes a file name and a folder name.
        raise AddError(
            f"--name {name!r}: a dataset's name is lower-case letters, digits and '_' "
            f"(for example {dataset_name(name)!r})"
        )
    name = name or dataset_name(stem)
    try:
        column_identifiers([name])
    except Exception as exc:
        raise AddError(f"--name {name!r}: {exc}") from exc
    path = datasets_dir / f"{name}.yaml"
    if path.exists():
        raise AddError(f"{path} exists (another file); pass --name to add this one under another name")
    frame, notes, complete = read_frame(files, name)
    if frame.empty:
        raise AddError(f"{files[0]}: no data rows")
    found = infer(frame, name, complete=complete)
    source = {"path": place(files, name, project_dir, roots)}
    origin = files[0].name if len(files) == 1 else f"{len(files)} files like {files[0].name}"
    text = dataset_yaml(found, source, origin, content, notes)
    datasets_dir.mkdir(parents=True, exist_ok=True)
    # Checked as the catalog will read it, under its own name, before it appears in the catalog.
    with tempfile.TemporaryDirectory(dir=datasets_dir, prefix=".nex-add-") as tmp:
        draft = Path(tmp) / path.name
        draft.write_text(text, encoding="utf-8")
        try:
            load_dataset(draft)
        except (CatalogError, ValueError) as exc:
            raise AddError(f"the inferred dataset file does not validate: {exc}") from exc
        draft.replace(path)
    return Added(name, path, True, notes)


def reload_code_location(url: str | None = None) -> bool:
    """Asks this home's running Dagster webserver to reload the workspace, so a new dataset's assets
    appear; False when none answers. Without ``NEX_DAGSTER_URL`` the webserver is the one this home's
    ``nex dev`` recorded (``core/services.py``), never another home's on a usual port."""
    import json
    import urllib.error
    import urllib.request

    from nex_assets.core import services

    base = url or os.environ.get("NEX_DAGSTER_URL") or services.running("dagster_ui")
    if not base:
        return False
    base = base.rstrip("/")
    body = json.dumps({"query": "mutation { reloadWorkspace { __typename } }"}).encode()
    request = urllib.request.Request(
        f"{base}/graphql", data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False
