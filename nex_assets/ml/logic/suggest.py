"""Drafting a recipe from what the profile knows of a dataset: the family (from the target and the
columns when not given), the roles (time column and its frequency, keys, price and quantity, who
chooses what), the features and the packs, each choice explained in a comment of the file.

Nothing here reads the database: the caller gathers the facts (semantic types from the profile,
the distinct values of small categorical columns, which keys make each time column unique) and this
module decides. A draft is meant to train without edits; where it cannot decide, it says what to
pass (``--family``, ``--target``) instead of guessing wildly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nex_assets.common.identifiers import to_identifier

if TYPE_CHECKING:
    import pandas as pd

MEASURES = ("count", "amount", "measure", "share")
QUANTITY_WORDS = {"sales", "units", "quantity", "qty", "demand", "volume", "sold", "packs", "orders"}
PRICE_WORDS = {"price", "prices"}
# Names as econometric tables abbreviate them: "avgprs" (average price), "packpc" (packs per
# capita), "real_prc". A stem is read with an optional average in front and a per-unit suffix.
PRICE_NAME = re.compile(r"^(avg|average|mean|real|nominal)?_?(price|prices|prc|prcs|prs)$")
QUANTITY_NAME = re.compile(
    r"^(avg|average|total)?_?(pack|packs|unit|units|sale|sales|qty|quantity|demand|volume|orders|"
    r"consumption|cons|sold)_?(pc|percap|per_capita|per_head|pp)?$"
)
# What a person or a model wrote in the dictionary says what a column is when its name does not.
PRICE_MEANING = re.compile(r"\b(price|prices|price per)\b", re.I)
QUANTITY_MEANING = re.compile(
    r"\b(quantity|units sold|packs|sales volume|consumption|demand|number (of )?(units|items) sold)\b", re.I
)
# Columns that name what a table of independent rows is about: the outcome a statistician models
# when nothing else (a price and a quantity, a long series, a choice) says what the task is.
OUTCOME_WORDS = {
    "wage",
    "wages",
    "salary",
    "earnings",
    "price",
    "target",
    "outcome",
    "response",
    "label",
    "y",
    "status",
    "result",
    "churn",
    "churned",
    "default",
    "survived",
    "diagnosis",
    "class",
}
# A series forecast by lags one and two periods and a season back needs this many periods; a panel
# of shorter series (eight yearly waves of a survey) is modelled row by row instead.
MIN_FORECAST_PERIODS = 12
COST_WORDS = {"cost", "costs", "unit_cost", "cogs"}
# Parts of the price a buyer pays: as a control a tax takes the price's own effect.
TAX_WORDS = {"tax", "taxes", "taxs", "vat", "duty", "excise"}
REFERENCE_WORDS = {"base", "list", "regular", "shelf", "reference", "rrp"}
ENTITY_WORDS = {"customer", "user", "household", "client", "member", "account", "id", "panelist"}
ACTION_WORDS = {"offer", "option", "product", "item", "campaign", "brand", "action", "choice", "treatment"}
LEAK_CORRELATION = 0.95
PACKS = {
    "regression": "regression_standard",
    "classification": "classification_standard",
    "forecasting": "forecasting_standard",
    "pricing": "pricing_standard",
    "next_best_action": "next_best_action_standard",
    "scoring": "scoring_standard",
}


class SuggestError(ValueError):
    pass


@dataclass(frozen=True)
class Column:
    name: str
    pg_type: str
    semantic: str
    distinct: int
    rows: int

    @property
    def words(self) -> set[str]:
        return set(self.name.split("_")) | {self.name}

    @property
    def row_key(self) -> bool:
        return self.distinct >= self.rows > 0


@dataclass
class Facts:
    dataset: str
    columns: list[Column]
    # Distinct values of small categorical columns (for choices in the wide shape).
    categories: dict[str, list[str]] = field(default_factory=dict)
    # For each time column, the detected frequency and the keys that make (keys, time) unique.
    frequencies: dict[str, str] = field(default_factory=dict)
    panel_keys: dict[str, list[str]] = field(default_factory=dict)
    # Correlation of each numeric column with the target, when one was named.
    correlations: dict[str, float] = field(default_factory=dict)
    # Distinct periods of each time column (a panel's series are this long at most).
    periods: dict[str, int] = field(default_factory=dict)
    # What the dictionary says of a column, where a model or a person wrote it.
    meanings: dict[str, str] = field(default_factory=dict)
    # A sample of the rows, for the leakage checks (``logic/leakage.py``); None skips them.
    sample: pd.DataFrame | None = None
    leakage: Any = None

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise SuggestError(f"{self.dataset} has no column {name!r}")

    def of(self, *semantics: str) -> list[Column]:
        return [c for c in self.columns if c.semantic in semantics]


@dataclass
class Draft:
    name: str
    family: str
    fields: dict
    why: dict[str, str]


def wide_choice(facts: Facts) -> tuple[str, list[str]] | None:
    """A categorical column whose every value names a group of ``<attribute>_<option>`` (or
    ``<attribute><option>``: ``pbeach``, ``cboat``) columns: the chosen option of a row, with each
    option's attributes beside it (a choice panel)."""
    names = {c.name for c in facts.columns}
    for column, values in facts.categories.items():
        if not 2 <= len(values) <= 30:
            continue
        options = [to_identifier(v) for v in values]
        prefixes: dict[str, set[str]] = {}
        for name in names - {column}:
            for option in options:
                for joint in ("_", ""):
                    if name.endswith(f"{joint}{option}") and len(name) > len(option) + len(joint):
                        prefixes.setdefault(name[: -len(option) - len(joint)] + joint, set()).add(option)
        attributes = sorted(
            p.removesuffix("_") for p, found in prefixes.items() if len(found) == len(options)
        )
        if attributes:
            return column, attributes
    return None


def option_columns(facts: Facts, attributes: list[str], options: list[str]) -> set[str]:
    """The ``<attribute>_<option>`` / ``<attribute><option>`` columns of a wide choice table."""
    names = {c.name for c in facts.columns}
    wanted = {f"{a}{j}{to_identifier(o)}" for a in attributes for o in options for j in ("_", "")}
    return names & wanted


def _price_like(c: Column, facts: Facts) -> bool:
    return bool(
        c.words & PRICE_WORDS
        or any(PRICE_NAME.match(w) for w in c.words)
        or PRICE_MEANING.search(facts.meanings.get(c.name, ""))
    )


def _quantity_like(c: Column, facts: Facts) -> bool:
    return bool(
        c.words & QUANTITY_WORDS
        or any(QUANTITY_NAME.match(w) for w in c.words)
        or QUANTITY_MEANING.search(facts.meanings.get(c.name, ""))
    )


def prices(facts: Facts) -> list[Column]:
    """Numbers that are a price, by name, abbreviation or what the dictionary says."""
    return [c for c in facts.of("amount", "measure") if _price_like(c, facts)]


def quantities(facts: Facts) -> list[Column]:
    """Numbers that are a quantity (sold, consumed, per capita), not a price."""
    found = prices(facts)
    return [c for c in facts.of(*MEASURES) if _quantity_like(c, facts) and c not in found]


def outcomes(facts: Facts) -> list[Column]:
    """Columns whose name says they are what the table is about (wage, price, status, ...)."""
    return [
        c
        for c in facts.columns
        # A measure may differ on every row (wages, prices); a category that does names rows instead.
        if c.words & OUTCOME_WORDS
        and c.semantic in (*MEASURES, "category", "flag")
        and not (c.semantic == "category" and c.row_key)
    ]


def _named(columns: list[Column], words: set[str]) -> list[Column]:
    return [c for c in columns if c.words & words]


def _time(facts: Facts) -> Column | None:
    found = [c for c in facts.of("period", "year") if c.name in facts.frequencies]
    return found[0] if found else None


def _long_enough(facts: Facts, time: Column) -> bool:
    return facts.periods.get(time.name, MIN_FORECAST_PERIODS) >= MIN_FORECAST_PERIODS


def choose_family(facts: Facts, target: str | None) -> str:
    if target is not None:
        column = facts.column(target)
        if wide_choice(facts) and wide_choice(facts)[0] == target:
            return "next_best_action"
        if column.semantic in ("category", "flag"):
            return "classification"
        if column.semantic in MEASURES:
            if prices(facts) and column in quantities(facts):
                return "pricing"
            return "regression"
        raise SuggestError(f"target {target!r} is a {column.semantic} column: it cannot be predicted")
    return _choose_without_target(facts)[0]


def _choose_without_target(facts: Facts) -> tuple[str, str]:
    """The family a statistician would pick from the table's shape, and why, in that order: a
    choice panel, a price with a quantity, a long enough series, then the outcome a column names."""
    wide = wide_choice(facts)
    if wide:
        return "next_best_action", f"`{wide[0]}` names an option on each row, and each option has its columns"
    found_prices, found_quantities = prices(facts), quantities(facts)
    if found_prices and found_quantities:
        return "pricing", (
            f"`{found_prices[0].name}` is a price and `{found_quantities[0].name}` a quantity: "
            "demand against price"
        )
    time = _time(facts)
    short = time is not None and not _long_enough(facts, time)
    if time and not short and facts.of(*MEASURES):
        return (
            "forecasting",
            f"`{time.name}` orders {facts.periods.get(time.name, 'enough')} periods of numbers",
        )
    named = outcomes(facts)
    if named:
        column = named[0]
        family = "classification" if column.semantic in ("category", "flag") else "regression"
        why = f"`{column.name}` names what the rows are about ({column.semantic})"
        if short:
            why += (
                f"; `{time.name}` has {facts.periods[time.name]} periods, too few to forecast "
                f"(lags and a season need {MIN_FORECAST_PERIODS})"
            )
        return family, why
    helps = "name the column to predict with --target (and the family with --family)"
    if short:
        helps = f"`{time.name}` has only {facts.periods[time.name]} periods, too few to forecast; " + helps
    raise SuggestError(
        f"{facts.dataset}: no price and quantity, no time series long enough to forecast, no choice "
        f"panel and no column named like an outcome (wage, price, status, ...) found; {helps}"
    )


def _forecast_target(facts: Facts, time: Column) -> Column:
    measures = [c for c in facts.of(*MEASURES) if c.name != time.name]
    if not measures:
        raise SuggestError(f"{facts.dataset}: no numeric column to forecast; name one with --target")
    named = _named(measures, QUANTITY_WORDS | {"value", "passengers", "demand", "sales"})
    return (named or measures)[0]


def draft(facts: Facts, family: str | None = None, target: str | None = None) -> Draft:
    chosen_because = ""
    if family is None and target is None:
        family, chosen_because = _choose_without_target(facts)
    family = family or choose_family(facts, target)
    if target is None and family in ("regression", "classification", "scoring"):
        named = outcomes(facts)
        target = named[0].name if named else None
    builder = {
        "regression": _tabular,
        "classification": _tabular,
        "scoring": _tabular,
        "forecasting": _forecasting,
        "pricing": _pricing,
        "next_best_action": _choice,
    }.get(family)
    if builder is None:
        raise SuggestError(f"unknown family {family!r}")
    fields, why = builder(facts, family, target)
    name = f"{facts.dataset}_{family}"
    base = {
        "name": name,
        "dataset": facts.dataset,
        "family": family,
        "level": "intermediate",
        "description": why.pop("description"),
    }
    fields = {**base, **fields, "evaluation_packs": [PACKS[family]]}
    if chosen_because:
        why["family"] = f"{family}: {chosen_because}"
    why["evaluation_packs"] = f"{PACKS[family]}: the family's baselines and bounds (evaluation_packs/)"
    return Draft(name, family, fields, why)


def _features(facts: Facts, exclude: set[str]) -> list[Column]:
    """Columns a model may learn from: not the target or a role, not a row key, personal data or
    prose."""
    return [
        c
        for c in facts.columns
        if c.name not in exclude
        and c.semantic not in ("personal", "free_text")
        and not (c.semantic == "identifier" and c.row_key)
        and not (c.semantic == "identifier" and c.distinct > 50)
    ]


def _tabular(facts: Facts, family: str, target: str | None):
    if target is None:
        raise SuggestError(f"{family} needs the column to predict: pass --target")
    column = facts.column(target)
    ids = [c.name for c in facts.of("identifier") if c.row_key][:1]
    if family == "scoring" and not ids:
        raise SuggestError(
            f"{facts.dataset}: scoring ranks entities, and no column names one on every row "
            "(an id with a different value per row); regression predicts without one"
        )
    # A column that nearly equals the target (a component of it, or the same measure in other
    # units) is known only when the target is: it would make the model look perfect and be useless.
    near = {c: f"r = {r:.2f}" for c, r in facts.correlations.items() if abs(r) >= LEAK_CORRELATION}
    given_away = {
        **near,
        **leaks(facts, target, classify=column.semantic in ("category", "flag"), exclude=set(ids)),
    }
    chosen = _features(facts, {target, *ids, *given_away})
    why = {
        "description": f"{column.name} from {len(chosen)} other column(s) of {facts.dataset}.",
        "target": f"`{target}`, {_article(column.semantic)} {column.semantic} column",
        "features": "every column except the target, row keys, personal data and free text: "
        + ", ".join(f"{c.name} ({c.semantic})" for c in chosen)
        + (
            "; left out as giving the target away: "
            + "; ".join(f"{c} ({why})" for c, why in sorted(given_away.items()))
            if given_away
            else ""
        ),
        "algorithm": "linear: a ranking that stays readable (its coefficients say what counts), "
        "judged out of fold"
        if family == "scoring"
        else "auto: tries the family's candidates under the split and keeps the best",
    }
    fields = {"target": target, "roles": {"id": ids} if ids else {}, "features": [c.name for c in chosen]}
    fields["algorithm"] = "linear" if family == "scoring" else "auto"
    if ids:
        why["roles.id"] = f"`{ids[0]}` has a different value on every row: kept beside each prediction"
    return fields, why


def _forecasting(facts: Facts, family: str, target: str | None):
    time = _time(facts)
    if time is None:
        raise SuggestError(
            f"{facts.dataset}: forecasting needs a time column (dates, years or fractional years)"
        )
    value = facts.column(target) if target else _forecast_target(facts, time)
    keys = facts.panel_keys.get(time.name, [])
    covariates = [
        c.name
        for c in facts.columns
        if c.name not in {value.name, time.name, *keys} and (c.semantic == "flag" or c.words & PRICE_WORDS)
    ]
    roles = {"time": time.name, "series": keys, "horizon": 1, "covariates": covariates}
    why = {
        "description": f"{value.name} one period ahead, "
        + (f"for each {', '.join(keys)}." if keys else "as one series."),
        "target": f"`{value.name}`: the measure to forecast",
        "roles.time": f"`{time.name}` ({time.semantic}); its frequency is {facts.frequencies[time.name]} "
        "(detected again from the data each run)",
        "roles.series": ("each series is " + ", ".join(keys))
        if keys
        else "one series: every period appears once",
        "roles.horizon": "1 period ahead",
        "roles.covariates": ("known in advance: " + ", ".join(covariates)) if covariates else "none",
        "algorithm": "auto: linear and XGBoost on lags, seasonality and covariates; the better one is kept",
    }
    return {"target": value.name, "roles": roles, "algorithm": "auto"}, why


def _pricing(facts: Facts, family: str, target: str | None):
    found = prices(facts)
    plain = [c for c in found if not c.words & REFERENCE_WORDS and not c.words & {"min", "max"}]
    price = (plain or found)[0] if found else None
    if price is None:
        raise SuggestError(
            f"{facts.dataset}: pricing needs a price column (a number named or described as a price)"
        )
    quantity = facts.column(target) if target else None
    if quantity is None:
        candidates = [c for c in quantities(facts) if c.name != price.name]
        if not candidates:
            raise SuggestError(
                f"{facts.dataset}: pricing needs a quantity (sales, units, ...); pass --target"
            )
        quantity = candidates[0]
    references = [c for c in found if c.words & REFERENCE_WORDS and c.name != price.name]
    costs = [c for c in _named(facts.of("amount", "measure"), COST_WORDS) if c.name != price.name]
    time = _time(facts)
    entities = [c.name for c in facts.of("identifier") if not c.row_key and c.distinct <= 1000]
    # A category of many units (46 states) is who the demand belongs to, not a group of slopes.
    entities += [c.name for c in facts.of("category") if 20 < c.distinct <= 1000 and not c.row_key]
    # The keys that make each period's rows unique are the panel's units, whatever their type.
    entities += [k for k in facts.panel_keys.get(time.name, []) if time and k not in entities] if time else []
    groups = [c.name for c in facts.of("category") if 2 <= c.distinct <= 20 and c.name not in entities][:1]
    used = {
        price.name,
        quantity.name,
        *(c.name for c in references[:1]),
        *(c.name for c in costs[:1]),
        *entities,
        *groups,
    }
    if time:
        used.add(time.name)
    collinear = _collinear(facts, price.name)
    collinear |= {c.name: None for c in facts.columns if c.words & TAX_WORDS and c.name not in collinear}
    controls = [
        c.name
        for c in facts.columns
        if c.name not in used and c.semantic in (*MEASURES, "flag") and c.name not in collinear
    ]
    roles: dict = {"price": price.name}
    why = {
        "description": f"How {quantity.name} responds to {price.name}: elasticity"
        + (" per " + ", ".join(groups) if groups else "")
        + (", and the price that maximises margin" if costs else "")
        + ".",
        "target": f"`{quantity.name}`: the quantity sold",
        "roles.price": f"`{price.name}`",
    }
    if references:
        roles["reference_price"] = references[0].name
        why["roles.reference_price"] = f"`{references[0].name}`: prices are taken relative to it"
    if costs:
        roles["cost"] = costs[0].name
        why["roles.cost"] = f"`{costs[0].name}`: margin is optimised only because a cost is known"
    if groups:
        roles["groups"] = groups
        why["roles.groups"] = f"one elasticity per {groups[0]}"
    if entities:
        roles["entities"] = entities
        why["roles.entities"] = f"fixed effects for {', '.join(entities)} (each has its own level of demand)"
    if time:
        roles["time"] = time.name
        why["roles.time"] = (
            f"`{time.name}` ({facts.frequencies.get(time.name, 'frequency from the data')}): "
            + ("period effects in a panel" if entities else "calendar terms")
        )
    if controls:
        roles["controls"] = controls
        why["roles.controls"] = "other numbers that move demand: " + ", ".join(controls)
        if collinear:
            why["roles.controls"] += (
                "; left out as parts of the price or moving with it (they would take its effect): "
                + ", ".join(c if r is None else f"{c} (r = {r:.2f})" for c, r in collinear.items())
            )
    why["algorithm"] = "log_log_regression: the slope of log demand on log price is the elasticity"
    return {"target": quantity.name, "roles": roles, "algorithm": "log_log_regression"}, why


# A control that moves with the price this closely (a tax inside it) takes the price's effect.
COLLINEAR = 0.9


def _collinear(facts: Facts, price: str) -> dict[str, float | None]:
    import pandas as pd

    rows = facts.sample
    if rows is None or price not in rows:
        return {}
    out = {}
    for c in rows.columns:
        if c != price and pd.api.types.is_numeric_dtype(rows[c]) and rows[c].nunique() > 1:
            r = rows[c].corr(rows[price])
            if pd.notna(r) and abs(r) >= COLLINEAR:
                out[c] = float(r)
    return out


def leaks(facts: Facts, target: str, classify: bool, exclude: set[str] = frozenset()) -> dict[str, str]:
    """Columns of the sample that give ``target`` away (``logic/leakage.py``), with why."""
    import pandas as pd

    from nex_assets.ml.logic.leakage import find_leaks
    from nex_assets.ml.logic.settings import LeakageSettings

    rows = facts.sample
    if rows is None or target not in rows:
        return {}
    keep = [c for c in rows.columns if c != target and c not in exclude]
    X = rows[keep]
    categorical = [c for c in keep if not pd.api.types.is_numeric_dtype(X[c])]
    found = find_leaks(X, rows[target], classify, facts.leakage or LeakageSettings(), categorical)
    return {leak.column: leak.detail for leak in found}


def _choice(facts: Facts, family: str, target: str | None):
    wide = wide_choice(facts)
    if wide is not None and (target is None or target == wide[0]):
        choice, attributes = wide
        entity = _entity(facts, exclude={choice}, row_key_ok=True)
        options = option_columns(facts, attributes, facts.categories.get(choice, []))
        # The chosen option's own values beside each option's (``price`` next to ``pbeach``...) are
        # the answer, not an input: only the per-option columns describe the options.
        copied = leaks(facts, choice, classify=True)
        context = [
            c.name
            for c in _features(facts, {choice, entity, *options, *copied})
            if c.semantic != "identifier"
        ]
        roles = {
            "entity": entity,
            "action": choice,
            "shape": "wide",
            "option_attributes": attributes,
            "context": context,
        }
        time = _time(facts)
        ids = [c.name for c in facts.of("identifier") if c.row_key and c.name != entity][:1]
        if time:
            roles["time"] = time.name
        elif ids:
            roles["id"] = ids
        why = {
            "description": f"The {choice} each {entity} is most likely to pick, from each option's "
            + ", ".join(attributes)
            + f" and the {entity}'s earlier choices.",
            "target": f"`{choice}`: the option chosen on each row",
            "roles.entity": f"`{entity}`: who chooses (repeated across rows)"
            if not facts.column(entity).row_key
            else f"`{entity}`: no column names who chooses, so each row is a chooser of its own",
            "roles.context": "what describes the chooser: "
            + (", ".join(context) or "none")
            + (
                "; left out as known only once the choice is: "
                + "; ".join(f"{c} ({why})" for c, why in sorted(copied.items()))
                if copied
                else ""
            ),
            "roles.shape": "wide: one row per choice, each option's attributes in "
            "`<attribute>_<option>` columns",
            "roles.option_attributes": ", ".join(attributes),
            "roles.time": f"`{time.name if time else ''}`: the order of each {entity}'s choices",
            "roles.id": f"`{ids[0] if ids else ''}`: a row number, taken as the order of each {entity}'s "
            "choices (their history is a feature)",
            "algorithm": "auto: logistic, XGBoost and a neural network; the better-calibrated one is kept",
        }
        return {"target": choice, "roles": roles, "algorithm": "auto"}, why
    if target is None:
        raise SuggestError("next_best_action in the long shape needs the outcome column: pass --target")
    entity = _entity(facts, exclude={target})
    actions = [c for c in facts.of("category", "identifier") if c.words & ACTION_WORDS and c.name != entity]
    if not actions:
        raise SuggestError(f"{facts.dataset}: no column names the option offered (offer, product, ...)")
    action = actions[0].name
    context = [c.name for c in _features(facts, {target, entity, action}) if c.semantic != "identifier"]
    roles = {"entity": entity, "action": action, "shape": "long", "context": context}
    why = {
        "description": f"The {action} to offer each {entity}, from P({target} | {entity}, {action}).",
        "target": f"`{target}`: whether the option was taken",
        "roles.entity": f"`{entity}`",
        "roles.action": f"`{action}`",
        "algorithm": "auto",
    }
    return {"target": target, "roles": roles, "algorithm": "auto"}, why


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _entity(facts: Facts, exclude: set[str], row_key_ok: bool = False) -> str:
    candidates = [c for c in facts.of("identifier", "category") if not c.row_key and c.name not in exclude]
    named = [c for c in candidates if c.words & ENTITY_WORDS]
    if row_key_ok:
        # In a choice panel a category (a region) describes choosers; it does not name one.
        candidates = [c for c in candidates if c.semantic == "identifier"]
    if not (named or candidates) and row_key_ok:
        # A choice table without a chooser id: every row is one chooser's one choice.
        candidates = [c for c in facts.of("identifier") if c.row_key and c.name not in exclude]
    if not (named or candidates):
        raise SuggestError(
            f"{facts.dataset}: no column says who chooses (a customer, household or id); add an id column"
        )
    return (named or candidates)[0].name


def to_yaml(d: Draft, source: str) -> str:
    """The recipe file: every field with the reason it was chosen, as comments."""
    import yaml

    def dump(value) -> str:
        text = yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=200).strip()
        # A lone scalar is dumped as a document of its own, ended by "...".
        return text.removesuffix("...").strip()

    lines = [
        f"# Drafted by `nex recipe suggest` from {source}.",
        "# Every field says why it was chosen; edit freely (the level allows features and the algorithm).",
    ]
    for key, value in d.fields.items():
        if key == "roles":
            lines.append("roles:")
            for role, role_value in value.items():
                reason = d.why.get(f"roles.{role}")
                if reason:
                    lines.append(f"  # {reason}")
                lines.append(f"  {role}: {dump(role_value)}")
            continue
        reason = d.why.get(key)
        if reason:
            lines.append(f"# {reason}")
        lines.append(f"{key}: {dump(value)}")
    return "\n".join(lines) + "\n"
