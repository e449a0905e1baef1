"""Digest planning time and peak memory for synthetic communities.

    python benchmarks/digest_planning.py [--sizes 1000 10000 100000] [--k 10] [--repeat 3]

Time is the median of --repeat runs; peak memory (tracemalloc, Python and numpy
allocations, not the solver's C++ heap) comes from one extra traced run.
The planner's input is what a digest run hands it: k candidate partners per
member with their scores (here random). Prints medians and writes them to
benchmarks/results/digest_planning.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
import tracemalloc
from pathlib import Path

import numpy as np

from matching.assign import plan_digest


def synthetic_edges(n: int, k: int, seed: int) -> list[tuple[str, str, float]]:
    rng = np.random.default_rng(seed)
    viewers = np.repeat(np.arange(n), k)
    partners = rng.integers(0, n, n * k)
    scores = rng.random(n * k).round(4)
    names = [f"U{i:06d}" for i in range(n)]
    return [
        (names[a], names[b], float(s))
        for a, b, s in zip(viewers.tolist(), partners.tolist(), scores.tolist(), strict=True)
        if a != b
    ]


def measure(n: int, k: int, seed: int, solver: str, trace: bool) -> tuple[float, float, float]:
    """Seconds, peak MiB allocated while planning (only when traced), coverage."""
    edges = synthetic_edges(n, k, seed)
    if trace:
        # tracemalloc slows Python allocations down, so memory gets its own run.
        tracemalloc.start()
    started = time.perf_counter()
    plan = plan_digest(edges, max_suggestions=3, max_per_member=3, solver=solver)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - started
    peak = 0.0
    if trace:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return elapsed, peak, plan.covered / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--solver", default="ortools", choices=["ortools", "networkx", "auto"])
    args = ap.parse_args()
    results = []
    cpu = platform.processor() or platform.machine()
    print(f"solver={args.solver} k={args.k} repeat={args.repeat} ({cpu})")
    print(f"{'members':>8} {'edges':>9} {'median s':>9} {'peak MiB':>9} {'coverage':>9}")
    for n in args.sizes:
        runs = [measure(n, args.k, seed, args.solver, False) for seed in range(args.repeat)]
        t = statistics.median(r[0] for r in runs)
        m = measure(n, args.k, 0, args.solver, True)[1]
        c = statistics.median(r[2] for r in runs)
        print(f"{n:>8} {n * args.k:>9} {t:>9.2f} {m:>9.1f} {c:>9.3f}", flush=True)
        results.append(
            {
                "members": n,
                "k": args.k,
                "median_seconds": round(t, 3),
                "peak_mib": round(m, 1),
                "coverage": round(c, 4),
                "solver": args.solver,
            }
        )
    out = Path(__file__).parent / "results" / "digest_planning.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
