"""Personal data that only its values give away: full names in `customer`, phones in `reach_me`,
e-mails that start after the first thousand rows among placeholders, postal addresses, dates of
birth, names inside JSON, and National Insurance numbers as the primary key. At load they are found
and closed to the reader; the synthetic copy holds none of their real values; a model does not learn
from them."""

from __future__ import annotations

import csv
import json

import dagster as dg
import psycopg
import pytest

from nex_assets.chat import readonly
from nex_assets.core.build import Catalog
from nex_assets.datasets.logic.catalog import load_catalog
from tests.core.helpers import write_catalog
from tests.synthetic.test_assets import domain_defs

ROWS = 1500
PERSONAL = ("ni", "customer", "reach_me", "contact", "lives_at", "born", "extra")


@pytest.fixture(scope="module")
def people(tmp_path_factory, dagster_instance):
    from faker import Faker

    faker = Faker("en_GB")
    faker.seed_instance(7)
    name = "people_by_shape"
    folder = tmp_path_factory.mktemp("shape")
    data = folder / f"{name}.csv"
    rows = []
    seen = set()
    while len(rows) < ROWS:
        ni = faker.ssn()
        if ni in seen:
            continue
        seen.add(ni)
        i = len(rows)
        rows.append(
            {
                "ni": ni,
                "customer": faker.name(),
                "reach_me": faker.phone_number(),
                "contact": "unknown" if i < 1100 or i % 7 == 0 else faker.email(),
                "lives_at": faker.address(),
                "born": faker.date_of_birth(minimum_age=18, maximum_age=90).isoformat(),
                "extra": json.dumps({"ref": i, "next_of_kin": {"who": faker.name()}}),
                "segment": ["Value", "Premium", "Family"][i % 3],
                "spend": round(20 + (i % 50) * 1.5, 2),
                "churned": "yes" if i % 4 == 0 else "no",
            }
        )
    with data.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    write_catalog(folder / "datasets", name, data, primary_key="[ni]")
    catalog = Catalog(load_catalog(folder / "datasets"), project_dir=folder, landing_dir=folder / "landing")
    result = (
        domain_defs(catalog)
        .resolve_implicit_global_asset_job_def()
        .execute_in_process(
            instance=dagster_instance,
            asset_selection=[dg.AssetKey([name, s]) for s in ("raw", "profile", "synthetic")],
            raise_on_error=False,
        )
    )
    assert result.success
    return name, rows, result


def test_found_at_load_by_their_values(people, conn):
    name, _, result = people
    found = dict(
        conn.execute(
            "select column_name, kind from nex.personal_columns where dataset = %s", (name,)
        ).fetchall()
    )
    assert found == {
        "ni": "national_id",
        "customer": "name",
        "reach_me": "phone",
        "contact": "email",
        "lives_at": "address",
        "born": "birth_date",
        "extra": "name",
    }
    raw = next(
        m.materialization
        for m in result.get_asset_materialization_events()
        if m.materialization.asset_key.path[-1] == "raw"
    )
    notes = raw.metadata["notes"].value
    assert "customer holds personal data (name)" in notes


def test_closed_to_the_reader_from_the_load_on(people, database):
    name, _, _ = people
    with readonly.connect_reader(database) as reader:
        assert reader.execute(f"select segment, spend from raw.{name} limit 1").fetchone()
        for column in PERSONAL:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                reader.execute(f"select {column} from raw.{name}")
            reader.rollback()


def test_the_synthetic_copy_holds_no_real_personal_value(people, conn):
    name, rows, _ = people
    for column in PERSONAL:
        real = {str(r[column]) for r in rows}
        fake = {
            str(v)
            for (v,) in conn.execute(f'select {column}::text from synthetic."{name}"').fetchall()
            if v is not None
        }
        if column == "born":
            real = {r["born"] for r in rows}
        assert not real & fake, column


def test_a_model_does_not_learn_from_personal_columns(people, conn):
    from nex_assets.ml import data
    from nex_assets.ml.logic.recipe import Recipe, RecipeError

    name, _, _ = people
    base = {
        "name": "churn",
        "dataset": name,
        "family": "classification",
        "level": "beginner",
        "target": "churned",
        "evaluation_packs": ["classification_standard"],
        "file": "recipes/churn.yaml",
    }
    columns = data.resolve_columns(conn, Recipe.model_validate(base))
    learnt = data.feature_columns(Recipe.model_validate(base), columns.available, columns.personal)
    assert set(learnt) == {"segment", "spend"}
    with pytest.raises(RecipeError, match=r"features: `customer` holds personal data"):
        data.resolve_columns(conn, Recipe.model_validate({**base, "features": ["spend", "customer"]}))
