"""Studio over plain HTTP: what it refuses (changes without the visitor's CSRF token or from another
site, pages without the token off loopback, files outside its folders, queries the reader may not run)
and that no personal value of the world ever appears in a page."""

from __future__ import annotations

import csv
import subprocess

import httpx
import pytest
from starlette.testclient import TestClient

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
    ]:
        assert client.get(path).status_code == 404, path


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
    app = create_app(database, token=token)
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
