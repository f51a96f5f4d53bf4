"""NEX Studio driven through a real browser: asking with the loopback model (the SQL, the table and the
chart), renaming and deleting a conversation, accepting, editing and rejecting dictionary entries (the
override file and the version rows), and opening Data Docs and a drift report from the links Dagster holds
for the assets. Each page's screenshot is written to the screenshots folder."""

from __future__ import annotations

import dagster as dg
import pytest
import yaml
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from nex_assets.core import db as nexdb
from tests.llm_server import TEST_MODEL, Reply

QUERY = " ".join(
    [
        "select week_start, sum(units_sold) as units",
        "from raw.retail_sales group by week_start order by week_start",
    ]
)


def _wait(browser, seconds: float = 30):
    return WebDriverWait(browser, seconds)


def _shot(browser, screenshots, name: str) -> None:
    assert browser.save_screenshot(str(screenshots / f"{name}.png"))


def _ask(browser, studio, question: str) -> None:
    browser.get(f"{studio}/ask")
    box = browser.find_element(By.ID, "question")
    box.send_keys(question)
    browser.find_element(By.ID, "ask").click()
    _wait(browser).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".msg-assistant[data-done='1']"))


def test_ask_shows_the_sql_the_table_and_a_chart(studio, studio_llm_env, browser, screenshots, database):
    studio_llm_env.enqueue(
        Reply.tool_call("run_query", {"query": QUERY}),
        Reply.text("Units sold rose over the two years; the weekly totals are above."),
    )
    _ask(browser, studio, "how many units were sold each week?")
    answer = browser.find_element(By.CSS_SELECTOR, ".msg-assistant")
    assert "Units sold rose" in answer.text
    shown_sql = answer.find_element(By.CSS_SELECTOR, "pre.sql").text
    assert "group by week_start" in shown_sql.lower()  # the SQL as checked and run
    chart = answer.find_element(By.CSS_SELECTOR, "svg.chart-line")
    assert chart.is_displayed()
    assert answer.find_elements(By.CSS_SELECTOR, "svg.chart-line polyline")
    _shot(browser, screenshots, "ask")
    # The chart switches to the table of the same rows.
    answer.find_element(By.CSS_SELECTOR, ".switch button[data-show='table']").click()
    table = answer.find_element(By.CSS_SELECTOR, ".view-table table.data")
    assert table.is_displayed() and not chart.is_displayed()
    headers = [th.text for th in table.find_elements(By.CSS_SELECTOR, "th")]
    assert headers == ["week_start", "units"]
    assert len(table.find_elements(By.CSS_SELECTOR, "tbody tr")) >= 10
    # The conversation was stored, with the tool call, and the address now names it.
    cid = browser.current_url.rsplit("/", 1)[1]
    with nexdb.connect(database) as conn:
        tools = conn.execute(
            "select tool_name, tool_input->>'query' from nex.chat_messages"
            " where conversation_id = %s and role = 'tool'",
            (cid,),
        ).fetchall()
    assert tools == [("run_query", QUERY)]
    # The answer's SQL opens in the query editor, which runs it through the read-only path.
    answer.find_element(By.LINK_TEXT, "open in the query editor").click()
    assert browser.find_element(By.ID, "sql").get_attribute("value").strip() == shown_sql
    browser.find_element(By.ID, "run").click()
    result = _wait(browser).until(EC.presence_of_element_located((By.ID, "query-result")))
    assert "row" in result.text and result.find_elements(By.CSS_SELECTOR, "svg.chart-line")
    _shot(browser, screenshots, "query")
    # The answer is marked right: a suggested example, with the query that ran, for review.
    browser.get(f"{studio}/ask/{cid}")
    button = browser.find_element(By.ID, "mark-right")
    button.click()
    _wait(browser).until(EC.staleness_of(button))  # the form posted and the page came back
    with nexdb.connect(database) as conn:
        marked = conn.execute(
            "select status, sql from nex.verified_examples where conversation_id = %s", (cid,)
        ).fetchall()
    assert len(marked) == 1 and marked[0][0] == "suggested" and "group by week_start" in marked[0][1].lower()


def test_metrics_are_listed_with_questions_to_ask(studio, browser, screenshots):
    browser.get(f"{studio}/explore")
    browser.find_element(By.ID, "metrics-link").click()
    table = _wait(browser).until(EC.presence_of_element_located((By.ID, "metrics")))
    assert "retail_sales_revenue_total" in table.text and "draft" in table.text
    _shot(browser, screenshots, "metrics")
    question = browser.find_elements(By.CSS_SELECTOR, "a.suggested-question")[0]
    text = question.text
    question.click()
    box = _wait(browser).until(EC.presence_of_element_located((By.ID, "question")))
    assert box.get_attribute("value") == text  # the suggested question arrives filled in, to ask or edit


def test_the_query_editor_refuses_a_change(studio, browser):
    browser.get(f"{studio}/query")
    box = browser.find_element(By.ID, "sql")
    box.clear()
    box.send_keys("delete from raw.retail_sales")
    browser.find_element(By.ID, "run").click()
    error = _wait(browser).until(EC.presence_of_element_located((By.ID, "query-error")))
    assert "refused" in error.text


def test_rename_and_delete_a_conversation(studio, studio_llm_env, browser, screenshots, database):
    studio_llm_env.enqueue(Reply.text("There are six datasets."))
    _ask(browser, studio, "what data is there?")
    cid = browser.current_url.rsplit("/", 1)[1]
    browser.get(f"{studio}/ask/{cid}")
    title = browser.find_element(By.ID, "rename-title")
    title.clear()
    title.send_keys("Datasets overview")
    browser.find_element(By.ID, "rename").click()
    _wait(browser).until(EC.text_to_be_present_in_element((By.ID, "conversation-title"), "Datasets overview"))
    assert "Datasets overview" in browser.find_element(By.CSS_SELECTOR, "ul.conversations li.on").text
    _shot(browser, screenshots, "conversation")
    browser.find_element(By.ID, "delete").click()
    _wait(browser).until(EC.alert_is_present()).accept()
    _wait(browser).until(lambda b: b.current_url.endswith("/ask"))
    assert "Datasets overview" not in browser.find_element(By.CSS_SELECTOR, "ul.conversations").text
    with nexdb.connect(database) as conn:
        left = conn.execute(
            "select (select count(*) from nex.chat_conversations where id = %s),"
            " (select count(*) from nex.chat_messages where conversation_id = %s)",
            (cid, cid),
        ).fetchone()
    assert left == (0, 0)


def _review_row(browser, dataset: str, entry: str):
    return browser.find_element(By.ID, f"entry-{dataset}-{entry}")


def test_accept_edit_and_reject_dictionary_entries(studio, studio_world, browser, screenshots, database):
    project = studio_world[0]
    browser.get(f"{studio}/review?dataset=retail_stores&status=suggested")
    _shot(browser, screenshots, "review")
    row = _review_row(browser, "retail_stores", "region")
    assert "written by the test model" in row.text and "suggested" in row.text
    row.find_element(By.NAME, "by").send_keys("ana")
    row.find_element(By.CSS_SELECTOR, "button.accept").click()
    notice = _wait(browser).until(EC.presence_of_element_located((By.ID, "notice"))).text
    assert notice.startswith("accepted retail_stores.region")
    overrides = project / "dictionary" / "overrides" / "retail_stores.yaml"
    written = yaml.safe_load(overrides.read_text())
    assert written["columns"]["region"]["accepted_from"] == TEST_MODEL
    assert written["columns"]["region"]["author"] == "ana"

    # Edit another entry: the person's text goes into the file and a new version.
    browser.get(f"{studio}/review?dataset=retail_stores&status=suggested")
    row = _review_row(browser, "retail_stores", "city")
    row.find_element(By.NAME, "by").send_keys("ana")
    row.find_element(By.CSS_SELECTOR, "details.edit summary").click()
    text = row.find_element(By.NAME, "text")
    text.clear()
    text.send_keys("The town the store trades in.")
    row.find_element(By.CSS_SELECTOR, "button.save-edit").click()
    assert (
        "retail_stores.city" in _wait(browser).until(EC.presence_of_element_located((By.ID, "notice"))).text
    )
    written = yaml.safe_load(overrides.read_text())
    assert written["columns"]["city"]["description"] == "The town the store trades in."
    assert written["columns"]["region"]["author"] == "ana"  # the first acceptance is still there

    # Reject a third: no file change, a version row says who.
    browser.get(f"{studio}/review?dataset=retail_stores&status=suggested")
    row = _review_row(browser, "retail_stores", "store_id")
    row.find_element(By.NAME, "by").send_keys("ben")
    row.find_element(By.CSS_SELECTOR, "button.reject").click()
    _wait(browser).until(
        EC.text_to_be_present_in_element((By.ID, "notice"), "rejected retail_stores.store_id")
    )
    assert "store_id" not in yaml.safe_load(overrides.read_text())["columns"]

    with nexdb.connect(database) as conn:
        versions = conn.execute(
            """select column_name, version, reason, status, author from nex.dictionary_versions
                where dataset = 'retail_stores' and column_name in ('region', 'city', 'store_id')
                order by column_name, version""",
        ).fetchall()
    last = {c: (v, reason, status, author) for c, v, reason, status, author in versions}
    assert last["region"][1:] == ("accepted", "accepted", "ana")
    assert last["city"][2:] == ("accepted", "ana") and last["city"][1] in {"accepted", "edited"}
    assert last["store_id"][1:] == ("rejected", "rejected", "ben")

    # The entry's history shows both versions and what changed between them.
    browser.get(f"{studio}/review/retail_stores/city")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#versions tbody tr")) == last["city"][0]
    added = " ".join(w.text for w in browser.find_elements(By.CSS_SELECTOR, ".change .w-added"))
    assert "town" in added and "trades in." in added
    _shot(browser, screenshots, "history")


def _metadata_url(instance: dg.DagsterInstance, key: list[str], name: str) -> str:
    event = instance.get_latest_materialization_event(dg.AssetKey(key))
    assert event is not None, f"{'/'.join(key)} was not materialized"
    return event.asset_materialization.metadata[name].value


def test_data_docs_and_drift_report_open_from_dagster_links(studio, browser, screenshots, dagster_instance):
    docs = _metadata_url(dagster_instance, ["retail_sales", "quality"], "data_docs")
    assert docs.startswith(f"{studio}/files/data-docs/")
    browser.get(docs)
    assert "Great Expectations" in browser.title
    _wait(browser).until(lambda b: b.find_elements(By.CSS_SELECTOR, "table"))
    errors = [
        e for e in browser.get_log("browser") if e["level"] == "SEVERE" and "favicon" not in e["message"]
    ]
    assert not errors, errors  # every script and stylesheet came from Studio
    _shot(browser, screenshots, "data_docs")

    report = _metadata_url(dagster_instance, ["nex_retail", "price_elasticity", "drift"], "report_url")
    assert report.startswith(f"{studio}/files/reports/drift/")
    browser.get(report)
    # Evidently draws the report with its own inline script: the words appear only once it has run.
    _wait(browser).until(lambda b: "Dataset Drift" in b.find_element(By.TAG_NAME, "body").text)
    errors = [
        e for e in browser.get_log("browser") if e["level"] == "SEVERE" and "favicon" not in e["message"]
    ]
    assert not errors, errors
    _shot(browser, screenshots, "drift_report")


@pytest.mark.parametrize(
    ("path", "expect"),
    [
        ("/", "retail_sales"),
        ("/explore", "raw"),
        ("/explore/raw", "retail_customers"),
        ("/explore/raw/retail_customers", "personal"),
        ("/datasets/retail_sales", "Data Docs"),
        ("/recipes/nex_retail/price_elasticity", "Champion"),
    ],
)
def test_pages_render(studio, browser, screenshots, path, expect):
    browser.get(f"{studio}{path}")
    assert expect in browser.find_element(By.TAG_NAME, "main").text
    name = path.strip("/").replace("/", "_") or "home"
    _shot(browser, screenshots, name)


PLANTED = """<!doctype html><html><head><title>planted</title></head><body><div id="out">waiting</div>
<script>
(async () => {
  const out = [];
  try { out.push("cookie=" + document.cookie); } catch (e) { out.push("cookie:" + e.name); }
  try {
    const r = await fetch("/ask");
    out.push("read:" + r.status);
  } catch (e) { out.push("read:" + e.name); }
  try {
    await fetch("/ask/CID/delete", {method: "POST", mode: "no-cors", body: new URLSearchParams({csrf: "x"})});
    out.push("post:sent");
  } catch (e) { out.push("post:" + e.name); }
  document.getElementById("out").textContent = out.join(" ");
})();
</script></body></html>"""


def test_a_script_planted_in_a_served_report_runs_inert(studio, browser, database):
    """A value GX printed unescaped into Data Docs is a script that runs in the page (reports need their
    scripts), but sandboxed: it cannot read Studio's cookies or pages, and its change is refused."""
    from nex_assets.chat import conversations
    from nex_assets.core import env

    with nexdb.connect(database, autocommit=True) as store:
        cid = conversations.create(store, "kept", "default", None)
    planted = env.data_docs_dir() / "planted" / "index.html"
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_text(PLANTED.replace("CID", cid))
    try:
        browser.get(f"{studio}/ask")  # the visitor holds Studio's cookies, as a signed-in person does
        browser.get(f"{studio}/files/data-docs/planted/index.html")
        _wait(browser).until(lambda b: b.find_element(By.ID, "out").text != "waiting")
        out = browser.find_element(By.ID, "out").text
        assert "cookie:SecurityError" in out and "read:TypeError" in out, out
        with nexdb.connect(database) as store:
            assert conversations.exists(store, cid)
    finally:
        planted.unlink()
