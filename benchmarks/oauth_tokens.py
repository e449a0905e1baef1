"""Cost of per-workspace tokens in OAuth mode: finding and decrypting a workspace's token.

    PYTHONPATH=. python benchmarks/oauth_tokens.py [--teams 200] [--n 2000] [--db URL]

Every message a flow sends in OAuth mode first asks the installation store for the
workspace's bot token (bot.slack.notifier.TeamClients.client: one indexed query, one
Fernet decryption, a WebClient reused per token), and Bolt's authorize does the same
lookup for every request before the ack. This measures that lookup against a migrated
database (a temporary SQLite file by default) holding ``--teams`` installations, and the
Fernet seal/open of one token alone. Prints medians and p99 in microseconds and writes
benchmarks/results/oauth_tokens.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation

from bot.container import open_store
from bot.slack.installations import SealedInstallationStore, TokenCipher
from bot.slack.notifier import TeamClients

RESULTS = Path(__file__).resolve().parent / "results" / "oauth_tokens.json"


def _us(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_us": round(statistics.median(ordered) * 1e6, 1),
        "p99_us": round(ordered[int(len(ordered) * 0.99) - 1] * 1e6, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--teams", type=int, default=200)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--db", default="")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{tmp}/oauth.db"
        store = open_store(url)
        cipher = TokenCipher(Fernet.generate_key().decode())
        installations = SealedInstallationStore("1111.2222", store.engine, cipher)
        teams = [f"T{i:08d}" for i in range(args.teams)]
        for i, team in enumerate(teams):
            installations.save(
                Installation(
                    app_id="A1",
                    team_id=team,
                    bot_token=f"xoxb-{i}-{'x' * 50}",
                    bot_id="B1",
                    bot_user_id="UBOT",
                    user_id="U1",
                    installed_at=datetime(2026, 12, 1, tzinfo=UTC).timestamp(),
                )
            )
        clients = TeamClients(installations)
        rng = random.Random(0)
        lookups = []
        for _ in range(args.n):
            team = rng.choice(teams)
            t0 = time.perf_counter()
            clients.client(team)
            lookups.append(time.perf_counter() - t0)
        token = "xoxb-1234567890-1234567890123-" + "a" * 24
        seals, opens = [], []
        for _ in range(args.n):
            t0 = time.perf_counter()
            sealed = cipher.seal(token)
            t1 = time.perf_counter()
            cipher.open(sealed)
            t2 = time.perf_counter()
            seals.append(t1 - t0)
            opens.append(t2 - t1)
        backend = store.engine.url.get_backend_name()
        store.dispose()
    result = {
        "backend": backend,
        "teams": args.teams,
        "n": args.n,
        "python": platform.python_version(),
        "team_token_lookup": _us(lookups),
        "fernet_seal": _us(seals),
        "fernet_open": _us(opens),
    }
    for name in ("team_token_lookup", "fernet_seal", "fernet_open"):
        r = result[name]
        assert isinstance(r, dict)
        print(f"{name:<20} p50 {r['p50_us']:>8.1f} µs   p99 {r['p99_us']:>8.1f} µs")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
