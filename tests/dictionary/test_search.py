"""Search over the sample world's rule-based dictionary: paraphrased questions find their columns, and
curated entries and datasets that pass their quality checks rank first among close ones."""

from __future__ import annotations

from nex_assets.cli import main
from nex_assets.dictionary.logic.settings import SearchSettings
from nex_assets.search import rank, search
from tests.dictionary.conftest import definitions, keys, materialize

# Paraphrased questions about the sample world and the column each one is about.
QUESTIONS = {
    "how much a customer spent": "retail_customers.avg_basket_value",
    "customer email address": "retail_customers.email",
    "how many units were sold": "retail_sales.units_sold",
    "store size in square metres": "retail_stores.floor_area_m2",
    "discount percentage of an offer": "retail_offers.discount_pct",
    "was the offer accepted by the customer": "retail_offer_events.accepted",
    "what a product costs us to buy": "retail_products.unit_cost",
    "number of competitor shops near a store": "retail_stores.competitors_nearby",
    "how many people live around the store": "retail_stores.catchment_population",
    "customer's date of birth": "retail_customers.birth_date",
    "how long someone has been a customer": "retail_customers.tenure_months",
    "how often a customer comes to the shop": "retail_customers.visits_per_month",
    "was there a promotion that week": "retail_sales.promo",
    "income of the area around a store": "retail_stores.median_income",
    "product brand name": "retail_products.brand",
    "money taken by a store last year": "retail_stores.annual_revenue",
}


def test_paraphrased_questions_find_their_columns(world_project, dagster_instance, conn, monkeypatch, capsys):
    for name in ("NEX_LLM_BASE_URL", "OPENAI_API_KEY", "NEX_EMBEDDING_MODEL"):
        monkeypatch.delenv(name, raising=False)
    catalog = world_project
    materialize(
        definitions(catalog), dagster_instance, keys(catalog, "raw", "profile", "dictionary", "embeddings")
    )
    found = {}
    for question in QUESTIONS:
        hits = search(conn, question, k=3, kinds=("column",))
        found[question] = [f"{h.dataset}.{h.column}" for h in hits]
    hit_rate = sum(QUESTIONS[q] in top for q, top in found.items()) / len(QUESTIONS)
    print(f"search top-3 hit rate over {len(QUESTIONS)} paraphrased questions: {hit_rate:.2f}")
    misses = {q: top for q, top in found.items() if QUESTIONS[q] not in top}
    assert hit_rate >= 0.75, misses

    # Each hit says where its text came from; the curated entry says so.
    top = search(conn, "how much a customer spent", k=1)[0]
    assert top.column == "avg_basket_value" and top.curated and top.source == "override: person:team:crm"
    only_sales = search(conn, "store", dataset="retail_sales", k=5)
    assert only_sales and {h.dataset for h in only_sales} == {"retail_sales"}

    # A dataset whose newest quality score failed its checks ranks below an unknown one on a near tie.
    conn.execute(
        "insert into nex.quality_scores (dataset, score, checks_passed, expectations, failed, details) "
        "values ('retail_customers', 0.4, false, 10, 5, '{}')"
    )
    conn.commit()
    failed = search(conn, "how much a customer spent", k=1)[0]
    assert failed.quality == "failed" and failed.score < top.score

    assert main(["search", "how many units were sold", "-k", "3"]) == 0
    out = capsys.readouterr().out
    assert "retail_sales.units_sold" in out and "written by rule-based" in out


def test_ranking_puts_curated_and_passing_entries_first():
    s = SearchSettings(curated_boost=0.05, quality_pass_boost=0.03, quality_fail_penalty=0.03)
    assert rank(0.70, True, None, s) > rank(0.72, False, None, s)
    assert rank(0.70, False, True, s) > rank(0.70, False, None, s) > rank(0.70, False, False, s)
    assert rank(0.90, False, False, s) > rank(0.50, True, True, s)
