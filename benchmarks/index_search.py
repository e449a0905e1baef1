"""Flat vs inverted-file (IVF) vector search at large community sizes.

    PYTHONPATH=. python benchmarks/index_search.py [--sizes 50000 200000 500000]
        [--queries 200] [--nprobe 32]

Vectors are synthetic but clustered like descriptions are (512 dimensions, as the
default model; 3,000 topics with as much noise as signal, so topic-mates sit at cosine
~0.5), because IVF's recall depends on clusters: uniform random vectors would
understate it, a few tight clusters overstate it. Both indexes are `matching.index.VectorIndex`:
the flat one with no size limit, the IVF one built as the product builds it past
`EXACT_UP_TO`. Per size: time to add all vectors (IVF: including k-means training),
median and p99 single-query search time over --queries new points from the same
topics, recall@10 of IVF against the exact flat result, and how many of the exact top
10 are among the 110 candidates the pool asks for (and re-scores exactly). The flat index is the
baseline in the same process. Writes benchmarks/results/index_search.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import faiss
import numpy as np

from matching.embedder import normalise
from matching.index import NPROBE, VectorIndex

DIM = 512


TOPICS = 3000


def clustered(n: int, centres: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Points around topic centres; a point's nearest topic-mates sit at cosine ~0.5."""
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 50_000):
        m = min(50_000, n - start)
        noise = rng.standard_normal((m, DIM)).astype(np.float32)
        out[start : start + m] = centres[rng.integers(0, len(centres), m)] + noise
    return normalise(out)


# What the pool asks the index for: k suggestions plus 100 candidates it re-scores exactly.
POOL_DEPTH = 110


def timed_searches(
    ix: VectorIndex, queries: np.ndarray, k: int = 10
) -> tuple[list[float], list[set[int]]]:
    times, found = [], []
    for q in queries:
        t = time.perf_counter()
        hits = ix.search(q, k)
        times.append(time.perf_counter() - t)
        found.append({i for i, _ in hits})
    return times, found


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[50_000, 200_000, 500_000])
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--nprobe", type=int, default=NPROBE)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/index_search.json"))
    args = ap.parse_args()

    rows = []
    threads = faiss.omp_get_max_threads()
    print(f"faiss {faiss.__version__}, {os.cpu_count()} cpus, omp threads {threads}")
    print(
        f"{'entries':>9} {'index':>5} {'add s':>7} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'recall@10':>9} {'in 110':>7} {'speed-up':>8}"
    )
    for n in args.sizes:
        rng = np.random.default_rng(n)
        centres = rng.standard_normal((TOPICS, DIM)).astype(np.float32)
        vecs = clustered(n, centres, rng)
        ids = list(range(n))
        # New descriptions, not stored ones: a stored vector would find itself trivially.
        queries = clustered(args.queries, centres, rng)
        results = {}
        for name, exact_up_to in (("flat", n + 1), ("ivf", 0)):
            ix = VectorIndex(DIM, exact_up_to=exact_up_to, nprobe=args.nprobe)
            t = time.perf_counter()
            for start in range(0, n, 10_000):
                ix.add(ids[start : start + 10_000], vecs[start : start + 10_000])
            added = time.perf_counter() - t
            assert ix.approximate == (name == "ivf")
            timed_searches(ix, queries[:10])  # warm-up
            times, found = timed_searches(ix, queries)
            deep = timed_searches(ix, queries, POOL_DEPTH)[1]
            results[name] = (added, times, found, deep)
            del ix
        flat_found = results["flat"][2]
        flat_p50 = statistics.median(results["flat"][1])
        for name, (added, times, found, deep) in results.items():
            recall = float(
                np.mean([len(a & b) / 10 for a, b in zip(found, flat_found, strict=True)])
            )
            in_pool = float(
                np.mean([len(a & b) / 10 for a, b in zip(deep, flat_found, strict=True)])
            )
            row = {
                "entries": n,
                "index": name,
                "add_s": round(added, 2),
                "p50_ms": round(statistics.median(times) * 1000, 3),
                "p99_ms": round(p99(times) * 1000, 3),
                "recall_at_10": round(recall, 3),
                "true_top10_in_pool_candidates": round(in_pool, 3),
                "speedup_p50": round(flat_p50 / statistics.median(times), 1),
            }
            rows.append(row)
            print(
                f"{n:>9} {name:>5} {row['add_s']:>7} {row['p50_ms']:>7} {row['p99_ms']:>7} "
                f"{row['recall_at_10']:>9} {row['true_top10_in_pool_candidates']:>7} "
                f"{row['speedup_p50']:>8}"
            )
    meta = {
        "python": platform.python_version(),
        "faiss": faiss.__version__,
        "cpus": os.cpu_count(),
        "nprobe": args.nprobe,
        "queries": args.queries,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"meta": meta, "results": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
