"""How start-up, suggestions and describe scale with the size of a community.

    PYTHONPATH=. python benchmarks/community_scale.py [--sizes 1000 10000 30000] [--repeat 7]

Synthetic entries (sentences of the bundled sample community recombined, with a
distinct place and number each) in a temporary SQLite file, embedded by a hashing
embedder with the default model's 512 dimensions: the model's own cost (about 2 ms
per text on one thread, see the ack latency section) is left out so that what is
measured is the matching layer (database, sync, faiss, BM25, features).

Per size, in one process: import time; cold start (a new Matcher's first sync: read
vectors, build faiss and BM25) with its resident-memory growth; the median of
--repeat suggestions for an existing entry (warm); a `find` query; and a describe
(save + embed + sync + the member's first suggestions), as the bot does after the ack.
Writes benchmarks/results/community_scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from bot.container import open_store
from bot.flows.importer import Row, read_rows
from matching.service import EntryInput, Matcher
from testkit.embedders import HashEmbedder

TEAM = "T0SCALE"
PLACES = ["Musterstadt", "Nordheim", "Südhafen", "Osterfeld", "Westdorf", "Bergen", "Talstadt"]


class Embedder512(HashEmbedder):
    model_id = "bench-hash-512"
    dim = 512


def rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def sentences() -> list[str]:
    sample = resources.files("bot") / "data" / "sample_community.jsonl"
    with resources.as_file(sample) as path:
        rows = [r for r in read_rows(path) if isinstance(r, Row)]
    out = []
    for r in rows:
        out += [s.strip() + "." for s in r.entry.description.split(".") if len(s.strip()) > 20]
    return out


def synthetic(n: int, seed: int) -> list[tuple[str, str, str, EntryInput]]:
    rng = random.Random(seed)
    pool = sentences()
    rows = []
    for i in range(n):
        text = " ".join(rng.sample(pool, 3))
        place = f"{rng.choice(PLACES)}-{i % 997}"
        rows.append(
            (
                f"U{i:07d}",
                f"Person {i}",
                f"Verein {i % 500}",
                EntryInput(title=f"Projekt {i} in {place}", description=text),
            )
        )
    return rows


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return round(statistics.median(times) * 1000, 1)


def measure(n: int, repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/scale.db"
        store = open_store(url)
        emb = Embedder512()
        rows = synthetic(n, seed=n)
        t = time.perf_counter()
        ids = Matcher(store, emb).import_entries(TEAM, rows, consent="self")
        imported = time.perf_counter() - t

        before = rss_mib()
        matcher = Matcher(store, emb)
        t = time.perf_counter()
        matcher.sync(TEAM)
        cold = time.perf_counter() - t
        grown = rss_mib() - before
        matcher.suggest_for_entry(TEAM, ids[0], 5)  # builds BM25 on first use

        rng = random.Random(1)
        picks = iter([rng.choice(ids) for _ in range(repeat)])
        suggest = median_ms(lambda: matcher.suggest_for_entry(TEAM, next(picks), 5), repeat)
        find = median_ms(lambda: matcher.find(TEAM, "Senior*innen digitale Teilhabe", 5), repeat)
        fresh = iter(synthetic(repeat, seed=n + 1))

        def describe() -> None:
            user, name, _org, entry = next(fresh)
            entry_id = matcher.save_entry(TEAM, "N" + user, entry, display_name=name)
            matcher.suggest_for_entry(TEAM, entry_id, 5)

        described = median_ms(describe, repeat)
        store.dispose()
    return {
        "entries": n,
        "import_s": round(imported, 1),
        "cold_start_s": round(cold, 2),
        "cold_start_rss_mib": round(grown, 1),
        "suggest_ms": suggest,
        "find_ms": find,
        "describe_ms": described,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 30000])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/community_scale.json"))
    args = ap.parse_args()
    rows = []
    print(
        f"{'entries':>8} {'import s':>9} {'cold s':>7} {'cold MiB':>9} "
        f"{'suggest ms':>11} {'find ms':>8} {'describe ms':>12}"
    )
    for n in args.sizes:
        r = measure(n, args.repeat)
        rows.append(r)
        print(
            f"{n:>8} {r['import_s']:>9} {r['cold_start_s']:>7} {r['cold_start_rss_mib']:>9} "
            f"{r['suggest_ms']:>11} {r['find_ms']:>8} {r['describe_ms']:>12}",
            flush=True,
        )
    meta = {"python": platform.python_version(), "cpus": os.cpu_count(), "repeat": args.repeat}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"meta": meta, "results": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
