"""End to end: the real bolt App against the fake Slack Web API, over both transports.

Every flow runs once over signed HTTP and once over Socket Mode (the ``running`` fixture
is parametrized); only what exists in one transport alone is narrowed to it.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from bot.slack.blocks.modals import DESCRIBE_CALLBACK
from bot.slack.blocks.suggestions import action_value
from profiles import repo
from profiles.models import Feedback, SuggestionLog
from testkit.fakeslack import (
    TEAM_ID,
    FakeSlack,
    block_actions_payload,
    event_callback,
    mentions,
    slash_command_payload,
    view_submission_payload,
)
from testkit.fakeslack.fixtures import fake_slack
from tests.support.slackbot import (
    BotUnderTest,
    Running,
    all_text,
    command_answer,
    running,
    wait_responses,
)

__all__ = ["fake_slack", "running"]

OTHER_TEAM = "T0OTHER02"

SENIOR_A = "Wir beraten Senior*innen zur digitalen Teilhabe und pflegen die Kontakte in CiviCRM."
SENIOR_B = "Senior*innen lernen bei uns Tablets. Unsere Kontakte verwalten wir mit CiviCRM."


def cmd(fake: FakeSlack, text: str, user: str = "U0ANNA", team: str = TEAM_ID) -> dict[str, Any]:
    return slash_command_payload(
        text=text, user_id=user, team_id=team, response_url=fake.new_response_url()
    )


def click(
    fake: FakeSlack, action_id: str, value: str, user: str = "U0ANNA", team: str = TEAM_ID
) -> dict[str, Any]:
    return block_actions_payload(
        action_id=action_id,
        value=value,
        user_id=user,
        team_id=team,
        response_url=fake.new_response_url(),
    )


def run_cmd(
    r: BotUnderTest, text: str, user: str = "U0ANNA", team: str = TEAM_ID
) -> dict[str, Any]:
    """Send a command and return the (last) response_url answer it produced."""
    return command_answer(r, text, user, team)[1]


def two_seniors(r: BotUnderTest, team: str = TEAM_ID) -> None:
    run_cmd(r, f"describe {SENIOR_A}", user="U0BERT", team=team)
    run_cmd(r, f"beschreiben {SENIOR_B}", user="U0ANNA", team=team)


def test_help_lists_subcommands_in_german(running: BotUnderTest, fake_slack: FakeSlack) -> None:
    text = all_text(run_cmd(running, "hilfe"))
    for word in ("beschreiben", "vorschläge", "suche", "profil", "vergessen", "export", "weiter"):
        assert word in text


def test_unknown_word_gets_help_hint(running: BotUnderTest) -> None:
    text = all_text(run_cmd(running, "tanzen bitte"))
    assert "tanzen" in text and "beschreiben" in text


def test_english_locale_gets_english(running: BotUnderTest, fake_slack: FakeSlack) -> None:
    fake_slack.add_user("U0ENGL", name="eve", locale="en-US")
    text = all_text(run_cmd(running, "suggest", user="U0ENGL"))
    assert "describe" in text and "Beschreibe" not in text


def test_describe_inline_answers_with_suggestions_and_records_them(
    running: BotUnderTest, fake_slack: FakeSlack
) -> None:
    run_cmd(running, f"describe {SENIOR_A}", user="U0BERT")
    body = run_cmd(running, f"beschreiben {SENIOR_B}", user="U0ANNA")
    text = all_text(body)
    assert "Gespeichert" in text
    assert "suggestion_connect" in text and "suggestion_known" in text
    assert '\\"u\\":\\"U0BERT\\"' in text
    assert "CiviCRM" in text  # a reason names the shared tool
    with running.container.store.session() as s:
        shown = s.scalars(select(SuggestionLog)).all()
        assert [(x.user_id, x.other_user_id, x.source) for x in shown][-1] == (
            "U0ANNA",
            "U0BERT",
            "instant",
        )


def test_suggest_and_find(running: BotUnderTest) -> None:
    two_seniors(running)
    assert "U0BERT" in all_text(run_cmd(running, "vorschlaege"))
    found = all_text(run_cmd(running, "suche Tablets für Senior*innen", user="U0CARL"))
    assert "U0ANNA" in found
    assert "Wonach" in all_text(run_cmd(running, "suche"))


def test_modal_describe_flow(running: BotUnderTest, fake_slack: FakeSlack) -> None:
    run_cmd(running, f"describe {SENIOR_A}", user="U0BERT")
    running.command(cmd(fake_slack, "beschreiben"))
    call = fake_slack.wait_for("views.open", ok_only=True)[0]
    view = call.params["view"]
    assert view["callback_id"] == DESCRIBE_CALLBACK
    ids = [b["block_id"] for b in view["blocks"]]
    # 4,000 characters need two inputs of Slack's 3,000 (tests/test_robustness.py)
    assert ids == [
        "title",
        "description",
        "description_2",
        "kind",
        "groups",
        "tools",
        "looking_for",
        "organisation",  # asked once, for a member who has not said
    ]

    empty = {"title": {"value": {"type": "plain_text_input", "value": "  "}}}
    status, resp = running.submission(
        view_submission_payload(
            callback_id=DESCRIBE_CALLBACK,
            values=empty,
            user_id="U0ANNA",
            private_metadata=view["private_metadata"],
        )
    )
    assert status == 200 and json.loads(resp)["response_action"] == "errors"

    values = {
        "title": {"value": {"type": "plain_text_input", "value": "Tablet-Treff"}},
        "description": {"value": {"type": "plain_text_input", "value": SENIOR_B}},
        "kind": {"value": {"type": "static_select", "selected_option": {"value": "project"}}},
        "groups": {"value": {"type": "multi_static_select", "selected_options": []}},
        "tools": {"value": {"type": "plain_text_input", "value": "CiviCRM"}},
        "looking_for": {"value": {"type": "plain_text_input", "value": None}},
    }
    status, resp = running.submission(
        view_submission_payload(
            callback_id=DESCRIBE_CALLBACK,
            values=values,
            user_id="U0ANNA",
            private_metadata=view["private_metadata"],
        )
    )
    assert status == 200 and resp == ""
    running.idle()
    dm = fake_slack.wait_for("chat.postMessage", ok_only=True)[-1]
    assert "Tablet-Treff" in dm.params["text"] and "U0BERT" in all_text(dm.params)
    with running.container.store.session() as s:
        [entry] = repo.entries_of(s, TEAM_ID, "U0ANNA")
        assert entry.tools == ["civicrm"]


def test_connect_opens_group_dm_with_reasons(running: BotUnderTest, fake_slack: FakeSlack) -> None:
    two_seniors(running)
    with running.container.store.session() as s:
        [bert_entry] = repo.entries_of(s, TEAM_ID, "U0BERT")
    running.action(
        click(fake_slack, "suggestion_connect", action_value("U0BERT", bert_entry.id, "instant"))
    )
    running.idle()
    opened = fake_slack.wait_for("conversations.open", ok_only=True)[-1]
    assert sorted(str(opened.params["users"]).split(",")) == ["U0ANNA", "U0BERT"]
    intro = fake_slack.wait_for("chat.postMessage", ok_only=True)[-1]
    assert intro.params["channel"].startswith("G")
    assert "CiviCRM" in intro.params["text"] and "Warum" in intro.params["text"]
    # In the text and in the blocks: the greeting, who starts, and whom the first message greets.
    assert sorted(mentions(intro.params)) == ["@U0ANNA"] * 4 + ["@U0BERT"] * 4
    assert "<@U0ANNA>, magst du das Gespräch beginnen?" in intro.params["text"]
    with running.container.store.session() as s:
        assert [f.kind for f in s.scalars(select(Feedback))] == ["connect"]


def test_not_relevant_and_known_stop_the_pair(running: BotUnderTest, fake_slack: FakeSlack) -> None:
    two_seniors(running)
    run_cmd(
        running, "describe Wir unterstützen Senior*innen mit CiviCRM-Schulungen.", user="U0CARL"
    )
    assert "U0BERT" in all_text(run_cmd(running, "suggest"))
    before = len(fake_slack.responses())
    running.action(
        click(fake_slack, "suggestion_not_relevant", action_value("U0BERT", 1, "instant"))
    )
    running.action(click(fake_slack, "suggestion_known", action_value("U0CARL", 3, "digest")))
    running.idle()
    answers = all_text({"r": wait_responses(fake_slack, before + 2)[before:]})
    assert "nicht mehr vor" in answers
    after = all_text(run_cmd(running, "suggest"))
    assert "U0BERT" not in after and "U0CARL" not in after
    # and the other way round: Bert no longer gets Anna
    assert "U0ANNA" not in all_text(run_cmd(running, "suggest", user="U0BERT"))


def test_app_home_is_published(running: BotUnderTest, fake_slack: FakeSlack) -> None:
    two_seniors(running)
    status, _ = running.event(
        event_callback({"type": "app_home_opened", "user": "U0ANNA", "tab": "home"})
    )
    assert status == 200
    running.idle()
    call = fake_slack.wait_for("views.publish", ok_only=True)[-1]
    view = call.params["view"]
    assert view["type"] == "home" and call.params["user_id"] == "U0ANNA"
    text = all_text(view)
    assert "home_language" in text and "home_cadence" in text and "suggestion_connect" in text

    status, _ = running.action(
        block_actions_payload(
            action_id="home_language",
            user_id="U0ANNA",
            view={"id": "VHOME", "type": "home"},
            action_type="static_select",
            extra_action_fields={"selected_option": {"value": "en"}},
        )
    )
    running.idle()
    republished = fake_slack.wait_for("views.publish", count=2, ok_only=True)[-1]
    assert "Your entries" in all_text(republished.params["view"])


# Socket Mode envelopes come over an authenticated WebSocket and carry no signature.
@pytest.mark.parametrize("running", ["http"], indirect=True)
def test_bad_and_stale_signatures_get_401(running: BotUnderTest, fake_slack: FakeSlack) -> None:
    assert isinstance(running, Running)
    body = urlencode(cmd(fake_slack, "hilfe"))
    assert running.post(body, secret="wrong")[0] == 401
    assert running.post(body, timestamp=int(time.time()) - 600)[0] == 401
    assert fake_slack.responses() == []


def test_rides_out_429_on_web_api_calls(running: BotUnderTest, fake_slack: FakeSlack) -> None:
    two_seniors(running)
    fake_slack.fail_next("conversations.open", status=429, retry_after=1)
    running.action(click(fake_slack, "suggestion_connect", action_value("U0BERT", 1, "instant")))
    running.idle()
    calls = fake_slack.calls("conversations.open")
    assert [c.status for c in calls] == [429, 200]
    assert fake_slack.wait_for("chat.postMessage", ok_only=True)


def test_members_text_is_escaped(running: BotUnderTest, fake_slack: FakeSlack) -> None:
    fake_slack.add_user("U0BERT", name="<!channel> Bert & Co")
    run_cmd(
        running,
        "describe &lt;!here&gt; &lt;@U0ANNA&gt; Senior*innen mit CiviCRM <!channel>",
        user="U0BERT",
    )
    body = run_cmd(running, f"describe {SENIOR_B}")
    assert mentions(body) == []
    text = all_text(body)
    assert "&lt;!channel&gt; Bert &amp; Co" in text
    # the matching layer drops mention tokens from descriptions before storing them
    assert "<!here>" not in text and "<@U0ANNA>" not in text


def test_workspaces_never_see_each_other(running: BotUnderTest, fake_slack: FakeSlack) -> None:
    two_seniors(running, team=TEAM_ID)
    run_cmd(running, f"describe {SENIOR_A}", user="U0DORA", team=OTHER_TEAM)
    body = all_text(run_cmd(running, "suggest", user="U0DORA", team=OTHER_TEAM))
    assert "U0ANNA" not in body and "U0BERT" not in body
    assert "U0DORA" not in all_text(run_cmd(running, "suche Senior*innen CiviCRM", team=TEAM_ID))
    # a forged button naming a member of the other workspace is refused
    before = len(fake_slack.calls("conversations.open"))
    running.action(
        click(
            fake_slack,
            "suggestion_connect",
            action_value("U0BERT", 1, "instant"),
            user="U0DORA",
            team=OTHER_TEAM,
        )
    )
    running.idle()
    assert len(fake_slack.calls("conversations.open")) == before
    assert "gibt es nicht" in all_text(fake_slack.responses()[-1]["body"])


def test_forget_asks_first_then_deletes_everything(
    running: BotUnderTest, fake_slack: FakeSlack
) -> None:
    two_seniors(running)
    confirm = all_text(run_cmd(running, "vergessen"))
    assert "forget_confirm" in confirm
    with running.container.store.session() as s:
        assert repo.entries_of(s, TEAM_ID, "U0ANNA")
    before = len(fake_slack.responses())
    running.action(click(fake_slack, "forget_confirm", "1"))
    running.idle()
    done = wait_responses(fake_slack, before + 1)[-1]
    assert "Erledigt" in done["text"] and done["replace_original"] is True
    with running.container.store.session() as s:
        assert repo.get_member(s, TEAM_ID, "U0ANNA") is None
        assert repo.export_member(s, TEAM_ID, "U0ANNA")["suggestions_shown"] == []
    assert "U0ANNA" not in all_text(run_cmd(running, "suggest", user="U0BERT"))


def test_export_uploads_json_to_the_dm(running: BotUnderTest, fake_slack: FakeSlack) -> None:
    two_seniors(running)
    assert "Datei" in run_cmd(running, "export")["text"]
    [upload] = fake_slack.uploaded_files()
    assert upload["channel_id"].startswith("D")
    data = json.loads(upload["content"])
    assert data["user_id"] == "U0ANNA" and data["entries"][0]["description"].startswith("Senior")


def test_profile_lists_and_deletes_entries(running: BotUnderTest, fake_slack: FakeSlack) -> None:
    two_seniors(running)
    listing = all_text(run_cmd(running, "profil"))
    assert "entry_edit" in listing and "entry_delete" in listing
    with running.container.store.session() as s:
        [entry] = repo.entries_of(s, TEAM_ID, "U0ANNA")
    before = len(fake_slack.responses())
    running.action(click(fake_slack, "entry_delete", str(entry.id)))
    running.idle()
    assert "gelöscht" in wait_responses(fake_slack, before + 1)[-1]["text"]
    # Bert's entry cannot be deleted by Anna
    running.action(click(fake_slack, "entry_delete", "1"))
    running.idle()
    with running.container.store.session() as s:
        assert len(repo.entries_of(s, TEAM_ID, "U0BERT")) == 1

    running.action(click(fake_slack, "entry_edit", "1", user="U0BERT"))
    running.idle()
    view = fake_slack.wait_for("views.open", ok_only=True)[-1].params["view"]
    assert json.loads(view["private_metadata"])["entry_id"] == 1


def test_bad_input_is_answered_clearly(running: BotUnderTest) -> None:
    long = "Senior*innen brauchen Hilfe. " * 400
    body = run_cmd(running, f"describe {long}")
    assert "4000 Zeichen" in body["text"]
    with running.container.store.session() as s:
        [entry] = repo.entries_of(s, TEAM_ID, "U0ANNA")
        assert len(entry.description) <= 4000
    assert "nichts" in run_cmd(running, "describe <!channel> \x00\x01\x7f")["text"]
    assert "Wonach" in run_cmd(running, "suche \x00\x1b")["text"]
    assert "Pausiert" in run_cmd(running, "pause")["text"]
    assert "zurück" in run_cmd(running, "weiter")["text"]


def test_acks_and_help_do_not_wait_for_a_busy_worker(
    running: BotUnderTest, fake_slack: FakeSlack
) -> None:
    """Slow work fills the worker pool; acks and quick answers still go through."""
    import threading

    gate = threading.Event()
    worker = running.container.worker
    for _ in range(worker.threads):
        assert worker.submit(gate.wait)
    try:
        assert running.command(cmd(fake_slack, f"describe {SENIOR_A}"))[0] == 200
        assert running.command(cmd(fake_slack, "hilfe"))[0] == 200
        [help_answer] = wait_responses(fake_slack, 1)
        assert "beschreiben" in all_text(help_answer)
    finally:
        gate.set()
    running.idle()
    assert "Gespeichert" in all_text(fake_slack.responses()[-1]["body"])


def test_unreachable_database_is_answered_politely_and_loses_nothing(
    running: BotUnderTest, fake_slack: FakeSlack
) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker

    from bot.messages import t

    two_seniors(running)
    store = running.container.store
    working = store._factory
    # What a member meets when the database server goes away under a running bot.
    dead = create_engine(
        "postgresql+psycopg://127.0.0.1:1/gone", connect_args={"connect_timeout": 1}
    )
    store._factory = sessionmaker(dead, expire_on_commit=False)
    try:
        for text in ("describe Ein neues Projekt für Senior*innen.", "vorschläge", "suche Tablets"):
            body = run_cmd(running, text, user="U0ANNA")
            assert t("bot.error.unavailable", "de") in all_text(body)
            assert "Traceback" not in all_text(body)
    finally:
        store._factory = working
        dead.dispose()
    with store.session() as s:
        assert len(repo.entries_of(s, TEAM_ID, "U0ANNA")) == 1
        assert len(repo.entries_of(s, TEAM_ID, "U0BERT")) == 1
    assert "U0BERT" in all_text(run_cmd(running, "vorschläge"))
