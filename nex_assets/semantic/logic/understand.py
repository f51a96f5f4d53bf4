"""A question read into a metric query without a model: the literal values it names (matched to
dimensions through the index of their values), its time window, how many rows it wants and in which
order, what it groups by, and the metric whose words it uses. A question that names no metric's words
gets no query: it is said so, with the closest metrics, rather than answered with an invented one.

Everything here works on the layer's own names and the indexed values, never on one dataset's
columns: the same reading serves every table NEX drafts a semantic model for.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from nex_assets.semantic.logic.layer import Layer
from nex_assets.semantic.logic.query import Filter, Latest, MetricQuery, OrderBy, TimeRange
from nex_assets.semantic.logic.spec import Metric, SemanticModel

NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10, "twelve": 12, "twenty": 20}  # fmt: skip
MOST = ("most", "highest", "largest", "biggest", "best", "top", "greatest", "maximum", "max", "more")
LEAST = ("least", "lowest", "smallest", "fewest", "worst", "bottom", "minimum", "min")
QUARTERS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "q1": 1, "q2": 2, "q3": 3, "q4": 4}
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december")  # fmt: skip
STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "by",
        "per",
        "from",
        "with",
        "and",
        "or",
        "our",
        "we",
        "us",
        "do",
        "did",
        "does",
        "is",
        "are",
        "was",
        "were",
        "be",
        "what",
        "which",
        "who",
        "how",
        "many",
        "much",
        "give",
        "its",
        "their",
        "it",
        "that",
        "this",
        "these",
        "those",
        "there",
        "all",
        "each",
        "every",
        "any",
        "have",
        "has",
        "had",
        "than",
        "as",
        "into",
        "over",
        "across",
        "whole",
        "total",
        "number",
    ]
)
_N = r"(\d+|" + "|".join(NUMBERS) + r")"


def stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    return [stem(w) for w in re.findall(r"[a-z0-9]+", text.lower().replace("_", " "))]


def same_word(a: str, b: str, abbreviations: bool = True) -> bool:
    """One word or two forms of it (accepted / acceptance, promo / promotion): a shared start of at
    least five letters that is most of the shorter word; or ``a``, a word of a name in the layer,
    a three-letter abbreviation of ``b``, a word of the question (never the other way: "Mars" in a
    question is not short for margin)."""
    if a == b:
        return True
    short, long = a, b
    if abbreviations and len(short) == 3 and short.isalpha() and short not in STOP and len(long) >= 4:
        # A column's abbreviation: arr_delay is the arrival delay, dep_time the departure time, and
        # consonants alone: cty the city, hwy the highway, qty the quantity.
        if len(long) >= 6 and long.startswith(short):
            return True
        if short[0] == long[0] and not set(short[1:]) & set("aeiou") and _subsequence(short, long):
            return True
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n >= 5 and n >= 0.7 * min(len(a), len(b))


def _subsequence(short: str, long: str) -> bool:
    letters = iter(long)
    return all(ch in letters for ch in short)


def overlap(mine: set[str], theirs: set[str], abbreviations: bool = True) -> set[str]:
    return {w for w in mine if any(same_word(w, t, abbreviations) for t in theirs)}


def _number(text: str) -> int:
    return int(text) if text.isdigit() else NUMBERS[text]


@dataclass
class Reading:
    """What the question says, before a metric is chosen."""

    question: str
    tokens: list[str]
    values: list[tuple[str, str, str]] = field(default_factory=list)  # (model, dimension, value)
    time_range: TimeRange | None = None
    latest: Latest | None = None
    limit: int | None = None
    descending: bool | None = None
    names_only: bool = False
    each: list[str] = field(default_factory=list)  # words after "each", "by", "per", "which"
    comparisons: list[tuple[str, str, float]] = field(default_factory=list)  # (words before, op, number)
    unsupported: str | None = None
    # Words already read as a value or a condition: they say what to filter, not what to measure.
    consumed: set[str] = field(default_factory=set)
    margin: float = 0.0


def read_time(text: str, reading: Reading) -> None:
    low = text.lower()
    years = sorted({int(y) for y in re.findall(r"\b(19\d\d|20\d\d)\b", low)})
    quarter = re.search(
        r"\b(first|second|third|fourth)\s+quarter\s+of\s+(\d{4})\b|\b(q[1-4])\s+(\d{4})\b", low
    )
    month = re.search(r"\b(" + "|".join(MONTHS) + r")\s+(\d{4})\b", low)
    if len(years) > 1 and re.search(r"\bfrom\s+\d{4}\s+to\s+\d{4}|\bgr[eo]w|\bchange|\bcompared?\b", low):
        reading.unsupported = "a comparison of two periods"
        return
    if quarter:
        q = QUARTERS[quarter.group(1) or quarter.group(3)]
        year = int(quarter.group(2) or quarter.group(4))
        start = dt.date(year, 3 * q - 2, 1)
        end = dt.date(year + (q == 4), (3 * q) % 12 + 1, 1)
        reading.time_range = TimeRange(start=start, end=end)
    elif month:
        m, year = MONTHS.index(month.group(1)) + 1, int(month.group(2))
        reading.time_range = TimeRange(
            start=dt.date(year, m, 1), end=dt.date(year + (m == 12), m % 12 + 1, 1)
        )
    elif len(years) == 1:
        year = years[0]
        if re.search(rf"\b{year}\s+or\s+later|\bsince\s+{year}|\bfrom\s+{year}\s+on|\bafter\s+{year}", low):
            start = year + 1 if re.search(rf"\bafter\s+{year}", low) else year
            reading.time_range = TimeRange(start=dt.date(start, 1, 1))
        elif re.search(rf"\bbefore\s+{year}", low):
            reading.time_range = TimeRange(end=dt.date(year, 1, 1))
        else:
            reading.time_range = TimeRange(start=dt.date(year, 1, 1), end=dt.date(year + 1, 1, 1))
    latest = re.search(
        rf"\b(?:last|latest|most recent|past|final)\s+(?:{_N}\s+)?(day|week|month|quarter|year)s?\b", low
    )
    if latest and not re.search(r"\blast\s+(?:day|week|month|quarter|year)\s+of\s+(?:19|20)\d\d", low):
        reading.latest = Latest(
            periods=_number(latest.group(1)) if latest.group(1) else 1, grain=latest.group(2)
        )


def read_shape(text: str, reading: Reading) -> None:
    low = text.lower()
    tokens = re.findall(r"[a-z0-9%]+", low)
    top = re.search(
        rf"\b(?:top|bottom|first|best|worst)\s+{_N}\b|\bwhich\s+{_N}\b|\b{_N}\s+(?:best|worst|top|most|least|largest|smallest|biggest|highest|lowest)",
        low,
    )
    if top:
        reading.limit = _number(next(g for g in top.groups() if g))
        # "top 3 stores", "5 best-selling products": the things ranked are what the answer names.
        after = re.findall(r"[a-z]+", low[top.end() :])[:3]
        noun = next(
            (w for w in after if w not in STOP and not w.endswith(("est", "ing")) and w not in MOST + LEAST),
            None,
        )
        if noun:
            reading.each.append(noun)
    most = any(t in MOST or (t.endswith("est") and t not in ("interest", "west", "request")) for t in tokens)
    least = any(t in LEAST for t in tokens)
    if least:
        reading.descending = False
    elif most:
        reading.descending = True
    asks_name = bool(
        re.search(
            r"^\s*which\b|\bgive (?:its|their|the) names?\b"
            r"|\bwhat (?:is|are|was|were) the names?\b|\bname (?:the|of)\b",
            low,
        )
    )
    reading.names_only = asks_name
    if (
        reading.descending is not None
        and reading.limit is None
        and asks_name
        and not re.search(r"\b(?:for|of|by|in) each\b", low)
    ):
        reading.limit = 1
    for m in re.finditer(
        r"\b(?:each|every|by|per|which|what)\s+(?:(type|kind)\s+of\s+)?([a-z_]+(?:\s+[a-z_]+)?)", low
    ):
        phrase = m.group(2)
        # "type of offer" is the offer's type.
        reading.each.append(f"{phrase.split()[0]} type" if m.group(1) else phrase)
    for m in re.finditer(
        r"\b(more than|over|above|at least|fewer than|less than|under|below|at most)\s+(\d+(?:\.\d+)?|"
        + "|".join(NUMBERS)
        + r")\s+([a-z_ ]{3,40})",
        low,
    ):
        op = {"more than": ">", "over": ">", "above": ">", "at least": ">=", "fewer than": "<",
              "less than": "<", "under": "<", "below": "<", "at most": "<="}[m.group(1)]  # fmt: skip
        num = m.group(2)
        reading.comparisons.append((m.group(3), op, float(_number(num)) if num.isalpha() else float(num)))
        reading.consumed |= set(words(m.group(3))[:2])


def read_values(
    text: str, reading: Reading, values: list[tuple[str, str, str]], vocabulary: set[str]
) -> None:
    """Indexed values named in the question, longest first; a value that is also a word of the
    layer's names ('value', 'type') counts only beside its dimension's name."""
    low = " " + " ".join(re.findall(r"[a-z0-9]+", text.lower())) + " "
    found: list[tuple[int, int, tuple[str, str, str]]] = []
    for model, dim, value in values:
        norm = " ".join(re.findall(r"[a-z0-9]+", value.lower()))
        if not norm or norm.isdigit() or len(norm) < 3:
            continue
        for m in re.finditer(re.escape(f" {norm} "), low):
            span = (m.start() + 1, m.end() - 1)
            if set(words(norm)) & vocabulary or norm in STOP:
                near = low[max(0, span[0] - 25) : span[1] + 25]
                if not set(words(dim)) & set(words(near)) - set(words(norm)):
                    continue
            found.append((span[0], span[1], (model, dim, value)))
    found.sort(key=lambda f: (f[0] - f[1], f[0]))
    taken: list[tuple[int, int]] = []
    for start, end, item in found:
        if any(start < e and s < end for s, e in taken if (s, e) != (start, end)):
            continue
        taken.append((start, end))
        reading.values.append(item)
        reading.consumed |= set(words(low[start:end]))


def read(question: str, layer: Layer, values: list[tuple[str, str, str]]) -> Reading:
    reading = Reading(question, words(question))
    read_time(question, reading)
    read_shape(question, reading)
    read_values(question, reading, values, vocabulary(layer))
    return reading


def vocabulary(layer: Layer) -> set[str]:
    out: set[str] = set()
    for model in layer.models.values():
        for d in model.dimensions:
            out |= set(words(d.name))
        for m in model.measures:
            out |= set(words(m.column))
    return out - STOP


# --- choosing the metric and the dimensions ------------------------------------------------------


def _thing(model: SemanticModel) -> set[str]:
    return set(words(model.name.rsplit("_", 1)[-1]))


def metric_words(layer: Layer, metric: Metric) -> tuple[set[str], set[str]]:
    """(words of what it measures, words of the table it is on)."""
    model = layer.model_of(metric.name)
    own = set(words(metric.label or "")) | set(words(metric.name.removeprefix(model.name)))
    for name in layer.inputs(metric):
        own |= set(words(layer.measure(name)[1].column))
    return own - STOP - {"1"}, _thing(model)


def counts(tokens: list[str], things: set[str]) -> bool:
    """Whether the question counts these things: "how many (of our) stores", "number of weeks"."""
    for i in range(len(tokens) - 1):
        pair = (tokens[i], tokens[i + 1])
        if pair in (("how", "many"), ("number", "of")) and overlap(
            set(tokens[i + 2 : i + 6]), things, abbreviations=False
        ):
            return True
        # "the most flights", "the fewest stores": a ranking by how many.
        if tokens[i] in ("most", "fewest", "more", "fewer") and overlap(
            set(tokens[i + 1 : i + 2]), things, abbreviations=False
        ):
            return True
    return False


def score_metric(layer: Layer, metric: Metric, reading: Reading) -> float:
    """How well the question's words fit the metric: the words of what it measures (all of them
    better than some), the table it is on, and the kind of aggregate the question asks for."""
    q = set(reading.tokens) - reading.consumed
    text = reading.question.lower()
    own, table = metric_words(layer, metric)
    suffix = metric.name.rsplit("_", 1)[-1]
    own -= {"count", "total", "average", "rate", "share", "distinct", "different"}
    hits = overlap(own, q)
    on_table = bool(overlap(table, set(reading.tokens)))
    score = 2.0 * len(hits) + (len(hits) / len(own) if own else 0.0) + (1.0 if on_table else 0.0)
    if hits and hits <= overlap(own, table):
        # The table's own word ("flights" of a flights table) says mostly where, not what: a flight
        # number loses to the distance in "total distance flown by flights", a salary still answers
        # "average salary" in a table of salaries.
        score -= 1.5
    counted = counts(reading.tokens, table)
    if suffix == "count":
        return score + 3.0 if counted else 0.0
    if counted and suffix != "distinct":
        score -= 2.0  # "how many stores have ..." counts the stores, whatever else it names
    if suffix == "distinct":
        model = layer.model_of(metric.name)
        column = layer.measure(layer.inputs(metric)[0])[1].column
        if column == model.defaults.agg_time_dimension and counts(reading.tokens, own):
            score += 3.0  # "how many holiday weeks": the weeks are what is counted
        elif not re.search(r"\b(?:different|distinct|unique)\b", text):
            return 0.0
        else:
            score += 2.5
    elif suffix == "average":
        score += 1.5 if re.search(r"\baverage|\bmean\b|\btypical\b", text) else -0.5
    elif suffix == "total":
        score += 1.0 if re.search(r"\btotal|\bsum\b|\bhow much|\bhow many\b|\boverall\b", text) else 0.3
    elif suffix == "rate":
        score += 1.5 if re.search(r"\bpercent|%|\brate\b|\bshare\b|\bproportion\b", text) else -0.5
    elif suffix == "share":
        score -= 0.3  # the percentage reads better; a share is asked for by name
    return score if hits else 0.0


def display_dimension(model: SemanticModel) -> str | None:
    """What names one row of a model in an answer: a name-like column, else its key."""
    for d in model.dimensions:
        if d.type == "categorical" and re.search(r"(^|_)(name|title|label)($|_)", d.name):
            return d.name
    primary = model.primary()
    return primary.column if primary and model.dimension(primary.column) else None


def find_dimension(layer: Layer, base: SemanticModel, phrase: str) -> str | None:
    """The dimension a phrase after 'which', 'each' or 'by' names, among the models the base reaches:
    a dimension's own name (all its words better than some; nearer tables first), else a table's
    name, which answers with the name of its rows. A key names its table's rows the same way."""
    want = [w for w in words(phrase) if w not in STOP][:2]
    if not want:
        return None
    if want[0] in ("month", "week", "year", "quarter", "day") and base.defaults.agg_time_dimension:
        grain = {"month": "extract_month"}.get(want[0], want[0])
        return f"metric_time__{grain}"
    reach = layer.reachable(base.name)
    best, best_score = None, 0.0
    for rank, name in enumerate(reach):
        model = layer.models[name]
        for d in model.dimensions:
            dw = set(words(d.name))
            hit = overlap(dw, set(want), abbreviations=False)
            # An abbreviation ("air" of air_time for "airline") counts for less than a word.
            loose, weight = (hit, 1.0) if hit else (overlap(dw, set(want)), 0.4)
            if not loose:
                continue
            score = weight * (len(loose) + len(loose) / len(dw)) - 0.1 * rank
            if score > best_score:
                best, best_score = (name, d.name), score
        if overlap(_thing(model), set(want[:1])) and 1.2 - 0.1 * rank > best_score:
            shown = display_dimension(model)
            if shown:
                best, best_score = (name, shown), 1.2 - 0.1 * rank
    if best is None:
        return None
    name, dim = best
    # A key (a store's id) answers with the name of the row it points to.
    for owner in reach:
        primary = layer.models[owner].primary()
        if primary and primary.column == dim and layer.models[name].dimension(dim):
            shown = display_dimension(layer.models[owner])
            if shown:
                return f"{owner}__{shown}"
    return f"{name}__{dim}"


YEAR = re.compile(r"(^|_)year$")


def _one_year(window: TimeRange | None) -> int | None:
    if window is None or window.start is None or window.end is None:
        return None
    whole = (window.start.month, window.start.day, window.end.month, window.end.day) == (1, 1, 1, 1)
    return window.start.year if whole and window.end.year == window.start.year + 1 else None


def choose(layer: Layer, reading: Reading, metric: str | None = None) -> tuple[MetricQuery | None, list[str]]:
    """The metric query the reading asks for (around ``metric`` when one is given, e.g. a model's
    choice), or None with the closest metrics' names. ``reading.margin`` says how far the best
    metric's score is ahead of the next one's: a small margin is a guess between two."""
    ranked = sorted(((score_metric(layer, m, reading), m.name) for m in layer.metrics.values()), reverse=True)
    closest = [name for s, name in ranked[:5] if s > 0]
    if reading.unsupported or not ranked:
        return None, closest
    reading.margin = ranked[0][0] - (ranked[1][0] if len(ranked) > 1 else 0.0)
    chosen = metric is not None
    if metric is None:
        metric = ranked[0][1] if ranked[0][0] >= 2.0 else None
    tables = set().union(*(_thing(m) for m in layer.models.values()))
    asked_count = re.search(r"\bhow many\b|\bnumber of\b", reading.question.lower())
    if asked_count and reading.values and not counts(reading.tokens, tables) and not chosen:
        # "How many cars are made by toyota?": no table is named, so the rows of the table the value
        # is in are counted, unless the words of a metric were used ("how many units").
        holder = reading.values[0][0]
        own = metric_words(layer, layer.metrics[metric])[0] if metric else set()
        if f"{holder}_count" in layer.metrics and not overlap(own, set(reading.tokens) - reading.consumed):
            metric = f"{holder}_count"
    if metric is None:
        return None, closest or [name for _, name in ranked[:5]]
    base = layer.model_of(metric)
    reach = layer.reachable(base.name)
    where: list[Filter] = []
    by_value: dict[str, list[tuple[str, str]]] = {}
    for model, dim, value in reading.values:
        by_value.setdefault(value, []).append((model, dim))
    for value, places in by_value.items():
        # The same value on several dimensions ('Edinburgh' as a store's city and a customer's): the
        # one nearest the metric's table, through the fewest joins.
        usable = sorted((reach.index(m), m, d) for m, d in places if m in reach)
        if usable:
            _, model, dim = usable[0]
            where.append(Filter(dimension=f"{model}__{dim}", value=value))
    # Yes/no columns the question names ("holiday weeks", "accepted offers") hold for the rows
    # counted, unless the metric is about that very column.
    own = {layer.measure(m)[1].column for m in layer.inputs(layer.metrics[metric])}
    for name in reach:
        model = layer.models[name]
        for measure in model.measures:
            if measure.agg != "sum_boolean" or measure.column in own:
                continue
            if overlap(set(words(measure.column)), set(reading.tokens)):
                where.append(Filter(dimension=f"{name}__{measure.column}", value=True))
    for before, op, number in reading.comparisons:
        ref = find_dimension(layer, base, before)
        if ref and not ref.startswith("metric_time"):
            where.append(Filter(dimension=ref, op=op, value=number))
    group_by: list[str] = []
    for phrase in reading.each:
        if overlap(set(words(phrase)[:1]), _thing(base), abbreviations=False):
            continue  # "flown by flights": the table's own rows, not a group of them
        ref = find_dimension(layer, base, phrase)
        if ref is None or ref in group_by or ref in {f"{base.name}__{c}" for c in own}:
            continue  # "by sales revenue" orders by the metric; it does not group by it
        model, dim = ref.split("__", 1)
        listed = [v for v, places in by_value.items() if (model, dim) in places]
        if len(listed) == 1:
            continue  # one value of it is asked about: a filter, not a group
        # Values of the grouped dimension listed in the question ("email, app or SMS") describe it.
        where = [f for f in where if f.value not in listed]
        group_by.append(ref)
        break
    time_range = reading.time_range
    year = _one_year(time_range)
    column = next((d.name for d in base.dimensions if d.type == "categorical" and YEAR.search(d.name)), None)
    if column is not None and column != "year" and base.defaults.agg_time_dimension:
        column = None  # a fiscal or model year beside a date: the date says when
    if year is not None and column is not None:
        # A table of years says its time in a year column: "in 2008" is that column, not a date range.
        where.append(Filter(dimension=f"{base.name}__{column}", value=year))
        time_range = None
    query = MetricQuery(
        metrics=[metric],
        group_by=group_by,
        where=where,
        time_range=time_range if base.defaults.agg_time_dimension else None,
        latest=reading.latest if base.defaults.agg_time_dimension else None,
    )
    if group_by and reading.descending is not None:
        query.order_by = [OrderBy(field=metric, descending=reading.descending)]
        query.limit = reading.limit
        query.show = "group_by" if reading.names_only else "all"
    return query, closest
