"""Who may run facilitator commands: one check for the router, help, handlers and buttons."""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from bot.container import Container, build_container
from bot.flows.commands import Reply
from bot.flows.ports import RecordingNotifier, UserInfo
from bot.settings import Settings
from matching.service import Matcher
from profiles import repo
from testkit.fakeslack import TEAM_ID, FakeSlack, block_actions_payload
from testkit.fakeslack.fixtures import fake_slack  # noqa: F401
from tests.support.slackbot import (
    TRANSPORTS,
    BotUnderTest,
    all_text,
    command_answer,
    start_on,
    wait_responses,
)

T = "T0UNIT"
FACILITATOR_WORDS = ("`digest`", "`workshop`", "`stats`")


class CountingDirectory:
    """users.info as a table; counts lookups so tests can see the cache and the ack path."""

    def __init__(self, admins: set[str], fail: bool = False) -> None:
        self.admins = admins
        self.fail = fail
        self.calls: list[str] = []

    def user(self, team_id: str, user_id: str) -> UserInfo | None:
        self.calls.append(user_id)
        if self.fail:
            raise ConnectionError("Slack is down")
        return UserInfo(name=user_id.lower(), locale="de-DE", is_admin=user_id in self.admins)


def make_services(matcher: Matcher, directory: CountingDirectory | None) -> Container:
    settings = Settings(database_url="sqlite://", facilitators=["UFAC"])
    return build_container(
        settings, matcher=matcher, notifier=RecordingNotifier(), directory=directory
    )


def run(container: Container, line: str, user: str) -> Reply:
    return container.commands.run(container.context(T, user), line)


def test_settings_team_settings_and_admins_are_facilitators(matcher: Matcher) -> None:
    directory = CountingDirectory(admins={"UADMIN"})
    container = make_services(matcher, directory)
    with matcher.store.session() as s:
        repo.team_settings(s, T).facilitators = ["UTEAM"]
    for user in ("UFAC", "UTEAM", "UADMIN", "UADMIN"):
        assert container.identity.is_facilitator(T, user), user
    # Listed members cost no Slack call; the admin one, then the cache answers.
    assert directory.calls == ["UADMIN"]
    for user in ("UFAC", "UTEAM", "UADMIN"):
        assert "Community-Statistik" in run(container, "stats", user).text
        help_text = run(container, "hilfe", user).text
        assert all(w in help_text for w in FACILITATOR_WORDS), user
    # The workspace's list is per workspace.
    assert not container.identity.is_facilitator("T0OTHER", "UTEAM")


def test_others_are_refused_politely_and_do_not_see_the_commands(matcher: Matcher) -> None:
    container = make_services(matcher, CountingDirectory(admins=set()))
    for line in ("stats", "digest jetzt", "workshop <#C0WORK|ws>"):
        assert run(container, line, "U1").text.startswith("Das dürfen nur Moderator")
    help_text = run(container, "help", "U1").text
    assert "`describe`" in help_text
    assert not any(w in help_text for w in FACILITATOR_WORDS)
    assert "`stats`" not in run(container, "nonsense", "U1").text


def test_context_asks_slack_only_when_a_command_needs_it(matcher: Matcher) -> None:
    directory = CountingDirectory(admins={"UADMIN"})
    container = make_services(matcher, directory)
    ctx = container.context(T, "UADMIN", lookup=False)
    assert directory.calls == []  # what the listeners do around the ack
    container.commands.run(ctx, "profile")
    assert directory.calls == []  # a member command needs no facilitator check
    assert ctx.may_facilitate() and ctx.may_facilitate()
    assert directory.calls == ["UADMIN"]
    # Without lookup only a cached answer counts.
    assert container.identity.is_facilitator(T, "UADMIN", lookup=False)
    assert not container.identity.is_facilitator(T, "UNEW", lookup=False)
    assert "UNEW" not in directory.calls


def test_admin_answer_expires_and_slack_failures_are_not_cached(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = CountingDirectory(admins={"UADMIN"})
    container = make_services(matcher, directory)
    assert container.identity.is_facilitator(T, "UADMIN")
    directory.admins.clear()  # demoted
    assert container.identity.is_facilitator(T, "UADMIN")  # still cached
    import bot.flows.identity as members_module

    later = time.monotonic() + members_module.USER_INFO_TTL_S + 1
    monkeypatch.setattr(members_module, "time", SimpleNamespace(monotonic=lambda: later))
    assert not container.identity.is_facilitator(T, "UADMIN")
    assert directory.calls == ["UADMIN", "UADMIN"]
    monkeypatch.undo()

    down = CountingDirectory(admins={"UADMIN"}, fail=True)
    container = make_services(matcher, down)
    assert not container.identity.is_facilitator(T, "UADMIN")
    down.fail = False
    assert container.identity.is_facilitator(T, "UADMIN")
    assert down.calls == ["UADMIN", "UADMIN"]


def test_workspace_list_changes_are_seen_within_a_minute(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    container = make_services(matcher, None)
    assert not container.identity.is_facilitator(T, "UNEW")
    with matcher.store.session() as s:
        repo.team_settings(s, T).facilitators = ["UNEW"]
    assert not container.identity.is_facilitator(T, "UNEW")  # cached list, no query per help
    import bot.flows.identity as members_module

    later = time.monotonic() + members_module.TEAM_TTL_S + 1
    monkeypatch.setattr(members_module, "time", SimpleNamespace(monotonic=lambda: later))
    assert container.identity.is_facilitator(T, "UNEW")


# ---------------------------------------------------------------- through Slack


@pytest.fixture(params=TRANSPORTS)
def bot(
    request: pytest.FixtureRequest,
    fake_slack: FakeSlack,  # noqa: F811
    matcher: Matcher,
) -> Iterator[BotUnderTest]:
    r = start_on(request.param, fake_slack, matcher, facilitators=["U0FAC"])
    yield r
    r.stop()


def command(r: BotUnderTest, text: str, user: str) -> dict[str, Any]:
    ack, answer = command_answer(r, text, user)
    # The ack is empty: whatever the check needs from Slack happens after it.
    assert ack == ""
    return answer


def test_admin_not_in_the_list_through_slack(bot: BotUnderTest) -> None:
    r = bot
    r.fake.add_user("U0ADMIN", is_admin=True)
    r.fake.add_user("U0ANNA")
    help_admin = all_text(command(r, "hilfe", "U0ADMIN"))
    assert all(w in help_admin for w in FACILITATOR_WORDS)
    help_anna = all_text(command(r, "hilfe", "U0ANNA"))
    assert "`describe`" in help_anna
    assert not any(w in help_anna for w in FACILITATOR_WORDS)
    assert "nur Moderator" in all_text(command(r, "stats", "U0ANNA"))
    assert "Community-Statistik" in all_text(command(r, "stats", "U0ADMIN"))
    # One users.info per member however many commands they send (the cache).
    looked_up = [c.params.get("user") for c in r.fake.calls("users.info")]
    assert looked_up.count("U0ADMIN") == 1

    # The preview's buttons use the same check: a plain member's click is refused.
    body = block_actions_payload(
        action_id="workshop_send",
        value="1",
        user_id="U0ANNA",
        team_id=TEAM_ID,
        response_url=r.fake.new_response_url(),
    )
    before = len(r.fake.responses())
    assert r.action(body)[0] == 200
    r.idle()
    assert "nur Moderator" in all_text(wait_responses(r.fake, before + 1)[-1])
