"""The invitation end to end: `/match einladen` by a facilitator sends each imported
person one DM through the Web API, and its buttons act only for the person who clicks."""

from __future__ import annotations

from typing import Any

from matching.service import EntryInput, Matcher
from profiles import repo
from testkit.fakeslack import TEAM_ID, FakeSlack, block_actions_payload, event_callback
from testkit.fakeslack.fixtures import fake_slack
from tests.support.slackbot import BotUnderTest, all_text, command_answer, running

__all__ = ["fake_slack", "running"]

IMPORTED = ("U0IMPA", "U0IMPB")


def click(fake: FakeSlack, action_id: str, user: str, team: str = TEAM_ID) -> dict[str, Any]:
    return block_actions_payload(
        action_id=action_id,
        value="1",
        user_id=user,
        team_id=team,
        response_url=fake.new_response_url(),
    )


def setup(r: BotUnderTest, matcher: Matcher) -> None:
    r.container.settings.facilitators.append("U0FAC")
    matcher.import_entries(
        TEAM_ID,
        [
            (u, f"Person {u}", "AWO", EntryInput(description="Senior*innen lernen Tablets."))
            for u in IMPORTED
        ],
    )
    command_answer(r, "beschreiben Senior*innen und digitale Teilhabe mit CiviCRM.", "U0ANNA")


def test_invite_then_accept_over_slack(
    running: BotUnderTest, fake_slack: FakeSlack, matcher: Matcher
) -> None:
    setup(running, matcher)
    # Anna's own suggestions leave the imported people out.
    assert "U0IMPA" not in all_text(command_answer(running, "vorschläge", "U0ANNA")[1])
    fake_slack.clear()
    _ack, dry = command_answer(running, "einladen test", "U0FAC")
    assert "2" in dry["text"] and not fake_slack.calls("chat.postMessage")
    command_answer(running, "einladen", "U0FAC")
    posts = fake_slack.wait_for("chat.postMessage", 2)
    assert "consent_accept" in all_text([p.params for p in posts])
    command_answer(running, "einladen", "U0FAC")
    assert len(fake_slack.calls("chat.postMessage")) == 2  # never a second invitation

    # A click by someone else (or one forged with another workspace) accepts nobody.
    running.action(click(fake_slack, "consent_accept", "U0ANNA"))
    running.action(click(fake_slack, "consent_accept", "U0IMPA", team="T0OTHER02"))
    running.action(click(fake_slack, "consent_accept", "U0IMPA"))
    running.idle()
    with running.container.store.session() as s:
        assert repo.require_member(s, TEAM_ID, "U0IMPA").consent == "accepted"
        assert repo.require_member(s, TEAM_ID, "U0IMPB").consent == "invited"
        assert repo.require_member(s, TEAM_ID, "U0ANNA").consent == "self"
    text = all_text(command_answer(running, "vorschläge", "U0ANNA")[1])
    assert "U0IMPA" in text and "U0IMPB" not in text


def test_delete_button_forgets_the_imported_person(
    running: BotUnderTest, fake_slack: FakeSlack, matcher: Matcher
) -> None:
    setup(running, matcher)
    command_answer(running, "einladen", "U0FAC")
    running.action(click(fake_slack, "consent_delete", "U0IMPB"))
    running.idle()
    with running.container.store.session() as s:
        assert repo.get_member(s, TEAM_ID, "U0IMPB") is None
        assert repo.get_member(s, TEAM_ID, "U0IMPA") is not None


def test_app_uninstalled_stops_sending_and_a_request_after_reinstall_restores(
    running: BotUnderTest, fake_slack: FakeSlack, matcher: Matcher
) -> None:
    setup(running, matcher)
    running.event(event_callback({"type": "app_uninstalled"}))
    running.idle()
    c = running.container
    assert not c.workspaces.active(TEAM_ID)
    fake_slack.clear()
    assert c.digest.run(TEAM_ID).sent == [] and c.consent.invite(TEAM_ID).sent == []
    assert not fake_slack.calls("chat.postMessage")
    # Slack sends nothing to an uninstalled app: the next signed request means reinstalled.
    command_answer(running, "hilfe", "U0ANNA")
    assert c.workspaces.active(TEAM_ID)
