"""The home page and a page per dataset and per recipe: load history, quality over time and the rules
that fail with example rows, synthetic evidence, champion and candidates with their evaluations, drift
over time, insights, knowledge gaps, and links into the Dagster UI and MLflow."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.routing import Route

from nex_assets.chat.text_to_sql import recipes as load_recipes
from nex_assets.core import env
from nex_assets.studio import data
from nex_assets.studio.logic import charts
from nex_assets.studio.web import Refused, context, page


def _trend(points: list[tuple], x: str, y: str) -> str:
    rows = [[when, value] for when, value in reversed(points) if value is not None]
    if len(rows) < 2:
        return ""
    return charts.render(charts.Chart("line", x, y, f"{y} over time"), [x, y], rows)


def home(request: Request):
    ctx = context(request)
    latest = data.overview(ctx.platform())
    datasets = [
        {"dataset": d, **latest.get(d.name, {})} for d in sorted(ctx.datasets.values(), key=lambda d: d.name)
    ]
    return page(request, "home.html", datasets=datasets, recipes=load_recipes())


def dataset_page(request: Request):
    ctx = context(request)
    name = request.path_params["name"]
    ds = ctx.datasets.get(name)
    if ds is None:
        raise Refused(f"no dataset {name!r}; known: {', '.join(sorted(ctx.datasets))}", 404)
    story = data.dataset_story(ctx.platform(), name, set(ds.sensitive_columns))
    # A recipe belongs to a dataset or to the group of datasets its input joins.
    recipes = [r for r in load_recipes() if r.dataset in {name, ds.group}]
    return page(
        request,
        "dataset.html",
        title=f"{name} · NEX Studio",
        ds=ds,
        story=story,
        quality_chart=_trend([(q["scored_at"], q["score"]) for q in story["quality"]], "scored_at", "score"),
        rows_chart=_trend([(x["loaded_at"], x["rows"]) for x in story["loads"]], "loaded_at", "rows"),
        recipes=recipes,
        dagster_asset=f"{env.dagster_ui_url()}/assets/{quote(name)}/raw",
    )


def recipe_page(request: Request):
    ctx = context(request)
    group, name = request.path_params["group"], request.path_params["recipe"]
    recipe = next((r for r in load_recipes() if r.dataset == group and r.name == name), None)
    if recipe is None:
        raise Refused(f"no recipe {group}/{name}", 404)
    story = data.recipe_story(ctx.platform(), group, name)
    drift_chart = _trend(
        [(d["measured_at"], d["drift_share"]) for d in story["drift"]], "measured_at", "drift_share"
    )
    return page(
        request,
        "recipe.html",
        title=f"{group}/{name} · NEX Studio",
        recipe=recipe,
        story=story,
        drift_chart=drift_chart,
        dagster_asset=f"{env.dagster_ui_url()}/assets/{quote(group)}/{quote(name)}/model",
    )


routes = [
    Route("/", home),
    Route("/datasets/{name}", dataset_page),
    Route("/recipes/{group}/{recipe}", recipe_page),
]
