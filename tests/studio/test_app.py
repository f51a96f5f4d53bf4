"""Studio over plain HTTP: what it refuses (changes without the visitor's CSRF token or from another
site, pages without the token off loopback, files outside its folders, queries the reader may not run)
and that no personal value of the world ever appears in a page."""

from __future__ import annotations

import csv
import subprocess

import httpx
import pytest
from starlette.testclient import TestClient

from nex_assets.core import db as nexdb
from nex_assets.core import env
from nex_assets.studio.app import create_app
from nex_assets.studio.logic import security


@pytest.fixture()
def client(studio):
    with httpx.Client(base_url=studio, follow_redirects=False, timeout=60) as c:
        c.get("/")  # takes the CSRF cookie, as a browser does on its first page
        yield c


def _csrf(client: httpx.Client) -> str:
    return client.cookies[security.CSRF_COOKIE]


def test_pages_carry_a_strict_content_security_policy(client):
    page = client.get("/explore")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"


def test_a_change_needs_the_visitors_csrf_token(client, studio_world):
    overrides = studio_world[0] / "dictionary" / "overrides" / "retail_offers.yaml"
    form = {"dataset": "retail_offers", "entry": "(table)", "action": "accept", "by": "mallory"}
    refused = client.post("/review/act", data=form)
    assert refused.status_code == 403 and "CSRF" in refused.text
    wrong = client.post("/review/act", data={**form, "csrf": "forged"})
    assert wrong.status_code == 403
    elsewhere = client.post(
        "/review/act", data={**form, "csrf": _csrf(client)}, headers={"origin": "http://evil.example"}
    )
    assert elsewhere.status_code == 403 and "another site" in elsewhere.text
    assert not overrides.exists()
    done = client.post("/review/act", data={**form, "csrf": _csrf(client)})
    assert done.status_code == 303 and overrides.exists()


def test_a_foreign_host_name_is_not_served_even_with_the_visitors_tokens(client, studio_world):
    """DNS rebinding: a page of evil.example, its name now pointing at 127.0.0.1, posts with Host and
    Origin both evil.example (and the cookies the browser would never send it, to show they do not help)."""
    overrides = studio_world[0] / "dictionary" / "overrides" / "retail_stores.yaml"
    form = {"dataset": "retail_stores", "entry": "(table)", "action": "accept", "by": "mallory"}
    foreign = {"host": "evil.example:3001", "origin": "http://evil.example:3001"}
    refused = client.post("/review/act", data={**form, "csrf": _csrf(client)}, headers=foreign)
    assert refused.status_code == 421 and "NEX_STUDIO_HOSTS" in refused.text
    assert client.get("/explore", headers={"host": "evil.example"}).status_code == 421
    assert not overrides.exists()


def test_served_reports_run_sandboxed_in_an_origin_of_their_own(client):
    """A report's scripts may run (GX and Evidently draw with them) but not as Studio: the sandbox gives
    the page an opaque origin, so it reads no Studio page or cookie and its posts carry Origin null."""
    from nex_assets.studio.routes.files import REPORT_CSP

    policy = [d.strip() for d in REPORT_CSP.split(";")]
    sandbox = next(d for d in policy if d.startswith("sandbox"))
    assert "allow-scripts" in sandbox and "allow-same-origin" not in sandbox and "allow-forms" not in sandbox
    assert "form-action 'none'" in policy
    refused = client.post(
        "/ask/stream",
        json={"question": "anything"},
        headers={"x-csrf-token": _csrf(client), "origin": "null"},
    )
    assert refused.status_code == 403
    font = client.get("/static/vendor/" + _a_vendored_file(), headers={"origin": "null"})
    assert font.status_code == 200 and font.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-origin" not in client.get("/explore").headers


def _a_vendored_file() -> str:
    from nex_assets.studio.web import HERE

    root = HERE / "static" / "vendor"
    return str(next(p for p in sorted(root.rglob("*")) if p.is_file()).relative_to(root))


def test_a_csrf_pair_planted_from_elsewhere_is_refused(client, studio_world):
    """A neighbouring host can set a cookie for Studio's name and post the same value: equal, but not a
    token Studio signed."""
    overrides = studio_world[0] / "dictionary" / "overrides" / "retail_products.yaml"
    planted = "planted.0123456789abcdef0123456789abcdef"
    client.cookies.set(security.CSRF_COOKIE, planted)
    form = {"dataset": "retail_products", "entry": "(table)", "action": "accept", "csrf": planted}
    refused = client.post("/review/act", data=form)
    assert refused.status_code == 403 and not overrides.exists()
    asked = client.post("/ask/stream", json={"question": "x"}, headers={"x-csrf-token": planted})
    assert asked.status_code == 403


def test_asking_needs_the_csrf_header(client):
    refused = client.post("/ask/stream", json={"question": "anything"})
    assert refused.status_code == 403
    empty = client.post("/ask/stream", json={"question": " "}, headers={"x-csrf-token": _csrf(client)})
    assert empty.status_code == 400 and "needs a question" in empty.text


def test_files_outside_the_report_folders_are_not_served(client):
    for path in [
        "/files/data-docs/../../pgdata/postgresql.conf",
        "/files/data-docs/%2e%2e/x",
        "/files/secrets/x",
        "/files/data-docs/index.html%00.png",
    ]:
        assert client.get(path).status_code == 404, path


def test_a_body_that_is_not_a_question_or_too_large_is_refused_whole(client, database):
    csrf = {"x-csrf-token": _csrf(client)}
    array = client.post("/ask/stream", content=b'["how many stores?"]', headers=csrf)
    assert array.status_code == 400 and "JSON object" in array.text
    with nexdb.connect(database) as conn:
        before = conn.execute("select count(*) from nex.chat_messages").fetchone()[0]
    big = {"question": "how many stores? " * 1_200_000}  # about 20 MB
    declared = client.post("/ask/stream", json=big, headers=csrf)
    assert declared.status_code == 413 and "larger than Studio takes" in declared.text

    def chunks():  # no Content-Length: counted as it arrives
        yield b'{"question": "'
        for _ in range(400):
            yield b"x" * 65_536
        yield b'"}'

    streamed = client.post("/ask/stream", content=chunks(), headers=csrf)
    assert streamed.status_code == 413
    form = client.post("/query", data={"sql": "select 1 " + "x" * 400_000, "csrf": _csrf(client)})
    assert form.status_code == 413
    with nexdb.connect(database) as conn:
        assert conn.execute("select count(*) from nex.chat_messages").fetchone()[0] == before


def test_no_personal_value_is_rendered(client, small_world):
    with open(small_world / "customers.csv", newline="") as f:
        people = list(csv.DictReader(f))[:50]
    secret = {p[k] for p in people for k in ("email", "phone", "last_name")}
    pages = [
        client.get("/explore/raw/retail_customers").text,
        client.get("/datasets/retail_customers").text,
        client.get("/review?dataset=retail_customers&status=all").text,
    ]
    for text in pages:
        assert not [s for s in secret if s in text]
    assert "personal" in pages[0]
    # The query editor runs as the reader, which may not read personal columns at all.
    ran = client.post("/query", data={"sql": "select email from raw.retail_customers", "csrf": _csrf(client)})
    assert ran.status_code == 200
    assert "query-error" in ran.text and not [s for s in secret if s in ran.text]


def test_off_loopback_every_page_needs_the_token(database):
    token = "a-long-random-token-for-tests"
    app = create_app(database, token=token, hosts=frozenset({"studio.example"}))
    with TestClient(app, base_url="http://studio.example") as c:
        assert c.get("/").status_code == 401
        assert c.get("/", headers={"authorization": f"Bearer {token}"}).status_code == 200
        signed = c.get(f"/explore?token={token}", follow_redirects=False)
        assert signed.status_code == 303 and signed.headers["location"] == "/explore"
        assert c.get("/explore").status_code == 200  # the cookie carries it now
    with TestClient(app, base_url="http://studio.example") as c:
        assert c.get("/?token=wrong-token-of-enough-length").status_code == 401


def test_nex_studio_refuses_a_public_address_without_a_token():
    out = subprocess.run(
        [env.executable("nex"), "studio", "--host", "0.0.0.0", "--port", "3999"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**__import__("os").environ, "NEX_STUDIO_TOKEN": ""},
    )
    assert out.returncode == 2 and "NEX_STUDIO_TOKEN" in out.stderr


def test_a_broken_personas_file_does_not_stop_the_ask_page(client, tmp_path, monkeypatch):
    import shutil

    config = tmp_path / "config"
    shutil.copytree(env.config_dir(), config)
    (config / "personas.yaml").write_text("analyst: [unclosed\n")
    monkeypatch.setenv("NEX_CONFIG_DIR", str(config))
    page = client.get("/ask")
    assert page.status_code == 200 and "<option selected>default</option>" not in page.text
    assert "<option>default</option>" in page.text
