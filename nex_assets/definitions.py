"""The code location: every domain of the package (see ``core/build.py``) plus what is truly global."""

import dagster as dg

from nex_assets.core.build import build_definitions
from nex_assets.core.compute import executor_for
from nex_assets.core.dagster import peak_memory_on_failure, peak_memory_on_success
from nex_assets.core.resources import WarehouseResource

# The main job builds the whole graph as it stands; each domain's assets join it by existing.
main_job = dg.define_asset_job(
    "nex_main",
    selection=dg.AssetSelection.all(),
    description="Materialize every asset of every dataset.",
    hooks={peak_memory_on_success, peak_memory_on_failure},
)

# The engine NEX_EXECUTOR names (multiprocess on this machine by default, k8s on a cluster).
executor = executor_for()

defs = dg.Definitions.merge(
    build_definitions(),
    dg.Definitions(jobs=[main_job], resources={"warehouse": WarehouseResource()}, executor=executor),
)


def job_def(name: str) -> dg.JobDefinition:
    """A job by name, for runs started from the command line: each step process rebuilds it from
    this module (``dg.build_reconstructable_job``)."""
    return defs.resolve_job_def(name)
