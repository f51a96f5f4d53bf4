"""Runs a dataset's suite with Great Expectations against its table in PostgreSQL and builds Data Docs.

The expectations run as SQL inside PostgreSQL (GX's SQL execution engine), so a table is never
pulled into Python and cross-table rules (``unexpected_rows_expectation``) can read the other raw
tables. GX keeps its stores per dataset under ``<NEX_HOME>/gx/<dataset>`` and its Data Docs site
under ``data_docs_dir()/<dataset>``: steps of different datasets never write the same files.
Analytics and progress bars are switched off in the context's own configuration, so nothing is
changed for other code in the process. Values of sensitive columns are masked in the results before
they are stored, so neither the metadata nor the Data Docs show them.
"""

from __future__ import annotations

import html
import os
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from nex_assets.common import patterns
from nex_assets.core import env
from nex_assets.quality.logic.score import Outcome
from nex_assets.quality.logic.suite import Suite, SuiteError

DATASOURCE = "nex_warehouse"
INDEX_KEY = "nex_index"


@dataclass
class ValidationRun:
    outcomes: list[Outcome]
    row_count: int
    duration_s: float
    docs_index: Path
    docs_page: Path | None


def gx_home(dataset: str) -> Path:
    return env.nex_home() / "gx" / dataset


def _context(dataset: str, docs_dir: Path):
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        FilesystemStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=FilesystemStoreBackendDefaults(root_directory=str(gx_home(dataset))),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        data_docs_sites={
            "nex": {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
    )
    return gx.get_context(project_config=config, mode="ephemeral")


def gx_suite(suite: Suite):
    """The GX suite object; an expectation GX rejects is reported with the file and its index."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    built = []
    for exp, spec in zip(suite.expectations, suite.to_gx_dict()["expectations"], strict=True):
        try:
            config = ExpectationConfiguration(
                type=spec["type"],
                kwargs=spec["kwargs"],
                meta={**spec["meta"], INDEX_KEY: exp.index},
                description=spec.get("description"),
            )
            built.append(config.to_domain_obj())
        except Exception as exc:  # GX raises pydantic, its own and type errors for bad kwargs alike
            first = str(exc).strip().splitlines()
            reason = "; ".join(line.strip() for line in first[:6])
            raise SuiteError(f"{suite.file}: expectations.{exp.index} ({exp.type}): {reason}") from exc
    return gx.ExpectationSuite(name=suite.dataset, expectations=built, meta=suite.meta)


def _error_message(info: dict | None) -> str | None:
    """GX reports a failed metric either flat or keyed by metric; the first message is what matters."""
    if not info:
        return None
    if "raised_exception" in info:
        return info.get("exception_message") if info.get("raised_exception") else None
    for value in info.values():
        if isinstance(value, dict) and value.get("exception_message"):
            return str(value["exception_message"]).split("\n[SQL:")[0].strip()
    return None


def _mask_values(result: dict, masked: bool) -> tuple:
    values = result.get("partial_unexpected_list") or []
    if not masked:
        return tuple(values)
    result["partial_unexpected_list"] = [patterns.mask(v) for v in values]
    for entry in result.get("partial_unexpected_counts") or []:
        entry["value"] = patterns.mask(entry.get("value"))
    return tuple(result["partial_unexpected_list"])


def _is_sensitive(exp, sensitive: set[str], result: dict) -> bool:
    if set(exp.columns) & sensitive:
        return True
    values = [str(v) for v in (result.get("partial_unexpected_list") or []) if v is not None]
    return any(patterns.personal_kind(c, values) for c in exp.columns)


def _prune(folder: Path, keep: int) -> None:
    """Keeps the newest ``keep`` validation runs of a store or a site (run folders sort by time)."""
    for runs in folder.glob("*/*"):
        if not runs.is_dir():
            continue
        stamps = sorted(p for p in runs.iterdir() if p.is_dir())
        for old in stamps[:-keep] if len(stamps) > keep else []:
            shutil.rmtree(old, ignore_errors=True)


def _outcome(exp, result_obj, row_count: int, sensitive: set[str]) -> Outcome:
    result: dict[str, Any] = result_obj.result or {}
    error = _error_message(result_obj.exception_info)
    examples = _mask_values(result, _is_sensitive(exp, sensitive, result))
    unexpected = result.get("unexpected_count")
    elements = result.get("element_count")
    if exp.type == "unexpected_rows_expectation" and isinstance(result.get("observed_value"), int):
        unexpected, elements = result["observed_value"], row_count
    return Outcome(
        expectation=exp,
        success=bool(result_obj.success) and error is None,
        element_count=elements,
        unexpected_count=unexpected,
        observed_value=result.get("observed_value"),
        examples=examples,
        error=error,
    )


def _breaking_rows(conn, exp, table: tuple[str, str], sensitive: set[str], limit: int) -> tuple:
    """The first rows a rule's query returns, as ``column=value`` text (sensitive values masked):
    GX's BASIC results count them but do not say which they are. The query is the suite's own."""
    import sqlalchemy as sa

    relation = f'"{table[0]}"."{table[1]}"'
    query = exp.kwargs["unexpected_rows_query"].replace("{batch}", relation)
    try:
        with conn.begin_nested():
            rows = conn.execute(sa.text(f"select * from ({query}) as q limit {int(limit)}")).mappings().all()
    except sa.exc.SQLAlchemyError:
        return ()
    return tuple(
        ", ".join(f"{k}={patterns.mask(v) if k in sensitive else v}" for k, v in row.items()) for row in rows
    )


def write_index(root: Path) -> Path:
    """``data_docs_dir()/index.html``: one link per dataset's site. Rewritten whole and renamed into
    place, so steps of different datasets finishing together never leave a torn page."""
    sites = sorted(p.parent.name for p in root.glob("*/index.html"))
    items = "\n".join(f'<li><a href="{html.escape(n)}/index.html">{html.escape(n)}</a></li>' for n in sites)
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>NEX Data Docs</title></head><body>"
        "<h1>NEX Data Docs</h1><p>One Great Expectations site per dataset.</p>"
        f"<ul>\n{items}\n</ul></body></html>\n"
    )
    target = root / "index.html"
    tmp = root / f".index.{os.getpid()}.html"
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(target)
    return target


def run_suite(
    suite: Suite,
    database: env.Database,
    *,
    table: tuple[str, str],
    sensitive: set[str],
    result_format: str = "BASIC",
    partial_unexpected_count: int = 5,
    keep_validations: int = 30,
    docs_root: Path | None = None,
) -> ValidationRun:
    """Validates ``schema.table`` against the suite; returns one outcome per expectation, in suite order."""
    import great_expectations as gx
    import sqlalchemy as sa
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    started = time.perf_counter()
    docs_dir = (docs_root or env.data_docs_dir()) / suite.dataset
    gx_suite_obj = gx_suite(suite)
    context = _context(suite.dataset, docs_dir)
    source = context.data_sources.add_sql(DATASOURCE, connection_string=database.sqlalchemy_url())
    asset = source.add_table_asset(suite.dataset, table_name=table[1], schema_name=table[0])
    batch = asset.add_batch_definition_whole_table("whole_table")
    stored_suite = context.suites.add_or_update(gx_suite_obj)
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite.dataset, data=batch, suite=stored_suite)
    )
    results = definition.run(
        result_format={"result_format": result_format, "partial_unexpected_count": partial_unexpected_count}
    )
    by_index = {int(r.expectation_config.meta[INDEX_KEY]): r for r in results.results}
    engine = source.get_engine()
    try:
        with engine.connect() as conn:
            row_count = conn.execute(
                sa.select(sa.func.count()).select_from(sa.table(table[1], schema=table[0]))
            ).scalar_one()
            outcomes = [
                _outcome(exp, by_index[exp.index], row_count, sensitive) for exp in suite.expectations
            ]
            outcomes = [
                replace(
                    o,
                    examples=_breaking_rows(conn, o.expectation, table, sensitive, partial_unexpected_count),
                )
                if o.expectation.type == "unexpected_rows_expectation" and not o.success and not o.error
                else o
                for o in outcomes
            ]
    finally:
        # The step ends here; leave no pooled connection to the warehouse behind.
        engine.dispose()
    # Store the masked results over what GX stored, so the Data Docs never show sensitive values.
    batch_id = results.results[0].expectation_config.kwargs.get("batch_id") if results.results else None
    identifier = ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite.dataset),
        run_id=results.meta["run_id"]
        if isinstance(results.meta["run_id"], RunIdentifier)
        else RunIdentifier(**results.meta["run_id"]),
        batch_identifier=batch_id,
    )
    context.validation_results_store.set(identifier, results)
    _prune(gx_home(suite.dataset) / "uncommitted" / "validations", keep_validations)
    _prune(docs_dir / "validations", keep_validations)
    context.build_data_docs(site_names=["nex"])
    write_index(docs_dir.parent)
    page = context.get_docs_sites_urls(resource_identifier=identifier, site_name="nex")
    page_path = (
        Path(page[0]["site_url"].removeprefix("file://")) if page and page[0].get("site_url") else None
    )
    return ValidationRun(
        outcomes=outcomes,
        row_count=row_count,
        duration_s=time.perf_counter() - started,
        docs_index=docs_dir / "index.html",
        docs_page=page_path if page_path and page_path.exists() else None,
    )
