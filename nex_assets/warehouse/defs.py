"""The dbt warehouse: staging views and marts as assets downstream of the raw datasets."""

from __future__ import annotations

import dagster as dg

from nex_assets.warehouse.assets import dbt_definitions


def build(catalog) -> dg.Definitions:
    return dbt_definitions(catalog)
