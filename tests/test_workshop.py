"""Workshops: planning from a channel, edits, sending, CSV; and the preview/edit flow over
signed requests against the fake Slack."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest

from bot.facilitator import parse_workshop, preview
from bot.notifier import RecordingNotifier
from bot.workshop import WorkshopService
from matching.assign import PlanningError, repeats
from matching.service import EntryInput, Matcher
from profiles.db import Store
from profiles.errors import InvalidInput
from tests.bot_helpers import Running, all_text, start_bot, wait_responses, wait_until
from tests.fakeslack import TEAM_ID, FakeSlack, block_actions_body, slash_command_body
from tests.fakeslack.fixtures import fake_slack
from tests.test_digest import ORGS, TOPICS

__all__ = ["fake_slack"]


def people(matcher: Matcher, team: str, n: int) -> list[str]:
    users = [f"U0P{i:02d}" for i in range(n)]
    matcher.import_entries(
        team,
        [
            (u, f"Person {i}", ORGS[i % len(ORGS)], EntryInput(description=TOPICS[i % len(TOPICS)]))
            for i, u in enumerate(users)
        ],
    )
    return users


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


@pytest.fixture
def bot(fake_slack: FakeSlack, matcher: Matcher) -> Any:
    r = start_bot(fake_slack, matcher, facilitators=["U0FAC"])
    yield r
    r.server.stop()
    r.bot.services.shutdown()


def command(r: Running, text: str, user: str) -> dict[str, Any]:
    before = len(r.fake.responses())
    body = slash_command_body(
        text=text, user_id=user, team_id=TEAM_ID, response_url=r.fake.new_response_url()
    )
    assert r.post(body)[0] == 200
    r.idle()
    return wait_responses(r.fake, before + 1)[-1]


def click(r: Running, action_id: str, value: str, user: str) -> dict[str, Any]:
    before = len(r.fake.responses())
    body = block_actions_body(
        action_id=action_id,
        value=value,
        user_id=user,
        team_id=TEAM_ID,
        response_url=r.fake.new_response_url(),
    )
    assert r.post(body)[0] == 200
    r.idle()
    return wait_responses(r.fake, before + 1)[-1]


def test_preview_edit_and_send_through_slack(bot: Running, matcher: Matcher) -> None:
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


def test_stats_and_digest_now_through_slack(bot: Running, matcher: Matcher) -> None:
    r = bot
    people(matcher, TEAM_ID, 5)
    assert "nur Moderator" in all_text(command(r, "stats", "U0ANNA"))
    done = command(r, "digest jetzt", "U0FAC")
    assert "5 gesendet" in all_text(done)
    stats = all_text(command(r, "statistik", "U0FAC"))
    assert "Digests gesendet: 5" in stats
    r.fake.add_user("U0ADMIN", is_admin=True)
    assert "Community-Statistik" in all_text(command(r, "stats", "U0ADMIN"))
