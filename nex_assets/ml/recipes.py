"""The project's recipes and evaluation packs, read from ``recipes/`` and ``evaluation_packs/``."""

from __future__ import annotations

from pathlib import Path

from nex_assets import env
from nex_assets.lib.ml import algorithms, features
from nex_assets.lib.ml.packs import Pack, load_pack
from nex_assets.lib.ml.recipe import Recipe, RecipeError, load_recipe_folder


def load_recipes(folder: Path | None = None) -> list[Recipe]:
    """Every recipe, validated: fields, levels, algorithm and the columns its family needs."""
    recipes = load_recipe_folder(folder or env.recipes_dir())
    for r in recipes:
        check_static(r)
    return recipes


def get_recipe(name: str, folder: Path | None = None) -> Recipe:
    for r in load_recipes(folder):
        if r.name == name:
            return r
    raise RecipeError(f"no recipe named {name} in {folder or env.recipes_dir()}")


def check_static(recipe: Recipe) -> None:
    """What can be checked without data: the algorithm and the columns the family cannot do without."""
    try:
        algorithms.get(recipe.algorithm, recipe.family)
    except algorithms.AlgorithmError as exc:
        raise RecipeError(f"{recipe.file}: algorithm: {exc}") from exc
    missing = [c for c in features.REQUIRED[recipe.family] if c not in recipe.features]
    if missing:
        raise RecipeError(
            f"{recipe.file}: features: family {recipe.family} needs {', '.join(missing)} among the features"
        )


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
