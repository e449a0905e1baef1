"""Which embedding model to ship: quality and cost of USE, e5 and the USE+e5 ensemble.

    PYTHONPATH=. python benchmarks/model_choice.py [--models use e5 use+e5] [--skip-quality]

Per model (MODEL=use | e5 | use+e5):
- P@5 on datenprojekte-dev (fine, coarse) and ukcat-dev welfare (category) through the
  product path (bot.cli.quality.run, what `civic-match eval` runs; vectors cached by text
  in benchmarks/embed_cache.py, which changes no result, only the time of a rerun);
- sentences/s at 2 threads (200 sentences of the sample community, best of 3);
- RSS after loading the model and embedding (a fresh process, ru_maxrss);
- `civic-match demo` wall time in a fresh process with a fresh database (first run);
- describe -> suggestions p95 at 1,000 entries: save + embed (the bot's 1 thread, the
  real model) + sync + first suggestions, 20 describes into a community of 1,000
  synthetic entries (benchmarks/community_scale.py) stored with hashed vectors of the
  model's id and size: what is timed is the model on the new text plus ranking.
Writes benchmarks/results/model_choice.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.community_scale import sentences, synthetic  # noqa: E402
from benchmarks.model_tuning import EVAL, SETS, cached  # noqa: E402
from bot.cli.quality import run as eval_run  # noqa: E402
from bot.container import open_store  # noqa: E402
from matching.embedder import Embedder, load_embedder  # noqa: E402
from matching.service import Matcher  # noqa: E402
from testkit.embedders import HashEmbedder  # noqa: E402

RSS_SNIPPET = """
import resource, sys
from matching.embedder import load_embedder
load_embedder(sys.argv[1], threads=2).embed(["Ein Projekt für Senior*innen im Quartier."] * 8)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def quality(model: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, fields, subset in SETS:
        res = eval_run(
            EVAL / name, fields, cached(model), subset=subset, with_ablations=False, echo=print
        )
        for f in fields:
            out[f"{name.split('-')[0]} {f} P@5"] = round(res["product"][f].p_at_5, 3)
    return out


def speed(model: str) -> float:
    emb = load_embedder(model, threads=2)
    texts = sentences()[:200]
    emb.embed(texts[:4])  # load
    best = 0.0
    for _ in range(3):
        t = time.perf_counter()
        emb.embed(texts)
        best = max(best, len(texts) / (time.perf_counter() - t))
    return round(best, 1)


def rss(model: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    got = subprocess.run(
        [sys.executable, "-c", RSS_SNIPPET, model], capture_output=True, text=True, env=env
    )
    return round(float(got.stdout.strip().splitlines()[-1]))


def demo_s(model: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "MODEL": model}
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot.cli", "demo", "--db", f"sqlite:///{tmp}/demo.db"],
            check=True,
            capture_output=True,
            env=env,
        )
        return round(time.perf_counter() - t, 1)


class _Stand(HashEmbedder):
    """Hashed vectors under the real model's id and size, for the 1,000 stored entries."""

    def __init__(self, like: Embedder) -> None:
        super().__init__()
        self.model_id, self.dim = like.model_id, like.dim


def describe_p95(model: str, n: int = 1000, repeat: int = 20) -> dict[str, float]:
    emb = load_embedder(model, threads=1)  # the bot's BOT_THREADS
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/scale.db")
        Matcher(store, _Stand(emb)).import_entries("T", synthetic(n, seed=n), consent="self")
        matcher = Matcher(store, emb)
        matcher.sync("T")
        times = []
        for user, name, _org, entry in synthetic(repeat + 1, seed=n + 1):
            t = time.perf_counter()
            eid = matcher.save_entry("T", "N" + user, entry, display_name=name)
            matcher.suggest_for_entry("T", eid, 5)
            times.append(time.perf_counter() - t)
        times = times[1:]  # the first loads the model
        store.dispose()
    return {
        "describe p50 ms": round(statistics.median(times) * 1000),
        "describe p95 ms": round(float(np.quantile(times, 0.95)) * 1000),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", nargs="+", default=["use", "e5", "use+e5"])
    ap.add_argument("--skip-quality", action="store_true")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/model_choice.json")
    args = ap.parse_args()
    rows = {}
    for model in args.models:
        row: dict[str, float] = {} if args.skip_quality else quality(model)
        row["sentences/s (2 threads)"] = speed(model)
        row["RSS MiB"] = rss(model)
        row["demo s"] = demo_s(model)
        row.update(describe_p95(model))
        rows[model] = row
        print(model, json.dumps(row), flush=True)
    keys = list(next(iter(rows.values())))
    print("| model | " + " | ".join(keys) + " |")
    print("|---|" + "---:|" * len(keys))
    for model, row in rows.items():
        print(f"| {model} | " + " | ".join(str(row[k]) for k in keys) + " |")
    args.out.write_text(
        json.dumps(
            {"machine": platform.platform(), "cpus": os.cpu_count(), "models": rows}, indent=2
        )
    )


if __name__ == "__main__":
    main()
