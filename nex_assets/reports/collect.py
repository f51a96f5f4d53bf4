"""Gathers what the platform knows about one dataset into report sections.

Every section reads one domain's table; a table that does not exist yet (the domain is not
installed, or never ran) or holds nothing for the dataset becomes a section marked "not
available" with the reason, never a failed report.
"""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg

from nex_assets.common import markdown
from nex_assets.core import settings as nex_settings
from nex_assets.datasets.logic.catalog import Dataset
from nex_assets.insights.logic import findings as I
from nex_assets.knowledge_gaps.logic import gaps as kg
from nex_assets.knowledge_gaps.logic.settings import GapSettings
from nex_assets.reports import charts
from nex_assets.reports.model import Report, Section, Table

TREND_POINTS = 30
DRIFT_COLUMNS = 15
INSIGHT_ROWS = 20


def _exists(conn: psycopg.Connection, table: str) -> bool:
    return conn.execute("select to_regclass(%s)", (table,)).fetchone()[0] is not None


def _num(value: object) -> object:
    return round(value, 4) if isinstance(value, float) else value


def overview(conn: psycopg.Connection, ds: Dataset) -> tuple[Section, str | None]:
    row = conn.execute(
        "select data_version, loaded_at, rows, columns, bytes, source from nex.dataset_versions "
        "where dataset = %s order by loaded_at desc limit 1",
        (ds.name,),
    ).fetchone()
    if row is None:
        return Section.missing("Overview", f"{ds.name} has not been loaded yet"), None
    version, loaded_at, rows, columns, size, source = row
    loads = conn.execute(
        "select count(*) from nex.dataset_versions where dataset = %s", (ds.name,)
    ).fetchone()[0]
    return (
        Section(
            "Overview",
            facts=[
                ("rows", rows),
                ("columns", columns),
                ("data version", version),
                ("loaded at", loaded_at.strftime("%Y-%m-%d %H:%M UTC")),
                ("source", source),
                ("size (bytes)", size),
                ("versions loaded", loads),
                ("owner", ds.owner or ""),
                ("primary key", ", ".join(ds.primary_key)),
            ],
        ),
        version,
    )


def dictionary(conn: psycopg.Connection, ds: Dataset) -> Section:
    title = "Data dictionary"
    if not _exists(conn, "nex.dictionary_entries"):
        return Section.missing(title, "the data dictionary is not part of this installation")
    rows = conn.execute(
        """select column_name, kind, description, unit, personal_data, source, writer
             from nex.dictionary_entries where dataset = %s order by kind desc, column_name""",
        (ds.name,),
    ).fetchall()
    if not rows:
        return Section.missing(title, f"no dictionary yet: materialize {ds.name}/dictionary")
    table_text = next((r[2] for r in rows if r[1] == "table"), "")
    return Section(
        title,
        text=table_text,
        tables=[
            Table(
                "Columns",
                ["column", "description", "unit", "personal data", "written by"],
                [
                    [c, d, u or "", "yes" if p else "", f"{s} ({w})"]
                    for c, k, d, u, p, s, w in rows
                    if k == "column"
                ],
            )
        ],
    )


def profile(conn: psycopg.Connection, ds: Dataset, version: str | None) -> Section:
    title = "Column profile"
    rows = conn.execute(
        """select column_name, pg_type, inferred_type, null_share, distinct_count, stats, sensitive
             from nex.column_profiles where dataset = %s and data_version = %s order by ordinal""",
        (ds.name, version),
    ).fetchall()
    if not rows:
        return Section.missing(title, f"no profile of the current version: materialize {ds.name}/profile")
    table = Table(
        "Columns",
        ["column", "type", "kind", "nulls", "distinct", "min", "max", "mean"],
        [
            [
                c,
                t,
                k,
                f"{n:.1%}",
                d,
                markdown.number(s.get("min")) if not sens else "(personal)",
                markdown.number(s.get("max")) if not sens else "(personal)",
                markdown.number(s.get("mean")),
            ]
            for c, t, k, n, d, s, sens in rows
        ],
    )
    chart = charts.bars(
        "Share of empty values per column", [r[0] for r in rows], [r[3] for r in rows], "share"
    )
    return Section(title, tables=[table], charts=[chart])


def quality(conn: psycopg.Connection, ds: Dataset) -> Section:
    title = "Quality score and trend"
    if not _exists(conn, "nex.quality_scores"):
        return Section.missing(title, "quality scoring is not part of this installation")
    rows = conn.execute(
        """select scored_at, score, completeness, consistency, accuracy, validity, checks_passed,
                  expectations, failed
             from nex.quality_scores where dataset = %s order by scored_at desc limit %s""",
        (ds.name, TREND_POINTS),
    ).fetchall()
    if not rows:
        return Section.missing(title, f"no quality score yet: materialize {ds.name}/quality")
    newest = rows[0]
    section = Section(
        title,
        facts=[
            ("score", _num(newest[1])),
            ("checks passed", "yes" if newest[6] else "no"),
            ("expectations", newest[7]),
            ("failed", newest[8]),
            ("scored at", newest[0].strftime("%Y-%m-%d %H:%M UTC")),
        ],
        tables=[
            Table(
                "Scores, newest first",
                [
                    "scored at",
                    "score",
                    "completeness",
                    "consistency",
                    "accuracy",
                    "validity",
                    "checks passed",
                ],
                [
                    [r[0].strftime("%Y-%m-%d %H:%M"), *map(_num, r[1:6]), "yes" if r[6] else "no"]
                    for r in rows
                ],
            )
        ],
    )
    section.charts.append(
        charts.line("Quality score over time", [(r[0], r[1]) for r in reversed(rows)], "score", ymin=0)
    )
    return section


def synthetic(conn: psycopg.Connection, ds: Dataset) -> Section:
    title = "Synthetic data evidence"
    if not _exists(conn, "nex.synthetic_runs"):
        return Section.missing(title, "synthetic data is not part of this installation")
    rows = conn.execute(
        """select created_at, synthesizer, rows_real, rows_synthetic, quality, diagnostic,
                  dcr_baseline_protection, exact_copy_share, checks_passed
             from nex.synthetic_runs where dataset = %s order by created_at desc limit 5""",
        (ds.name,),
    ).fetchall()
    if not rows:
        return Section.missing(title, f"no synthetic data yet: materialize {ds.name}/synthetic")
    return Section(
        title,
        tables=[
            Table(
                "Synthetic runs, newest first",
                [
                    "created",
                    "synthesizer",
                    "real rows",
                    "synthetic rows",
                    "quality",
                    "diagnostic",
                    "privacy (DCR protection)",
                    "exact copies",
                    "checks passed",
                ],
                [
                    [r[0].strftime("%Y-%m-%d %H:%M"), *map(_num, r[1:8]), "yes" if r[8] else "no"]
                    for r in rows
                ],
            )
        ],
    )


def applicable_recipes(conn: psycopg.Connection, ds: Dataset) -> tuple[list[kg.RecipeNeeds], str]:
    """The recipes that apply to ``ds`` (the knowledge-gaps rule), or why none could be found."""
    from nex_assets.knowledge_gaps.facts import dataset_facts, recipe_needs

    found = dataset_facts(conn, ds)
    if found is None:
        return [], f"{ds.name} has no profile yet"
    try:
        needs = recipe_needs()
        settings = nex_settings.load(GapSettings)
    except Exception as exc:  # no recipes folder, an invalid recipe or settings: the sections say why
        return [], f"the recipes could not be read: {exc}"
    applicable = [n for n in needs if kg.applies(n, found[0], settings)]
    return applicable, "" if applicable else "no recipe applies to this dataset"


def models(conn: psycopg.Connection, recipes: list[kg.RecipeNeeds], why_none: str) -> Section:
    title = "Champion models and evaluation"
    if not _exists(conn, "nex.evaluation_results"):
        return Section.missing(title, "model training is not part of this installation")
    if not recipes:
        return Section.missing(title, why_none)
    tables = []
    for needs in recipes:
        champion = conn.execute(
            """select model_name, model_version, max(evaluated_at) from nex.evaluation_results
                where recipe = %s and promoted group by 1, 2 order by 3 desc limit 1""",
            (needs.name,),
        ).fetchone()
        if champion is None:
            continue
        rows = conn.execute(
            """select distinct on (pack, criterion, slice) pack, criterion, metric, slice, value, threshold,
                      passed, skipped
                 from nex.evaluation_results where recipe = %s and model_name = %s and model_version = %s
                order by pack, criterion, slice, evaluated_at desc""",
            (needs.name, champion[0], champion[1]),
        ).fetchall()
        tables.append(
            Table(
                f"{needs.name}: champion {champion[0]} v{champion[1]} (evaluated {champion[2]:%Y-%m-%d})",
                ["pack", "criterion", "metric", "slice", "value", "threshold", "result"],
                [
                    [p, c, m, s or "", _num(v), t, "skipped" if sk else ("pass" if ok else "fail")]
                    for p, c, m, s, v, t, ok, sk in rows
                ],
            )
        )
    if not tables:
        names = ", ".join(n.name for n in recipes)
        return Section.missing(title, f"no champion model yet for the recipes that apply ({names})")
    return Section(title, tables=tables)


def drift(conn: psycopg.Connection, recipes: list[kg.RecipeNeeds], why_none: str) -> Section:
    title = "Drift"
    if not _exists(conn, "nex.drift_reports"):
        return Section.missing(title, "drift monitoring is not part of this installation")
    if not recipes:
        return Section.missing(title, why_none)
    names = [n.name for n in recipes]
    rows = conn.execute(
        """select id, recipe, measured_at, drift_share, drifted_features, features, retrain_share
             from nex.drift_reports where recipe = any(%s) order by measured_at desc limit %s""",
        (names, TREND_POINTS),
    ).fetchall()
    if not rows:
        return Section.missing(title, "no drift report yet for the recipes that apply to this dataset")
    section = Section(
        title,
        tables=[
            Table(
                "Drift reports, newest first",
                ["recipe", "measured at", "drift share", "drifted features", "features", "retrain at"],
                [[r[1], r[2].strftime("%Y-%m-%d %H:%M"), _num(r[3]), r[4], r[5], _num(r[6])] for r in rows],
            )
        ],
    )
    for recipe in dict.fromkeys(r[1] for r in rows):
        points = [(r[2], r[3]) for r in reversed(rows) if r[1] == recipe]
        section.charts.append(charts.line(f"{recipe}: share of drifted features", points, "share", ymin=0))
    newest = rows[0][0]
    columns = conn.execute(
        "select column_name, score, threshold, drifted from nex.drift_metrics where report_id = %s "
        "order by drifted desc, score desc nulls last limit %s",
        (newest, DRIFT_COLUMNS),
    ).fetchall()
    if columns:
        section.tables.append(
            Table(
                f"Columns of the newest report ({rows[0][1]})",
                ["column", "score", "threshold", "drifted"],
                [[c, _num(s), _num(t), "yes" if d else ""] for c, s, t, d in columns],
            )
        )
    return section


def insights(conn: psycopg.Connection, ds: Dataset) -> Section:
    """The newest insights: each statement, its section and the facts it cites."""
    title = "Insights"
    if not _exists(conn, "nex.insights"):
        return Section.missing(title, "insights are not part of this installation")
    row = conn.execute(
        "select statements, writer, generated_at from nex.insights where dataset = %s "
        "order by generated_at desc limit 1",
        (ds.name,),
    ).fetchone()
    if row is None:
        return Section.missing(title, f"no insights yet: materialize {ds.name}/insights")
    statements, writer, generated = row
    order = {name: i for i, name in enumerate(I.SECTIONS)}
    shown = sorted(statements[:INSIGHT_ROWS], key=lambda st: order.get(st.get("section"), len(order)))
    return Section(
        title,
        facts=[("written by", writer), ("written at", f"{generated:%Y-%m-%d %H:%M}")],
        tables=[
            Table(
                "Statements",
                ["section", "statement", "facts cited"],
                [
                    [st.get("section", ""), st.get("text", ""), ", ".join(st.get("fact_ids", []))]
                    for st in shown
                ],
            )
        ],
    )


def knowledge_gaps(conn: psycopg.Connection, ds: Dataset) -> Section:
    title = "Knowledge gaps"
    rows = conn.execute(
        "select recipe, readiness, summary, writer, gaps from nex.knowledge_gaps where dataset = %s "
        "order by recipe",
        (ds.name,),
    ).fetchall()
    if not rows:
        return Section.missing(title, f"not computed yet: materialize {ds.name}/knowledge_gaps")
    return Section(
        title,
        tables=[
            Table("Recipes", ["recipe", "readiness", "summary", "written by"], [list(r[:4]) for r in rows]),
            Table(
                "Gaps",
                ["recipe", "column", "problem", "severity", "suggestion"],
                [
                    [r[0], g["column"] or "(dataset)", g["problem"], g["severity"], g["suggestion"]]
                    for r in rows
                    for g in r[4]
                ],
            ),
        ],
    )


def build_report(conn: psycopg.Connection, ds: Dataset) -> Report:
    head, version = overview(conn, ds)
    recipes, why_none = (
        applicable_recipes(conn, ds) if version else ([], f"{ds.name} has not been loaded yet")
    )
    sections = [
        head,
        dictionary(conn, ds),
        profile(conn, ds, version),
        quality(conn, ds),
        synthetic(conn, ds),
        models(conn, recipes, why_none),
        drift(conn, recipes, why_none),
        insights(conn, ds),
        knowledge_gaps(conn, ds),
    ]
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return Report(ds.name, ds.description, generated, sections)
