"""Digest planning time and peak memory per solver, side by side, for synthetic communities.

    python benchmarks/digest_planning.py [--sizes 2000 10000 100000] [--k 10] [--repeat 3]
        [--solvers highs ortools networkx] [--networkx-max 10000] [--budget 300]

For every size each solver plans the same inputs: time is the median of
--repeat runs (seeds 0, 1, ...); peak memory is the peak RSS (VmHWM, Linux) of a fresh process
that builds the input and plans it once (so it includes the solver's C++ heap
and the imports, about 100 MiB before any planning). The planner's input is
what a digest run hands it: k candidate partners per member with their scores
(here random). The objective (coverage, then total score) of every solver is
compared on seed 0; they must agree, as all three solve the problem exactly.

networkx (pure Python) is skipped above --networkx-max members, and any solver
whose median exceeded --budget seconds is skipped at the larger sizes; both
print a note. Prints medians and writes them to
benchmarks/results/digest_planning.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import multiprocessing
import platform
import statistics
import time
from pathlib import Path

import numpy as np

from matching.digest_plan import DigestPlan, Solver, plan_digest

SOLVERS: list[Solver] = ["highs", "ortools", "networkx"]


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


def plan(edges: list[tuple[str, str, float]], solver: Solver) -> DigestPlan:
    return plan_digest(edges, max_suggestions=3, max_per_member=3, solver=solver)


def timed(n: int, k: int, seed: int, solver: Solver) -> tuple[float, DigestPlan]:
    edges = synthetic_edges(n, k, seed)
    started = time.perf_counter()
    result = plan(edges, solver)
    return time.perf_counter() - started, result


def _peak_rss_child(n: int, k: int, solver: Solver, out: multiprocessing.Queue[float]) -> None:
    plan(synthetic_edges(n, k, 0), solver)
    # VmHWM, not getrusage's ru_maxrss: the latter survives fork and exec, so the
    # child would report the parent's peak from the timed runs.
    status = Path("/proc/self/status").read_text()
    kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    out.put(kib / 1024)


def peak_rss_mib(n: int, k: int, solver: Solver) -> float:
    # A fresh process per measurement, as a process's peak never goes down and
    # would carry the peak of whichever solver ran before.
    ctx = multiprocessing.get_context("spawn")
    out: multiprocessing.Queue[float] = ctx.Queue()
    proc = ctx.Process(target=_peak_rss_child, args=(n, k, solver, out))
    proc.start()
    peak = out.get()
    proc.join()
    return peak


def objective(p: DigestPlan) -> tuple[int, int]:
    """Coverage and total score in the planner's integer units (four decimals)."""
    return p.covered, sum(round(s * 10_000) for v in p.picks.values() for _, s in v)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[2_000, 10_000, 100_000])
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--solvers", nargs="+", default=SOLVERS, choices=SOLVERS)
    ap.add_argument("--networkx-max", type=int, default=10_000)
    ap.add_argument("--budget", type=float, default=300.0)
    args = ap.parse_args()
    solvers: list[Solver] = list(args.solvers)
    if "ortools" in solvers and importlib.util.find_spec("ortools") is None:
        print("note: ortools is not installed (pip install 'civic-match[ortools]'); skipped")
        solvers.remove("ortools")
    cpu = platform.processor() or platform.machine()
    print(f"k={args.k} repeat={args.repeat} solvers={' '.join(solvers)} ({cpu})")
    header = f"{'members':>8} {'edges':>9} {'solver':>9} {'median s':>9} {'peak RSS MiB':>13}"
    print(f"{header} {'coverage':>9}")
    results = []
    too_slow: set[str] = set()
    for n in args.sizes:
        values: dict[str, tuple[int, int]] = {}
        for solver in solvers:
            if solver == "networkx" and n > args.networkx_max:
                print(f"{n:>8} {'':>9} {solver:>9}  skipped: above --networkx-max", flush=True)
                continue
            if solver in too_slow:
                print(f"{n:>8} {'':>9} {solver:>9}  skipped: over --budget at a smaller size")
                continue
            runs = [timed(n, args.k, seed, solver) for seed in range(args.repeat)]
            t = statistics.median(r[0] for r in runs)
            values[solver] = objective(runs[0][1])
            c = statistics.median(r[1].covered / n for r in runs)
            m = peak_rss_mib(n, args.k, solver)
            print(f"{n:>8} {n * args.k:>9} {solver:>9} {t:>9.2f} {m:>13.0f} {c:>9.3f}", flush=True)
            if t > args.budget:
                too_slow.add(solver)
            results.append(
                {
                    "members": n,
                    "k": args.k,
                    "solver": solver,
                    "median_seconds": round(t, 3),
                    "peak_rss_mib": round(m),
                    "coverage": round(c, 4),
                }
            )
        if len(set(values.values())) > 1:
            print(f"{n:>8} DISAGREE on (coverage, score): {values}", flush=True)
        elif len(values) > 1:
            print(f"{n:>8} same coverage and total score: {', '.join(values)}", flush=True)
    out = Path(__file__).parent / "results" / "digest_planning.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
