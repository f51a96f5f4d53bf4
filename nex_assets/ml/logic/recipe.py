"""Model recipes: one YAML file per recipe under ``recipes/``, validated before any data is read.

A recipe's ``level`` says how much of it the author sets: a *beginner* names the family, the
inputs and the target and takes every other setting from the family's defaults
(``recipes/_families.yaml``); an *intermediate* author also picks the features and the
algorithm; an *advanced* one also sets hyperparameters and the split. A field set above the
recipe's level is an error, so the level stays an honest description of the file. The recipe's
version is the hash of its resolved content: changing a default changes the version too.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from nex_assets.common.problems import Problems
from nex_assets.common.yaml_files import read_yaml, validation_problems

FAMILIES = ("pricing", "forecasting", "next_best_action", "location_scoring")
DEFAULTS_FILE = "_families.yaml"

# Which fields each level may set; the rest come from the family's defaults.
LEVEL_FIELDS: dict[str, set[str]] = {
    "beginner": set(),
    "intermediate": {"features", "algorithm"},
    "advanced": {"features", "algorithm", "hyperparameters", "split"},
}

_TABLE = re.compile(r"^(raw|staging|marts|synthetic)\.[a-z_][a-z0-9_]*$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class RecipeError(ValueError):
    pass


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Join(_Strict):
    """A table joined to the recipe's main input on key columns of the same name (SQL USING)."""

    table: str
    using: list[str] = Field(min_length=1)

    @field_validator("table")
    @classmethod
    def _table(cls, value: str) -> str:
        if not _TABLE.match(value):
            raise ValueError(f"`{value}` is not a warehouse table (schema.table in raw, staging, marts)")
        return value


class Split(_Strict):
    """How the holdout is chosen: the newest weeks (time), a seeded share of entities (group),
    or out-of-fold predictions for tiny tables (kfold)."""

    kind: Literal["time", "group", "kfold"]
    column: str
    holdout: float = Field(gt=0)
    seed: int = 0


class Recipe(_Strict):
    name: str
    dataset: str
    family: Literal["pricing", "forecasting", "next_best_action", "location_scoring"]
    level: Literal["beginner", "intermediate", "advanced"]
    description: str = ""
    input: str
    joins: list[Join] = Field(default_factory=list)
    target: str
    features: list[str] = Field(default_factory=list)
    algorithm: str = ""
    hyperparameters: dict[str, Any] = Field(default_factory=dict)
    split: Split | None = None
    evaluation_packs: list[str] = Field(min_length=1)
    # Where the planted answers of a generated world live, relative to the project; checks that
    # need them are skipped (and say so) when the file is absent.
    ground_truth: str | None = None
    # The registry name; by default ``<dataset>.<family>``. A second recipe of the same family on
    # the same dataset needs its own, or the two would move one `champion` alias between them.
    registered_as: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    file: str = Field(default="", exclude=True)

    @field_validator("name", "dataset")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"`{value}` must be lower case letters, digits and underscores")
        return value

    @field_validator("input")
    @classmethod
    def _input(cls, value: str) -> str:
        if not _TABLE.match(value):
            raise ValueError(f"`{value}` is not a warehouse table (schema.table in raw, staging, marts)")
        return value

    @model_validator(mode="after")
    def _target_not_a_feature(self) -> Recipe:
        if self.target in self.features:
            raise ValueError(f"target `{self.target}` is also listed as a feature")
        return self

    @property
    def tables(self) -> list[str]:
        return [self.input] + [j.table for j in self.joins]

    @property
    def registered_model(self) -> str:
        """Registered model names carry the dataset and the family (``nex_retail.pricing``) unless
        the recipe names its own."""
        return self.registered_as or f"{self.dataset}.{self.family}"

    @property
    def experiment(self) -> str:
        return f"{self.dataset}/{self.name}"

    @property
    def job_name(self) -> str:
        return f"{self.dataset}__{self.name}__train"

    @property
    def predictions_table(self) -> str:
        return f"{self.dataset}__{self.name}"

    def content(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"description", "registered_as"})

    @property
    def version(self) -> str:
        """The hash of everything that shapes the model (the description does not)."""
        blob = json.dumps(self.content(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _errors(exc: ValidationError) -> str:
    return validation_problems(exc, top="recipe")


def load_family_defaults(folder: Path) -> dict[str, dict[str, Any]]:
    path = folder / DEFAULTS_FILE
    if not path.exists():
        raise RecipeError(f"{path}: the family defaults file is missing")
    data = read_yaml(path, RecipeError) or {}
    unknown = set(data) - set(FAMILIES)
    if unknown:
        raise RecipeError(f"{path}: unknown families {sorted(unknown)}; known: {', '.join(FAMILIES)}")
    return data


def parse_recipe(raw: Any, path: Path, defaults: dict[str, dict[str, Any]]) -> Recipe:
    """Validates one recipe file's content; every error names the file and the field."""
    if not isinstance(raw, dict):
        raise RecipeError(f"{path}: a recipe is a mapping of fields, got {type(raw).__name__}")
    level = raw.get("level")
    if level in LEVEL_FIELDS:
        too_deep = sorted(
            f for f in set(LEVEL_FIELDS["advanced"]) - LEVEL_FIELDS[level] if raw.get(f) not in (None, [], {})
        )
        if too_deep:
            raise RecipeError(
                f"{path}: {', '.join(too_deep)} may not be set in a {level} recipe "
                f"(raise `level` to set them, or remove them to take the family's defaults)"
            )
    family_defaults = defaults.get(raw.get("family"), {})
    merged = {**{k: v for k, v in family_defaults.items() if k in LEVEL_FIELDS["advanced"]}}
    merged.update({k: v for k, v in raw.items() if v is not None})
    if "hyperparameters" in raw and isinstance(family_defaults.get("hyperparameters"), dict):
        merged["hyperparameters"] = {**family_defaults["hyperparameters"], **(raw["hyperparameters"] or {})}
    try:
        recipe = Recipe.model_validate({**merged, "file": str(path)})
    except ValidationError as exc:
        raise RecipeError(f"{path}: {_errors(exc)}") from exc
    if recipe.name != path.stem:
        raise RecipeError(f"{path}: the file must be named after its recipe ({recipe.name}.yaml)")
    for field in ("features", "algorithm", "split"):
        if not getattr(recipe, field):
            raise RecipeError(f"{path}: `{field}` is not set and family {recipe.family} has no default")
    return recipe


def load_recipe_file(path: Path, defaults: dict[str, dict[str, Any]]) -> Recipe:
    return parse_recipe(read_yaml(path, RecipeError), path, defaults)


def load_recipe_folder(folder: Path, problems: Problems | None = None) -> list[Recipe]:
    """Every ``*.yaml`` in the folder except the ``_``-prefixed settings files, sorted by name. With
    ``problems``, a file that cannot be used is recorded there and left out; without, it raises."""
    if not folder.exists():
        return []
    files = sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("_"))
    if not files:
        return []
    defaults = load_family_defaults(folder)
    strict = problems is None
    problems = problems if problems is not None else Problems()
    recipes = []
    for path in files:
        with problems.isolate("recipe", path):
            recipes.append(load_recipe_file(path, defaults))
    seen: dict[str, str] = {}
    registry: dict[str, str] = {}
    unique = []
    for r in recipes:
        if r.name in seen:
            problems.add("recipe", r.file, f"{r.file}: recipe name {r.name} is also used by {seen[r.name]}")
            continue
        if r.registered_model in registry:
            problems.add(
                "recipe",
                r.file,
                f"{r.file}: registered model {r.registered_model} is also used by "
                f"{registry[r.registered_model]}; give one of them its own `registered_as:` name",
            )
            continue
        seen[r.name] = r.file
        registry[r.registered_model] = r.file
        unique.append(r)
    if strict and problems:
        raise RecipeError(next(iter(problems)).text())
    return unique
