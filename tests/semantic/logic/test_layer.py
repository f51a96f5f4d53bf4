"""The semantic layer's pure logic: drafts from column facts, the compiler, and the reading of a
question, on tables named unlike the sample world's (a shop chain's tills and branches)."""

from __future__ import annotations

import datetime as dt

import pytest

from nex_assets.chat.logic import sql_safety
from nex_assets.chat.settings import ChatSettings
from nex_assets.core import settings
from nex_assets.semantic.logic import understand
from nex_assets.semantic.logic.draft import ColumnFacts as C
from nex_assets.semantic.logic.draft import TableFacts, draft
from nex_assets.semantic.logic.layer import Layer
from nex_assets.semantic.logic.query import MetricQuery, compile_query
from nex_assets.semantic.logic.spec import LayerFile, SemanticError

TILLS = TableFacts(
    "shop_tills",
    "raw",
    "shop_tills",
    (
        C("sold_on", "date", "period", 700),
        C("branch_code", "text", "identifier", 40),
        C("unit_price", "double precision", "amount", 300),
        C("items", "bigint", "count", 90),
        C("takings", "double precision", "amount", 5000),
        C("refunded", "boolean", "flag", 2),
        C("fiscal_year", "integer", "year", 3),
        C("cashier_email", "text", "personal", 80, personal=True),
    ),
    primary_key=("sold_on", "branch_code"),
    time_column="sold_on",
    grains=(("sold_on", "day"),),
)
BRANCHES = TableFacts(
    "shop_branches",
    "raw",
    "shop_branches",
    (
        C("branch_code", "text", "identifier", 40),
        C("branch_name", "text", "free_text", 40),
        C("county", "text", "category", 6),
        C("staff", "bigint", "count", 30),
    ),
    primary_key=("branch_code",),
)
KEYS = {"branch_code": "shop_branches"}
VALUES = [("shop_branches", "county", c) for c in ("Kent", "Devon", "Fife")] + [
    ("shop_branches", "branch_name", n) for n in ("Harbour Street", "Old Mill")
]


@pytest.fixture(scope="module")
def layer() -> Layer:
    return Layer.of([("draft", draft(TILLS, KEYS)), ("draft", draft(BRANCHES, KEYS))])


def test_the_draft_sums_amounts_and_counts_never_codes_years_or_prices(layer):
    tills = layer.models["shop_tills"]
    summed = {m.column for m in tills.measures if m.agg == "sum"}
    assert summed == {"takings", "items"}
    averaged = {m.column for m in tills.measures if m.agg == "average"}
    assert {"unit_price", "takings", "items"} <= averaged and "fiscal_year" not in averaged
    assert "shop_tills_refunded_rate" in layer.metrics
    assert not any("cashier" in d.name for d in tills.dimensions) and not any(
        "cashier" in m.column for m in tills.measures
    )
    assert [(e.name, e.type) for e in tills.entities] == [("branch_code", "foreign")]
    assert tills.defaults.agg_time_dimension == "sold_on"
    branches = layer.models["shop_branches"]
    assert branches.primary().name == "branch_code"
    assert branches.dimension("branch_name") is not None  # a name answers "which branch"
    assert layer.problems() == []


def test_a_group_by_through_a_key_joins_and_values_are_literals(layer):
    query = MetricQuery(
        metrics=["shop_tills_takings_total"],
        group_by=["shop_branches__county"],
        where=[{"dimension": "shop_branches__branch_name", "value": "O'Brien'); drop table x; --"}],
        time_range={"start": "2024-01-01", "end": "2025-01-01"},
        order_by=[{"field": "shop_tills_takings_total"}],
        limit=2,
    )
    sql = compile_query(layer, query).sql
    assert 'left join "raw"."shop_branches" as t1 on t1."branch_code" = t0."branch_code"' in sql
    assert "'O''Brien''); drop table x; --'" in sql
    assert "t0.\"sold_on\" >= date '2024-01-01'" in sql and sql.endswith("limit 2")
    # It is one read-only select the allowlist accepts.
    chat = settings.load(ChatSettings)
    policy = sql_safety.policy_from_settings(
        ["raw"], chat.function_allowlist, chat.allowed_types, chat.row_limit, chat.max_sql_chars
    )
    sql_safety.check(sql, policy)


def test_grains_date_parts_latest_periods_and_only_names(layer):
    sql = compile_query(
        layer,
        MetricQuery(
            metrics=["shop_tills_refunded_rate"],
            group_by=["metric_time__extract_month"],
            latest={"periods": 4, "grain": "week"},
            order_by=[{"field": "shop_tills_refunded_rate", "descending": False}],
            limit=1,
            show="group_by",
        ),
    ).sql
    assert sql.startswith('select extract(month from t0."sold_on")::int as "sold_on__extract_month"\n')
    assert "interval '4 week'" in sql and "100 * (" in sql


def test_bad_queries_are_refused_with_the_reason(layer):
    with pytest.raises(SemanticError, match="no dimension 'cashier_email'"):
        compile_query(
            layer, MetricQuery(metrics=["shop_tills_count"], group_by=["shop_tills__cashier_email"])
        )
    with pytest.raises(SemanticError, match="unknown metric"):
        compile_query(layer, MetricQuery(metrics=["takings; drop"]))
    with pytest.raises(SemanticError, match=r"several|different tables"):
        compile_query(layer, MetricQuery(metrics=["shop_tills_count", "shop_branches_count"]))
    with pytest.raises(SemanticError, match="cannot be reached"):
        compile_query(layer, MetricQuery(metrics=["shop_branches_count"], group_by=["shop_tills__sold_on"]))


def test_a_derived_metric_may_only_use_its_inputs():
    part = LayerFile.model_validate(
        {
            "semantic_models": [
                {
                    "name": "t",
                    "node_relation": {"schema_name": "raw", "alias": "t"},
                    "measures": [{"name": "n", "agg": "count", "expr": "1"}],
                }
            ],
            "metrics": [
                {"name": "rows", "type": "simple", "type_params": {"measure": "n"}},
                {
                    "name": "bad",
                    "type": "derived",
                    "type_params": {"expr": "rows * other", "metrics": [{"name": "rows"}]},
                },
            ],
        }
    )
    assert any("'other' is not one of its input metrics" in p for p in Layer.of([("f", part)]).problems())


@pytest.mark.parametrize(
    ("question", "metric", "group_by", "where", "limit"),
    [
        (
            "How many branches are there in Kent?",
            "shop_branches_count",
            [],
            {"shop_branches__county": "Kent"},
            None,
        ),
        ("What were the total takings in 2024?", "shop_tills_takings_total", [], {}, None),
        (
            "Which county had the highest takings?",
            "shop_tills_takings_total",
            ["shop_branches__county"],
            {},
            1,
        ),
        (
            "What are the top 2 branches by items sold?",
            "shop_tills_items_total",
            ["shop_branches__branch_name"],
            {},
            2,
        ),
        (
            "What percentage of sales were refunded in Devon?",
            "shop_tills_refunded_rate",
            [],
            {"shop_branches__county": "Devon"},
            None,
        ),
        ("How many branches have more than 12 staff?", "shop_branches_count", [], {}, None),
    ],
)
def test_questions_are_read_into_metric_queries(layer, question, metric, group_by, where, limit):
    reading = understand.read(question, layer, VALUES)
    query, _closest = understand.choose(layer, reading)
    assert query is not None and query.metrics == [metric]
    assert query.group_by == group_by and query.limit == limit
    assert {f.dimension: f.value for f in query.where if f.op == "="} == where
    if "2024" in question:
        assert query.time_range.start == dt.date(2024, 1, 1) and query.time_range.end == dt.date(2025, 1, 1)
    if "more than 12" in question:
        assert [(f.dimension, f.op, f.value) for f in query.where] == [("shop_branches__staff", ">", 12.0)]


def test_a_question_no_metric_fits_gets_no_query_but_the_closest_metrics(layer):
    query, closest = understand.choose(
        layer, understand.read("What is the weather like on Mars?", layer, VALUES)
    )
    assert query is None and closest
    query, _ = understand.choose(
        layer, understand.read("How did takings grow from 2023 to 2024?", layer, VALUES)
    )
    assert query is None  # a comparison of two periods is not a metric query


HOSTILE = [
    "O'Brien",
    "x'); drop table raw.shop_tills; --",
    "$$; select pg_sleep(10); $$",
    "a\\'; select 1; --",
    "/* comment */ Kent",
    "Kent\u2019s",
    "U&'\\0041'",
    "E'\\x41'",
    "\n; grant all on raw.shop_tills to public",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_value_compiles_to_one_literal_the_checks_accept(layer, value):
    """Whatever a question's value holds, the compiled query is one SELECT whose filter compares with
    exactly that string: nothing in it becomes SQL. (A value the checks refuse to see at all, such as
    U&'...' escapes anywhere in the text, is refused whole: safe the other way.)"""
    import sqlglot
    from sqlglot import exp

    query = MetricQuery(
        metrics=["shop_tills_count"], where=[{"dimension": "shop_branches__county", "value": value}]
    )
    sql = compile_query(layer, query).sql
    chat = settings.load(ChatSettings)
    policy = sql_safety.policy_from_settings(
        ["raw"], chat.function_allowlist, chat.allowed_types, chat.row_limit, chat.max_sql_chars
    )
    if "U&'" in value:
        with pytest.raises(sql_safety.QueryRefused, match="Unicode-escaped"):
            sql_safety.check(sql, policy)
        return
    sql_safety.check(sql, policy)
    tree = sqlglot.parse_one(sql, read="postgres")
    literals = [lit.this for lit in tree.find_all(exp.Literal) if lit.is_string]
    assert literals == [value]


@pytest.mark.parametrize(
    "name",
    [
        'shop_branches__county"; drop table x; --',
        "pg_catalog__pg_authid",
        "shop_branches__county__week",
        "t0.x",
    ],
)
def test_names_outside_the_layer_are_refused_before_any_sql(layer, name):
    with pytest.raises(SemanticError):
        compile_query(layer, MetricQuery(metrics=["shop_tills_count"], group_by=[name]))
