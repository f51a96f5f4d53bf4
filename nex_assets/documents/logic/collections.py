"""Document collections and how their text is cut into chunks for retrieval.

A collection is one YAML file under ``documents/`` naming a folder (or glob) of PDF, Word,
PowerPoint, Markdown and text files. Chunks never cross a page, slide or section, so every
chunk can be cited by file and page; neighbouring chunks overlap so a sentence cut at a
boundary is still found whole in one of them.
"""

from __future__ import annotations

import glob
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from nex_assets.common.identifiers import IdentifierError, dataset_identifier
from nex_assets.common.problems import Problems
from nex_assets.common.yaml_files import load_named

SUFFIXES = {".pdf": "pdf", ".docx": "docx", ".pptx": "pptx", ".md": "markdown", ".markdown": "markdown"}
SUFFIXES |= {".txt": "text", ".text": "text"}
_BREAKS = ("\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class CollectionError(ValueError):
    pass


class Chunking(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # 800 characters are about 180 word pieces: under the 256 that all-MiniLM-L6-v2 reads, so no
    # chunk is cut short by the embedder.
    size: int = Field(default=800, ge=100, description="characters per chunk at most")
    overlap: int = Field(default=150, ge=0, description="characters repeated from the previous chunk")

    @model_validator(mode="after")
    def _overlap_smaller(self) -> Chunking:
        if self.overlap >= self.size // 2:
            raise ValueError("`overlap` must be less than half of `size`")
        return self


class Collection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    group: str = "documents"
    owner: str | None = None
    path: str = Field(description="a folder or glob of files, relative to the project")
    include: list[str] = Field(default_factory=lambda: [f"*{s}" for s in SUFFIXES])
    chunking: Chunking = Field(default_factory=Chunking)
    file: str = Field(default="", exclude=True)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        try:
            return dataset_identifier(value)
        except IdentifierError as exc:
            raise ValueError(str(exc)) from exc

    def root(self, project_dir: Path) -> Path:
        """The folder citations are relative to."""
        full = Path(self.path) if Path(self.path).is_absolute() else project_dir / self.path
        if glob.has_magic(str(full)):
            parts = full.parts
            fixed = next(i for i, p in enumerate(parts) if glob.has_magic(p))
            return Path(*parts[:fixed])
        return full

    def files(self, project_dir: Path) -> list[Path]:
        """The collection's files, sorted; dot-files (still being written) are left out."""
        full = Path(self.path) if Path(self.path).is_absolute() else project_dir / self.path
        if glob.has_magic(str(full)):
            found = {Path(p) for p in glob.glob(str(full), recursive=True)}
        elif full.is_dir():
            found = {p for pattern in self.include for p in full.rglob(pattern)}
        else:
            found = {full} if full.exists() else set()
        return sorted(p for p in found if p.is_file() and not p.name.startswith("."))

    def settings_hash(self, embedder: str) -> str:
        """Changing how text is cut or embedded re-embeds every file."""
        return hashlib.sha256(json.dumps([self.chunking.model_dump(), embedder]).encode()).hexdigest()[:16]


def document_kind(path: Path) -> str | None:
    return SUFFIXES.get(path.suffix.lower())


def load_collection(path: Path) -> Collection:
    return load_named(path, Collection, CollectionError, "collection")


def load_collections(folder: Path, problems: Problems | None = None) -> list[Collection]:
    """Every collection of the folder; with ``problems``, a bad file is recorded there and left out."""
    if not folder.is_dir():
        return []
    found = problems if problems is not None else Problems()
    collections = []
    for path in sorted(folder.glob("*.yaml")):
        with found.isolate("collection", path):
            collections.append(load_collection(path))
    if problems is None and found:
        raise CollectionError(next(iter(found)).text())
    return collections


@dataclass(frozen=True)
class Unit:
    """A citable part of a document: a page, a slide or a section."""

    page: int | None  # page or slide number; None for documents without pages
    label: str  # how a citation names it: "page 3", "slide 2", "section Returns"
    text: str


@dataclass(frozen=True)
class Chunk:
    page: int | None
    label: str
    index: int  # position within the document
    text: str


def normalise(text: str) -> str:
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def split_text(text: str, size: int, overlap: int) -> list[str]:
    """Pieces of at most ``size`` characters, cut at the best boundary (paragraph, line, sentence,
    word) in the last part of the window; each piece after the first starts ``overlap`` characters
    back, at a word boundary."""
    text = text.strip()
    pieces: list[str] = []
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            window = text[start:end]
            for brk in _BREAKS:
                cut = window.rfind(brk, size // 2)
                if cut > 0:
                    end = start + cut + len(brk)
                    break
        pieces.append(text[start:end].strip())
        if end >= len(text):
            break
        nxt = max(end - overlap, start + 1)
        space = text.find(" ", nxt, end)
        start = space + 1 if overlap and space != -1 else end if not overlap else nxt
    return [p for p in pieces if p]


def chunk_units(units: list[Unit], chunking: Chunking) -> list[Chunk]:
    chunks: list[Chunk] = []
    for unit in units:
        for piece in split_text(normalise(unit.text), chunking.size, chunking.overlap):
            chunks.append(Chunk(unit.page, unit.label, len(chunks), piece))
    return chunks


def citation(file: str, label: str) -> str:
    return f"{file}, {label}" if label else file
