"""Consent of imported members: nothing reaches them, nobody sees them as a partner, and
they count as nobody, until they accept the one invitation (or describe themselves)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from bot.container import Container, build_container
from bot.flows.commands import CommandContext
from bot.flows.ports import RecordingNotifier
from bot.flows.stats import community_stats
from bot.slack.blocks.kit import blocks_to_text
from matching.service import EntryInput, Matcher
from profiles import repo
from profiles.clock import ManualClock
from profiles.db import Store
from profiles.errors import NotFound
from tests.support.community import ORGS, TEAM, TOPICS, community, settings

MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def imported(matcher: Matcher, n: int = 4) -> list[str]:
    users = [f"UIMP{i:02d}" for i in range(n)]
    matcher.import_entries(
        TEAM,
        [
            (
                u,
                f"Importiert {i}",
                ORGS[i % len(ORGS)],
                EntryInput(
                    title=f"Projekt {i}",
                    description=TOPICS[i % len(TOPICS)],
                    tools=["CiviCRM"],
                    region="Köln",
                    external_id=f"imp-{i}",
                ),
            )
            for i, u in enumerate(users)
        ],
    )
    return users


@pytest.fixture
def c(store: Store, matcher: Matcher) -> Container:
    assert isinstance(store.clock, ManualClock)
    store.clock.set(MONDAY)
    return build_container(
        settings(facilitators=["UFAC"]), matcher=matcher, notifier=RecordingNotifier()
    )


def sent(c: Container) -> RecordingNotifier:
    assert isinstance(c.notifier, RecordingNotifier)
    return c.notifier


def ctx(c: Container, user: str, text: str = "") -> CommandContext:
    return CommandContext(TEAM, user, "C1", text, "de", is_facilitator=True)


def test_imported_people_get_nothing_and_are_suggested_to_nobody(
    c: Container, matcher: Matcher
) -> None:
    members = community(matcher, 6)
    invited = imported(matcher)
    report = c.digest.run(TEAM)
    got = Counter(m.target for m in sent(c).sent)
    assert set(got) <= set(members) and got  # members got digests, the imported nothing
    assert not set(got) & set(invited)
    shown = {x.user_id for u in members for x in matcher.suggest_for_member(TEAM, u, k=50)}
    assert shown and not shown & set(invited)
    assert not {x.user_id for x in matcher.find(TEAM, TOPICS[0], k=50)} & set(invited)
    # The operator's own offline view still ranks them.
    offline = {
        x.user_id for x in matcher.suggest_for_member(TEAM, members[0], k=50, listed_only=False)
    }
    assert offline & set(invited)
    st = community_stats(c.store, TEAM)
    assert (st.members, st.invited) == (len(members), len(invited))
    assert report.sent and not set(report.sent) & set(invited)


def test_one_invitation_each_shows_what_was_imported_and_never_twice(
    c: Container, matcher: Matcher
) -> None:
    invited = imported(matcher, 3)
    dry = c.consent.invite(TEAM, dry_run=True)
    assert dry.planned == invited and not sent(c).sent
    first = c.consent.invite(TEAM)
    assert first.sent == invited
    msgs = {m.target: m for m in sent(c).sent}
    assert set(msgs) == set(invited) and len(sent(c).sent) == 3
    text = blocks_to_text(msgs["UIMP01"].blocks or [])
    for shown in ("Importiert 1", ORGS[1], "Projekt 1", TOPICS[1][:40], "CiviCRM", "Köln"):
        assert shown in text
    buttons = [
        el["action_id"]
        for b in msgs["UIMP01"].blocks or []
        if b["type"] == "actions"
        for el in b["elements"]
    ]
    assert buttons == ["consent_accept", "consent_edit", "consent_delete"]
    # Invited is still not agreed: no digest, and no second invitation.
    c.digest.run(TEAM)
    assert c.consent.invite(TEAM).planned == []
    assert len(sent(c).sent) == 3


def test_undeliverable_invitation_can_be_sent_again(c: Container, matcher: Matcher) -> None:
    invited = imported(matcher, 2)
    sent(c).failing[invited[0]] = "user_not_found"
    r = c.consent.invite(TEAM)
    assert r.sent == [invited[1]] and [u for u, _ in r.failed] == [invited[0]]
    del sent(c).failing[invited[0]]
    assert c.consent.invite(TEAM).sent == [invited[0]]


def test_accepting_makes_a_normal_member(c: Container, matcher: Matcher) -> None:
    members = community(matcher, 4)
    invited = imported(matcher, 2)
    c.consent.invite(TEAM)
    sent(c).sent.clear()
    c.consent.accept(TEAM, invited[0], "de")
    c.digest.run(TEAM)
    got = {m.target for m in sent(c).sent}
    assert invited[0] in got and invited[1] not in got
    shown = {x.user_id for u in members for x in matcher.suggest_for_member(TEAM, u, k=50)}
    assert invited[0] in shown and invited[1] not in shown
    assert community_stats(c.store, TEAM).members == len(members) + 1


def test_describing_counts_as_accepting(c: Container, matcher: Matcher) -> None:
    community(matcher, 4)
    (person,) = imported(matcher, 1)
    matcher.save_entry(TEAM, person, EntryInput(description=TOPICS[0]))
    with c.store.session() as s:
        assert repo.require_member(s, TEAM, person).consent == "accepted"
    assert person in set(c.digest.run(TEAM).sent)


def test_editing_the_imported_entry_counts_as_accepting(c: Container, matcher: Matcher) -> None:
    (person,) = imported(matcher, 1)
    (entry_id, *_rest) = c.members.entries(TEAM, person)[0]
    matcher.update_entry(TEAM, person, entry_id, EntryInput(description="Neu: " + TOPICS[2]))
    with c.store.session() as s:
        assert repo.require_member(s, TEAM, person).consent == "accepted"


def test_delete_button_removes_everything_imported(c: Container, matcher: Matcher) -> None:
    (person,) = imported(matcher, 1)
    c.consent.delete(TEAM, person, "de")
    with c.store.session() as s:
        assert repo.get_member(s, TEAM, person) is None
    assert c.consent.invite(TEAM).planned == []


def test_import_never_takes_back_consent(c: Container, matcher: Matcher) -> None:
    (member,) = community(matcher, 1)
    matcher.import_entries(TEAM, [(member, "x", "", EntryInput(description=TOPICS[3]))])
    with c.store.session() as s:
        assert repo.require_member(s, TEAM, member).consent == "self"


def test_workshop_leaves_out_people_who_have_not_agreed(c: Container, matcher: Matcher) -> None:
    members = community(matcher, 4)
    invited = imported(matcher, 2)
    plan = c.workshop.create(TEAM, "UFAC", members=[*members, *invited])
    assert plan.awaiting == invited
    everyone = {u for rnd in plan.rounds for g in rnd for u in g}
    assert everyone == set(members)
    c.workshop.send(TEAM, plan.plan_id, "de")
    targets = {u for m in sent(c).sent for u in m.target.split(",")}
    assert not targets & set(invited)


def test_invite_command_is_for_facilitators_and_has_a_dry_run(
    c: Container, matcher: Matcher
) -> None:
    invited = imported(matcher, 2)
    member = CommandContext(TEAM, "UX", "C1", "", "de", is_facilitator=False)
    refused = c.commands.run(member, "einladen")
    assert "Moderator" in refused.text and not sent(c).sent
    dry = c.commands.run(ctx(c, "UFAC"), "einladen test")
    assert "2" in dry.text and not sent(c).sent
    done = c.commands.run(ctx(c, "UFAC"), "invite")
    assert {m.target for m in sent(c).sent} == set(invited) and "2" in done.text
    bad = c.commands.run(ctx(c, "UFAC"), "einladen alle sofort")
    assert "einladen" in bad.text and len(sent(c).sent) == 2


def test_no_stale_entry_nudge_before_the_invitation(c: Container, matcher: Matcher) -> None:
    assert isinstance(c.store.clock, ManualClock)
    imported(matcher, 2)
    c.store.clock.set(datetime(2028, 1, 5, 8, 0, tzinfo=UTC))  # every entry is a year old
    assert c.digest.nudge_stale(TEAM) == [] and not sent(c).sent


def test_a_forged_connect_button_cannot_reach_an_imported_person(
    c: Container, matcher: Matcher
) -> None:
    (member,) = community(matcher, 1)
    (person,) = imported(matcher, 1)
    with pytest.raises(NotFound):
        c.members.connect(TEAM, member, person, 1, "de")
    assert not sent(c).sent
