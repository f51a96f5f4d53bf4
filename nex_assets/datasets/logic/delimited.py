"""Reading the shape of a delimited text file from its first bytes: encoding, delimiter, header, types.

Only a sample is read here; the whole file streams into PostgreSQL's COPY, which does the
real parsing. The guesses made from the sample are checked there again, row by row.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field

from nex_assets.common.identifiers import IdentifierError, column_identifiers
from nex_assets.datasets.logic.values import Conversion, recognise

SAMPLE_BYTES = 1 << 20
SAMPLE_ROWS = 20_000
DELIMITERS = ",;\t|"

# Bytes 0x80-0x9F are control characters in Latin-1 but curly quotes and dashes in
# Windows-1252, which is what spreadsheets on Windows write.
_WIN1252_ONLY = re.compile(rb"[\x80-\x9f]")

_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
_TIMESTAMPTZ = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$")
_BOOL = {"true", "false", "t", "f", "yes", "no", "y", "n"}
_BIGINT_MAX = 2**63 - 1

# Types we infer, narrowest first: a column takes the first type every sampled value fits.
INFERRABLE = ("boolean", "bigint", "double precision", "date", "timestamp", "timestamptz", "text")
ALLOWED_TYPES = (*INFERRABLE, "integer", "numeric", "real", "smallint", "jsonb", "uuid")


class FileShapeError(ValueError):
    """The file cannot be read as a table; the message names the file, the line and the reason."""


@dataclass(frozen=True)
class Encoding:
    python: str  # codec for Python-side decoding
    postgres: str | None  # COPY's ENCODING option; None when we transcode to UTF-8 ourselves
    bom: int  # bytes to skip at the start of the file


@dataclass
class FileShape:
    encoding: Encoding
    delimiter: str
    header: list[str]
    columns: list[str]  # SQL identifiers, same order as header
    types: list[str]
    sample_rows: int
    notes: list[str] = field(default_factory=list)
    # Columns copied as text and converted in PostgreSQL (dates in other orders, decorated numbers,
    # missing markers among numbers): see ``logic/values.py``.
    conversions: dict[str, Conversion] = field(default_factory=dict)


def detect_encoding(sample: bytes, declared: str | None = None, *, complete: bool = False) -> Encoding:
    if declared:
        enc = _declared_encoding(declared)
        # A BOM is optional in UTF-8: skip it only where it is present.
        if enc.python == "utf-8":
            return Encoding("utf-8", "UTF8", 3 if sample.startswith(codecs.BOM_UTF8) else 0)
        return enc
    if sample.startswith(codecs.BOM_UTF8):
        return Encoding("utf-8", "UTF8", 3)
    if sample.startswith(codecs.BOM_UTF16_LE):
        return Encoding("utf-16-le", None, 2)
    if sample.startswith(codecs.BOM_UTF16_BE):
        return Encoding("utf-16-be", None, 2)
    if len(sample) >= 4:
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        half = len(sample) // 2
        # Text in UTF-16 without a BOM: ASCII characters leave every other byte zero.
        if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
            return Encoding("utf-16-le", None, 0)
        if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
            return Encoding("utf-16-be", None, 0)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
        return Encoding("utf-8", "UTF8", 0)
    except UnicodeDecodeError:
        pass
    if _WIN1252_ONLY.search(sample):
        return Encoding("cp1252", "WIN1252", 0)
    return Encoding("latin-1", "LATIN1", 0)


def _declared_encoding(name: str) -> Encoding:
    norm = name.lower().replace("_", "-")
    table = {
        "utf-8": Encoding("utf-8", "UTF8", 0),
        "utf8": Encoding("utf-8", "UTF8", 0),
        "utf-8-sig": Encoding("utf-8", "UTF8", 3),
        "latin-1": Encoding("latin-1", "LATIN1", 0),
        "latin1": Encoding("latin-1", "LATIN1", 0),
        "iso-8859-1": Encoding("latin-1", "LATIN1", 0),
        "cp1252": Encoding("cp1252", "WIN1252", 0),
        "windows-1252": Encoding("cp1252", "WIN1252", 0),
        "utf-16": Encoding("utf-16", None, 0),
        "utf-16-le": Encoding("utf-16-le", None, 0),
        "utf-16-be": Encoding("utf-16-be", None, 0),
    }
    if norm not in table:
        raise FileShapeError(f"unsupported encoding {name!r}; use one of {sorted(table)}")
    return table[norm]


def looks_binary(sample: bytes, encoding: Encoding) -> bool:
    if encoding.python.startswith("utf-16"):
        return False
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample[:65536] if b < 9 or 13 < b < 32)
    return controls > 0.01 * max(1, min(len(sample), 65536))


def decode_sample(sample: bytes, encoding: Encoding, *, complete: bool) -> str:
    data = sample[encoding.bom :]
    decoder = codecs.getincrementaldecoder(encoding.python)(errors="strict")
    text = decoder.decode(data, final=complete)
    if not complete:
        # Drop the last, possibly cut, line so the sample ends on a row boundary.
        cut = text.rfind("\n")
        text = text[: cut + 1] if cut >= 0 else text
    return text


def detect_delimiter(text: str, declared: str | None, path: str) -> str:
    first_line = text.split("\n", 1)[0]
    if declared:
        if declared not in first_line:
            others = [d for d in DELIMITERS if d != declared and d in first_line]
            hint = f"; the header looks delimited by {others[0]!r}" if others else ""
            raise FileShapeError(
                f"{path}: line 1: the header has no {declared!r} delimiter as the dataset declares{hint}"
            )
        return declared
    lines = text.splitlines()[:50]
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS)
        if dialect.delimiter in first_line:
            return dialect.delimiter
    except csv.Error:
        pass
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def infer_type(values: list[str]) -> str:
    present = [v for v in values if v != ""]
    if not present:
        return "text"
    lowered = {v.strip().lower() for v in present}
    if lowered <= _BOOL and not lowered <= {"y", "n"}:
        return "boolean"
    if all(_INT.match(v) for v in present):
        # Leading zeros carry meaning (codes, postcodes): keep them as text.
        if any(len(v.lstrip("+-")) > 1 and v.lstrip("+-").startswith("0") for v in present):
            return "text"
        if all(abs(int(v)) <= _BIGINT_MAX for v in present):
            return "bigint"
        return "numeric"
    if all(_FLOAT.match(v) for v in present):
        return "double precision"
    if all(_DATE.match(v) for v in present):
        return "date"
    if all(_TIMESTAMP.match(v) for v in present):
        return "timestamp"
    if all(_TIMESTAMP.match(v) or _TIMESTAMPTZ.match(v) for v in present):
        return "timestamptz"
    return "text"


def read_shape(
    sample: bytes,
    *,
    path: str,
    complete: bool,
    declared_encoding: str | None = None,
    declared_delimiter: str | None = None,
    type_hints: dict[str, str] | None = None,
) -> FileShape:
    """Works out how to COPY a file from its first bytes; raises FileShapeError naming the problem."""
    if not sample:
        raise FileShapeError(f"{path}: the file is empty")
    encoding = detect_encoding(sample, declared_encoding, complete=complete)
    if looks_binary(sample, encoding):
        raise FileShapeError(f"{path}: the file looks binary (NUL or control bytes), not delimited text")
    try:
        text = decode_sample(sample, encoding, complete=complete)
    except UnicodeDecodeError as exc:
        line = sample[: exc.start].count(b"\n") + 1
        raise FileShapeError(
            f"{path}: line {line}: bytes that are not valid {encoding.python} ({exc.reason}); "
            "declare the dataset's `encoding`"
        ) from exc
    if not text.strip():
        raise FileShapeError(f"{path}: the file holds no text")
    delimiter = detect_delimiter(text, declared_delimiter, path)
    csv.field_size_limit(1 << 30)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise FileShapeError(f"{path}: line 1: {exc}") from exc
    try:
        columns = column_identifiers(header)
    except IdentifierError as exc:
        raise FileShapeError(f"{path}: line 1: {exc}") from exc
    if len(columns) == 1 and any(d in header[0] for d in DELIMITERS if d != delimiter):
        raise FileShapeError(
            f"{path}: line 1: only one column {header[0]!r} was found; the delimiter is probably not "
            f"{delimiter!r}"
        )
    samples: list[list[str]] = [[] for _ in columns]
    rows = 0
    try:
        for row in reader:
            if not row:
                continue
            if len(row) != len(columns):
                raise FileShapeError(
                    f"{path}: line {reader.line_num}: {len(row)} fields where the header has {len(columns)}"
                )
            for i, value in enumerate(row):
                samples[i].append(value)
            rows += 1
            if rows >= SAMPLE_ROWS:
                break
    except csv.Error as exc:
        raise FileShapeError(f"{path}: line {reader.line_num}: {exc}") from exc
    hints = {k.lower(): v for k, v in (type_hints or {}).items()}
    types = []
    conversions: dict[str, Conversion] = {}
    for name, values in zip(columns, samples, strict=True):
        hinted = hints.get(name)
        if hinted and hinted not in ALLOWED_TYPES:
            raise FileShapeError(f"{path}: column {name!r}: unknown type hint {hinted!r}")
        kind = hinted or infer_type(values)
        if kind == "text" and not hinted:
            found = recognise(values)
            if found is not None:
                conversions[name] = found
        types.append(kind)
    return FileShape(encoding, delimiter, header, columns, types, rows, conversions=conversions)


_COPY_CONTEXT = re.compile(r'line (\d+)(?:, column ([^:]+))?(?:: "(.*)")?', re.S)


def copy_error_location(context: str | None) -> tuple[int | None, str | None, str | None]:
    """Line, column and value from a COPY error's CONTEXT (``COPY t, line 5, column x: "abc"``)."""
    if not context:
        return None, None, None
    m = _COPY_CONTEXT.search(context)
    if not m:
        return None, None, None
    return int(m.group(1)), m.group(2), m.group(3)
