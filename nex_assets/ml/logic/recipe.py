"""Model recipes: one YAML file per recipe under ``recipes/``, validated before any data is read.

A recipe names a family and maps the family's **roles** to the columns of its table (a price, a
quantity, a time column, series keys, who chooses and what is chosen, ...): nothing in the code
names a column of any dataset. Its ``level`` says how much of the rest the author sets: a
*beginner* takes features, algorithm, hyperparameters and split from the family's defaults
(``recipes/_families.yaml``); an *intermediate* author also picks the features and the algorithm;
an *advanced* one also sets hyperparameters and the split. A field set above the recipe's level is
an error, so the level stays an honest description of the file. The recipe's version is the hash of
its resolved content: changing a default changes the version too.
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

FAMILIES = ("regression", "classification", "forecasting", "pricing", "next_best_action", "scoring")
Family = Literal["regression", "classification", "forecasting", "pricing", "next_best_action", "scoring"]
# Earlier names of a family, still read so that existing recipes keep working.
FAMILY_ALIASES = {"location_scoring": "scoring"}
DEFAULTS_FILE = "_families.yaml"
FREQUENCIES = ("daily", "weekly", "monthly", "quarterly", "yearly")

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
    """How the holdout is chosen: the newest periods (time), a seeded share of entities (group), a
    seeded share of rows (random), or out-of-fold predictions for small tables (kfold). ``holdout``
    >= 1 is a count (periods, entities, folds), below 1 a share. ``column`` defaults to the role
    that fits the kind (the time column, the entity or id)."""

    kind: Literal["time", "group", "random", "kfold"]
    column: str | None = None
    holdout: float = Field(gt=0)
    seed: int = 0


class Roles(_Strict):
    """What each column means to the family. Every family reads the roles it knows and the recipe
    check refuses roles a family does not use, so a misplaced role is an error, not a silent no-op."""

    # Keys kept next to every prediction (the rows or entities a prediction is about).
    id: list[str] = Field(default_factory=list)
    # A time column, and its frequency (detected from the data unless declared).
    time: str | None = None
    frequency: Literal["auto", "daily", "weekly", "monthly", "quarterly", "yearly"] = "auto"
    # forecasting: the keys of each series (none: one series), how many periods ahead, and the
    # columns known in advance for future periods (prices, promotions, holidays).
    series: list[str] = Field(default_factory=list)
    horizon: int = Field(1, ge=1, le=366)
    covariates: list[str] = Field(default_factory=list)
    # pricing: the price (the quantity is the target), optional cost, the price the ratio is taken
    # to, groups with an elasticity each, entities and time for fixed effects, other controls.
    price: str | None = None
    cost: str | None = None
    reference_price: str | None = None
    groups: list[str] = Field(default_factory=list)
    entities: list[str] = Field(default_factory=list)
    controls: list[str] = Field(default_factory=list)
    # next_best_action: who (entity), what was offered or chosen (action), in one of two shapes:
    # long (a row per entity and option shown, the target says accepted) or wide (a row per choice,
    # the target is the chosen option and each option's attributes sit in `<attribute>_<option>`
    # columns named by `option_attributes`). `context` describes the entity, `action_features` the
    # option in the long shape.
    entity: str | None = None
    action: str | None = None
    shape: Literal["long", "wide"] = "long"
    context: list[str] = Field(default_factory=list)
    action_features: list[str] = Field(default_factory=list)
    option_attributes: list[str] = Field(default_factory=list)

    def columns(self) -> list[str]:
        """Every column a role names (option attribute prefixes are not columns)."""
        single = [self.time, self.price, self.cost, self.reference_price, self.entity, self.action]
        many = [self.id, self.series, self.covariates, self.groups, self.entities, self.controls]
        many += [self.context, self.action_features]
        return list(dict.fromkeys([c for c in single if c] + [c for group in many for c in group]))


# Roles each family requires, and the ones it may use; anything else set is refused.
REQUIRED_ROLES: dict[str, tuple[str, ...]] = {
    "regression": (),
    "classification": (),
    "scoring": ("id",),
    "forecasting": ("time",),
    "pricing": ("price",),
    "next_best_action": ("entity", "action"),
}
ALLOWED_ROLES: dict[str, set[str]] = {
    "regression": {"id", "time", "frequency"},
    "classification": {"id", "time", "frequency"},
    "scoring": {"id"},
    "forecasting": {"id", "time", "frequency", "series", "horizon", "covariates"},
    "pricing": {
        "id",
        "time",
        "frequency",
        "price",
        "cost",
        "reference_price",
        "groups",
        "entities",
        "controls",
    },
    "next_best_action": {
        "id",
        "time",
        "entity",
        "action",
        "shape",
        "context",
        "action_features",
        "option_attributes",
    },
}
# Families whose features are derived from the roles rather than listed.
ROLE_FEATURES = {"forecasting", "pricing", "next_best_action"}


class Recipe(_Strict):
    name: str
    # The dataset the recipe belongs to (its keys start with it): a dataset of the catalog, whose
    # raw table is the default input, or a group of datasets (then `input` names a table).
    dataset: str
    family: Family
    level: Literal["beginner", "intermediate", "advanced"]
    description: str = ""
    input: str | None = None
    joins: list[Join] = Field(default_factory=list)
    target: str
    roles: Roles = Field(default_factory=Roles)
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

    @field_validator("family", mode="before")
    @classmethod
    def _family_alias(cls, value: Any) -> Any:
        return FAMILY_ALIASES.get(value, value)

    @field_validator("name", "dataset")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"`{value}` must be lower case letters, digits and underscores")
        return value

    @field_validator("input")
    @classmethod
    def _input(cls, value: str | None) -> str | None:
        if value is not None and not _TABLE.match(value):
            raise ValueError(f"`{value}` is not a warehouse table (schema.table in raw, staging, marts)")
        return value

    @model_validator(mode="after")
    def _roles_fit_the_family(self) -> Recipe:
        if self.input is None:
            self.input = f"raw.{self.dataset}"
        set_roles = {k for k in self.roles.model_fields_set if getattr(self.roles, k) not in (None, [], "")}
        extra = sorted(set_roles - ALLOWED_ROLES[self.family])
        if extra:
            raise ValueError(
                f"roles {', '.join(extra)} do not apply to family {self.family}; it uses "
                f"{', '.join(sorted(ALLOWED_ROLES[self.family]))}"
            )
        missing = [r for r in REQUIRED_ROLES[self.family] if not getattr(self.roles, r)]
        if missing:
            raise ValueError(f"family {self.family} needs the role(s) {', '.join(missing)} under `roles`")
        if self.target in self.features:
            raise ValueError(f"target `{self.target}` is also listed as a feature")
        if self.target in self.roles.columns() and not (
            self.family == "next_best_action"
            and self.roles.shape == "wide"
            and self.roles.action == self.target
        ):
            raise ValueError(f"target `{self.target}` is also given a role")
        if self.family == "next_best_action" and self.roles.shape == "wide":
            if self.roles.action != self.target:
                raise ValueError("in the wide shape the target is the chosen option: set roles.action to it")
            if not self.roles.option_attributes:
                raise ValueError("the wide shape needs roles.option_attributes (e.g. [price, feature])")
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

    @property
    def split_column(self) -> str | None:
        """The column the holdout is cut along: the split's own, else the role that fits its kind."""
        if self.split is None or self.split.column:
            return self.split.column if self.split else None
        if self.split.kind == "time":
            return self.roles.time
        if self.split.kind in ("group", "kfold"):
            return self.roles.entity or (self.roles.id[0] if self.roles.id else None)
        return None

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
    family = FAMILY_ALIASES.get(raw.get("family"), raw.get("family"))
    family_defaults = defaults.get(family, {}) if isinstance(family, str) else {}
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
    for field in ("algorithm", "split"):
        if not getattr(recipe, field):
            raise RecipeError(f"{path}: `{field}` is not set and family {recipe.family} has no default")
    if recipe.family not in ROLE_FEATURES and not recipe.features and recipe.level == "advanced":
        raise RecipeError(f"{path}: features: an advanced {recipe.family} recipe lists its features")
    if recipe.split and recipe.split_column is None and recipe.split.kind != "random":
        raise RecipeError(
            f"{path}: split: a {recipe.split.kind} split needs `column` (or the role it defaults to)"
        )
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
