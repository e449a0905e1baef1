"""Workshops: planning from a channel, edits, sending, CSV; and the preview/edit flow over both
transports (signed HTTP and Socket Mode) against the fake Slack."""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.request
from typing import Any

import pytest

from bot.flows.facilitator import parse_workshop
from bot.flows.ports import RecordingNotifier
from bot.flows.workshop import PlanData, WorkshopService
from bot.slack.blocks.workshop import EDIT_ACTION, EDIT_CALLBACK, edit_modal, preview
from matching.errors import PlanningError
from matching.service import Matcher
from matching.workshop_plan import repeats, swap
from profiles.db import Store
from profiles.errors import InvalidInput
from testkit.fakeslack import (
    TEAM_ID,
    FakeSlack,
    block_actions_payload,
    block_problems,
    view_problems,
    view_submission_payload,
)
from testkit.fakeslack.fixtures import fake_slack
from tests.support.community import ORGS, people
from tests.support.slackbot import (
    TRANSPORTS,
    BotUnderTest,
    all_text,
    command_answer,
    start_on,
    wait_responses,
    wait_until,
)

__all__ = ["fake_slack"]


def test_plan_from_channel_edit_and_send(store: Store, matcher: Matcher) -> None:
    users = people(matcher, "T1", 9)
    notifier = RecordingNotifier(channels={"C1": [*users, "U0NEW"]})
    svc = WorkshopService(store, matcher, notifier)
    d = svc.create("T1", "U0FAC", channel="C1", rounds=3)
    assert d.without_entries == ["U0NEW"]
    for rnd in d.rounds:
        assert sorted(p for g in rnd for p in g) == sorted(users)
        assert sorted(len(g) for g in rnd) == [2, 2, 2, 3]
    assert repeats(d.rounds) == []
    assert any(d.group_reasons(g, "de") for rnd in d.rounds for g in rnd)
    # Lock moves the partner; reshuffle keeps the lock and changes the rest.
    a, b = users[0], users[5]
    d = svc.lock("T1", d.plan_id, 0, a, b)
    assert any({a, b} <= set(g) for g in d.rounds[0])
    d2 = svc.reshuffle("T1", d.plan_id)
    assert any({a, b} <= set(g) for g in d2.rounds[0]) and d2.seed == 1
    d3 = svc.swap("T1", d.plan_id, 1, users[1], users[2])
    assert d3.locks == d2.locks
    text, blocks = preview(d3, "en")
    assert "Round 1" in text and len(blocks) <= 50
    rows = list(csv.reader(io.StringIO(svc.csv_bytes(d3, "de").decode("utf-8-sig"))))
    assert rows[0][0] == "Runde" and len(rows) == 1 + 3 * 9
    report = svc.send("T1", d.plan_id, "de", summary=True)
    assert report.groups == 12 and report.invites == 1 and report.failed == []
    kinds = [m.kind for m in notifier.sent]
    assert kinds.count("group_dm") == 12 and kinds.count("post") == 1
    with pytest.raises(InvalidInput):
        svc.send("T1", d.plan_id, "de")
    with pytest.raises(InvalidInput):
        svc.reshuffle("T1", d.plan_id)


def test_members_list_and_too_few(store: Store, matcher: Matcher) -> None:
    users = people(matcher, "T1", 4)
    svc = WorkshopService(store, matcher, RecordingNotifier())
    d = svc.create("T1", "U0FAC", members=users, group_size=2, rounds=2)
    assert len(d.rounds) == 2 and repeats(d.rounds) == []
    with pytest.raises(PlanningError):
        svc.create("T1", "U0FAC", members=users[:1])


def test_parse_workshop_text() -> None:
    a = parse_workshop("<#C0WORK|workshop> groups 3 rounds 2")
    assert (a.channel, a.group_size, a.rounds) == ("C0WORK", 3, 2)
    assert parse_workshop("C0WORK12 paare runden 4").rounds == 4
    e = parse_workshop("swap 12 2 <@U0A|anna> <@U0B>")
    assert (e.edit, e.plan_id, e.round_index, e.people) == ("swap", 12, 1, ("U0A", "U0B"))
    for bad in ("", "rounds 2", "<#C0X> groups", "<#C0X> rounds 99", "swap 1 @a @b"):
        with pytest.raises(ValueError):
            parse_workshop(bad)


# ---------------------------------------------------------------- end to end


@pytest.fixture(params=TRANSPORTS)
def bot(request: pytest.FixtureRequest, fake_slack: FakeSlack, matcher: Matcher) -> Any:
    r = start_on(request.param, fake_slack, matcher, facilitators=["U0FAC"])
    yield r
    r.stop()


def command(r: BotUnderTest, text: str, user: str) -> dict[str, Any]:
    return command_answer(r, text, user)[1]


def click(r: BotUnderTest, action_id: str, value: str, user: str) -> dict[str, Any]:
    before = len(r.fake.responses())
    body = block_actions_payload(
        action_id=action_id,
        value=value,
        user_id=user,
        team_id=TEAM_ID,
        response_url=r.fake.new_response_url(),
    )
    assert r.action(body)[0] == 200
    r.idle()
    return wait_responses(r.fake, before + 1)[-1]


def test_preview_edit_and_send_through_slack(bot: BotUnderTest, matcher: Matcher) -> None:
    r = bot
    users = people(matcher, TEAM_ID, 8)
    r.fake.set_channel_members("C0WORK", [*users, "U0NEW"])
    refused = command(r, "workshop <#C0WORK|ws> rounds 2", "U0ANNA")
    assert "Moderator" in all_text(refused) or "facilitator" in all_text(refused)

    shown = command(r, "workshop <#C0WORK|ws> rounds 2", "U0FAC")
    text = all_text(shown)
    assert "Runde 1" in text and "Runde 2" in text and "U0NEW" in text
    assert "<!channel>" not in text
    plan_id = re.search(r'"value": "(\d+)"', text)
    assert plan_id is not None
    pid = plan_id.group(1)

    reshuffled = click(r, "workshop_reshuffle", pid, "U0FAC")
    assert reshuffled.get("replace_original") is True and "Runde 2" in all_text(reshuffled)

    swapped = command(r, f"workshop swap {pid} 1 <@{users[0]}> <@{users[1]}>", "U0FAC")
    assert "Runde 1" in all_text(swapped)
    locked = command(r, f"workshop lock {pid} 1 <@{users[0]}> <@{users[3]}>", "U0FAC")
    assert "🔒" in all_text(locked)

    assert "nur Moderator" in all_text(click(r, "workshop_send", pid, "U0ANNA"))
    click(r, "workshop_csv", pid, "U0FAC")
    wait_until(lambda: len(r.fake.uploaded_files()) == 1)

    sent = click(r, "workshop_send_summary", pid, "U0FAC")
    assert "8" in all_text(sent) or "Gesendet" in all_text(sent)
    opened = [c for c in r.fake.calls("conversations.open") if c.ok]
    groups = [c for c in opened if "," in str(c.params.get("users", ""))]
    assert len(groups) == 8  # 4 pairs in each of 2 rounds
    met: set[frozenset[str]] = set()
    for c in groups:
        ids = str(c.params["users"]).split(",")
        pair = frozenset(ids)
        assert pair not in met
        met.add(pair)
    again = click(r, "workshop_send", pid, "U0FAC")
    assert "schon gesendet" in all_text(again)


def test_stats_and_digest_now_through_slack(bot: BotUnderTest, matcher: Matcher) -> None:
    r = bot
    people(matcher, TEAM_ID, 5)
    assert "nur Moderator" in all_text(command(r, "stats", "U0ANNA"))
    done = command(r, "digest jetzt", "U0FAC")
    assert "5 gesendet" in all_text(done)
    stats = all_text(command(r, "statistik", "U0FAC"))
    assert "Digests gesendet: 5" in stats
    r.fake.add_user("U0ADMIN", is_admin=True)
    assert "Community-Statistik" in all_text(command(r, "stats", "U0ADMIN"))


# ---------------------------------------------------------------- the edit modal


def edit_state(round_no: str | None, a: str | None, b: str | None, action: str | None) -> Any:
    """``view.state.values`` of a submitted edit modal, as Slack sends it."""

    def chosen(kind: str, value: str | None) -> dict[str, Any]:
        field: dict[str, Any] = {"type": kind, "selected_option": None}
        if value is not None:
            field["selected_option"] = {
                "text": {"type": "plain_text", "text": value},
                "value": value,
            }
        return {"value": field}

    return {
        "round": chosen("static_select", round_no),
        "person_a": chosen("static_select", a),
        "person_b": chosen("static_select", b),
        "action": chosen("radio_buttons", action),
    }


def open_edit(r: BotUnderTest, pid: str, user: str) -> tuple[dict[str, Any] | None, str]:
    """Click the preview's edit button; the opened modal (None if refused) and the click's
    response URL id."""
    url = r.fake.new_response_url()
    opened = len(r.fake.calls("views.open"))
    body = block_actions_payload(
        action_id=EDIT_ACTION, value=pid, user_id=user, team_id=TEAM_ID, response_url=url
    )
    assert r.action(body) == (200, "")
    r.idle()
    calls = r.fake.calls("views.open")
    if len(calls) == opened:
        return None, url.rsplit("/", 1)[-1]
    assert len(calls) == opened + 1 and calls[-1].ok
    views = r.fake.views()
    return views[-1], url.rsplit("/", 1)[-1]


def submit(r: BotUnderTest, view: dict[str, Any], user: str, state: Any) -> tuple[int, Any]:
    body = view_submission_payload(
        callback_id=EDIT_CALLBACK,
        values=state,
        user_id=user,
        team_id=TEAM_ID,
        private_metadata=view["private_metadata"],
    )
    status, ack = r.submission(body)
    return status, json.loads(ack) if ack else None


def group_of(rnd: list[tuple[str, ...]], who: str) -> tuple[str, ...]:
    return next(g for g in rnd if who in g)


def preview_id(r: BotUnderTest, user: str = "U0FAC") -> str:
    shown = command(r, "workshop <#C0WORK|ws> rounds 2", user)
    buttons = [e for b in shown["blocks"] if b["type"] == "actions" for e in b["elements"]]
    edit = [e for e in buttons if e["action_id"] == EDIT_ACTION]
    assert len(edit) == 1 and edit[0]["text"]["text"] == "Bearbeiten"
    return str(edit[0]["value"])


def test_edit_modal_swaps_locks_and_unlocks_through_slack(
    bot: BotUnderTest, matcher: Matcher
) -> None:
    r = bot
    users = people(matcher, TEAM_ID, 8)
    r.fake.set_channel_members("C0WORK", [*users, "U0NEW"])
    svc = r.bot.container.workshop
    pid = preview_id(r)

    view, url_id = open_edit(r, pid, "U0FAC")
    assert view is not None and view["callback_id"] == EDIT_CALLBACK
    assert view["title"]["text"] == "Plan bearbeiten"
    blocks = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert list(blocks) == ["round", "person_a", "person_b", "action"]
    rounds = blocks["round"]["element"]
    assert [o["value"] for o in rounds["options"]] == ["1", "2"]
    assert rounds["initial_option"]["value"] == "1"
    for key in ("person_a", "person_b"):
        el = blocks[key]["element"]
        assert el["type"] == "static_select"
        # Only participants with entries, by display name: not U0NEW, not the whole workspace.
        assert sorted(o["value"] for o in el["options"]) == sorted(users)
        labels = {o["value"]: o["text"]["text"] for o in el["options"]}
        assert labels[users[0]] == f"Person 0 ({ORGS[0]})"
    radios = blocks["action"]["element"]
    assert [o["value"] for o in radios["options"]] == ["swap", "lock", "unlock"]
    assert json.loads(view["private_metadata"])["plan"] == int(pid)

    # Swap two people from different groups of round 1.
    before = svc.load(TEAM_ID, int(pid))
    a = users[0]
    b = next(u for u in users if u not in group_of(before.rounds[0], a))
    assert submit(r, view, "U0FAC", edit_state("1", a, b, "swap")) == (200, None)
    r.idle()
    after = svc.load(TEAM_ID, int(pid))
    assert after.rounds[0] == swap(before.rounds, 0, a, b)[0]
    assert after.rounds[1] == before.rounds[1] and after.locks == []
    refreshed = wait_until_response(r, url_id)
    assert refreshed["replace_original"] is True and refreshed["response_type"] == "ephemeral"
    assert refreshed["blocks"] == preview(after, "de")[1]

    # Lock a with someone outside their group; a reshuffle keeps the two together.
    view, url_id = open_edit(r, pid, "U0FAC")
    assert view is not None
    c = next(u for u in users if u not in group_of(after.rounds[0], a))
    assert submit(r, view, "U0FAC", edit_state("1", a, c, "lock")) == (200, None)
    r.idle()
    locked = svc.load(TEAM_ID, int(pid))
    assert locked.locks == [(0, a, c)] and {a, c} <= set(group_of(locked.rounds[0], a))
    refreshed = wait_until_response(r, url_id)
    assert refreshed["blocks"] == preview(locked, "de")[1] and "🔒" in all_text(refreshed)
    for _ in range(3):
        click(r, "workshop_reshuffle", pid, "U0FAC")
        shuffled = svc.load(TEAM_ID, int(pid))
        assert {a, c} <= set(group_of(shuffled.rounds[0], a))
        assert shuffled.locks == [(0, a, c)]
    assert shuffled.seed == 3

    # Unlock releases the pair and leaves the groups as they are.
    view, url_id = open_edit(r, pid, "U0FAC")
    assert view is not None
    assert submit(r, view, "U0FAC", edit_state("1", c, a, "unlock")) == (200, None)
    r.idle()
    unlocked = svc.load(TEAM_ID, int(pid))
    assert unlocked.locks == [] and unlocked.rounds == shuffled.rounds
    assert "🔒" not in all_text(wait_until_response(r, url_id))


def wait_until_response(r: BotUnderTest, response_id: str) -> dict[str, Any]:
    wait_until(lambda: len(r.fake.responses(response_id)) == 1)
    (only,) = r.fake.responses(response_id)
    return dict(only["body"])


def test_edit_modal_refuses_invalid_edits_in_the_facilitators_language(
    bot: BotUnderTest, matcher: Matcher
) -> None:
    r = bot
    users = people(matcher, TEAM_ID, 6)
    r.fake.set_channel_members("C0WORK", [*users, "U0NEW"])
    svc = r.bot.container.workshop
    pid = preview_id(r)
    view, _ = open_edit(r, pid, "U0FAC")
    assert view is not None
    before = svc.load(TEAM_ID, int(pid))
    a, b = users[0], users[1]

    def errors(state: Any) -> Any:
        status, ack = submit(r, view, "U0FAC", state)
        assert status == 200 and ack is not None and ack["response_action"] == "errors"
        return ack["errors"]

    same = "Bitte zwei verschiedene Personen auswählen."
    assert errors(edit_state("1", a, a, "swap")) == {"person_b": same}
    assert errors(edit_state("1", a, "U0NEW", "swap")) == {
        "person_b": "Diese Person ist in Runde 1 nicht dabei."
    }
    assert errors(edit_state("3", a, b, "lock")) == {"round": "Diese Runde gibt es im Plan nicht."}
    assert errors(edit_state("2", a, b, "unlock")) == {
        "person_b": "Diese beiden sind in Runde 2 nicht festgehalten."
    }
    assert errors(edit_state(None, a, None, "explode")) == {
        "round": "Bitte auswählen.",
        "person_b": "Bitte auswählen.",
        "action": "Bitte auswählen.",
    }
    r.idle()
    assert svc.load(TEAM_ID, int(pid)).rounds == before.rounds

    # A facilitator who reads English gets the modal and its errors in English.
    r.bot.container.identity.set_language(TEAM_ID, "U0FAC", "en")
    view, _ = open_edit(r, pid, "U0FAC")
    assert view is not None and view["title"]["text"] == "Edit plan"
    assert errors(edit_state("1", b, b, "swap")) == {
        "person_b": "Please choose two different people."
    }

    # Once the plan is sent, an open modal cannot change it and no new one opens.
    click(r, "workshop_send", pid, "U0FAC")
    assert errors(edit_state("1", a, b, "swap")) == {
        "action": "This workshop plan has already been sent."
    }
    refused, url_id = open_edit(r, pid, "U0FAC")
    assert refused is None
    assert "already been sent" in all_text(wait_until_response(r, url_id))
    assert svc.load(TEAM_ID, int(pid)).rounds == before.rounds


def test_edit_modal_is_for_facilitators_only(bot: BotUnderTest, matcher: Matcher) -> None:
    r = bot
    users = people(matcher, TEAM_ID, 4)
    r.fake.set_channel_members("C0WORK", users)
    r.fake.add_user("U0ANNA")
    svc = r.bot.container.workshop
    pid = preview_id(r)
    before = svc.load(TEAM_ID, int(pid))

    refused, url_id = open_edit(r, pid, "U0ANNA")
    assert refused is None
    answer = wait_until_response(r, url_id)
    assert answer["text"] == "Das dürfen nur Moderator*innen."
    assert answer.get("replace_original") is False

    # A submission that did not come from a modal we opened for them is refused too.
    view, _ = open_edit(r, pid, "U0FAC")
    assert view is not None
    a, b = users[0], next(u for u in users if u not in group_of(before.rounds[0], users[0]))
    status, ack = submit(r, view, "U0ANNA", edit_state("1", a, b, "swap"))
    assert status == 200
    assert ack == {"response_action": "errors", "errors": {"action": answer["text"]}}
    r.idle()
    assert svc.load(TEAM_ID, int(pid)).rounds == before.rounds


def big_plan(n: int, rounds: int) -> PlanData:
    users = [f"U0B{i:03d}" for i in range(n)]
    rnd = [(users[i], users[i + 1]) for i in range(0, n, 2)]
    return PlanData(
        plan_id=7,
        team_id=TEAM_ID,
        facilitator="U0FAC",
        channel="C0BIG",
        group_size=2,
        rounds=[list(rnd) for _ in range(rounds)],
        locks=[],
        people=users,
        without_entries=[],
        names={u: f"Teilnehmerin {u}" for u in users},
        orgs={u: ORGS[i % len(ORGS)] for i, u in enumerate(users)},
        scores={},
        reasons={},
        seed=0,
        status="draft",
    )


def test_edit_modal_and_preview_stay_within_block_kit_limits() -> None:
    d = big_plan(250, 12)
    view = edit_modal(d, "de", "https://hooks.slack.com/actions/T/1/abc")
    assert view_problems(view) == []
    person = next(b for b in view["blocks"] if b.get("block_id") == "person_a")["element"]
    assert "options" not in person
    groups = person["option_groups"]
    assert [len(g["options"]) for g in groups] == [100, 100, 50]
    assert sorted(o["value"] for g in groups for o in g["options"]) == sorted(d.people)
    assert all(len(g["label"]["text"]) <= 75 for g in groups)
    # A plan too long for one message is cut before its buttons, never through them.
    _text, blocks = preview(d, "de")
    assert block_problems(blocks, 50) == [] and len(blocks) == 50
    assert blocks[-1]["type"] == "actions"
    assert [e["action_id"] for e in blocks[-1]["elements"]][:2] == [
        EDIT_ACTION,
        "workshop_reshuffle",
    ]
    assert "weitere Einträge" in all_text(blocks[-4])


def test_namesakes_are_told_apart_in_the_pick_list() -> None:
    d = big_plan(4, 1)
    d.names = {u: "Anna" for u in d.people}
    d.orgs = {u: "Tafel" for u in d.people}
    labels = [o["text"]["text"] for o in edit_modal(d, "en")["blocks"][2]["element"]["options"]]
    assert labels == [f"Anna (Tafel) · {u}" for u in sorted(d.people)]


def test_refreshed_preview_falls_back_to_a_dm_when_the_response_url_is_used_up(
    bot: BotUnderTest, matcher: Matcher
) -> None:
    r = bot
    users = people(matcher, TEAM_ID, 4)
    r.fake.set_channel_members("C0WORK", users)
    pid = preview_id(r)
    view, url_id = open_edit(r, pid, "U0FAC")
    assert view is not None
    url = json.loads(view["private_metadata"])["url"]
    for _ in range(5):  # Slack takes five posts per response URL
        assert urllib.request.urlopen(url, data=b"{}", timeout=5).status == 200
    before = len(r.fake.calls("chat.postMessage"))
    a = users[0]
    b = next(
        u
        for u in users
        if u not in group_of(r.bot.container.workshop.load(TEAM_ID, int(pid)).rounds[0], a)
    )
    assert submit(r, view, "U0FAC", edit_state("1", a, b, "swap")) == (200, None)
    r.idle()
    wait_until(lambda: len(r.fake.calls("chat.postMessage")) == before + 1)
    dm = r.fake.calls("chat.postMessage")[-1]
    d = r.bot.container.workshop.load(TEAM_ID, int(pid))
    blocks = dm.params["blocks"]
    assert (json.loads(blocks) if isinstance(blocks, str) else blocks) == preview(d, "de")[1]
    assert len(r.fake.responses(url_id)) == 6  # the five above and the refused one
