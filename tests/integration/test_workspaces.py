"""Uninstall and revoked tokens: sending stops at once, every row of the workspace is gone
after the grace period (counted per table), and a reinstall inside it restores it all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import scheduler
from bot.container import Container, build_container
from bot.flows.ports import RecordingNotifier
from matching.service import EntryInput, Matcher
from profiles import repo
from profiles.clock import ManualClock
from profiles.db import Store
from profiles.models import Base, Feedback, SuggestionLog, WorkshopPlan
from tests.support.community import TEAM, community, settings

MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
OTHER = "T2"


@pytest.fixture
def c(store: Store, matcher: Matcher) -> Container:
    assert isinstance(store.clock, ManualClock)
    store.clock.set(MONDAY)
    return build_container(settings(), matcher=matcher, notifier=RecordingNotifier())


def clock(c: Container) -> ManualClock:
    assert isinstance(c.store.clock, ManualClock)
    return c.store.clock


def sent(c: Container) -> RecordingNotifier:
    assert isinstance(c.notifier, RecordingNotifier)
    return c.notifier


def populate(c: Container, matcher: Matcher) -> list[str]:
    """A workspace with a row in every kind of table."""
    users = community(matcher, 6)
    c.digest.run(TEAM)  # claims and suggestion logs
    c.members.feedback(TEAM, users[0], users[1], "known", "de")
    c.workshop.create(TEAM, "UFAC", members=users)
    with c.store.session() as s:
        repo.team_settings(s, TEAM).facilitators = ["UFAC"]
    return users


def test_after_uninstall_nothing_is_sent(c: Container, matcher: Matcher) -> None:
    users = populate(c, matcher)
    sent(c).sent.clear()
    plan = c.workshop.create(TEAM, "UFAC", members=users)
    c.workspaces.uninstalled(TEAM, "app_uninstalled")
    clock(c).advance(timedelta(days=7))
    report = c.digest.run(TEAM)
    assert report.sent == [] and report.planned == []
    assert c.digest.sweep(TEAM).sent == []
    assert c.consent.invite(TEAM).planned == []
    with pytest.raises(Exception, match="no longer installed"):
        c.workshop.send(TEAM, plan.plan_id, "de")
    assert c.digest.nudge_stale(TEAM) == []
    assert sent(c).sent == []


def test_uninstall_in_the_middle_of_a_run_stops_the_rest(c: Container, matcher: Matcher) -> None:
    community(matcher, 6)

    class Uninstalling(RecordingNotifier):
        def dm(self, user_id: str, text: str, blocks: object = None) -> str:
            c.workspaces.uninstalled(TEAM, "app_uninstalled")
            return super().dm(user_id, text, blocks)  # type: ignore[arg-type]

    c.digest.notifier = Uninstalling()
    report = c.digest.run(TEAM)
    assert len(report.sent) == 1 and len(report.failed) == 5


def test_purge_after_the_grace_period_leaves_no_row(c: Container, matcher: Matcher) -> None:
    populate(c, matcher)
    # Another workspace keeps every row.
    matcher.import_entries(
        OTHER, [("U1", "x", "", EntryInput(description="Senioren und Tablets."))], consent="self"
    )
    with c.store.session() as s:
        rows = repo.count_team_rows(s, TEAM)
        other_before = repo.count_team_rows(s, OTHER)
    for table in ("members", "entries", "entry_vectors", "feedback", "suggestions"):
        assert rows[table] > 0, table
    assert rows["digest_claims"] and rows["workshop_plans"] and rows["team_settings"]
    c.workspaces.uninstalled(TEAM, "app_uninstalled")
    clock(c).advance(timedelta(days=29, hours=23))
    assert c.workspaces.purge_due() == []
    clock(c).advance(timedelta(hours=2))
    scheduler.install(c.digest, workspaces=c.workspaces)
    assert scheduler.purge_due() == [TEAM]
    with c.store.session() as s:
        left = repo.count_team_rows(s, TEAM)
        assert repo.count_team_rows(s, OTHER) == other_before
    assert set(left) == {t.name for t in Base.metadata.sorted_tables if "team_id" in t.c}
    assert sum(left.values()) == 0, left
    assert matcher.sync(TEAM).users() == []


def test_reinstall_within_the_grace_period_restores(c: Container, matcher: Matcher) -> None:
    users = populate(c, matcher)
    c.workspaces.uninstalled(TEAM, "app_uninstalled")
    clock(c).advance(timedelta(days=20))
    assert c.workspaces.installed(TEAM) is True
    clock(c).advance(timedelta(days=20))
    assert c.workspaces.purge_due() == []
    clock(c).advance(timedelta(days=7))
    assert set(c.digest.run(TEAM).sent) == set(users)


def test_tokens_revoked_after_uninstall_keeps_the_first_deadline(c: Container) -> None:
    first = c.workspaces.uninstalled(TEAM, "app_uninstalled")
    clock(c).advance(timedelta(days=3))
    assert c.workspaces.uninstalled(TEAM, "tokens_revoked") == first


def test_purge_now_and_overview(c: Container, matcher: Matcher) -> None:
    populate(c, matcher)
    c.workspaces.uninstalled(TEAM, "app_uninstalled")
    [row] = [w for w in c.workspaces.overview() if w.team_id == TEAM]
    assert row.status == "uninstalled" and row.members == 6
    assert row.purge_after == MONDAY + timedelta(days=30)
    counts = c.workspaces.purge(TEAM)
    assert counts["members"] == 6 and counts["workspaces"] == 1
    with c.store.session() as s:
        for model in (Feedback, SuggestionLog, WorkshopPlan):
            assert repo.count_by(s, model, TEAM) == 0
    assert [w for w in c.workspaces.overview() if w.team_id == TEAM] == []


def test_no_follow_up_after_uninstall(c: Container, matcher: Matcher) -> None:
    users = community(matcher, 4)
    c.members.connect(TEAM, users[0], users[1], 1, "de")
    c.workspaces.uninstalled(TEAM, "app_uninstalled")
    sent(c).sent.clear()
    clock(c).advance(timedelta(days=c.settings.followup_days + 1))
    assert c.followups.run(TEAM).sent == [] and sent(c).sent == []
    c.workspaces.installed(TEAM)
    assert c.followups.run(TEAM).sent  # the same run sends once reinstalled
