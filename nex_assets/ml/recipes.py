"""The project's recipes and evaluation packs, read from ``recipes/`` and ``evaluation_packs/``, and
the default hyperparameters of each algorithm (``recipes/_algorithms.yaml``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from nex_assets.common.problems import Problems
from nex_assets.common.yaml_files import read_yaml
from nex_assets.core import env
from nex_assets.ml.logic import algorithms
from nex_assets.ml.logic.packs import Pack, load_pack
from nex_assets.ml.logic.recipe import Recipe, RecipeError, load_recipe_folder

ALGORITHMS_FILE = "_algorithms.yaml"


def load_recipes(folder: Path | None = None, problems: Problems | None = None) -> list[Recipe]:
    """Every recipe, validated: fields, levels, roles, algorithm and packs. With ``problems``, a bad
    recipe is recorded there and left out; without, it raises."""
    found = problems if problems is not None else Problems()
    recipes = []
    for r in load_recipe_folder(folder or env.recipes_dir(), found):
        with found.isolate("recipe", r.file):
            check_static(r)
            recipe_packs(r)
            recipes.append(r)
    if problems is None and found:
        raise RecipeError(next(iter(found)).text())
    return recipes


def check_packs(folder: Path | None, problems: Problems) -> None:
    """Every pack file, used or not, so that a broken one is reported before a recipe needs it."""
    folder = folder or env.evaluation_packs_dir()
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        with problems.isolate("pack", path):
            load_pack(folder, path.stem)


def get_recipe(name: str, folder: Path | None = None) -> Recipe:
    for r in load_recipes(folder, Problems()):
        if r.name == name:
            return r
    raise RecipeError(f"no recipe named {name} in {folder or env.recipes_dir()}")


def check_static(recipe: Recipe) -> None:
    """What can be checked without data: the algorithm fits the family."""
    try:
        algorithms.get(recipe.algorithm, recipe.family)
    except algorithms.AlgorithmError as exc:
        raise RecipeError(f"{recipe.file}: algorithm: {exc}") from exc


def recipe_packs(recipe: Recipe, folder: Path | None = None) -> list[Pack]:
    folder = folder or env.evaluation_packs_dir()
    packs = []
    for name in recipe.evaluation_packs:
        pack = load_pack(folder, name)
        if pack.families and recipe.family not in pack.families:
            raise RecipeError(
                f"{recipe.file}: evaluation_packs: pack {name} applies to {', '.join(pack.families)}, "
                f"not to {recipe.family}"
            )
        packs.append(pack)
    return packs


def algorithm_defaults(folder: Path | None = None) -> dict[str, dict]:
    """Default hyperparameters per algorithm, under every recipe's own."""
    return _algorithm_defaults(str((folder or env.recipes_dir()) / ALGORITHMS_FILE))


@cache
def _algorithm_defaults(path: str) -> dict[str, dict]:
    file = Path(path)
    if not file.exists():
        return {}
    data = read_yaml(file, RecipeError) or {}
    unknown = sorted(set(data) - set(algorithms.ALGORITHMS))
    if unknown:
        raise RecipeError(
            f"{file}: unknown algorithms {unknown}; known: {', '.join(sorted(algorithms.ALGORITHMS))}"
        )
    return data
