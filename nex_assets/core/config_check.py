"""``nex/config``: the problems found in people-edited files when the code location loaded.

Every process that loads the definitions (the webserver, the daemon, each run's steps) reads the
files again, so each materialization reports the files as they are now. The asset's description
carries the same list, so the Dagster UI shows it before anything runs; ``nex doctor`` prints it.
"""

from __future__ import annotations

import dagster as dg

from nex_assets.common import markdown
from nex_assets.common.problems import Problems
from nex_assets.core.dagster import versioned

CONFIG_KEY = dg.AssetKey(["nex", "config"])


def _listing(problems: Problems) -> str:
    if not problems:
        return "Every dataset, recipe, pack, suite, collection and settings file is usable."
    rows = [[p.kind, p.file, p.text()] for p in problems]
    return markdown.table(["kind", "file", "problem"], rows)


def config_definitions(problems: Problems) -> dg.Definitions:
    summary = f"{len(problems)} file(s) with problems" if problems else "no problems"

    @dg.asset(
        key=CONFIG_KEY,
        group_name="nex",
        description=(
            "The platform's people-edited files (datasets/, recipes/, evaluation_packs/, expectations/, "
            "documents/, config/) as the code location read them: "
            f"{summary}. A file with a problem is left out; everything else loads.\n\n{_listing(problems)}"
        ),
        kinds={"yaml"},
        # Whatever problem appears or goes away makes the check worth running again.
        code_version=versioned("1", _listing(problems)),
        check_specs=[
            dg.AssetCheckSpec(
                "files_usable", asset=CONFIG_KEY, description="No people-edited file has a problem."
            )
        ],
    )
    def _config() -> dg.MaterializeResult:
        listing = dg.MetadataValue.md(_listing(problems))
        return dg.MaterializeResult(
            metadata={"problems": len(problems), "files": listing},
            check_results=[
                dg.AssetCheckResult(
                    check_name="files_usable",
                    passed=not problems,
                    severity=dg.AssetCheckSeverity.WARN,
                    metadata={"problems": len(problems), "files": listing},
                    description="; ".join(p.text() for p in problems)[:2000] or None,
                )
            ],
        )

    return dg.Definitions(assets=[_config])
