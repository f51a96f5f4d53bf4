"""The read-only path caps what a query may return by bytes as well as rows, streaming the rows."""

from __future__ import annotations

from nex_assets.chat import readonly, tools


def test_a_result_is_cut_at_the_byte_cap_and_flagged(tools_ctx):
    # Fifty cells of one megabyte each: the path streams them and stops once the cap is reached.
    query = "select i, lpad('', 1000000, 'x') as big from generate_series(1, 50) as g(i)"
    out = readonly.execute(
        tools_ctx.reader(), query, limit=100, timeout_s=10, max_cell_chars=100_000, max_bytes=250_000
    )
    assert out.truncated and out.truncated_by == "bytes"
    assert 1 <= len(out.rows) <= 3
    assert out.bytes <= 250_000
    # The reader connection is usable afterwards (the rest of the query was cancelled).
    again = readonly.execute(tools_ctx.reader(), "select 1 as x", limit=5, timeout_s=5)
    assert again.rows == [[1]] and not again.truncated


def test_the_row_limit_still_cuts_first_when_rows_are_small(tools_ctx):
    out = readonly.execute(tools_ctx.reader(), "select g from generate_series(1, 20) g", limit=5, timeout_s=5)
    assert [r[0] for r in out.rows] == [1, 2, 3, 4, 5]
    assert out.truncated_by == "rows"


def test_run_query_reports_why_it_cut(tools_ctx):
    out = tools.run_query(tools_ctx, "select g from generate_series(1, 3) g")
    assert out["truncated"] is False and out["truncated_by"] is None and out["bytes"] > 0
    empty = tools.run_query(tools_ctx, "select g from generate_series(1, 0) g")
    assert empty["columns"] == ["g"] and empty["rows"] == []


def test_each_value_is_cut_by_the_server_before_it_is_sent(tools_ctx):
    """Two cells of 40 MB each reach the client as 201 characters: the cut happens in the database
    (the client never holds the big values), numbers and dates keep their types, and duplicate
    column names survive the wrapper."""
    import tracemalloc

    query = (
        "select lpad('', 40000000, 'x') as big, lpad('', 40000000, 'y') as big, 42 as n, "
        "date '2024-01-31' as d, '{\"a\": 1}'::jsonb as j"
    )
    tracemalloc.start()
    try:
        out = readonly.execute(tools_ctx.reader(), query, limit=5, timeout_s=20, max_cell_chars=200)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert out.columns == ["big", "big", "n", "d", "j"]
    big, other, n, d, j = out.rows[0]
    assert big == "x" * 200 + "…" and other == "y" * 200 + "…"
    assert (n, d, j) == (42, "2024-01-31", '{"a": 1}')
    assert peak < 5_000_000
