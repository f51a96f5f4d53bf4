from pathlib import Path

from nex_assets.studio.logic import served

VENDORED = {"https://code.jquery.com/jquery-3.7.1.min.js": "/static/vendor/jquery/jquery.min.js"}


def test_cdn_addresses_point_at_the_vendored_copy_and_others_are_switched_off():
    html = (
        '<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>'
        "<img src='https://tracker.example/logo.png?id=1'><a href=\"https://example.org\">x</a>"
        '<a href="/local">y</a>'
    )
    out = served.rewrite(html, VENDORED)
    assert 'src="/static/vendor/jquery/jquery.min.js"' in out
    assert "data-offline-src='https://tracker.example/logo.png?id=1'" in out
    assert 'data-offline-href="https://example.org"' in out and 'href="/local"' in out
    assert " src='https://" not in out and ' href="https://' not in out


def test_script_bodies_are_code_and_stay_as_written():
    body = 'var e = {}; e.src="https://example.org/x.js"; e.href = "https://a.b";'
    html = f'<script type="text/javascript">{body}</script><link href="https://cdn.example/x.css">'
    out = served.rewrite(html, {})
    assert body in out
    assert 'data-offline-href="https://cdn.example/x.css"' in out


def test_safe_join_stays_inside_its_folder(tmp_path: Path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "page.html").write_text("x")
    assert served.safe_join(tmp_path, "a/page.html") == (tmp_path / "a" / "page.html").resolve()
    for bad in ["../etc/passwd", "a/../../x", "/etc/passwd", "", "a\\..\\x"]:
        assert served.safe_join(tmp_path, bad) is None, bad
    outside = tmp_path.parent / "outside.txt"
    (tmp_path / "link").symlink_to(outside)
    assert served.safe_join(tmp_path, "link") is None
