"""Community-scale speed of whole commands (issue 13): suggest --all, digest dry-run, cold start.

    PYTHONPATH=. python benchmarks/community_speed.py --repo before=/tmp/before --repo after=.

Communities of 2,000 and 10,000 entries are built from the English charity
descriptions of the UK-CAT dev set (2,000 as they are; 10,000 by recombining a
description with a sentence of another one and a distinct place name) and
imported through the real product path, `civic-match import`, with the default
model. Embedding 10,000 texts takes minutes, so each imported database is cached
under --cache (not committed) and copied for every checkout compared; each copy
is warmed up once (migrations, stored derived data) before anything is timed.

Timed, as subprocesses with the model loaded from disk, medians of --repeat:
`civic-match suggest --team T --all --k 10 --json` (2,000; and its peak resident
memory at 10,000), `civic-match digest run --team T --dry-run` with every member
due (2,000 and 10,000), and the cold start at 10,000 (a new Matcher's first sync,
in a fresh process), and the digest's CPU time (user + system, a forked ranking process
included). Checkouts are measured in the same run, alternating, so that
before and after share the machine's load. Writes benchmarks/results/community_speed.json.

Every command runs with --python (default: the interpreter running this script). Peak
memory depends on what is installed (the development venv was 13 MiB larger than a
user's once the CLI had started), so measure it as users run it, with the interpreter of
a venv that has only `pip install .` (the checkouts come from PYTHONPATH, so nothing is
installed per checkout):

    python -m venv /tmp/venv-default && /tmp/venv-default/bin/pip install .
    PYTHONPATH=. python benchmarks/community_speed.py --python /tmp/venv-default/bin/python \
        --repo before=/tmp/before --repo after=.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEAM = "TSPEED"
SOURCE = Path("/work/shared/data/eval/ukcat-dev.jsonl")
PLACES = [
    "Ashford", "Barnsley", "Carlisle", "Dover", "Exeter", "Falkirk", "Grimsby", "Hexham",
    "Ipswich", "Jarrow", "Kendal", "Luton", "Margate", "Newark", "Oldham", "Penrith",
]  # fmt: skip

COLD_START = """
import resource, sys, time
from bot.cli.common import runtime
rt = runtime(sys.argv[1])
rt.matcher.embedder.embed(["warm"])  # the model's own load is not the sync's cost
t = time.perf_counter()
rt.matcher.sync(sys.argv[2])
print(time.perf_counter() - t)
"""

PEAK_RSS = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
"""


def texts() -> list[str]:
    with SOURCE.open(encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh if line.strip()]


def community(n: int) -> list[dict[str, str]]:
    """``n`` import records; past the source's size, varied recombinations of it."""
    base = texts()
    rng = random.Random(n)
    rows = []
    for i in range(n):
        text = base[i % len(base)]
        if i >= len(base):
            other = re.split(r"(?<=[.!?])\s+", base[rng.randrange(len(base))])
            place = f"{PLACES[i % len(PLACES)]} {i // len(PLACES)}"
            text = f"{text} {rng.choice(other)} Based in {place}."
        rows.append({"id": f"c{i:05d}", "text": text, "organisation": f"Org {i % 1500}"})
    return rows


def build(repo: Path, n: int, cache: Path) -> Path:
    """The imported community of ``n`` entries, built once with ``repo``'s code."""
    db = cache / f"community-{n}.db"
    if db.exists():
        return db
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "rows.jsonl"
        src.write_text("".join(json.dumps(r) + "\n" for r in community(n)))
        part = Path(tmp) / "community.db"
        print(f"importing {n} entries (embedding with the default model)...", flush=True)
        cli(repo, "import", str(src), "--team", TEAM, "--db", f"sqlite:///{part}")
        # Every member agreed and is due: the digest plans for all of them.
        # Closed before the copy: the product's SQLite runs in WAL mode, and an open
        # connection leaves the update in the -wal file, which shutil.copy would miss.
        con = sqlite3.connect(part)
        with con:
            con.execute("UPDATE members SET consent='self', opted_in=1, cadence='weekly'")
        con.close()
        shutil.copy(part, db)
    return db


# The interpreter every command runs with (--python).
PYTHON = sys.executable


def env(repo: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(repo), "TQDM_DISABLE": "1"}


def cli(repo: Path, *args: str) -> None:
    subprocess.run(
        [PYTHON, "-m", "bot.cli", *args],
        cwd=repo,
        env=env(repo),
        check=True,
        stdout=subprocess.DEVNULL,
    )


# CPU seconds (user + system) of the last timed command, its forked ranking process included.
LAST_CPU = [0.0]


def timed(repo: Path, *args: str) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    cli(repo, *args)
    took = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_CPU[0] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return took


def cold_start(repo: Path, url: str) -> float:
    out = subprocess.run(
        [PYTHON, "-c", COLD_START, url, TEAM],
        cwd=repo,
        env=env(repo),
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def peak_rss_mib(repo: Path, *args: str) -> float:
    cmd = [PYTHON, "-m", "bot.cli", *args]
    out = subprocess.run(
        [PYTHON, "-c", PEAK_RSS, *cmd],
        cwd=repo,
        env=env(repo),
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--repo",
        action="append",
        default=[],
        metavar="LABEL=PATH",
        help="a checkout to measure (repeatable); default: after=.",
    )
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000])
    ap.add_argument("--repeat", type=int, default=3, help="repeats at 2,000 entries")
    ap.add_argument("--repeat-large", type=int, default=1, help="repeats at 10,000 entries")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/civic-speed-cache"))
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/community_speed.json"))
    ap.add_argument(
        "--python",
        default=sys.executable,
        help="interpreter for every command (peak memory: a venv with only `pip install .`)",
    )
    args = ap.parse_args()
    global PYTHON
    PYTHON = args.python
    repos = dict(r.split("=", 1) for r in args.repo) if args.repo else {"after": "."}
    checkouts = {label: Path(p).resolve() for label, p in repos.items()}
    # The oldest checkout builds the caches: newer code migrates its copy forward.
    builder = next(iter(checkouts.values()))
    results: dict[str, dict[str, float]] = {label: {} for label in checkouts}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            cached = build(builder, n, args.cache)
            urls = {}
            for label, repo in checkouts.items():
                copy = Path(tmp) / f"{label}-{n}.db"
                shutil.copy(cached, copy)
                urls[label] = f"sqlite:///{copy}"
                # Warm-up: migrations and whatever a checkout stores on first start.
                cli(repo, "suggest", "--team", TEAM, "--profile", "c00000", "--db", urls[label])
            repeat = args.repeat if n <= 2000 else args.repeat_large
            runs: dict[tuple[str, str], list[float]] = {}
            suggest = ("suggest", "--team", TEAM, "--all", "--k", "10", "--json")
            digest = ("digest", "run", "--team", TEAM, "--dry-run")
            for _ in range(repeat):
                for label, repo in checkouts.items():
                    db = ("--db", urls[label])
                    if n <= 2000:
                        runs.setdefault((label, f"suggest_all_{n}_s"), []).append(
                            timed(repo, *suggest, *db)
                        )
                        took = runs[(label, f"suggest_all_{n}_s")][-1]
                        print(f"  {label} suggest --all {n}: {took:.1f} s", flush=True)
                    runs.setdefault((label, f"digest_dry_run_{n}_s"), []).append(
                        timed(repo, *digest, *db)
                    )
                    # Wall time alone hides a second process: its CPU time next to it.
                    runs.setdefault((label, f"digest_dry_run_{n}_cpu_s"), []).append(LAST_CPU[0])
                    if n > 2000:
                        runs.setdefault((label, f"cold_start_{n}_s"), []).append(
                            cold_start(repo, urls[label])
                        )
            if n > 2000:
                for label, repo in checkouts.items():
                    runs[(label, f"suggest_all_{n}_peak_rss_mib")] = [
                        peak_rss_mib(repo, *suggest, "--db", urls[label])
                    ]
            for (label, key), values in runs.items():
                results[label][key] = round(statistics.median(values), 2)
                print(f"{label:>8} {key:<32} {results[label][key]:>9}  {values}", flush=True)
            # Each size as soon as it is done: a long 10,000-entry run keeps the 2,000 one.
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps({"results": results}, indent=2) + "\n")
    keys = sorted({k for r in results.values() for k in r})
    print(f"\n{'measure':<32}" + "".join(f"{label:>10}" for label in results))
    for key in keys:
        print(f"{key:<32}" + "".join(f"{r.get(key, ''):>10}" for r in results.values()))
    meta = {
        "python": platform.python_version(),
        "interpreter": args.python,
        "cpus": os.cpu_count(),
        "repeat": args.repeat,
        "repeat_large": args.repeat_large,
        "source": str(SOURCE),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
