"""How long drawing the community map takes for large communities (issue 15).

    PYTHONPATH=. python benchmarks/community_map.py [--sizes 1000 10000] [--repeat 3]

Synthetic entries: 512-dimensional unit vectors around 60 topics (as much noise as
signal), each topic with one or two of 20 target groups and one of 12 themes, two
entries per member, and connect pairs for one member in ten. Timed: everything
``bot.flows.community_map.draw_map`` does after the entries are read (layout, best partner
of every entry, clusters and their labels, connection lines, drawing and PNG
encoding); the median of --repeat runs. Also printed: the closeness ratio of entries
sharing a target group (mean distance over that of all pairs). Writes
benchmarks/results/community_map.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

from bot.flows.community_map import Connection, MapOptions, MapPoint, draw_map
from matching import projection

DIM = 512


def community(n: int, seed: int = 0) -> tuple[list[MapPoint], list[Connection]]:
    rng = np.random.default_rng(seed)
    topics = 60
    centres = rng.normal(size=(topics, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    topic_groups = [
        tuple(f"group{g}" for g in rng.choice(20, size=int(rng.integers(1, 3)), replace=False))
        for _ in range(topics)
    ]
    topic_themes = [(f"theme{int(rng.integers(12))}",) for _ in range(topics)]
    which = rng.integers(topics, size=n)
    noise = rng.normal(size=(n, DIM)).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    vecs = centres[which] + noise
    points = [
        MapPoint(
            user_id=f"U{i // 2:06d}",
            vector=vecs[i],
            groups=topic_groups[which[i]],
            themes=topic_themes[which[i]],
            organisation=f"Org {i % 300}",
        )
        for i in range(n)
    ]
    members = n // 2
    conns = [
        Connection(f"U{a:06d}", f"U{b:06d}", met=bool(a % 3 == 0))
        for a, b in rng.integers(members, size=(members // 10, 2))
        if a != b
    ]
    return points, conns


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rows = []
    for n in args.sizes:
        points, conns = community(n)
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            m = draw_map(points, conns, MapOptions(lang="de"))
            times.append(time.perf_counter() - started)
        ratio = projection.closeness_ratio(m.coords, [p.groups for p in points])
        row = {
            "entries": n,
            "connections": m.connections,
            "loners": m.loners,
            "median_s": round(statistics.median(times), 2),
            "max_s": round(max(times), 2),
            "png_kib": round(len(m.png) / 1024),
            "group_closeness_ratio": round(ratio, 3),
        }
        rows.append(row)
        print(
            f"{n:>7,} entries: median {row['median_s']:.2f} s (max {row['max_s']:.2f} s), "
            f"{m.connections} lines, {m.loners} loners, PNG {row['png_kib']} KiB, "
            f"group closeness {ratio:.3f}"
        )
    out = Path(__file__).parent / "results" / "community_map.json"
    out.write_text(
        json.dumps(
            {"cpus": os.cpu_count(), "python": platform.python_version(), "rows": rows},
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
