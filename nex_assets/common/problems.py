"""Problems found in the files people edit (datasets, recipes, packs, suites, collections, settings).

One broken file must never stop the rest of the platform: whatever reads such a file does it inside
``Problems.isolate``, which keeps the problem (the file and the reason) and lets the caller go on
without that one item. The problems are then shown where people look: the ``nex/config`` asset and
its check in the Dagster UI, and ``nex doctor``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ConfigProblem:
    kind: str  # dataset, recipe, pack, suite, collection, domain (a domain whose settings failed)
    file: str
    message: str

    def text(self) -> str:
        """The message as people read it: always starting with the file (or, for a domain left
        out as a whole, with the domain)."""
        if self.kind == "domain":
            return f"{self.file} (left out): {self.message}"
        return self.message if self.message.startswith(self.file) else f"{self.file}: {self.message}"


def describe(exc: BaseException) -> str:
    """An exception in plain words; library errors with bare messages keep their type's name."""
    message = str(exc).strip() or type(exc).__name__
    if isinstance(exc, ValueError | OSError | LookupError):
        return message
    return f"{type(exc).__name__}: {message}"


@dataclass
class Problems:
    items: list[ConfigProblem] = field(default_factory=list)

    def add(self, kind: str, file: str | Path, message: str) -> None:
        problem = ConfigProblem(kind, str(file), message)
        if problem not in self.items:
            self.items.append(problem)

    @contextmanager
    def isolate(self, kind: str, file: str | Path) -> Iterator[None]:
        """Runs the block; any failure becomes a problem of ``file`` instead of an exception."""
        try:
            yield
        except Exception as exc:  # one file's failure, whatever it is, must not stop the others
            self.add(kind, file, describe(exc))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[ConfigProblem]:
        return iter(self.items)

    def files(self) -> set[str]:
        return {p.file for p in self.items}
