"""Documents: a generated 200-page PDF through parsing, chunking and embedding into pgvector.

Side by side on the same file: text extraction alone (pypdf, the floor any pipeline pays), the
collection sync from scratch (parse, chunk, embed, write), and the sync after one small file is
added (only that file is embedded again). Prints pages/s and the share of time spent embedding;
the last line is one JSON object with ``pages_per_s`` and ``embed_share``.

    .venv/bin/python benchmarks/documents.py [--pages 200]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from pathlib import Path

WORDS = " ".join(
    [
        "store price promotion customer product week revenue category discount holiday demand stock",
        "forecast margin shelf basket loyalty offer region supplier delivery return refund policy review",
    ]
).split(" ")


def page_text(rng: random.Random, number: int, chars: int) -> str:
    sentences = []
    while sum(len(s) + 1 for s in sentences) < chars:
        words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
        sentences.append(" ".join(words).capitalize() + ".")
    return f"Section {number}\n\n" + " ".join(sentences)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--chars-per-page", type=int, default=2500)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="nex-bench-docs-"))
    os.environ["NEX_HOME"] = str(home)
    os.environ.pop("NEX_DATABASE_URL", None)

    from pypdf import PdfReader

    from nex_assets.core import db, env
    from nex_assets.documents import sample
    from nex_assets.documents.logic.collections import Collection
    from nex_assets.documents.store import sync_collection
    from nex_assets.llm.embedder import get_embedder

    folder = home / "docs"
    folder.mkdir()
    rng = random.Random(7)
    started = time.perf_counter()
    pdf = sample.write_pdf(
        folder / "manual.pdf", [page_text(rng, i, args.chars_per_page) for i in range(args.pages)]
    )
    took = time.perf_counter() - started
    print(f"generated {args.pages} pages ({pdf.stat().st_size / 1e6:.1f} MB) in {took:.1f} s")

    # Text extraction alone, best of two (the first pass also warms the file cache).
    extract_s = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        extracted = sum(len(p.extract_text() or "") for p in PdfReader(pdf).pages)
        extract_s = min(extract_s, time.perf_counter() - started)

    database = db.bootstrap()
    embedder = get_embedder()
    embedder.embed(["warm up: load the model before timing"])
    collection = Collection(name="bench_manual", path=str(folder))
    try:
        with db.connect(database, autocommit=True) as conn:
            started = time.perf_counter()
            full = sync_collection(conn, collection, home, embedder)
            full_s = time.perf_counter() - started
            (folder / "note.md").write_text("# Note\n\nOne more small file.\n")
            started = time.perf_counter()
            incremental = sync_collection(conn, collection, home, embedder)
            incremental_s = time.perf_counter() - started
    finally:
        env.stop_embedded()

    pages_per_s = args.pages / full_s
    embed_share = full.embed_s / full_s
    print(f"embedder: {embedder.name}; {full.chunks_written} chunks from {extracted:,} characters")
    print("| step | seconds | pages/s |\n|---|---|---|")
    print(f"| pypdf text extraction alone | {extract_s:.2f} | {args.pages / extract_s:,.1f} |")
    print(f"| full sync: parse + chunk | {full.parse_s:.2f} | {args.pages / full.parse_s:,.1f} |")
    print(f"| full sync: embed | {full.embed_s:.2f} | {args.pages / full.embed_s:,.1f} |")
    print(f"| full sync: write to pgvector | {full.write_s:.2f} | |")
    print(f"| full sync, total | {full_s:.2f} | {pages_per_s:,.1f} |")
    print(
        f"| re-sync after adding one small file ({incremental.count('embedded')} embedded, "
        f"{incremental.count('unchanged')} unchanged) | {incremental_s:.2f} | |"
    )
    print(f"embedding share of the full sync: {embed_share:.1%}")
    print(json.dumps({"pages_per_s": round(pages_per_s, 2), "embed_share": round(embed_share, 3)}))


if __name__ == "__main__":
    main()
