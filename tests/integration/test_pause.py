"""Pauses with an end (`pause 4w`) and the automatic pause after ignored digests."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.container import build_container
from bot.flows.digest import DigestService
from bot.flows.pause import parse_duration
from bot.flows.ports import RecordingNotifier
from matching.service import Matcher
from profiles import repo
from profiles.clock import ManualClock
from profiles.db import Store
from tests.support.community import TEAM, community, settings


@pytest.mark.parametrize(
    ("text", "days"),
    [("4w", 28), ("2 weeks", 14), ("4 Wochen", 28), ("10 Tage", 10), ("1 Monat", 30), ("3d", 3)],
)
def test_durations(text: str, days: int) -> None:
    assert parse_duration(text) == timedelta(days=days)


@pytest.mark.parametrize("text", ["soon", "0w", "4", "999 weeks", "4 lightyears", "-2w"])
def test_bad_durations(text: str) -> None:
    assert parse_duration(text) is None


def test_pause_4w_resumes_by_itself_and_home_says_until_when(
    store: Store, matcher: Matcher, clock: ManualClock
) -> None:
    users = community(matcher, 6)
    notifier = RecordingNotifier()
    c = build_container(settings(), matcher=matcher, notifier=notifier)
    reply = c.commands.run(c.context(TEAM, "U00", lookup=False), "pausieren 4 Wochen")
    assert "Pausiert bis 2026-12-28" in reply.text
    bad = c.commands.run(c.context(TEAM, "U01", lookup=False), "pause bald")
    assert "verstehe ich nicht" in bad.text
    home = str(c.members.home(TEAM, "U00"))
    assert "Pausiert bis 2026-12-28" in home
    svc = DigestService(store, matcher, notifier, settings())
    report = svc.run(TEAM)
    assert "U00" not in report.sent and "U01" in report.sent
    assert all("U00" not in [x.user_id for x in d.suggestions] for d in report.planned)
    clock.advance(timedelta(days=29))
    assert "U00" in svc.run(TEAM).sent
    assert "Pausiert" not in str(c.members.home(TEAM, "U00"))
    assert len(users) == 6


def test_auto_pause_after_four_ignored_digests_with_a_dm_and_a_resume_button(
    store: Store, matcher: Matcher, clock: ManualClock
) -> None:
    community(matcher, 6)
    notifier = RecordingNotifier()
    c = build_container(settings(), matcher=matcher, notifier=notifier)
    svc = DigestService(store, matcher, notifier, settings())
    for week in range(4):
        # Four weekly digests went out; U01 clicked something after each, nobody else did.
        with store.session() as s:
            for u in ("U00", "U01"):
                claim = repo.claim_digest(s, TEAM, u, f"w-old-{week}", "test", {})
                assert claim is not None
                repo.finish_digest(s, claim.id, "test", sent=True)
        clock.advance(timedelta(hours=1))
        with store.session() as s:
            repo.record_feedback(s, TEAM, "U01", "U05", "connect" if week else "known")
        clock.advance(timedelta(days=7))
    clock.advance(timedelta(days=7))
    notifier.sent.clear()
    report = svc.run(TEAM)
    assert "U00" in report.auto_paused and "U01" not in report.auto_paused
    notice = next(
        m for m in notifier.sent if m.target == "U00" and "digest_resume" in str(m.blocks)
    )
    assert "nicht reagiert" in notice.text
    assert "U00" not in report.sent
    assert all("U00" not in [x.user_id for x in d.suggestions] for d in report.planned)
    assert svc.run(TEAM).auto_paused == [], "told once"
    assert "nicht geöffnet" in str(c.members.home(TEAM, "U00"))
    c.members.set_opt_in(TEAM, "U00", True, "de")
    clock.advance(timedelta(days=7))
    report = svc.run(TEAM)
    assert "U00" in report.sent and "U00" not in report.auto_paused
