"""From the rows a recipe reads to the frame its model sees, one builder per kind of family.

Every builder is a pure function of the rows and the recipe's roles, so training, evaluation, batch
scoring and drift monitoring derive features the same way, and none of them names a column of any
dataset: dates become calendar features wherever they are, a forecast's lags and seasonality follow
the detected frequency, pricing takes logs of whatever the price and quantity are, and a choice
table in the wide shape is reshaped from the options its target names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nex_assets.common.identifiers import to_identifier
from nex_assets.ml.logic.frequency import Frequency, period_index, season_terms, to_periods

if TYPE_CHECKING:
    import pandas as pd

# Internal columns the builders add; none can clash with a loaded column (identifiers never start
# with an underscore).
OCCASION = "_occasion"
OPTION = "_option"
CHOSEN = "_chosen"
PERIOD = "_period"
# What an entity chose before, per option, in the wide shape: loyalty is most of what predicts a
# choice, and each value uses earlier occasions only, so it is as available when scoring as when
# training.
HISTORY = ("past_share", "chose_last_time", "first_choice")


class FeatureError(ValueError):
    pass


@dataclass
class ModelFrame:
    """The rows a model is fitted on or scores, and which of their columns it takes."""

    data: pd.DataFrame
    columns: list[str]
    categorical: list[str]
    target: str
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def X(self) -> pd.DataFrame:
        return self.data[self.columns]

    @property
    def numeric(self) -> list[str]:
        return [c for c in self.columns if c not in self.categorical]


def _flag_to_float(frame: pd.DataFrame, columns: list[str]) -> None:
    import pandas as pd

    for c in columns:
        if c in frame and pd.api.types.is_bool_dtype(frame[c]):
            frame[c] = frame[c].astype(float)


def _numeric_or_category(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """Casts numbers to float (an integer column in an MLflow signature refuses the missing values
    a later batch may hold) and returns the columns that stay categories."""
    import pandas as pd

    categorical = []
    _flag_to_float(frame, columns)
    for c in columns:
        if pd.api.types.is_numeric_dtype(frame[c]):
            frame[c] = frame[c].astype(float)
        else:
            frame[c] = frame[c].astype("string").astype(object).where(frame[c].notna(), None)
            categorical.append(c)
    return categorical


def fingerprints(frame: ModelFrame):
    """A 64-bit fingerprint of each row's model columns and target (8 bytes a row): how drift tells
    the rows loaded since a model was trained from those it was fitted on."""
    import pandas as pd

    values = frame.data[[*frame.columns, frame.target]]
    return pd.util.hash_pandas_object(values, index=False).to_numpy()


def _as_category(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """Casts columns to text labels, whole numbers without a trailing ``.0``."""
    import pandas as pd

    for c in columns:
        values = frame[c]
        if pd.api.types.is_float_dtype(values) and (values.dropna() % 1 == 0).all():
            values = values.astype("Int64")
        frame[c] = values.astype("string").astype(object).where(values.notna(), None)
    return list(columns)


def calendar_features(frame: pd.DataFrame, columns: list[str], date_columns: set[str]) -> list[str]:
    """Each date column becomes its year, month, day of week and day of year (the date itself is
    not a model input); returns the columns in their new order."""
    out = []
    for c in columns:
        if c not in date_columns:
            out.append(c)
            continue
        when = to_periods(frame[c])
        frame[f"{c}__year"] = when.dt.year.astype(float)
        frame[f"{c}__month"] = when.dt.month.astype(float)
        frame[f"{c}__day_of_week"] = when.dt.dayofweek.astype(float)
        frame[f"{c}__day_of_year"] = when.dt.dayofyear.astype(float)
        out += [f"{c}__year", f"{c}__month", f"{c}__day_of_week", f"{c}__day_of_year"]
    return out


def tabular(
    rows: pd.DataFrame, features: list[str], target: str, task: str, date_columns: set[str]
) -> ModelFrame:
    """Regression, classification and scoring: the listed features, dates as calendar features,
    numbers as floats, the rest as categories; missing values are left to the model's pipeline."""
    frame = rows.copy()
    columns = calendar_features(frame, features, date_columns)
    categorical = _numeric_or_category(frame, columns)
    if task == "classification":
        frame[target] = frame[target].astype("string").astype(object)
    else:
        frame[target] = frame[target].astype(float)
    return ModelFrame(frame, columns, categorical, target)


def forecasting(
    rows: pd.DataFrame,
    target: str,
    time: str,
    series: list[str],
    covariates: list[str],
    freq: Frequency,
    origin=None,
) -> ModelFrame:
    """Lags of the target per series (the last two periods and one season back), a rolling mean of
    recent values, calendar terms of the detected frequency and the covariates. Rows without the
    longest lag are dropped: the model and the seasonal-naive baseline must see the same rows."""
    import pandas as pd

    frame = rows.copy()
    frame[PERIOD] = to_periods(frame[time])
    keys = [*series, PERIOD]
    frame = frame.sort_values(keys, kind="stable").reset_index(drop=True)
    frame["_index"] = period_index(frame[PERIOD], freq)
    frame[target] = frame[target].astype(float)
    grouped = frame.groupby(series, sort=False) if series else None
    values = grouped[target] if grouped is not None else frame[target]
    lag_columns = []
    for lag in freq.lags:
        name = f"lag_{lag}"
        frame[name] = (values.shift(lag) if grouped is not None else frame[target].shift(lag)).astype(float)
        lag_columns.append(name)
    window = freq.window
    rolled = (
        values.transform(lambda s: s.shift(1).rolling(window).mean())
        if grouped is not None
        else frame[target].shift(1).rolling(window).mean()
    )
    frame[f"rolling_mean_{window}"] = rolled
    terms = season_terms(frame[PERIOD], freq, origin)
    frame = pd.concat([frame, terms], axis=1)
    categorical = _numeric_or_category(frame, list(covariates))
    columns = [*lag_columns, f"rolling_mean_{window}", *covariates, *terms.columns]
    frame = frame.dropna(subset=[lag_columns[-1], f"rolling_mean_{window}"]).reset_index(drop=True)
    baseline = f"lag_{freq.season}" if freq.season > 2 else "lag_1"
    info = {"frequency": freq.name, "season": freq.season, "baseline": baseline, "keys": keys}
    return ModelFrame(frame, columns, categorical, target, info)


def pricing(
    rows: pd.DataFrame,
    target: str,
    price: str,
    reference_price: str | None,
    groups: list[str],
    entities: list[str],
    controls: list[str],
    time: str | None,
    freq: Frequency | None,
    origin=None,
) -> ModelFrame:
    """A log-log demand frame: ``log_price`` is the log of the price (relative to the reference
    price when there is one), so its slope is the elasticity; entities and, in a panel without
    seasons, periods get fixed effects; seasonal data gets calendar terms (trend counted from
    ``origin``, default the first period of ``rows``)."""
    import numpy as np
    import pandas as pd

    frame = rows.copy()
    price_values = frame[price].astype(float)
    if (price_values <= 0).any():
        raise FeatureError(f"roles.price: `{price}` holds values <= 0; a log-log model needs positive prices")
    ratio = price_values / frame[reference_price].astype(float) if reference_price else price_values
    frame["log_price"] = np.log(ratio)
    frame[target] = frame[target].astype(float)
    if (frame[target] < 0).any():
        raise FeatureError(f"target: `{target}` holds negative quantities")
    time_columns: list[str] = []
    period_effect: list[str] = []
    if time and freq is not None:
        periods = to_periods(frame[time])
        if freq.season > 1:
            terms = season_terms(periods, freq, origin)
            frame = pd.concat([frame, terms], axis=1)
            time_columns = list(terms.columns)
        elif entities:
            # A yearly panel: one effect per period absorbs what every entity shares that year.
            frame[PERIOD] = periods.dt.strftime("%Y-%m-%d")
            period_effect = [PERIOD]
        else:
            start = periods.min() if origin is None else origin
            frame["trend_years"] = (periods - start).dt.days.to_numpy() / 365.25
            time_columns = ["trend_years"]
    # Entities and groups are labels even when coded as numbers (a state's FIPS code): each gets an
    # effect or an elasticity of its own, never a slope.
    categorical = _as_category(frame, [*entities, *groups, *period_effect])
    _numeric_or_category(frame, controls)
    columns = [*entities, *period_effect, *groups, "log_price", *time_columns, *controls]
    info = {
        "entities": entities,
        "groups": groups,
        "period_effect": period_effect,
        "sloped": ["log_price", *time_columns],
        "controls": controls,
    }
    return ModelFrame(frame, columns, categorical, target, info)


def matches(frame: pd.DataFrame, option_side: list[str], entity_side: list[str]) -> list[str]:
    """``<a>_matches_<b>`` for each option attribute and entity attribute that take values from the
    same set (an offer's channel and a customer's preferred channel): whether they agree is often
    what decides, and a model should not have to discover equality from one-hot codes."""
    import pandas as pd

    out = []
    for a in option_side:
        if a not in frame or pd.api.types.is_numeric_dtype(frame[a]):
            continue
        values_a = set(frame[a].dropna().astype(str).unique())
        for b in entity_side:
            if b not in frame or pd.api.types.is_numeric_dtype(frame[b]) or not values_a:
                continue
            shared = values_a & set(frame[b].dropna().astype(str).unique())
            if len(shared) >= max(2, len(values_a) // 2):
                name = f"{a}_matches_{b}"
                frame[name] = (frame[a].astype(str) == frame[b].astype(str)).astype(float)
                out.append(name)
    return out


def wide_options(columns: list[str], attributes: list[str], options: list[str]) -> dict[str, dict[str, str]]:
    """``{option: {attribute: column}}`` for columns named ``<attribute>_<option>`` or
    ``<attribute><option>`` (``pbeach``; the option as the loader names columns: ``Heinz 41`` is
    ``heinz_41``)."""
    found: dict[str, dict[str, str]] = {}
    for option in options:
        for attribute in attributes:
            for name in (f"{attribute}_{to_identifier(option)}", f"{attribute}{to_identifier(option)}"):
                if name in columns:
                    found.setdefault(option, {})[attribute] = name
                    break
    return found


def choice(
    rows: pd.DataFrame,
    target: str,
    entity: str,
    action: str,
    shape: str,
    context: list[str],
    action_features: list[str],
    option_attributes: list[str],
    options: list[str] | None = None,
    order: list[str] | None = None,
) -> ModelFrame:
    """Next best action as one row per entity and option with the outcome: the long shape as it is,
    the wide shape reshaped (a row per choice and option, the option's attributes from its
    ``<attribute>_<option>`` columns, the entity's earlier choices of the option (``HISTORY``, in
    the order of the ``order`` columns, else of the rows), the outcome whether it was the one
    chosen)."""
    import pandas as pd

    if shape == "long":
        frame = rows.copy()
        frame[target] = frame[target].astype(float)
        if not frame[target].isin([0.0, 1.0]).all():
            raise FeatureError(f"target: `{target}` must be 0/1 (accepted or not) in the long shape")
        option_side = [action, *action_features]
        derived = matches(frame, option_side, context)
        columns = [*context, *option_side, *derived]
        categorical = _numeric_or_category(frame, columns)
        info = {"shape": "long", "options": None, "action_features": list(action_features)}
        return ModelFrame(frame, columns, categorical, target, info)
    names = sorted(options or rows[target].dropna().astype(str).unique())
    layout = wide_options(list(rows.columns), option_attributes, names)
    missing = [o for o in names if o not in layout]
    if missing:
        raise FeatureError(
            f"roles.option_attributes: no `<attribute>_<option>` (or `<attribute><option>`) column for "
            f"option(s) {missing} "
            f"(attributes {option_attributes})"
        )
    parts = []
    order = [c for c in order or [] if c in rows]
    base = rows.sort_values(order, kind="stable") if order else rows
    base = base.reset_index(drop=True)
    earlier = base.groupby(entity, sort=False).cumcount()
    for option in names:
        part = base[[entity, *context, *(c for c in order if c not in context and c != entity)]].copy()
        part[OCCASION] = base.index
        part[OPTION] = option
        for attribute in option_attributes:
            source = layout[option].get(attribute)
            part[attribute] = base[source].astype(float) if source else float("nan")
        chosen = (base[target].astype(str) == option).astype(float)
        part[CHOSEN] = chosen
        before = chosen.groupby(base[entity], sort=False).cumsum() - chosen
        part["past_share"] = (before / earlier.where(earlier > 0)).fillna(0.0)
        part["chose_last_time"] = chosen.groupby(base[entity], sort=False).shift(1).fillna(0.0)
        part["first_choice"] = (earlier == 0).astype(float)
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    columns = [*context, OPTION, *option_attributes, *HISTORY]
    categorical = _numeric_or_category(frame, columns)
    info = {"shape": "wide", "options": names, "layout": layout}
    return ModelFrame(frame, columns, categorical, CHOSEN, info)


def next_choice(frame: ModelFrame, entity: str) -> pd.DataFrame:
    """Per entity, one row per option for its next choice (wide shape): the option's attributes as
    on its latest occasion, and its history through that occasion."""
    data = frame.data.sort_values(OCCASION, kind="stable")
    latest = data.groupby([entity, OPTION], as_index=False, sort=False).tail(1).copy()
    totals = data.groupby([entity, OPTION], sort=False)[CHOSEN].sum()
    occasions = data.groupby(entity, sort=False)[OCCASION].nunique()
    keys = list(zip(latest[entity], latest[OPTION], strict=True))
    latest["past_share"] = [totals[k] / occasions[k[0]] for k in keys]
    latest["chose_last_time"] = latest[CHOSEN].to_numpy()
    latest["first_choice"] = 0.0
    return latest
