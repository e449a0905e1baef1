"""The installation store of OAuth mode on SQLite and PostgreSQL: tokens sealed at rest, key
rotation, per-team lookups and deletion."""

from __future__ import annotations

import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import text

from bot.settings import BOT_SCOPES, Settings
from bot.slack.installations import SealedInstallationStore, TokenCipher, TokenKeyError
from profiles.db import Store
from tests.support.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]
# A rotating token (xoxe.xoxb-…) with its refresh token: the longest Slack gives out.
BOT_TOKEN = "xoxe.xoxb-1-" + "A" * 150
REFRESH = "xoxe-1-" + "R" * 140


def install(team: str, token: str = BOT_TOKEN, enterprise: str | None = None) -> Installation:
    return Installation(
        app_id="A1",
        enterprise_id=enterprise,
        team_id=team,
        team_name=f"Team {team}",
        bot_token=token,
        bot_id="B1",
        bot_user_id="UBOT",
        bot_scopes="commands,chat:write",
        bot_refresh_token=REFRESH,
        bot_token_expires_in=43200,
        user_id="U1",
        installed_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC).timestamp(),
    )


def sealed(store: Store, key: str) -> SealedInstallationStore:
    return SealedInstallationStore("1111.2222", store.engine, TokenCipher(key))


def raw_rows(store: Store) -> str:
    with store.engine.connect() as conn:
        rows = [
            *conn.execute(text("SELECT * FROM slack_installations")).all(),
            *conn.execute(text("SELECT * FROM slack_bots")).all(),
        ]
    return repr(rows)


def test_tokens_are_not_stored_in_plain_text(store: Store) -> None:
    key = Fernet.generate_key().decode()
    s = sealed(store, key)
    s.save(install("T1"))
    dump = raw_rows(store)
    assert "xoxb" in BOT_TOKEN and "T1" in dump  # the rows are there
    assert BOT_TOKEN not in dump and REFRESH not in dump and "xoxe" not in dump
    bot = s.find_team_bot("T1")
    assert bot is not None and bot.bot_token == BOT_TOKEN and bot.bot_refresh_token == REFRESH
    found = s.find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == BOT_TOKEN
    # With another key the tokens are useless, and that is said clearly.
    with pytest.raises(TokenKeyError, match="rotate-key"):
        sealed(store, Fernet.generate_key().decode()).find_team_bot("T1")


def test_key_rotation_reseals_with_the_new_key(store: Store) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed(store, old).save(install("T1"))
    both = sealed(store, f"{new},{old}")
    assert both.find_team_bot("T1") is not None  # the old key still opens
    assert both.reseal_all() == 4  # bot token and refresh token, in both tables
    only_new = sealed(store, new).find_team_bot("T1")
    assert only_new is not None and only_new.bot_token == BOT_TOKEN
    with pytest.raises(TokenKeyError):
        sealed(store, old).find_team_bot("T1")


def test_lookup_and_deletion_by_team_whatever_the_enterprise(store: Store) -> None:
    s = sealed(store, Fernet.generate_key().decode())
    s.save(install("T1", "xoxb-one", enterprise="E1"))
    s.save(install("T2", "xoxb-two"))
    one = s.find_team_bot("T1")
    assert one is not None and one.bot_token == "xoxb-one"
    s.forget_team("T1")
    assert s.find_team_bot("T1") is None
    assert s.find_installation(enterprise_id="E1", team_id="T1") is None
    two = s.find_team_bot("T2")
    assert two is not None and two.bot_token == "xoxb-two"


def test_bad_keys_are_one_clear_line() -> None:
    with pytest.raises(TokenKeyError, match="not set"):
        TokenCipher(" , ")
    with pytest.raises(TokenKeyError, match="Fernet keys"):
        TokenCipher("short")


def test_without_the_oauth_extra_the_error_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As if `cryptography` were not installed: the import of its module fails.
    monkeypatch.setitem(sys.modules, "cryptography.fernet", None)
    with pytest.raises(TokenKeyError, match=r"pip install 'civic-match\[oauth\]'"):
        TokenCipher(Fernet.generate_key().decode("ascii"))


def test_default_scopes_are_the_manifests() -> None:
    manifest = (ROOT / "bot" / "manifest.yaml").read_text(encoding="utf-8")
    block = manifest.split("    bot:\n", 1)[1]
    scopes = []
    for line in block.splitlines():
        m = re.match(r"\s+- ([a-z:._]+)", line)
        if m is None:
            if line.strip().startswith("#"):
                continue
            break
        scopes.append(m.group(1))
    assert scopes == list(BOT_SCOPES)
    assert Settings(_env_file=None).slack_scopes == list(BOT_SCOPES)  # type: ignore[call-arg]


def test_cli_rotate_key_then_the_old_key_can_go(store: Store, db_url: str, tmp_path: Path) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed(store, old).save(install("T1"))
    env = {
        "SLACK_CLIENT_ID": "1111.2222",
        "SLACK_CLIENT_SECRET": "s",
        "TOKEN_ENCRYPTION_KEY": f"{new},{old}",
    }
    done = run_cli(
        ["workspace", "rotate-key", "--db", db_url], env=env, cwd=tmp_path, drop_env_prefix="SLACK_"
    )
    assert done.returncode == 0, done.stderr
    assert "re-sealed 4 tokens" in done.stdout
    bot = sealed(store, new).find_team_bot("T1")
    assert bot is not None and bot.bot_token == BOT_TOKEN


def test_cli_serve_in_oauth_mode_without_a_key_is_one_line(tmp_path: Path) -> None:
    env = {"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "s", "SLACK_SIGNING_SECRET": "x"}
    done = run_cli(
        ["serve", "--http", "--db", f"sqlite:///{tmp_path}/x.db"],
        env=env,
        cwd=tmp_path,
        drop_env_prefix="SLACK_",
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "civic-match: error: TOKEN_ENCRYPTION_KEY is not set (needed in OAuth mode)"
    )


def test_cli_new_key_without_the_oauth_extra_is_one_line(tmp_path: Path) -> None:
    # A `cryptography` that cannot be imported, first on the path: as if not installed.
    fake = tmp_path / "cryptography"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('not installed')\n", encoding="utf-8")
    r = run_cli(["workspace", "new-key"], env={"PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"})
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.strip() == (
        "civic-match: error: OAuth mode needs the oauth extra: pip install 'civic-match[oauth]'"
    )
    ok = run_cli(["workspace", "new-key"])
    assert ok.returncode == 0 and len(ok.stdout.strip()) == 44  # a Fernet key
