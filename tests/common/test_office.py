from nex_assets.common.office import package_problem


def _workbook(path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["id"])
    book.save(path)
    return path


def test_a_real_package_has_no_problem(tmp_path):
    assert package_problem(_workbook(tmp_path / "ok.xlsx")) is None


def test_encrypted_package_is_told_apart_from_a_legacy_binary_file(tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = _workbook(tmp_path / "plain.xlsx")
    locked = tmp_path / "locked.xlsx"
    with plain.open("rb") as src, locked.open("wb") as out:
        OOXMLFile(src).encrypt("s3cret", out)
    assert package_problem(locked) == "encrypted"
    # An OLE header with nothing readable behind it: an old binary file, not a password.
    legacy = tmp_path / "old.xls"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    assert package_problem(legacy) == "legacy"


def test_truncated_or_foreign_file_is_corrupt(tmp_path):
    plain = _workbook(tmp_path / "plain.xlsx")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(plain.read_bytes()[:300])
    text = tmp_path / "notes.docx"
    text.write_text("just text")
    assert package_problem(broken) == "corrupt"
    assert package_problem(text) == "corrupt"
