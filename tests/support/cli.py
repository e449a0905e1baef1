"""The one way the tests call the CLI: `civic-match` in a fresh process, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_cli(
    args: list[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    stdin: str | None = None,
    drop_env_prefix: str | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run ``civic-match ARGS``; ``env`` goes on top of this process's environment
    (minus variables starting with ``drop_env_prefix``), ``cwd`` defaults to the
    repository so no stray .env is read from elsewhere."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not (drop_env_prefix and k.startswith(drop_env_prefix))
    }
    full = {**base, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        env=full,
        cwd=cwd or ROOT,
        input=stdin,
        timeout=timeout,
    )
