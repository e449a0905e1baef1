"""Ack latency of `/match` slash commands, over the HTTP endpoint or Socket Mode.

    PYTHONPATH=. python benchmarks/ack_latency.py [--transport http|socket]
        [--embedder use|e5|use+e5|hash] [--n 200] [--workers 2]
        [--embed-threads N]   (default: the bot's BOT_THREADS setting)

The real bolt App (bot.slack.app.connect) runs in a separate process (as in production,
where the clients are Slack's servers); its WebClient and the response URLs point at
the local fake Slack (tests/fakeslack), and the database is a temporary SQLite file
holding the bundled sample community.

- http: bot.slack.server.HttpServer on 127.0.0.1; "ack latency" is the wall time from
  sending a signed request to receiving the HTTP response, which bolt returns as soon
  as the listener calls ack().
- socket: slack_sdk's builtin Socket Mode client connects to the fake's WebSocket
  server (via apps.connections.open); "ack latency" is the time from the server
  sending the envelope to receiving the app's ack message, both read on the server.

Scenarios, all in one process:
  idle/help sequential     200 `help` one after the other (the baseline)
  idle/help concurrent     200 `help` from 10 client threads
  burst/help sequential    the same, while a burst of `describe`s (each embeds a text,
  burst/help concurrent    updates the index and searches) keeps the worker pool busy
  burst/describe           the acks of the describes themselves

Prints p50 / p99 / max in milliseconds and writes benchmarks/results/ack_latency.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from slack_bolt import App

from bot.container import Container, open_store
from bot.flows.importer import Row, read_rows
from bot.settings import Settings
from bot.slack.app import connect
from bot.slack.server import HttpServer, socket_mode_handler
from bot.slack.worker import Worker
from matching.embedder import Embedder, load_embedder
from matching.service import Matcher
from testkit.fakeslack import (
    FakeSlack,
    FakeSocketModeServer,
    signed_headers,
    slash_command_body,
    slash_command_payload,
)

SECRET = "bench-signing-secret"
TEAM = "T0CIVIC01"
DESCRIPTIONS = [
    "Wir beraten Senior*innen zur digitalen Teilhabe und pflegen Kontakte in CiviCRM.",
    "Unser Projekt unterstützt Geflüchtete aus der Ukraine bei der Wohnungssuche.",
    "Wir sammeln Daten zu Kinderarmut in den Stadtteilen und suchen Partner für Analysen.",
    "Beratung für Menschen, die von Hass im Netz betroffen sind; wir suchen Ehrenamtliche.",
    "Wohnungslose Menschen finden bei uns Hilfe; wir wollen unsere Einsatzdaten auswerten.",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary(values: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values]
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2),
    }


class Client:
    def __init__(self, url: str, fake: FakeSlack) -> None:
        self.url = url
        self.fake = fake

    def send(self, text: str, user: str) -> float:
        body = slash_command_body(
            text=text, user_id=user, team_id=TEAM, response_url=self.fake.new_response_url()
        )
        req = urllib.request.Request(
            self.url, data=body.encode(), headers=signed_headers(SECRET, body)
        )
        started = time.perf_counter()
        with urllib.request.urlopen(req, timeout=30) as resp:
            resp.read()
            if resp.status != 200:
                raise RuntimeError(f"HTTP {resp.status}")
        return time.perf_counter() - started


class SocketClient(Client):
    def __init__(self, fake: FakeSlack) -> None:
        assert fake.socket_mode is not None
        self.fake = fake
        self.socket_mode = fake.socket_mode

    def send(self, text: str, user: str) -> float:
        payload = slash_command_payload(
            text=text, user_id=user, team_id=TEAM, response_url=self.fake.new_response_url()
        )
        envelope = self.socket_mode.send_envelope("slash_commands", payload)
        return self.socket_mode.wait_for_ack_timing(envelope, timeout=30).seconds


def sequential(client: Client, n: int, text: str = "help") -> list[float]:
    return [client.send(text, f"U{i % 50:04d}") for i in range(n)]


def concurrent(client: Client, n: int, threads: int, text: str = "help") -> list[float]:
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda i: client.send(text, f"U{i % 50:04d}"), range(n)))


def start_burst(client: Client, count: int, out: list[float]) -> threading.Thread:
    """Fire ``count`` describes from 4 threads; their ack times land in ``out``."""

    def fire() -> None:
        with ThreadPoolExecutor(4) as pool:
            out.extend(
                pool.map(
                    lambda i: client.send(
                        f"describe {DESCRIPTIONS[i % len(DESCRIPTIONS)]} (Lauf {i})", f"UB{i:04d}"
                    ),
                    range(count),
                )
            )

    thread = threading.Thread(target=fire, daemon=True)
    thread.start()
    return thread


def build(
    embedder: Embedder, db: str, api_url: str, worker_threads: int, mode: str = "http"
) -> tuple[App, Container]:
    settings = Settings(
        database_url=db,
        slack_bot_token="xoxb-bench",
        slack_app_token="xapp-1-bench",
        slack_signing_secret=SECRET,
        slack_api_url=api_url,
        worker_threads=worker_threads,
    )
    store = open_store(db)
    matcher = Matcher(store, embedder)
    sample = resources.files("bot") / "data" / "sample_community.jsonl"
    with resources.as_file(sample) as path:
        rows = [r for r in read_rows(path) if isinstance(r, Row)]
    matcher.import_entries(
        TEAM, ((r.user_id, r.name, r.organisation, r.entry) for r in rows), consent="self"
    )
    return connect(
        settings,
        mode="http" if mode == "http" else "socket",
        matcher=matcher,
        worker=Worker(worker_threads, 1000),
    )


def serve_bot(
    embedder_name: str,
    db: str,
    api_url: str,
    conn: Connection,
    switch: float | None,
    workers: int,
    embed_threads: int,
    transport: str,
    quick_threads: int | None,
) -> None:
    """The bot's process: its own interpreter, so the clients and the fake Slack (the
    "Slack side" of the measurement) never compete with it for the GIL."""
    if embedder_name != "hash":
        embedder: Embedder = load_embedder(embedder_name, threads=embed_threads)
    else:
        from testkit.embedders import HashEmbedder

        embedder = HashEmbedder()
    if switch:
        sys.setswitchinterval(switch)
    if quick_threads:
        import bot.container as wiring

        wiring.QUICK_THREADS = quick_threads
    app, container = build(embedder, db, api_url, worker_threads=workers, mode=transport)
    if transport == "http":
        server = HttpServer(app, "127.0.0.1", 0).start()
        conn.send(server.url)
        close = server.stop
    else:
        handler = socket_mode_handler(app, "xapp-1-bench")
        handler.connect()
        conn.send("connected")
        close = handler.close
    while True:
        cmd = conn.recv()
        if cmd == "pending":
            conn.send(container.worker.pending)
        elif cmd == "wait_idle":
            conn.send(container.wait_idle(600))
        else:
            close()
            container.shutdown()
            conn.send("stopped")
            return


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--transport", choices=["http", "socket"], default="http")
    ap.add_argument("--embedder", choices=["use", "e5", "use+e5", "hash"], default="use")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--threads", type=int, default=10, help="concurrent clients")
    ap.add_argument("--describes", type=int, default=60, help="describes in the burst")
    ap.add_argument(
        "--switch", type=float, default=None, help="sys.setswitchinterval in the bot process"
    )
    ap.add_argument("--workers", type=int, default=2, help="worker threads (WORKER_THREADS)")
    ap.add_argument(
        "--embed-threads",
        type=int,
        default=Settings.model_fields["bot_threads"].default,
        help="BLAS threads of the bot's embedder (default: what run/serve use)",
    )
    ap.add_argument(
        "--quick-threads",
        type=int,
        default=None,
        help="threads of the pool for quick replies (default: bot.container.QUICK_THREADS)",
    )
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    suffix = "" if args.transport == "http" else f"_{args.transport}"
    out = args.out or Path(f"benchmarks/results/ack_latency{suffix}.json")

    results: dict[str, Any] = {}
    ctx = multiprocessing.get_context("spawn")
    socket_mode = FakeSocketModeServer() if args.transport == "socket" else None
    with tempfile.TemporaryDirectory() as tmp, FakeSlack(socket_mode=socket_mode) as fake:
        parent, child = ctx.Pipe()
        proc = ctx.Process(
            target=serve_bot,
            args=(
                args.embedder,
                f"sqlite:///{tmp}/bench.db",
                fake.base_url,
                child,
                args.switch,
                args.workers,
                args.embed_threads,
                args.transport,
                args.quick_threads,
            ),
        )
        proc.start()
        if not parent.poll(600):
            raise SystemExit("the bot process did not start")
        started_as = parent.recv()
        client: Client
        if socket_mode is not None:
            socket_mode.wait_connected(timeout=30)
            client = SocketClient(fake)
        else:
            client = Client(started_as, fake)
        try:
            sequential(client, 20)  # warm-up: imports, first auth.test, connections
            results["idle/help sequential"] = summary(sequential(client, args.n))
            results["idle/help concurrent"] = summary(concurrent(client, args.n, args.threads))

            describe_acks: list[float] = []
            started = time.perf_counter()
            burst = start_burst(client, args.describes, describe_acks)
            time.sleep(0.2)
            parent.send("pending")
            busy_at_start = parent.recv()
            results["burst/help sequential"] = summary(sequential(client, args.n))
            results["burst/help concurrent"] = summary(concurrent(client, args.n, args.threads))
            burst.join()
            parent.send("pending")
            busy_at_end = parent.recv()
            parent.send("wait_idle")
            parent.recv()
            drained = time.perf_counter() - started
            results["burst/describe"] = summary(describe_acks)
            answered = len(fake.responses())
        finally:
            parent.send("stop")
            parent.recv()
            proc.join(30)

    meta = {
        "transport": args.transport,
        "embedder": args.embedder,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "worker_threads": args.workers,
        "embed_threads": args.embed_threads,
        "switch_interval_s": args.switch or sys.getswitchinterval(),
        "describes_in_burst": args.describes,
        "worker_jobs_pending_when_help_started": busy_at_start,
        "worker_jobs_pending_after_help": busy_at_end,
        "burst_drained_after_s": round(drained, 2),
        "responses_posted": answered,
    }
    print(f"ack latency of /match slash commands ({meta})")
    print(f"{'scenario':<24} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, r in results.items():
        print(f"{name:<24} {r['n']:>5} {r['p50_ms']:>8} {r['p99_ms']:>8} {r['max_ms']:>8}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
