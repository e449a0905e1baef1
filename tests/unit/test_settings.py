"""The settings object: parsing from the environment, secrets kept secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import Settings, team_config
from profiles.models import TeamSettings
from tests.support.cli import run_cli


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
    r = run_cli(["db", "upgrade"], env={name: value, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert r.stderr.strip().startswith("civic-match: error: bad setting")
    assert name.lower() in r.stderr


def _env_example_keys() -> list[str]:
    text = (Path(__file__).resolve().parents[2] / ".env.example").read_text(encoding="utf-8")
    keys = []
    for line in text.splitlines():
        body = line.lstrip("# ").strip()
        name, sep, _value = body.partition("=")
        if sep and name.isupper() and name.replace("_", "").isalnum():
            keys.append(name)
    return keys


def test_every_key_in_env_example_is_a_setting() -> None:
    keys = _env_example_keys()
    assert "DIGEST_DAY" in keys and "DATABASE_URL" in keys
    unknown = [k for k in keys if k.lower() not in Settings.model_fields]
    assert unknown == []


def test_digest_schedule_settings_reach_the_schedule(tmp_path: Path) -> None:
    env = {"DIGEST_DAY": "fri", "DIGEST_HOUR": "17", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    r = run_cli(["digest", "next", "--team", "T1"], env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "T1: Friday" in r.stdout and "17:00 Europe/Berlin" in r.stdout


def test_workspace_settings_fall_back_to_the_process_settings() -> None:
    base = Settings(  # type: ignore[call-arg]
        _env_file=None, digest_day="thu", digest_hour=7, digest_max_per_member=5
    )
    unset = team_config(base, TeamSettings(team_id="T1", facilitators=[]))
    assert (unset.digest_day, unset.digest_hour, unset.max_per_member) == ("thu", 7, 5)
    assert unset.timezone == "Europe/Berlin"
    own = TeamSettings(team_id="T1", digest_day="tue", timezone="UTC", facilitators=["U9"])
    chosen = team_config(base, own)
    assert (chosen.digest_day, chosen.digest_hour, chosen.timezone) == ("tue", 7, "UTC")
    assert "U9" in chosen.facilitators


@pytest.mark.parametrize(
    ("name", "value"), [("DIGEST_DAY", "someday"), ("DIGEST_TIMEZONE", "Mars/Base")]
)
def test_bad_digest_settings_are_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings(_env_file=None)  # type: ignore[call-arg]
