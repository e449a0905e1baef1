"""`civic-match run` and `serve --http` refuse a missing secret at once, in one line."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]


def _cli(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    # A model path that does not exist and a database nobody listens on: if the command
    # got as far as loading either, the error would name them instead of the secret.
    # cwd without a .env, so only the variables above count.
    base = {
        "MODEL": str(tmp_path / "no-such-model"),
        "DATABASE_URL": "postgresql://127.0.0.1:1/never",
        "FACILITATORS": "",
    }
    return run_cli(args, env={**base, **env}, cwd=tmp_path, drop_env_prefix="SLACK_", timeout=120)


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["serve", "--http"], {"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET is not set"),
        (["serve", "--http"], {"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN is not set"),
        (["run"], {"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN is not set"),
        (["run"], {"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN is not set"),
        (["run"], {}, "SLACK_BOT_TOKEN is not set"),
    ],
)
def test_missing_secret_is_one_line_before_model_or_database(
    tmp_path: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    r = _cli(args, tmp_path, **env)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"civic-match: error: {message}")
    assert r.stdout == ""


def test_serve_without_http_flag_says_how(tmp_path: Path) -> None:
    r = _cli(["serve"], tmp_path, SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s")
    assert r.returncode == 1
    assert len(r.stderr.strip().splitlines()) == 1
    assert "serve --http" in r.stderr


@pytest.mark.parametrize(
    ("args", "secrets"),
    [
        (["serve", "--http"], {"SLACK_SIGNING_SECRET": "s"}),
        (["run"], {"SLACK_APP_TOKEN": "xapp-1"}),
    ],
)
def test_bot_embeds_with_one_blas_thread(
    args: list[str], secrets: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # THREADS stays for bulk work; the bot's own embedder must not take the acks' core.
    from typer.testing import CliRunner

    import bot.cli as cli
    import bot.slack.app as slack_app

    seen: dict[str, object] = {}

    class Built(Exception):
        pass

    def connect(settings: object, *, threads: int | None = None, **_kw: object) -> None:
        seen["threads"] = threads
        raise Built

    monkeypatch.setattr(slack_app, "connect", connect)
    monkeypatch.chdir(tmp_path)
    for name, value in {"SLACK_BOT_TOKEN": "xoxb-1", "THREADS": "4", **secrets}.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli.app, args)
    assert isinstance(result.exception, Built), result.output
    assert seen == {"threads": 1}
