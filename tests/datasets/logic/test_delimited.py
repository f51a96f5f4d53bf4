"""Encoding, delimiter and type guesses from a delimited file's first bytes."""

from __future__ import annotations

import codecs

import pytest

from nex_assets.datasets.logic.delimited import (
    Encoding,
    FileShapeError,
    copy_error_location,
    decode_sample,
    detect_delimiter,
    detect_encoding,
    infer_type,
    looks_binary,
    read_shape,
)

UTF8 = Encoding("utf-8", "UTF8", 0)
CSV = "id,city,price\n1,Leeds,2.5\n2,York,3.75\n"


# --- detect_encoding ---------------------------------------------------------------------------


def test_utf8_bom_is_detected_and_skipped():
    enc = detect_encoding(codecs.BOM_UTF8 + CSV.encode())
    assert enc == Encoding("utf-8", "UTF8", 3)


def test_utf16_le_bom():
    enc = detect_encoding(codecs.BOM_UTF16_LE + CSV.encode("utf-16-le"))
    assert enc == Encoding("utf-16-le", None, 2)


def test_utf16_be_bom():
    enc = detect_encoding(codecs.BOM_UTF16_BE + CSV.encode("utf-16-be"))
    assert enc == Encoding("utf-16-be", None, 2)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_recognised_by_its_nul_bytes(codec):
    enc = detect_encoding(CSV.encode(codec))
    assert enc.python == codec
    assert enc.postgres is None  # transcoded on our side: PostgreSQL cannot COPY UTF-16
    assert enc.bom == 0


def test_plain_utf8_with_accents():
    assert detect_encoding("name\nJosé\nZoë\n".encode()) == UTF8


def test_utf8_sample_cut_inside_a_multibyte_character_is_still_utf8():
    data = "name\nJosé\n".encode()
    cut = data[: data.index("é".encode()) + 1]  # first byte of the two-byte é only
    assert detect_encoding(cut) == UTF8


def test_latin1_when_bytes_are_not_utf8():
    assert detect_encoding("name\nJosé\nZoë\n".encode("latin-1")) == Encoding("latin-1", "LATIN1", 0)


def test_cp1252_when_bytes_0x80_to_0x9f_appear():
    data = "note\n“quoted” – dash\n".encode("cp1252")
    assert any(0x80 <= b <= 0x9F for b in data)
    assert detect_encoding(data) == Encoding("cp1252", "WIN1252", 0)


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("UTF-8", Encoding("utf-8", "UTF8", 0)),
        ("utf8", Encoding("utf-8", "UTF8", 0)),
        ("latin1", Encoding("latin-1", "LATIN1", 0)),
        ("ISO_8859_1", Encoding("latin-1", "LATIN1", 0)),
        ("Windows-1252", Encoding("cp1252", "WIN1252", 0)),
        ("utf_16_le", Encoding("utf-16-le", None, 0)),
    ],
)
def test_declared_encoding_wins_over_detection(declared, expected):
    # The bytes are plain ASCII, which detection would call UTF-8.
    assert detect_encoding(b"a,b\n1,2\n", declared) == expected


def test_unknown_declared_encoding_is_an_error_listing_the_choices():
    with pytest.raises(FileShapeError, match=r"unsupported encoding 'ebcdic'.*utf-8"):
        detect_encoding(b"a,b\n", "ebcdic")


# --- looks_binary ------------------------------------------------------------------------------


def test_text_is_not_binary():
    assert not looks_binary(CSV.encode(), UTF8)


def test_nul_byte_means_binary():
    assert looks_binary(b"PK\x03\x04\x00\x00rest of a zip", UTF8)


def test_many_control_bytes_mean_binary():
    assert looks_binary(b"abc\x01\x02\x03\x04" * 10, UTF8)


def test_tabs_and_newlines_are_not_control_bytes():
    assert not looks_binary(b"a\tb\r\n1\t2\r\n\x0c", UTF8)


def test_utf16_is_never_binary_despite_nuls():
    data = CSV.encode("utf-16-le")
    assert b"\x00" in data
    assert not looks_binary(data, Encoding("utf-16-le", None, 0))


# --- decode_sample -----------------------------------------------------------------------------


def test_incomplete_sample_drops_the_cut_last_line():
    text = decode_sample(b"a,b\n1,2\n3,", UTF8, complete=False)
    assert text == "a,b\n1,2\n"


def test_complete_sample_keeps_a_last_line_without_newline():
    assert decode_sample(b"a,b\n1,2", UTF8, complete=True) == "a,b\n1,2"


# --- detect_delimiter --------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_sniffed_delimiter(delimiter):
    text = CSV.replace(",", delimiter)
    assert detect_delimiter(text, None, "f.csv") == delimiter


def test_delimiter_inside_quotes_does_not_fool_the_sniffer():
    text = 'name,price\n"Smith; J",1.5\n"Jones; K",2\n'
    assert detect_delimiter(text, None, "f.csv") == ","


def test_single_column_defaults_to_comma():
    assert detect_delimiter("id\n1\n2\n", None, "f.csv") == ","


def test_declared_delimiter_present_in_header_is_used():
    assert detect_delimiter("a;b\n1;2\n", ";", "f.csv") == ";"


def test_declared_delimiter_missing_from_header_names_the_likely_one():
    with pytest.raises(FileShapeError) as info:
        detect_delimiter("a;b;c\n1;2;3\n", ",", "data/f.csv")
    message = str(info.value)
    assert message.startswith("data/f.csv: line 1:")
    assert "','" in message
    assert "looks delimited by ';'" in message


def test_declared_delimiter_missing_and_no_other_candidate():
    with pytest.raises(FileShapeError) as info:
        detect_delimiter("onlyone\n1\n", ";", "f.csv")
    assert "looks delimited" not in str(info.value)


# --- infer_type --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["true", "false", "TRUE"], "boolean"),
        (["t", "f"], "boolean"),
        (["Yes", "no", " y "], "boolean"),
        (["y", "n"], "text"),  # single letters alone are more often codes than flags
        (["1", "0", "1"], "bigint"),
        (["1", "-7", "+3"], "bigint"),
        (["-7"], "bigint"),
        (["9223372036854775807"], "bigint"),
        (["9223372036854775808"], "numeric"),
        (["123456789012345678901234567890"], "numeric"),
        (["007", "123"], "text"),
        (["0", "10"], "bigint"),
        (["-01"], "text"),
        (["1.5", "2", "-0.25"], "double precision"),
        ([".5", "1."], "double precision"),
        (["1e10", "2.5E-3", "-3e+2"], "double precision"),
        (["2024-01-31", "1999-12-01"], "date"),
        (["2024-01-31 10:00", "2024-01-31T10:00:05.123"], "timestamp"),
        (["2024-01-31T10:00:00Z", "2024-01-31 10:00+01:00", "2024-01-31 10:00:00-0500"], "timestamptz"),
        (["2024-01-31 10:00", "2024-01-31 10:00Z"], "timestamptz"),
        (["2024-01-31", "2024-01-31 10:00"], "text"),
        (["", ""], "text"),
        ([], "text"),
        (["", "42", ""], "bigint"),
        (["=SUM(A1)"], "text"),
        (["@x"], "text"),
        (["1", "abc"], "text"),
        (["NaN", "inf"], "text"),
        (["1,5"], "text"),
    ],
)
def test_infer_type(values, expected):
    assert infer_type(values) == expected


# --- read_shape --------------------------------------------------------------------------------


def test_read_shape_reads_header_types_and_rows():
    data = "Order ID,Unit Price (£),Café Name,When\n1,2.50,Blue,2024-01-01\n2,3,Red,2024-02-01\n".encode()
    shape = read_shape(data, path="f.csv", complete=True)
    assert shape.delimiter == ","
    assert shape.header == ["Order ID", "Unit Price (£)", "Café Name", "When"]
    assert shape.columns == ["order_id", "unit_price", "cafe_name", "when"]
    assert shape.types == ["bigint", "double precision", "text", "date"]
    assert shape.sample_rows == 2


def test_read_shape_skips_the_utf8_bom():
    shape = read_shape(codecs.BOM_UTF8 + b"id;name\n1;a\n", path="f.csv", complete=True)
    assert shape.encoding.bom == 3
    assert shape.header == ["id", "name"]
    assert shape.delimiter == ";"


def test_read_shape_utf16_with_bom():
    data = codecs.BOM_UTF16_LE + "id\tname\n1\tZoë\n".encode("utf-16-le")
    shape = read_shape(data, path="f.csv", complete=True)
    assert shape.encoding.python == "utf-16-le"
    assert shape.delimiter == "\t"
    assert shape.columns == ["id", "name"]


def test_read_shape_incomplete_sample_ignores_the_cut_row():
    shape = read_shape(b"id,name\n1,a\n2,b\n3", path="f.csv", complete=False)
    assert shape.sample_rows == 2


def test_read_shape_skips_blank_lines():
    shape = read_shape(b"id,name\n1,a\n\n2,b\n", path="f.csv", complete=True)
    assert shape.sample_rows == 2


def test_ragged_row_error_names_the_line():
    with pytest.raises(FileShapeError, match=r"^f\.csv: line 3: 1 fields where the header has 2"):
        read_shape(b"id,name\n1,a\n2\n3,c\n", path="f.csv", complete=True)


def test_single_column_holding_another_delimiter_is_an_error():
    with pytest.raises(FileShapeError, match=r"line 1: only one column .*probably not ','"):
        read_shape(b'"id;name,x"\n1\n', path="f.csv", complete=True, declared_delimiter=",")


def test_declared_delimiter_missing_from_header_is_reported_by_read_shape():
    with pytest.raises(FileShapeError, match="looks delimited by ';'"):
        read_shape(b"id;name\n1;a\n", path="f.csv", complete=True, declared_delimiter=",")


def test_type_hints_override_inference_case_insensitively():
    shape = read_shape(
        b"code,price\n001,1\n002,2\n",
        path="f.csv",
        complete=True,
        type_hints={"Price": "numeric"},
    )
    assert shape.types == ["text", "numeric"]


def test_unknown_type_hint_is_an_error_naming_the_column():
    with pytest.raises(FileShapeError, match=r"column 'price': unknown type hint 'varchar'"):
        read_shape(b"code,price\n1,2\n", path="f.csv", complete=True, type_hints={"price": "varchar"})


def test_empty_sample_is_an_error():
    with pytest.raises(FileShapeError, match=r"^f\.csv: the file is empty"):
        read_shape(b"", path="f.csv", complete=True)


def test_whitespace_only_sample_is_an_error():
    with pytest.raises(FileShapeError, match="holds no text"):
        read_shape(b"  \n\n", path="f.csv", complete=True)


def test_binary_file_is_an_error():
    with pytest.raises(FileShapeError, match="looks binary"):
        read_shape(b"PK\x03\x04\x00\x00\x00", path="f.csv", complete=True)


def test_duplicate_header_names_are_an_error_on_line_1():
    with pytest.raises(FileShapeError, match=r"^f\.csv: line 1: columns 1 and 2 have the same name"):
        read_shape(b"Order ID,order_id\n1,2\n", path="f.csv", complete=True)


def test_undecodable_bytes_under_a_declared_encoding_name_the_line():
    with pytest.raises(FileShapeError, match=r"line 2: bytes that are not valid utf-8"):
        read_shape(b"name\ncaf\xe9\n", path="f.csv", complete=True, declared_encoding="utf-8")


def test_latin1_file_is_read():
    shape = read_shape("name,city\nJosé,Málaga\n".encode("latin-1"), path="f.csv", complete=True)
    assert shape.encoding.python == "latin-1"
    assert shape.types == ["text", "text"]


def test_declared_utf8_sig_without_a_bom_keeps_the_first_bytes():
    shape = read_shape(b"id,name\n1,a\n", path="f.csv", complete=True, declared_encoding="utf-8-sig")
    assert shape.header == ["id", "name"]


def test_complete_latin1_file_ending_in_an_accent_is_read():
    shape = read_shape(b"name\ncaf\xe9", path="f.csv", complete=True)
    assert shape.encoding.python == "latin-1"


# --- copy_error_location -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ('COPY t, line 5, column price: "abc"', (5, "price", "abc")),
        ("COPY t, line 7", (7, None, None)),
        ("COPY t, line 9, column qty: null input", (9, "qty", None)),
        ('COPY t, line 3: "1,2,3,4"', (3, None, "1,2,3,4")),
        ('COPY t, line 4, column note: "two\nlines"', (4, "note", "two\nlines")),
        (None, (None, None, None)),
        ("", (None, None, None)),
        ("SQL statement without a location", (None, None, None)),
    ],
)
def test_copy_error_location(context, expected):
    assert copy_error_location(context) == expected
