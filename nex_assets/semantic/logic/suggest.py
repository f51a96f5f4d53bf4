"""Questions a dataset can answer, written from its metrics and dimensions: what Studio offers to ask
first, each one answered through the layer it was written from."""

from __future__ import annotations

from nex_assets.semantic.logic.draft import thing
from nex_assets.semantic.logic.layer import Layer


def questions(layer: Layer, model_name: str, limit: int = 4) -> list[str]:
    model = layer.models.get(model_name)
    if model is None:
        return []
    mine = [m for m in sorted(layer.metrics.values(), key=lambda m: m.name) if _on(layer, m.name, model_name)]
    headline = next((m for m in mine if m.name.endswith(("_total", "_rate"))), None) or next(
        (m for m in mine if m.name.endswith("_average")), None
    )
    primary = model.primary()
    groups = [
        d
        for d in model.dimensions
        if d.type == "categorical"
        and not (primary and d.name == primary.column)
        and not d.name.endswith("_id")
    ]
    # A group worth asking by: another table's category reached through a key, else one of its own.
    joined = [
        (name, d)
        for name in layer.reachable(model_name)[1:]
        for d in layer.models[name].dimensions
        if d.type == "categorical"
        and not d.name.endswith("_id")
        and d.name != (layer.models[name].primary() or d).name
    ]
    out = [f"How many {thing(model_name).replace('_', ' ')} are there?"]
    if headline is not None:
        label = headline.label or headline.name
        if groups:
            out.append(f"What is the {label} for each {groups[0].name.replace('_', ' ')}?")
        if joined:
            out.append(f"Which {joined[0][1].name.replace('_', ' ')} has the highest {label}?")
        elif len(groups) > 1:
            out.append(f"Which {groups[1].name.replace('_', ' ')} has the highest {label}?")
        if model.defaults.agg_time_dimension:
            grain = (model.time_dimension() or model.dimensions[0]).grain or "period"
            out.append(f"What was the {label} over the last four {grain}s?")
    return out[:limit]


def _on(layer: Layer, metric: str, model: str) -> bool:
    try:
        return layer.model_of(metric).name == model
    except ValueError:
        return False
