"""Document collections: each YAML under ``documents/`` becomes ``<collection>/documents`` (parsed,
chunked and embedded into pgvector next to the data dictionary) and a sensor that notices changed files."""

import dagster as dg

from nex_assets.core import env
from nex_assets.documents.assets import documents_asset
from nex_assets.documents.logic.collections import load_collections
from nex_assets.documents.sensors import documents_job, documents_sensor


def build(catalog) -> dg.Definitions:
    assets, jobs, sensors = [], [], []
    for collection in load_collections(env.documents_dir(), catalog.problems):
        assets.append(documents_asset(collection, catalog))
        job = documents_job(collection)
        jobs.append(job)
        sensors.append(documents_sensor(collection, catalog, job))
    return dg.Definitions(assets=assets, jobs=jobs, sensors=sensors)
