"""What a dataset report holds, independent of the format it is written in."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[object]]


@dataclass
class Chart:
    title: str
    png: bytes


@dataclass
class Section:
    title: str
    available: bool = True
    reason: str = ""  # why the section is not available
    facts: list[tuple[str, object]] = field(default_factory=list)
    text: str = ""
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)

    @classmethod
    def missing(cls, title: str, reason: str) -> Section:
        return cls(title, available=False, reason=reason)


@dataclass
class Report:
    dataset: str
    description: str
    generated_at: str
    sections: list[Section]
