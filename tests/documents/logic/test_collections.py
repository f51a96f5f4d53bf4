"""Collections and chunking: the pure rules behind document retrieval."""

from __future__ import annotations

import itertools

import pytest

from nex_assets.documents.logic.collections import (
    Chunking,
    CollectionError,
    Unit,
    chunk_units,
    load_collection,
    load_collections,
    normalise,
    split_text,
)

TEXT = " ".join(f"Sentence number {i} talks about prices and stores." for i in range(60))


def test_split_text_keeps_every_word_with_overlap_and_bounded_size():
    pieces = split_text(TEXT, 300, 60)
    assert len(pieces) > 5 and all(len(p) <= 300 for p in pieces)
    # Every sentence is whole in at least one piece, and neighbours share text.
    for i in range(60):
        assert any(f"Sentence number {i} talks" in p for p in pieces)
    for a, b in itertools.pairwise(pieces):
        assert b[:20] in a[-80:]


def test_split_text_without_overlap_partitions_the_text():
    pieces = split_text(TEXT, 250, 0)
    assert " ".join(pieces).split() == TEXT.split()


def test_split_text_cuts_a_word_longer_than_a_chunk():
    pieces = split_text("x" * 1000, 300, 50)
    assert all(len(p) <= 300 for p in pieces) and "".join(pieces).count("x") >= 1000


def test_chunks_never_cross_pages_and_keep_their_labels():
    units = [Unit(1, "page 1", TEXT[:700]), Unit(2, "page 2", "Short page.")]
    chunks = chunk_units(units, Chunking(size=300, overlap=50))
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert chunks[-1].page == 2 and chunks[-1].text == "Short page." and chunks[-1].label == "page 2"
    assert all(c.page == 1 for c in chunks[:-1])


def test_normalise_collapses_spaces_and_blank_lines():
    assert normalise("a \t b\r\n\n\n\n c  ") == "a b\n\nc"


def test_chunking_rejects_an_overlap_as_large_as_half_the_size():
    with pytest.raises(ValueError, match="overlap"):
        Chunking(size=200, overlap=100)


def test_collection_files_and_root(tmp_path):
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    for name in ("a.pdf", "sub/b.md", "c.csv", ".hidden.txt"):
        (docs / name).write_text("x")
    (tmp_path / "team.yaml").write_text("name: team\npath: docs\n")
    collection = load_collection(tmp_path / "team.yaml")
    assert [p.relative_to(docs).as_posix() for p in collection.files(tmp_path)] == ["a.pdf", "sub/b.md"]
    assert collection.root(tmp_path) == docs
    globbed = collection.model_copy(update={"path": "docs/**/*.md"})
    assert [p.name for p in globbed.files(tmp_path)] == ["b.md"] and globbed.root(tmp_path) == docs
    assert collection.settings_hash("e1") != collection.settings_hash("e2")


def test_bad_collection_files_name_the_file_and_field(tmp_path):
    (tmp_path / "one.yaml").write_text("name: one\npath: x\nchunking: {size: 10}\n")
    with pytest.raises(CollectionError, match=r"one.yaml: chunking.size"):
        load_collection(tmp_path / "one.yaml")
    (tmp_path / "one.yaml").write_text("name: two\npath: x\n")
    with pytest.raises(CollectionError, match=r"one.yaml: the file must be named after its collection"):
        load_collections(tmp_path)
    assert load_collections(tmp_path / "missing") == []
