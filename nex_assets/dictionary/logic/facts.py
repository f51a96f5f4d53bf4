"""What a prompt may carry about a column: statistics and masked shapes, never a sensitive value.

Columns marked sensitive in the catalog or detected as personal data (by their values at load, or
in a sample) keep only their type, null share, distinct count, lengths and value shapes
(``Aaaa 999``): no examples, no top values, no minimum or maximum (a birth date's minimum is a
person's birth date).
"""

from __future__ import annotations

import hashlib
import json

_NUMERIC_STATS = ("min", "max", "mean", "std", "q05", "q50", "q95", "zeros", "negatives", "outliers")
_LENGTH_STATS = ("min_length", "max_length", "avg_length")

SYSTEM_PROMPT = (
    "You write entries of a data dictionary for analysts and business users. Use only the facts you are "
    "given; never invent values, sources or owners. Be concrete and brief. Answer with one JSON object "
    "that matches the requested schema."
)


def _round(value: object) -> object:
    return round(value, 4) if isinstance(value, float) else value


def column_facts(
    profile: dict, *, primary_key: list[str], unit: str | None = None, note: str | None = None
) -> dict:
    """The privacy-safe facts about one profiled column (a ``nex.column_profiles`` row as a dict)."""
    stats = profile.get("stats") or {}
    facts: dict = {
        "column": profile["column_name"],
        "type": profile["pg_type"],
        "kind": profile["inferred_type"],
        "rows": profile["row_count"],
        "null_share": round(float(profile["null_share"]), 4),
        "distinct_values": profile["distinct_count"],
    }
    if stats.get("semantic_type"):
        facts["semantic"] = stats["semantic_type"]
    if primary_key == [profile["column_name"]]:
        facts["primary_key"] = True
    elif profile["column_name"] in primary_key:
        # Part of a composite key: it identifies a row only together with the others.
        facts["key_with"] = [c for c in primary_key if c != profile["column_name"]]
    if unit:
        facts["unit"] = unit
    if note:
        facts["owner_note"] = note
    shapes = [p["pattern"] for p in stats.get("patterns", [])]
    if profile["sensitive"]:
        facts["personal_data"] = stats.get("personal_data") or "marked sensitive in the catalog"
        facts |= {k: _round(stats[k]) for k in _LENGTH_STATS if stats.get(k) is not None}
        if shapes:
            facts["value_shapes"] = shapes
        return facts
    facts |= {k: _round(stats[k]) for k in _NUMERIC_STATS if stats.get(k) is not None}
    if stats.get("top_values"):
        facts["top_values"] = [
            {"value": t["value"], "share": round(t["share"], 3)} for t in stats["top_values"]
        ]
    if stats.get("examples"):
        facts["examples"] = stats["examples"][:3]
    if shapes:
        facts["value_shapes"] = shapes
    return facts


def column_messages(dataset: str, description: str, facts: dict, siblings: list[str]) -> list[dict]:
    user = (
        f"Dataset `{dataset}`: {description or 'no description given'}\n"
        f"Its columns: {', '.join(siblings)}.\n"
        f"Describe the column `{facts['column']}` from these facts:\n"
        f"```json\n{json.dumps(facts, sort_keys=True, default=str)}\n```"
    )
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def table_facts(
    dataset: str, description: str, rows: int, primary_key: list[str], columns: list[dict]
) -> dict:
    return {
        "table": f"raw.{dataset}",
        "description": description,
        "rows": rows,
        "primary_key": primary_key,
        "columns": [{"name": c["column"], "kind": c["kind"]} for c in columns],
    }


def table_messages(facts: dict) -> list[dict]:
    user = (
        f"Describe the table `{facts['table']}` (one entry for the whole table) from these facts:\n"
        f"```json\n{json.dumps(facts, sort_keys=True, default=str)}\n```"
    )
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def table_profile_hash(dataset_description: str, column_hashes: dict[str, str]) -> str:
    """A table entry goes stale when its description or any column's profile changes."""
    text = json.dumps({"d": dataset_description, "c": sorted(column_hashes.items())})
    return hashlib.sha256(text.encode()).hexdigest()[:16]
