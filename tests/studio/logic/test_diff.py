from nex_assets.studio.logic import diff


def test_word_diff_marks_what_was_removed_and_added():
    pieces = diff.words("The price of each item", "The shelf price of each item in GBP")
    assert ("added", "shelf") in pieces and ("added", "in GBP") in pieces
    assert all(op != "removed" for op, _ in pieces)
    assert diff.words("a b", "a c") == [("same", "a"), ("removed", "b"), ("added", "c")]


def test_only_changed_fields_are_listed():
    old = {"description": "x", "status": "suggested", "author": "nex", "unit": None}
    new = {"description": "x", "status": "accepted", "author": "ana", "unit": ""}
    changed = {c["field"] for c in diff.versions(old, new)}
    assert changed == {"status", "author"}
