"""The caps sent with the dictionary's JSON schema, and what is kept of a text cut at one."""


def test_text_cut_at_the_schema_cap_keeps_whole_sentences():
    from nex_assets.dictionary.logic.models import TEXT_CAP, ColumnText, whole_sentences

    cap = TEXT_CAP["maxLength"]
    assert ColumnText.model_json_schema()["properties"]["description"]["maxLength"] == cap
    cut = ("The ozone level in parts per million. " * 20)[: cap - 5] + "The me"
    assert whole_sentences(cut[:cap], cap).endswith("million.")
    assert whole_sentences("A short one without a full stop", cap) == "A short one without a full stop"
    assert whole_sentences("x" * cap, cap) == "x" * cap + "…"
