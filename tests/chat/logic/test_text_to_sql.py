"""The pure parts of one-query answers: linking a question to tables, the prompt, the model's SQL as
it comes, and matching computed facts."""

from __future__ import annotations

import json

from nex_assets.chat.logic.text_to_sql import (
    Column,
    Fact,
    Table,
    clean_sql,
    ddl,
    match_fact,
    prompt,
    rank_tables,
    refocus,
    words,
)

STORES = Table(
    "staging.stg_retail__stores",
    "one row per store",
    (Column("store_id", "text"), Column("region", "text", "sales region of the store")),
)
RAW_STORES = Table("raw.retail_stores", "", (Column("store_id", "text"), Column("region", "text")))
SALES = Table(
    "marts.weekly_category_sales",
    "units and revenue per category and week",
    (Column("category", "text"), Column("week_start", "date"), Column("revenue", "numeric")),
)
ELASTICITY = Table(
    "predictions.demo__pricing",
    "",
    (Column("group", "text"), Column("elasticity", "double precision")),
    computed=True,
)


def test_words_fold_plurals_and_drop_filler():
    assert words("Which categories responded most to price cuts?") == {"category", "respond", "price", "cut"}
    assert words("store_id") == {"store", "id"}


def test_the_tables_a_question_names_come_first_and_cleaned_shapes_before_raw():
    tables = [SALES, RAW_STORES, STORES, ELASTICITY]
    ranked = rank_tables("how many stores are in each region?", tables, {}, 3)
    # The raw table's columns are all in the staging model ranked above it: it is left out, and
    # tables the question does not touch are not added to fill the prompt.
    assert [t.name for t in ranked] == ["staging.stg_retail__stores"]
    assert rank_tables("revenue by category", tables, {}, 1) == [SALES]
    # What dictionary search found counts more than a word in a name.
    assert rank_tables("how many stores are in each region?", tables, {"raw.retail_stores": 0.8}, 1) == [
        RAW_STORES
    ]


def test_the_prompt_holds_only_the_linked_tables_and_a_repair_carries_the_error():
    first = prompt("how many stores per region?", [STORES])
    text = json.dumps(first)
    assert "stg_retail__stores" in text and "weekly_category_sales" not in text
    assert "sales region of the store" in text and first[-1]["content"].endswith("per region?")
    repair = prompt(
        "how many stores per region?", [STORES], 'column "regoin" does not exist', "select regoin"
    )
    # The task again with what went wrong, not the failed query (a small model would copy it).
    assert len(repair) == 2 and "A previous query failed" in repair[-1]["content"]
    assert "regoin" in repair[-1]["content"] and "select regoin" not in repair[-1]["content"]


def test_computed_tables_are_marked_and_keyword_columns_quoted():
    text = ddl(ELASTICITY)
    assert "computed by the platform" in text and '"group" text,' in text


def test_sql_is_taken_as_models_write_it():
    assert clean_sql("```sql\nSELECT 1;\n```") == "SELECT 1"
    assert clean_sql("Here is the query: select a from t;") == "select a from t"
    assert clean_sql("with x as (select 1) select * from x") == "with x as (select 1) select * from x"


def test_a_fact_needs_its_words_and_two_in_common():
    price = Fact(
        "p", frozenset(words("price cut respond elasticity category")), "select 1", "x", frozenset({"price"})
    )
    score = Fact("s", frozenset(words("score rank top best")), "select 2", "y", frozenset({"score"}))
    assert match_fact("Which category responds most to price cuts?", [price, score]) is price
    assert match_fact("which stores have the top score?", [price, score]) is score
    # Sharing words is not enough without the one that says what is asked.
    assert match_fact("which category sells most?", [price, score]) is None
    assert match_fact("how many stores per region?", [price, score]) is None


def test_a_repair_says_where_the_missing_column_is():
    repair = prompt(
        "revenue in 2024?", [STORES, SALES], 'column "week_start" does not exist', "select week_start from x"
    )
    assert "week_start is a column of: marts.weekly_category_sales" in repair[-1]["content"]
    other = prompt("?", [STORES], 'column "nope" does not exist', "select nope")
    assert "No table given has a column nope" in other[-1]["content"]


def test_after_a_misplaced_column_the_tables_holding_it_come_first_and_the_misused_one_goes():
    tables = [STORES, SALES, RAW_STORES]
    error = 'column "week_start" does not exist'
    assert refocus(error, "select week_start from staging.stg_retail__stores", tables) == [SALES, RAW_STORES]
    assert refocus("syntax error", "select", tables) == tables
