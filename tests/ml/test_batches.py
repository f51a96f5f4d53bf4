"""Reading a query's rows as they stream out of PostgreSQL, cut into frames between whole records."""

from __future__ import annotations

import pandas as pd
from psycopg import sql

from nex_assets.ml import data

TEXT = 'line\nbreak, "quoted"'


def test_chunks_are_cut_between_records_even_where_a_value_holds_newlines_and_quotes(conn):
    query = sql.SQL(
        "select i, case when i % 3 = 0 then {} else 'plain' end as t, i * 0.5 as half "
        "from generate_series(1, 500) as i"
    ).format(sql.Literal(TEXT))
    chunks = list(data._copy_chunks(conn, query, {"t": str}, chunk_bytes=64))
    assert len(chunks) > 5
    whole = pd.concat(chunks, ignore_index=True)
    assert list(whole.columns) == ["i", "t", "half"]
    assert whole["i"].tolist() == list(range(1, 501))
    assert whole.loc[whole["i"] % 3 == 0, "t"].eq(TEXT).all()
    assert whole.loc[whole["i"] % 3 != 0, "t"].eq("plain").all()
    assert whole["half"].tolist() == [i * 0.5 for i in range(1, 501)]


def test_record_end_skips_newlines_inside_quotes():
    assert data._record_end(bytearray(b'1,"a\nb"\n2,"c')) == len(b'1,"a\nb"\n')
    assert data._record_end(bytearray(b'1,"a\nb')) == 0
    assert data._record_end(bytearray(b"no newline")) == 0
