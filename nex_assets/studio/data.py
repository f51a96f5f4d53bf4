"""The fixed queries behind Studio's dataset, recipe and home pages, over the platform's own tables on a
read-only connection. Nothing here runs text a visitor wrote: that goes through the chat tools."""

from __future__ import annotations

import psycopg

from nex_assets.common import patterns


def _rows(conn: psycopg.Connection, query: str, params: tuple | dict = ()) -> list[dict]:
    cur = conn.execute(query, params)
    names = [c.name for c in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def overview(conn: psycopg.Connection) -> dict[str, dict]:
    """Per dataset: its newest load and quality score."""
    loads = _rows(
        conn,
        """select distinct on (dataset) dataset, loaded_at, rows, columns, data_version
             from nex.dataset_versions order by dataset, loaded_at desc""",
    )
    scores = _rows(
        conn,
        """select distinct on (dataset) dataset, score, failed, scored_at
             from nex.quality_scores order by dataset, scored_at desc""",
    )
    out: dict[str, dict] = {}
    for r in loads:
        out.setdefault(r["dataset"], {})["load"] = r
    for r in scores:
        out.setdefault(r["dataset"], {})["quality"] = r
    return out


def dataset_story(conn: psycopg.Connection, dataset: str, sensitive: set[str], limit: int = 30) -> dict:
    loads = _rows(
        conn,
        """select loaded_at, data_version, source, rows, columns, bytes, duration_s, dagster_run_id
             from nex.dataset_versions where dataset = %s order by loaded_at desc limit %s""",
        (dataset, limit),
    )
    failures = _rows(
        conn,
        """select failed_at, source, reason, dagster_run_id from nex.load_failures
            where dataset = %s order by failed_at desc limit 5""",
        (dataset,),
    )
    quality = _rows(
        conn,
        """select scored_at, score, completeness, validity, uniqueness, consistency, accuracy, timeliness,
                  failed, expectations, details, dagster_run_id
             from nex.quality_scores where dataset = %s order by scored_at desc limit %s""",
        (dataset, limit),
    )
    failed_rules = []
    if quality:
        for rule in (quality[0]["details"] or {}).get("failed", []):
            examples = rule.get("examples") or []
            # Validation masks these already; a person's values never reach the page, only their shapes.
            if sensitive & set(rule.get("columns") or []):
                examples = [patterns.mask(v) for v in examples]
            failed_rules.append({**rule, "examples": examples})
    synthetic = _rows(
        conn,
        """select created_at, synthesizer, rows_real, rows_fit, rows_synthetic, device, diagnostic, quality,
                  dcr_baseline_protection, exact_copy_share, tstr_loss, checks_passed, mlflow_run_id
             from nex.synthetic_runs where dataset = %s order by created_at desc limit 5""",
        (dataset,),
    )
    insights = _rows(
        conn,
        """select generated_at, writer, status, reviewed_by, statements from nex.insights
            where dataset = %s order by generated_at desc limit 1""",
        (dataset,),
    )
    gaps = _rows(
        conn,
        """select recipe, family, readiness, summary, gaps, computed_at from nex.knowledge_gaps
            where dataset = %s order by recipe""",
        (dataset,),
    )
    return {
        "loads": loads,
        "load_failures": failures,
        "quality": quality,
        "failed_rules": failed_rules,
        "synthetic": synthetic,
        "insights": insights[0] if insights else None,
        "knowledge_gaps": gaps,
    }


def recipe_story(conn: psycopg.Connection, group: str, recipe: str, limit: int = 30) -> dict:
    evaluations = _rows(
        conn,
        """select model_name, model_version, max(evaluated_at) as evaluated_at, bool_and(passed or skipped)
                  as passed, bool_or(promoted) as promoted, max(run_id) as run_id,
                  json_agg(json_build_object('criterion', criterion, 'metric', metric, 'slice', slice,
                           'value', value, 'threshold', threshold, 'passed', passed, 'skipped', skipped,
                           'reason', reason) order by criterion) as criteria
             from nex.evaluation_results where dataset = %s and recipe = %s
            group by model_name, model_version order by max(evaluated_at) desc limit %s""",
        (group, recipe, limit),
    )
    drift = _rows(
        conn,
        """select id, measured_at, model_version, drift_share, drifted_features, features, retrain_share,
                  reference_rows, current_rows, report_path
             from nex.drift_reports where dataset = %s and recipe = %s order by measured_at desc limit %s""",
        (group, recipe, limit),
    )
    gaps = _rows(
        conn,
        """select dataset, readiness, summary, gaps from nex.knowledge_gaps where recipe = %s
            order by dataset""",
        (recipe,),
    )
    champion = next((e for e in evaluations if e["promoted"]), None)
    return {"evaluations": evaluations, "champion": champion, "drift": drift, "knowledge_gaps": gaps}


def entry_history(conn: psycopg.Connection, dataset: str, column: str) -> list[dict]:
    return _rows(
        conn,
        """select version, changed_at, reason, status, source, writer, author, model, description,
                  business_meaning, unit, personal_kind, dagster_run_id
             from nex.dictionary_versions where dataset = %s and column_name = %s order by version""",
        (dataset, column),
    )
