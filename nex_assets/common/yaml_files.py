"""Reading the YAML files people edit (datasets, collections, recipes, packs, settings) so that every
mistake comes back as one message naming the file and the field, in the caller's own error type.

These files are small and written by hand, so a file that is not small (a misplaced data file) or
whose aliases would expand it into something huge (an alias bomb) is refused before anything reads
it: PyYAML shares aliased nodes, but every consumer that walks the result (validation, hashing,
copying) would pay for the expansion.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Self, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

M = TypeVar("M", bound=BaseModel)

MAX_FILE_BYTES = 1 << 20
# Nodes of the document once every alias is expanded: generous for any hand-written file.
MAX_EXPANDED_NODES = 100_000


class YamlLimitError(ValueError):
    pass


def expanded_size(root: yaml.Node) -> int:
    """Nodes the document would have with every alias expanded, counted without expanding it;
    raises ``YamlLimitError`` for a node that contains itself."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            children = _children(node)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[key] > MAX_EXPANDED_NODES:
                raise YamlLimitError(
                    f"aliases expand to more than {MAX_EXPANDED_NODES:,} values (an alias bomb?)"
                )
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise YamlLimitError("an alias refers to a value that contains it (a recursive alias)")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in sizes)
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def read_yaml(path: Path, error: type[Exception]) -> Any:
    """The one reader of people-edited YAML: size-capped, alias-bounded, safe."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise error(
                f"{path}: {size:,} bytes; a settings file may hold at most {MAX_FILE_BYTES:,} "
                "(is this a data file in the wrong folder?)"
            )
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise error(f"{path}: cannot be read: {exc.strerror or exc}") from exc
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        expanded_size(node)
        return loader.construct_document(node)
    except YamlLimitError as exc:
        raise error(f"{path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML: {exc}") from exc
    finally:
        loader.dispose()


def validation_problems(exc: ValidationError, top: str = "(top)") -> str:
    """``field.sub: message; ...`` for every problem pydantic found; ``top`` names the whole file."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or top}: {e['msg']}" for e in exc.errors())


def load_named(path: Path, model: type[M], error: type[Exception], kind: str) -> M:
    """A file holding one ``kind`` (dataset, collection, ...) whose ``name`` must match the file name,
    so that what a person sees in the folder is what the platform calls it."""
    raw = read_yaml(path, error)
    if not isinstance(raw, dict):
        raise error(f"{path}: expected a mapping of {kind} settings, got {type(raw).__name__}")
    try:
        item = model.model_validate({**raw, "file": str(path)})
    except ValidationError as exc:
        raise error(f"{path}: {validation_problems(exc)}") from exc
    name = item.name
    if path.stem != name:
        raise error(f"{path}: the file must be named after its {kind} ({name}.yaml)")
    return item


class SettingsError(ValueError):
    """A settings file under ``config/`` that cannot be used; ``str()`` names the file and field."""


class SettingsFile(BaseModel):
    """The model of one settings file under ``config/``, which ``FILE`` names. Every subclass that
    names a file is registered, so the settings of every domain can be checked in one pass."""

    model_config = ConfigDict(extra="forbid")
    FILE: ClassVar[str]
    REGISTRY: ClassVar[dict[str, type[SettingsFile]]] = {}

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "FILE" in cls.__dict__:
            SettingsFile.REGISTRY[cls.FILE] = cls

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Self:
        """The file's content as this model; a model whose file is not its fields overrides it."""
        return cls.model_validate(raw)


def load_settings(path: Path, model: type[M], error: type[Exception] = SettingsError) -> M:
    """The one way a settings file is read: its model's defaults when the file is missing, else the
    file validated against the model, every problem named with its field."""
    parse = getattr(model, "parse", model.model_validate)
    if not path.exists():
        return parse({})
    raw = read_yaml(path, error)
    if raw is None:
        return parse({})
    if not isinstance(raw, dict):
        raise error(f"{path}: expected a mapping of settings, got {type(raw).__name__}")
    try:
        return parse(raw)
    except ValidationError as exc:
        raise error(f"{path}: {validation_problems(exc)}") from exc
    except ValueError as exc:
        raise error(f"{path}: {exc}") from exc
