"""The settings object: parsing from the environment, secrets kept secret."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Settings


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("U1,U2", ["U1", "U2"]), ('["U1", "U2"]', ["U1", "U2"]), ("", []), (" U1 ", ["U1"])],
)
def test_facilitators_from_env(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: list[str]
) -> None:
    monkeypatch.setenv("FACILITATORS", raw)
    assert Settings(_env_file=None).facilitators == expected  # type: ignore[call-arg]


def test_secrets_never_show_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert "very-secret" not in repr(s)
    assert s.slack_bot_token is not None
    assert s.slack_bot_token.get_secret_value() == "xoxb-very-secret"


@pytest.mark.parametrize(("name", "value"), [("THREADS", "many"), ("FACILITATORS", "[broken")])
def test_bad_settings_are_one_line_at_the_cli(tmp_path: Path, name: str, value: str) -> None:
    env = {**os.environ, name: value, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    r = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        timeout=120,
    )
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert r.stderr.strip().startswith("civic-match: error: bad setting")
    assert name.lower() in r.stderr
