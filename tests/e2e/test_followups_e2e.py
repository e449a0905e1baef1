"""End to end over signed HTTP and Socket Mode: connect, the follow-up DM after the delay
(injected clock), the answer button, and the outcome in the stats and the CSV."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.flows.outcomes import outcomes_csv
from bot.slack.blocks.suggestions import action_value
from profiles import repo
from profiles.clock import ManualClock
from testkit.fakeslack import TEAM_ID, FakeSlack, block_actions_payload
from testkit.fakeslack.fixtures import fake_slack
from tests.support.slackbot import BotUnderTest, all_text, command_answer, running, wait_responses

__all__ = ["fake_slack", "running"]

SENIOR_A = "Wir beraten Senior*innen zur digitalen Teilhabe und pflegen die Kontakte in CiviCRM."
SENIOR_B = "Senior*innen lernen bei uns Tablets. Unsere Kontakte verwalten wir mit CiviCRM."


def click(fake: FakeSlack, action_id: str, value: str, user: str) -> dict[str, Any]:
    return block_actions_payload(
        action_id=action_id,
        value=value,
        user_id=user,
        team_id=TEAM_ID,
        response_url=fake.new_response_url(),
    )


def buttons(blocks: list[dict[str, Any]]) -> dict[str, str]:
    return {
        el["action_id"]: el.get("value", "")
        for b in blocks
        for el in b.get("elements", [])
        if el.get("type") == "button"
    }


def test_connect_followup_answer_and_stats(
    running: BotUnderTest, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    command_answer(running, f"describe {SENIOR_A}", "U0BERT")
    command_answer(running, f"beschreiben {SENIOR_B}", "U0ANNA")
    c = running.container
    with c.store.session() as s:
        [bert_entry] = repo.entries_of(s, TEAM_ID, "U0BERT")
    running.action(
        click(
            fake_slack,
            "suggestion_connect",
            action_value("U0BERT", bert_entry.id, "instant"),
            "U0ANNA",
        )
    )
    running.idle()
    fake_slack.wait_for("conversations.open", ok_only=True)
    clock.advance(timedelta(days=14))
    before = len(fake_slack.calls("chat.postMessage"))
    report = c.followups.run(TEAM_ID)
    assert sorted(report.sent) == [("U0ANNA", "met"), ("U0BERT", "met")]
    posted = fake_slack.calls("chat.postMessage")[before:]
    assert len(posted) == 2
    question = next(p for p in posted if "Habt ihr euch ausgetauscht?" in str(p.params["text"]))
    blocks = question.params["blocks"]
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    opened = fake_slack.calls("conversations.open")
    asked = {str(o.params["users"]) for o in opened[-2:]}
    assert asked == {"U0ANNA", "U0BERT"}
    # Whoever got this question answers it with the button.
    channel = str(question.params["channel"])
    user = next(
        str(o.params["users"])
        for o in opened
        if o.ok and (o.response or {}).get("channel", {}).get("id") == channel
    )
    responses = len(fake_slack.responses())
    running.action(click(fake_slack, "followup_yes", buttons(blocks)["followup_yes"], user))
    running.idle()
    answer = wait_responses(fake_slack, responses + 1)[-1]
    assert "Ja, wir haben gesprochen" in all_text(answer)
    assert answer.get("replace_original") is True
    assert c.followups.run(TEAM_ID).sent == [], "asked once"
    with c.store.session() as s:
        repo.upsert_member(s, TEAM_ID, "U0FAC")
    c.settings.facilitators.append("U0FAC")
    stats = command_answer(running, "stats", "U0FAC")[1]
    assert "Getroffen: 100 %" in all_text(stats)
    csv_text = outcomes_csv(c.store, TEAM_ID, "de").decode("utf-8-sig")
    assert csv_text.splitlines()[1].startswith("1,M1,M2,connect,")
    assert "U0ANNA" not in csv_text
