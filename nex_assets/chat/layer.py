"""The semantic layer as a question may ask it (kept apart from the tools and the metric path, which
both read it)."""

from __future__ import annotations

from nex_assets.chat.context import ToolContext
from nex_assets.common.problems import Problems
from nex_assets.core import env
from nex_assets.core import settings as nex_settings
from nex_assets.semantic import store
from nex_assets.semantic.logic.layer import Layer
from nex_assets.semantic.logic.settings import SemanticSettings


def layer_of(ctx: ToolContext) -> tuple[Layer, list[tuple[str, str, str]]]:
    """The layer as this context may ask it: models of the catalog's datasets (a dataset removed from
    the catalog keeps no metrics) and of predictions tables, whose tables the reader can read."""
    conn = ctx.platform()
    try:
        layer = store.load_layer(conn, env.project_dir(), nex_settings.load(SemanticSettings), Problems())
        values = store.values(conn)
    finally:
        conn.rollback()
    readable = ctx.tables().schemas_by_table
    kept = {
        name
        for name, model in layer.models.items()
        if model.node_relation.schema_name in readable.get(model.node_relation.alias, ())
        and (model.node_relation.schema_name != "raw" or not ctx.datasets or name in ctx.datasets)
    }
    layer = store.restricted(layer, kept)
    return layer, [v for v in values if v[0] in kept]
