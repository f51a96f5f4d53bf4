"""Synthetic data: the platform's `<dataset>/synthetic` asset against a plain SDV script, side by side.

The table has the shape of the classic adult census data (32,561 rows x 15 mixed columns), generated
with a fixed seed since no download is available. Each side runs in its own process so that its
peak memory is its own:

- platform: `adult/synthetic` materialized through Dagster (read from PostgreSQL, plan the columns
  from the profile, fit a Gaussian copula, sample, diagnostic + quality reports, DCR and exact
  copies, write `synthetic.adult`, log the synthesizer to MLflow); `adult/raw` and
  `adult/profile` are materialized first and not timed;
- plain: read the CSV, detect the metadata, fit the same Gaussian copula, sample, and run SDV's
  diagnostic and quality reports.

Goal: ratio <= 1.15, quality >= 0.85 (SDGym reports 0.846 for the Gaussian copula on adult), peak
memory <= 1 GB. The last line is one JSON object with platform_s, plain_s, ratio, quality, peak_rss_mb.

    .venv/bin/python benchmarks/synthetic.py [--rows 32561]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SEED = 42


def adult_like(rows: int, seed: int = SEED) -> pd.DataFrame:
    """15 columns with adult's types, cardinalities and dependencies (education drives years of
    education, both with age and hours drive income)."""
    rng = np.random.default_rng(seed)
    educations = [
        ("Preschool", 1),
        ("1st-4th", 2),
        ("5th-6th", 3),
        ("7th-8th", 4),
        ("9th", 5),
        ("10th", 6),
        ("11th", 7),
        ("12th", 8),
        ("HS-grad", 9),
        ("Some-college", 10),
        ("Assoc-voc", 11),
        ("Assoc-acdm", 12),
        ("Bachelors", 13),
        ("Masters", 14),
        ("Prof-school", 15),
        ("Doctorate", 16),
    ]
    edu_p = np.array([0.2, 0.5, 1, 2, 1.6, 2.9, 3.6, 1.3, 32, 22, 4.2, 3.3, 16.4, 5.3, 1.8, 1.3])
    edu = rng.choice(len(educations), size=rows, p=edu_p / edu_p.sum())
    age = np.clip(rng.gamma(7.5, 5.2, size=rows) + 8, 17, 90).astype(int)
    sex = rng.choice(["Male", "Female"], size=rows, p=[0.67, 0.33])
    hours = np.clip(rng.normal(40 + 4 * (sex == "Male"), 11, size=rows), 1, 99).astype(int)
    married = rng.random(rows) < np.clip((age - 20) / 40, 0.05, 0.75)
    marital = np.where(
        married,
        "Married-civ-spouse",
        rng.choice(["Never-married", "Divorced", "Separated", "Widowed", "Married-spouse-absent"], size=rows),
    )
    relationship = np.where(
        married,
        np.where(sex == "Male", "Husband", "Wife"),
        rng.choice(["Not-in-family", "Own-child", "Unmarried", "Other-relative"], size=rows),
    )
    years = np.array([e[1] for e in educations])[edu]
    score = -9 + 0.35 * years + 0.045 * age + 0.035 * hours + 1.2 * married + 0.3 * (sex == "Male")
    income = np.where(rng.random(rows) < 1 / (1 + np.exp(-score)), ">50K", "<=50K")
    gain = np.where(rng.random(rows) < 0.08 + 0.1 * (income == ">50K"), rng.lognormal(8.3, 1.0, rows), 0)
    loss = np.where(rng.random(rows) < 0.047, rng.normal(1870, 360, rows), 0)
    countries = ["United-States", "Mexico", "Philippines", "Germany", "Canada", "India", "England", "Cuba"]
    country_p = np.array([91.2, 2.0, 0.6, 0.4, 0.4, 0.3, 0.3, 0.3])
    return pd.DataFrame(
        {
            "age": age,
            "workclass": rng.choice(
                ["Private", "Self-emp-not-inc", "Local-gov", "State-gov", "Self-emp-inc", "Federal-gov"],
                size=rows,
                p=[0.74, 0.08, 0.065, 0.04, 0.035, 0.04],
            ),
            "fnlwgt": np.clip(rng.lognormal(12.0, 0.5, rows), 12285, 1484705).astype(int),
            "education": np.array([e[0] for e in educations])[edu],
            "education_num": years,
            "marital_status": marital,
            "occupation": rng.choice(
                [
                    "Prof-specialty",
                    "Craft-repair",
                    "Exec-managerial",
                    "Adm-clerical",
                    "Sales",
                    "Other-service",
                    "Machine-op-inspct",
                    "Transport-moving",
                    "Handlers-cleaners",
                    "Tech-support",
                ],
                size=rows,
            ),
            "relationship": relationship,
            "race": rng.choice(
                ["White", "Black", "Asian-Pac-Islander", "Amer-Indian-Eskimo", "Other"],
                size=rows,
                p=[0.854, 0.096, 0.032, 0.01, 0.008],
            ),
            "sex": sex,
            "capital_gain": gain.round().astype(int),
            "capital_loss": np.clip(loss, 0, None).round().astype(int),
            "hours_per_week": hours,
            "native_country": rng.choice(countries, size=rows, p=country_p / country_p.sum()),
            "income": income,
        }
    )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_plain(csv: Path) -> dict:
    import warnings

    warnings.simplefilter("ignore")
    started = time.perf_counter()
    from sdv.evaluation import evaluate_quality, run_diagnostic
    from sdv.metadata import Metadata
    from sdv.single_table import GaussianCopulaSynthesizer

    real = pd.read_csv(csv)
    metadata = Metadata.detect_from_dataframes({"adult": real})
    synthesizer = GaussianCopulaSynthesizer(metadata, enforce_min_max_values=True, enforce_rounding=True)
    synthesizer.fit({"adult": real})
    synthetic = synthesizer.sample(num_rows=len(real))
    quality = evaluate_quality({"adult": real}, synthetic, metadata, verbose=False).get_score()
    diagnostic = run_diagnostic({"adult": real}, synthetic, metadata, verbose=False).get_score()
    return {
        "seconds": time.perf_counter() - started,
        "quality": quality,
        "diagnostic": diagnostic,
        "peak_rss_mb": peak_rss_mb(),
    }


def run_platform(csv: Path, work: Path) -> dict:
    os.environ["NEX_HOME"] = str(work / "home")
    os.environ["DAGSTER_HOME"] = str(work / "home" / "dagster_home")
    os.environ.pop("NEX_DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    import dagster as dg

    from nex_assets.core import db, env, instance
    from nex_assets.core.build import Catalog
    from nex_assets.core.resources import WarehouseResource
    from nex_assets.datasets import defs as datasets
    from nex_assets.datasets.logic.catalog import load_catalog
    from nex_assets.synthetic import defs as synthetic

    folder = work / "datasets"
    folder.mkdir(exist_ok=True)
    # Every row is learnt from, as the plain script does.
    (folder / "adult.yaml").write_text(
        f"name: adult\nsource:\n  path: {csv}\nsynthetic:\n  max_rows: 100000\n  seed: {SEED}\n"
    )
    catalog = Catalog(load_catalog(folder), project_dir=work, landing_dir=work / "landing")
    defs = dg.Definitions.merge(
        datasets.build(catalog),
        synthetic.build(catalog),
        dg.Definitions(resources={"warehouse": WarehouseResource()}),
    )
    database = db.bootstrap()
    inst = dg.DagsterInstance.from_config(str(instance.prepare(database, work / "home" / "dagster_home")))
    job = defs.resolve_implicit_global_asset_job_def()
    try:
        setup = job.execute_in_process(
            instance=inst, asset_selection=[dg.AssetKey(["adult", "raw"]), dg.AssetKey(["adult", "profile"])]
        )
        assert setup.success
        from nex_assets.ml import tracking

        tracking.configure()  # MLflow's one-time schema creation is set-up, not synthesis
        started = time.perf_counter()
        result = job.execute_in_process(instance=inst, asset_selection=[dg.AssetKey(["adult", "synthetic"])])
        seconds = time.perf_counter() - started
        assert result.success
        meta = result.get_asset_materialization_events()[0].materialization.metadata
        checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
        return {
            "seconds": seconds,
            "quality": meta["quality"].value,
            "diagnostic": meta["diagnostic"].value,
            "dcr_baseline_protection": meta["dcr_baseline_protection"].value,
            "exact_copy_share": meta["exact_copy_share"].value,
            "fit_s": meta["fit_s"].value,
            "sample_s": meta["sample_s"].value,
            "checks": checks,
            "peak_rss_mb": peak_rss_mb(),
        }
    finally:
        inst.dispose()
        env.stop_embedded()


def _side(part: str, csv: Path, work: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--part", part, "--csv", str(csv), "--work", str(work)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{part} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=32561)
    parser.add_argument("--part", choices=["plain", "platform"])
    parser.add_argument("--csv", type=Path)
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    if args.part == "plain":
        print(json.dumps(run_plain(args.csv)))
        return
    if args.part == "platform":
        print(json.dumps(run_platform(args.csv, args.work)))
        return
    with tempfile.TemporaryDirectory(prefix="nex-bench-synthetic-") as tmp:
        work = Path(tmp)
        csv = work / "adult.csv"
        adult_like(args.rows).to_csv(csv, index=False)
        print(f"adult-like table: {args.rows} rows x 15 columns")
        plain = _side("plain", csv, work)
        platform = _side("platform", csv, work)
    ratio = platform["seconds"] / plain["seconds"]
    print(
        f"plain SDV script : {plain['seconds']:.1f} s, quality {plain['quality']:.3f}, "
        f"diagnostic {plain['diagnostic']:.3f}, peak RSS {plain['peak_rss_mb']:.0f} MB"
    )
    print(
        f"platform asset   : {platform['seconds']:.1f} s (fit {platform['fit_s']} s, "
        f"sample {platform['sample_s']} s), quality {platform['quality']:.3f}, "
        f"diagnostic {platform['diagnostic']:.3f}, "
        f"DCR baseline protection {platform['dcr_baseline_protection']:.3f}, "
        f"exact copies {platform['exact_copy_share']:.4%}, peak RSS {platform['peak_rss_mb']:.0f} MB"
    )
    print(f"checks: {platform['checks']}")
    print(f"ratio platform/plain: {ratio:.2f} (goal <= 1.15)")
    print(
        json.dumps(
            {
                "platform_s": round(platform["seconds"], 2),
                "plain_s": round(plain["seconds"], 2),
                "ratio": round(ratio, 3),
                "quality": round(platform["quality"], 4),
                "peak_rss_mb": round(platform["peak_rss_mb"], 1),
            }
        )
    )


if __name__ == "__main__":
    main()
