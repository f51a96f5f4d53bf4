"""Who answers in `nex ask`: the persona named on the command line, read from ``config/personas.yaml``
when it exists (``analyst``, ``sql``, ``advisor``, ...); without it, or for ``default``, the built-in
persona answers. What a persona is lives in ``chat/logic/personas.py``.
"""

from __future__ import annotations

from pathlib import Path

from nex_assets.chat.logic.personas import (
    DEFAULT,
    DEFAULT_PROMPT,
    Persona,
    PersonaError,
    PersonasFile,
    parse_persona,
    persona_table,
)
from nex_assets.common.yaml_files import read_yaml
from nex_assets.core import settings

__all__ = ["DEFAULT", "DEFAULT_PROMPT", "Persona", "PersonaError", "load_persona", "personas_path"]


def personas_path() -> Path:
    return settings.path_of(PersonasFile)


def load_persona(name: str | None, path: Path | None = None) -> Persona:
    if not name or name == DEFAULT.name:
        return DEFAULT
    path = path or personas_path()
    if not path.exists():
        raise PersonaError(f"persona {name!r}: {path} does not exist (only 'default' is built in)")
    table = persona_table(read_yaml(path, PersonaError) or {})
    spec = table.get(name)
    if not isinstance(spec, dict):
        known = ", ".join(sorted(k for k, v in table.items() if isinstance(v, dict))) or "none"
        raise PersonaError(f"{path}: no persona {name!r} (known: {known})")
    try:
        return parse_persona(name, spec)
    except PersonaError as exc:
        raise PersonaError(f"{path}: {exc}") from exc
