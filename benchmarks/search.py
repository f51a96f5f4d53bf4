"""Search: 100k random 384-d vectors in PostgreSQL with pgvector's HNSW index, as ``nex.embeddings`` has it
(``vector(384)``, ``vector_cosine_ops``) and queried as ``nex search`` queries it (``hnsw.ef_search`` from
config/dictionary.yaml).

Side by side for the same queries: the exact answer (brute-force cosine over every vector, in numpy) and
the HNSW query through SQL. Prints recall@10 against the exact answer and latency percentiles.

Two kinds of random vectors. ``latent`` (the headline): random points of a 32-dimensional Gaussian
mapped into 384 dimensions by a random linear map, plus isotropic noise; sentence embeddings have such a
low intrinsic dimension, so this is the shape the index meets in ``nex.embeddings``. ``iid``: every
coordinate independent Gaussian; distances then concentrate (every point is about equally far from every
other), which is the worst case for any graph index, shown for reference. The last line is one JSON
object with ``recall_at_10`` and ``p95_ms`` of the headline kind.

    .venv/bin/python benchmarks/search.py [--vectors 100000] [--queries 200] [--kinds latent,iid]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DIM = 384
LATENT_DIM = 32
NOISE = 0.1


def vectors(kind: str, n: int, rng, mapping):
    import numpy as np

    if kind == "iid":
        return rng.standard_normal((n, DIM), dtype=np.float32)
    latent = rng.standard_normal((n, LATENT_DIM), dtype=np.float32)
    noise = NOISE * rng.standard_normal((n, DIM), dtype=np.float32)
    return latent @ mapping + noise


def measure(conn, kind: str, data, queries, k: int, ef_search: int) -> dict:
    import numpy as np

    table = f"nex.bench_vectors_{kind}"
    conn.execute(f"drop table if exists {table}")
    conn.execute(f"create table {table} (id integer primary key, embedding vector(384) not null)")
    started = time.perf_counter()
    with conn.cursor().copy(f"copy {table} (id, embedding) from stdin with (format binary)") as copy:
        copy.set_types(["int4", "vector"])
        for i, v in enumerate(data):
            copy.write_row((i, v))
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    conn.execute(f"create index on {table} using hnsw (embedding vector_cosine_ops)")
    index_s = time.perf_counter() - started
    conn.execute(f"analyze {table}")

    # Exact: cosine similarity against every vector.
    normed = data / np.linalg.norm(data, axis=1, keepdims=True)
    qn = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    started = time.perf_counter()
    exact = np.argsort(-(qn @ normed.T), axis=1)[:, :k]
    exact_ms = (time.perf_counter() - started) * 1000 / len(queries)

    conn.execute(f"set hnsw.ef_search = {ef_search:d}")
    statement = f"select id from {table} order by embedding <=> %s limit %s"
    for q in queries[:10]:  # warm the cache and the prepared plan
        conn.execute(statement, (q, k), prepare=True).fetchall()
    latencies, recalls = [], []
    for q, truth in zip(queries, exact, strict=True):
        started = time.perf_counter()
        ids = [r[0] for r in conn.execute(statement, (q, k), prepare=True).fetchall()]
        latencies.append((time.perf_counter() - started) * 1000)
        recalls.append(len(set(ids) & set(truth.tolist())) / k)
    plan = "\n".join(r[0] for r in conn.execute("explain " + statement, (queries[0], k)))
    assert "Index Scan" in plan, plan
    conn.execute(f"drop table {table}")
    p50, p95, p99 = np.percentile(latencies, [50, 95, 99])
    result = {
        "recall": float(np.mean(recalls)),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "exact_ms": exact_ms,
    }
    print(
        f"{kind:>6}: {len(data):,} vectors loaded in {load_s:.1f} s, HNSW built in {index_s:.1f} s; "
        f"{len(queries)} queries, k={k}, hnsw.ef_search={ef_search}: recall@{k} {result['recall']:.3f} "
        f"against exact search; latency p50 {p50:.2f} ms, p95 {p95:.2f} ms, p99 {p99:.2f} ms "
        f"(exact search in numpy: {exact_ms:.1f} ms per query)"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vectors", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--ef-search", type=int, default=None, help="default: config/dictionary.yaml")
    parser.add_argument("--kinds", default="latent,iid", help="vector kinds, the first is the headline")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="nex-bench-search-"))
    os.environ["NEX_HOME"] = str(home)
    os.environ.pop("NEX_DATABASE_URL", None)

    import numpy as np
    from pgvector.psycopg import register_vector

    from nex_assets.core import db, env
    from nex_assets.core import settings as nex_settings
    from nex_assets.dictionary.logic.settings import DictionarySettings

    ef_search = args.ef_search or nex_settings.load(DictionarySettings).search.ef_search
    kinds = args.kinds.split(",")
    rng = np.random.default_rng(7)
    mapping = rng.standard_normal((LATENT_DIM, DIM), dtype=np.float32) / np.sqrt(LATENT_DIM)
    results = {}
    database = db.bootstrap()
    try:
        with db.connect(database, autocommit=True) as conn:
            register_vector(conn)
            conn.execute("set maintenance_work_mem = '1GB'")
            conn.execute("set max_parallel_maintenance_workers = 2")
            for kind in kinds:
                data = vectors(kind, args.vectors, rng, mapping)
                queries = vectors(kind, args.queries, rng, mapping)
                results[kind] = measure(conn, kind, data, queries, args.k, ef_search)
    finally:
        env.stop_embedded()
    headline = results[kinds[0]]
    print(json.dumps({"recall_at_10": round(headline["recall"], 4), "p95_ms": round(headline["p95"], 2)}))


if __name__ == "__main__":
    main()
