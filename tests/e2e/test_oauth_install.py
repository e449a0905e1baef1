"""Many workspaces through Bolt's OAuth flow: installs over the real HTTP server against the
fake Slack, each workspace spoken to with its own token, refusals, uninstall, reinstall."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from bot.flows.ports import DeliveryError
from bot.settings import Settings
from bot.slack.app import ConfigError, check_config, connect
from bot.slack.blocks.suggestions import action_value
from bot.slack.notifier import TeamNotifier
from bot.slack.server import HttpServer
from bot.slack.worker import Worker
from matching.service import Matcher
from profiles import repo
from profiles.models import Feedback, SuggestionLog
from testkit.fakeslack import (
    FakeSlack,
    block_actions_payload,
    event_callback,
    signed_headers,
    slash_command_payload,
)
from testkit.fakeslack.fixtures import fake_slack
from tests.support.slackbot import SECRET, wait_until

__all__ = ["fake_slack"]

ALPHA, BETA = "T0ALPHA01", "T0BETA002"
SENIOR_A = "Wir beraten Senior*innen zur digitalen Teilhabe und pflegen die Kontakte in CiviCRM."
SENIOR_B = "Senior*innen lernen bei uns Tablets. Unsere Kontakte verwalten wir mit CiviCRM."


def oauth_settings(fake: FakeSlack, db_url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": db_url,
        "slack_client_id": fake.oauth.client_id,
        "slack_client_secret": fake.oauth.client_secret,
        "slack_signing_secret": SECRET,
        "slack_api_url": fake.base_url,
        "token_encryption_key": Fernet.generate_key().decode(),
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class OAuthBot:
    server: HttpServer
    fake: FakeSlack
    container: Any

    def get(self, path: str, cookie: str = "") -> tuple[int, dict[str, list[str]], str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        try:
            conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            resp = conn.getresponse()
            headers: dict[str, list[str]] = {}
            for name, value in resp.getheaders():
                headers.setdefault(name.lower(), []).append(value)
            return resp.status, headers, resp.read().decode("utf-8")
        finally:
            conn.close()

    def install(self, code: str) -> tuple[int, str]:
        """The browser's part: the install link, Slack's consent (``code``), the redirect."""
        status, headers, _ = self.get("/slack/install")
        assert status == 302
        state = parse_qs(urlsplit(headers["location"][0]).query)["state"][0]
        cookie = headers["set-cookie"][0].split(";", 1)[0]
        status, _, page = self.get(
            "/slack/oauth_redirect?" + urlencode({"code": code, "state": state}), cookie
        )
        return status, page

    def post(self, body: str) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        try:
            conn.request("POST", "/slack/events", body, signed_headers(SECRET, body))
            resp = conn.getresponse()
            resp.read()
            return resp.status
        finally:
            conn.close()

    def command(self, team: str, user: str, words: str, enterprise: str = "") -> None:
        payload = slash_command_payload(
            text=words, user_id=user, team_id=team, response_url=self.fake.new_response_url()
        )
        if enterprise:  # how Slack says that a workspace belongs to a Grid org
            payload["enterprise_id"] = enterprise
        assert self.post(urlencode(payload)) == 200
        assert self.container.wait_idle(15)

    def action(self, team: str, user: str, action_id: str, value: str) -> None:
        payload = block_actions_payload(
            action_id=action_id,
            value=value,
            user_id=user,
            team_id=team,
            response_url=self.fake.new_response_url(),
        )
        assert self.post(urlencode({"payload": json.dumps(payload)})) == 200
        assert self.container.wait_idle(15)

    def event(self, team: str, event: dict[str, Any]) -> None:
        assert self.post(json.dumps(event_callback(event, team_id=team))) == 200
        assert self.container.wait_idle(15)


@pytest.fixture
def start(fake_slack: FakeSlack, db_url: str, matcher: Matcher) -> Iterator[Any]:
    started: list[OAuthBot] = []

    def run(**extra: Any) -> OAuthBot:
        settings = oauth_settings(fake_slack, db_url, **extra)
        app, container = connect(settings, mode="http", matcher=matcher, worker=Worker(2))
        server = HttpServer(app, "127.0.0.1", 0).start()
        bot = OAuthBot(server, fake_slack, container)
        started.append(bot)
        return bot

    yield run
    for bot in started:
        bot.server.stop()
        bot.container.shutdown()


def token_of(fake: FakeSlack, team: str) -> str:
    return next(t for t, i in fake.oauth.tokens().items() if i.team_id == team)


def two_workspaces(bot: OAuthBot) -> dict[str, str]:
    for team, name in ((ALPHA, "Alpha"), (BETA, "Beta")):
        status, page = bot.install(bot.fake.oauth.issue_code(team, name))
        assert status == 200, page
        assert "installiert" in page and name in page
    return {ALPHA: token_of(bot.fake, ALPHA), BETA: token_of(bot.fake, BETA)}


def tokens_used(fake: FakeSlack, method: str, key: str, value: str) -> set[str]:
    """The tokens of the calls of ``method`` whose parameter ``key`` names ``value``."""
    found = set()
    for call in fake.calls(method):
        named = call.params.get(key)
        names = named if isinstance(named, list) else str(named or "").split(",")
        if value in names:
            found.add(call.token or "")
    return found


def test_two_workspaces_each_spoken_to_with_their_own_token(start: Any) -> None:
    bot = start()
    tokens = two_workspaces(bot)
    assert tokens[ALPHA] != tokens[BETA]
    c = bot.container
    assert c.workspaces.active(ALPHA) and c.workspaces.active(BETA)

    for team, (u1, u2) in ((ALPHA, ("U0ANNA", "U0BERT")), (BETA, ("U0CARL", "U0DORA"))):
        bot.command(team, u1, f"describe {SENIOR_A}")
        bot.command(team, u2, f"beschreiben {SENIOR_B}")
    # Bolt authorised each request with its workspace's token, and the member lookups
    # (users.info) went out with it too.
    for team, users in ((ALPHA, ("U0ANNA", "U0BERT")), (BETA, ("U0CARL", "U0DORA"))):
        assert tokens[team] in {call.token for call in bot.fake.calls("auth.test")}
        for user in users:
            assert tokens_used(bot.fake, "users.info", "user", user) == {tokens[team]}

    # Scheduled work: the digest of each workspace is sent with that workspace's token.
    for team in (ALPHA, BETA):
        assert c.digest.run(team).sent
    for team, users in ((ALPHA, ("U0ANNA", "U0BERT")), (BETA, ("U0CARL", "U0DORA"))):
        for user in users:
            assert tokens_used(bot.fake, "conversations.open", "users", user) == {tokens[team]}
    posted = bot.fake.calls_by_token("chat.postMessage")
    assert set(posted) == {tokens[ALPHA], tokens[BETA]}


def test_a_button_forged_with_the_other_workspaces_ids_changes_nothing(start: Any) -> None:
    bot = start()
    tokens = two_workspaces(bot)
    bot.command(BETA, "U0CARL", f"describe {SENIOR_A}")
    bot.command(BETA, "U0DORA", f"beschreiben {SENIOR_B}")
    c = bot.container
    with c.store.session() as s:
        entry = repo.entries_of(s, BETA, "U0DORA")[0].id
    opened = len(bot.fake.calls("conversations.open"))
    # Signed for Alpha (the one signing secret of the app), naming Beta's member and entry.
    for action_id in ("suggestion_connect", "suggestion_not_relevant"):
        bot.action(ALPHA, "U0ANNA", action_id, action_value("U0DORA", entry, "instant"))
    assert len(bot.fake.calls("conversations.open")) == opened
    with c.store.session() as s:
        assert s.query(Feedback).count() == 0
        assert s.query(SuggestionLog).filter(SuggestionLog.team_id == ALPHA).count() == 0
        assert repo.get_member(s, ALPHA, "U0DORA") is None
    assert tokens[BETA] not in {call.token for call in bot.fake.calls("chat.postMessage")}


def test_uninstall_deletes_the_installation_and_a_reinstall_restores(start: Any) -> None:
    bot = start()
    tokens = two_workspaces(bot)
    bot.command(ALPHA, "U0ANNA", f"describe {SENIOR_A}")
    bot.command(ALPHA, "U0BERT", f"beschreiben {SENIOR_B}")
    c = bot.container
    notifier: TeamNotifier = c.notifier
    store = notifier.clients.installations
    bot.fake.revoke_token(tokens[ALPHA])  # Slack revokes before it says so
    bot.event(ALPHA, {"type": "app_uninstalled"})
    assert store.find_team_bot(ALPHA) is None
    assert store.find_team_bot(BETA) is not None
    assert not c.workspaces.active(ALPHA)
    with pytest.raises(DeliveryError) as gone:
        c.notifier.for_team(ALPHA).dm("U0ANNA", "x")
    assert gone.value.reason == "not_installed"
    assert c.digest.run(ALPHA).sent == []

    # Within the grace period: install again, everything is back, with the new token.
    status, _ = bot.install(bot.fake.oauth.issue_code(ALPHA, "Alpha"))
    assert status == 200
    assert c.workspaces.active(ALPHA)
    with c.store.session() as s:
        assert repo.entries_of(s, ALPHA, "U0ANNA")
    found = store.find_team_bot(ALPHA)
    assert found is not None and found.bot_token not in (None, tokens[ALPHA])
    assert c.digest.run(ALPHA).sent


def test_tokens_revoked_deletes_the_installation(start: Any) -> None:
    bot = start()
    two_workspaces(bot)
    bot.event(BETA, {"type": "tokens_revoked", "tokens": {"bot": ["UBOTT0BETA0"]}})
    assert bot.container.notifier.clients.installations.find_team_bot(BETA) is None
    assert bot.container.notifier.clients.installations.find_team_bot(ALPHA) is not None


def test_installs_are_limited_to_the_allowed_workspaces(start: Any) -> None:
    bot = start(slack_allowed_team_ids=[ALPHA])
    status, page = bot.install(bot.fake.oauth.issue_code("T0OTHER03", "Other"))
    assert status == 403
    assert "T0OTHER03" in page and "nur für bestimmte Workspaces" in page
    refused = token_of(bot.fake, "T0OTHER03")
    # The token of the refused install is given back, and nothing was stored.
    assert bot.fake.calls("auth.revoke")[-1].token == refused
    assert bot.container.notifier.clients.installations.find_team_bot("T0OTHER03") is None
    status, _ = bot.install(bot.fake.oauth.issue_code(ALPHA, "Alpha"))
    assert status == 200


def test_an_org_wide_enterprise_install_is_refused_with_a_page(start: Any) -> None:
    bot = start()
    code = bot.fake.oauth.issue_code(None, enterprise_id="E0GRID01", org_wide=True)
    status, page = bot.install(code)
    assert status == 403 and "Enterprise-Grid" in page
    with bot.container.store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM slack_bots")).scalar() == 0


def test_a_workspace_of_a_grid_org_installs_like_any_other(start: Any) -> None:
    bot = start()
    code = bot.fake.oauth.issue_code(ALPHA, "Alpha", enterprise_id="E0GRID01")
    assert bot.install(code)[0] == 200
    bot.command(ALPHA, "U0ANNA", f"describe {SENIOR_A}", enterprise="E0GRID01")
    assert tokens_used(bot.fake, "users.info", "user", "U0ANNA") == {token_of(bot.fake, ALPHA)}
    # The flows know the team alone; the workspace's token is found all the same.
    bot.container.notifier.for_team(ALPHA).dm("U0ANNA", "hallo")
    assert tokens_used(bot.fake, "conversations.open", "users", "U0ANNA") == {
        token_of(bot.fake, ALPHA)
    }


def test_a_redirect_without_the_state_cookie_is_refused(start: Any) -> None:
    bot = start()
    status, headers, _ = bot.get("/slack/install")
    state = parse_qs(urlsplit(headers["location"][0]).query)["state"][0]
    code = bot.fake.oauth.issue_code(ALPHA, "Alpha")
    status, _, page = bot.get("/slack/oauth_redirect?" + urlencode({"code": code, "state": state}))
    assert status == 400 and "invalid_browser" in page
    assert bot.fake.calls("oauth.v2.access") == []


def test_the_token_exchange_goes_to_slack_api_url(start: Any) -> None:
    bot = start()
    bot.install(bot.fake.oauth.issue_code(ALPHA, "Alpha"))
    exchange = bot.fake.calls("oauth.v2.access")
    assert len(exchange) == 1 and exchange[0].ok
    _status, headers, _ = bot.get("/slack/install")
    # Slack's consent screen on the same host as SLACK_API_URL (GovSlack: slack-gov.com).
    assert headers["location"][0].startswith(bot.fake.url + "oauth/v2/authorize?")


def test_oauth_mode_needs_the_encryption_key(fake_slack: FakeSlack) -> None:
    settings = oauth_settings(fake_slack, "sqlite://", token_encryption_key=None)
    with pytest.raises(ConfigError, match="TOKEN_ENCRYPTION_KEY is not set"):
        check_config(settings, "http")
    bad = oauth_settings(fake_slack, "sqlite://", token_encryption_key="not-a-key")
    with pytest.raises(ConfigError, match="Fernet"):
        check_config(bad, "http")
    with pytest.raises(ConfigError, match="needs HTTP"):
        check_config(oauth_settings(fake_slack, "sqlite://"), "socket")
    # No bot token needed in OAuth mode.
    check_config(oauth_settings(fake_slack, "sqlite://"), "http")


def test_the_scheduler_digest_job_follows_an_install(start: Any) -> None:
    from bot import scheduler

    bot = start()
    sched = scheduler.start(bot.container.digest, workspaces=bot.container.workspaces)
    try:
        two_workspaces(bot)
        wait_until(lambda: sched.get_job(scheduler.job_id(BETA)) is not None)
    finally:
        sched.shutdown(wait=False)


def test_garbled_install_requests_get_a_page_not_a_traceback(start: Any) -> None:
    bot = start()
    for path, cookie in (
        ("/slack/oauth_redirect", ""),
        ("/slack/oauth_redirect?state=%ff%fe&code=x", "slack-app-oauth-state=%ff; ;=;"),
        ("/slack/oauth_redirect?error=access_denied", ""),
        ("/slack/oauth_redirect?" + "a=b&" * 2000, ""),
        ("/slack/install?team=%00", "junk"),
    ):
        status, _, page = bot.get(path, cookie)
        assert status in (200, 302, 400, 401, 414), (path, status)
        assert "Traceback" not in page
    assert bot.fake.calls("oauth.v2.access") == []
    assert bot.get("/healthz")[0] == 200
