"""End to end: the real bolt App over signed HTTP against the fake Slack Web API."""

from __future__ import annotations

from tests.bot_helpers import Running, all_text, running, wait_responses
from tests.fakeslack import FakeSlack, slash_command_body
from tests.fakeslack.fixtures import fake_slack

__all__ = ["fake_slack", "running"]


def cmd(fake: FakeSlack, text: str, user: str = "U0ANNA", team: str = "T0CIVIC01") -> str:
    return slash_command_body(
        text=text, user_id=user, team_id=team, response_url=fake.new_response_url()
    )


def test_help_lists_subcommands(running: Running, fake_slack: FakeSlack) -> None:
    status, _ = running.post(cmd(fake_slack, "hilfe"))
    assert status == 200
    [body] = wait_responses(fake_slack)
    text = all_text(body)
    assert "beschreiben" in text and "vorschläge" in text and "export" in text


def test_describe_inline_then_suggestions(running: Running, fake_slack: FakeSlack) -> None:
    running.post(cmd(fake_slack, "describe Wir beraten Senior*innen zu CiviCRM und Datenschutz", user="U0BERT"))
    wait_responses(fake_slack, 1)
    running.post(cmd(fake_slack, "beschreiben Senior*innen lernen CiviCRM. Wir suchen Partner.", user="U0ANNA"))
    bodies = wait_responses(fake_slack, 2)
    running.idle()
    last = all_text(bodies[-1])
    assert "suggestion_connect" in last
    assert "U0BERT" in last or "u0bert" in last
