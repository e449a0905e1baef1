"""Follow-ups after an introduction: due after the delay, asked once per pair, stage and
member across processes and crashes, answered by buttons, counted in the stats and CSV."""

from __future__ import annotations

import csv
import io
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.container import build_container
from bot.flows.followups import FollowupService, starter_for
from bot.flows.outcomes import outcomes, outcomes_csv
from bot.flows.ports import Blocks, RecordingNotifier
from bot.flows.stats import community_stats, render_stats
from matching.explain import Reason
from matching.service import Matcher
from profiles import repo
from profiles.clock import ManualClock
from profiles.db import Store
from profiles.models import Feedback
from tests.support.cli import run_cli
from tests.support.community import TEAM, SharedRecorder, community, dms, settings


def connect(store: Store, matcher: Matcher, a: str, b: str) -> RecordingNotifier:
    notifier = RecordingNotifier()
    c = build_container(settings(), matcher=matcher, notifier=notifier)
    with store.session() as s:
        entry = repo.entries_of(s, TEAM, b)[0].id
    c.members.connect(TEAM, a, b, entry, "de")
    return notifier


def buttons(blocks: Blocks | None) -> dict[str, str]:
    """action id -> value of every button in a message."""
    out = {}
    for b in blocks or []:
        for el in b.get("elements", []):
            if el.get("type") == "button":
                out[el["action_id"]] = el.get("value", "")
    return out


def service(store: Store, notifier: RecordingNotifier | None = None) -> FollowupService:
    return FollowupService(store, notifier or RecordingNotifier(), settings())


def test_starter_is_who_offers_what_the_other_seeks_else_the_clicker() -> None:
    offers = (Reason("needs", ("data",), direction="they_offer"),)
    assert starter_for("A", "B", offers) == "B"
    assert starter_for("A", "B", (Reason("needs", ("data",), direction="you_offer"),)) == "A"
    assert starter_for("A", "B", (Reason("groups", ("seniors",)),)) == "A"


def test_intro_names_who_starts_and_suggests_a_first_message(
    store: Store, matcher: Matcher
) -> None:
    community(matcher, 4)
    sent = connect(store, matcher, "U00", "U01")
    [intro] = [m for m in sent.sent if m.kind == "group_dm"]
    assert "<@U00>, magst du das Gespräch beginnen?" in intro.text
    assert "„Hallo <@U01>!" in intro.text
    with store.session() as s:
        [row] = repo.introductions(s, TEAM)
        assert (row.user_a, row.user_b, row.starter, row.source) == ("U00", "U01", "U00", "connect")


def test_question_after_the_delay_in_each_members_language_then_the_second_question(
    store: Store, matcher: Matcher, clock: ManualClock
) -> None:
    community(matcher, 4)
    with store.session() as s:
        repo.set_language(s, TEAM, "U01", "en")
    connect(store, matcher, "U00", "U01")
    notifier = RecordingNotifier()
    svc = service(store, notifier)
    clock.advance(timedelta(days=13))
    assert svc.run(TEAM).sent == []
    clock.advance(timedelta(days=1))
    report = svc.run(TEAM)
    assert sorted(report.sent) == [("U00", "met"), ("U01", "met")]
    by_user = {m.target: m for m in notifier.sent}
    assert "Habt ihr euch ausgetauscht?" in by_user["U00"].text
    assert "Did you get in touch?" in by_user["U01"].text
    assert set(buttons(by_user["U00"].blocks)) == {
        "followup_yes",
        "followup_not_yet",
        "followup_no_contact",
        "followup_not_fit",
    }
    assert svc.run(TEAM).sent == [], "asked once"
    value = buttons(by_user["U00"].blocks)["followup_yes"]
    reply = svc.answer(TEAM, "U00", value, "yes", "de")
    assert "Ja, wir haben gesprochen" in reply.text and reply.replace_original
    # Someone else's follow-up, a second answer, a forged id: nothing changes.
    assert "kenne ich nicht" in svc.answer(TEAM, "U02", value, "no_contact", "de").text
    assert "schon geantwortet" in svc.answer(TEAM, "U00", value, "not_fit", "de").text
    assert "kenne ich nicht" in svc.answer(TEAM, "U00", "99999999", "yes", "de").text
    assert "kenne ich nicht" in svc.answer(TEAM, "U00", "1; drop", "yes", "de").text
    with store.session() as s:
        kinds = [f.kind for f in s.query(Feedback).order_by(Feedback.id)]
    assert kinds == ["connect", "met"]
    clock.advance(timedelta(days=89))
    assert svc.run(TEAM).sent == []
    clock.advance(timedelta(days=1))
    notifier.sent.clear()
    assert sorted(svc.run(TEAM).sent) == [("U00", "collab"), ("U01", "collab")]
    q = {m.target: m for m in notifier.sent}
    assert "Ist daraus etwas Gemeinsames entstanden?" in q["U00"].text
    svc.answer(TEAM, "U01", buttons(q["U01"].blocks)["followup_project"], "project", "en")
    o = outcomes(store, TEAM)
    assert (o.asked, o.met_rate, o.collab_rate) == (1, 1.0, 1.0)
    assert o.answered_rate == pytest.approx(2 / 4)
    text = render_stats(community_stats(store, TEAM), "en")
    assert "Met: 100 %" in text and "Collaboration: 100 %" in text and "Week 2026-W49" in text


def test_not_yet_asks_once_more_and_not_a_fit_vetoes_the_pair(
    store: Store, matcher: Matcher, clock: ManualClock
) -> None:
    community(matcher, 4)
    connect(store, matcher, "U00", "U01")
    notifier = RecordingNotifier()
    svc = service(store, notifier)
    clock.advance(timedelta(days=14))
    svc.run(TEAM)
    q = {m.target: m for m in notifier.sent}
    assert (
        "später"
        in svc.answer(
            TEAM, "U00", buttons(q["U00"].blocks)["followup_not_yet"], "not_yet", "de"
        ).text
    )
    clock.advance(timedelta(days=14))
    notifier.sent.clear()
    assert svc.run(TEAM).sent == [("U00", "met_again")]
    again = notifier.sent[0]
    reply = svc.answer(TEAM, "U00", buttons(again.blocks)["followup_not_fit"], "not_fit", "de")
    assert "nicht mehr vor" in reply.text
    clock.advance(timedelta(days=60))
    assert svc.run(TEAM).sent == [], "no third question and no second question after no"
    assert "U01" not in {x.user_id for x in matcher.suggest_for_member(TEAM, "U00", 10)}
    assert "U00" not in {x.user_id for x in matcher.suggest_for_member(TEAM, "U01", 10)}


def test_deactivated_member_is_recorded_and_skipped(
    store: Store, matcher: Matcher, clock: ManualClock
) -> None:
    community(matcher, 4)
    connect(store, matcher, "U00", "U01")
    notifier = RecordingNotifier()
    notifier.failing["U01"] = "user_disabled"
    svc = service(store, notifier)
    clock.advance(timedelta(days=14))
    report = svc.run(TEAM)
    assert report.sent == [("U00", "met")] and report.failed == [("U01", "user_disabled")]
    clock.advance(timedelta(hours=2))
    assert svc.run(TEAM).swept == [], "a permanent error is not retried"
    with store.session() as s:
        rows = {(f.user_id, f.status, f.error) for f in repo.introductions(s, TEAM)[0].followups}
    assert rows == {("U00", "sent", ""), ("U01", "failed", "user_disabled")}


class Crash(Exception):
    pass


def test_crash_after_the_claim_is_finished_by_the_sweep_once(
    store: Store, matcher: Matcher, clock: ManualClock
) -> None:
    community(matcher, 6)
    for a, b in (("U00", "U01"), ("U02", "U03"), ("U04", "U05")):
        connect(store, matcher, a, b)
    clock.advance(timedelta(days=14))

    class Crashing(RecordingNotifier):
        def dm(self, user_id: str, text: str, blocks: Blocks | None = None) -> str:
            if len(self.sent) >= 2:
                raise Crash()
            return super().dm(user_id, text, blocks)

    first = Crashing()
    with pytest.raises(Crash):
        service(store, first).run(TEAM)
    second = RecordingNotifier()
    clock.advance(timedelta(minutes=1))
    service(store, second).run(TEAM)
    assert len(first.sent) + len(second.sent) == 5, "the claim of the crashed send waits"
    clock.advance(timedelta(minutes=20))
    third = RecordingNotifier()
    assert len(service(store, third).run(TEAM).swept) == 1
    assert dms(first) + dms(second) + dms(third) == Counter(f"U{i:02d}" for i in range(6))


def test_two_concurrent_runs_ask_each_question_once(
    db_url: str, store: Store, matcher: Matcher, clock: ManualClock
) -> None:
    users = community(matcher, 12)
    for i in range(0, 12, 2):
        connect(store, matcher, users[i], users[i + 1])
    when = clock() + timedelta(days=14)
    notifier = SharedRecorder()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def replica() -> None:
        st = Store.from_url(db_url, ManualClock(when))  # its own engine, like a process
        try:
            svc = FollowupService(st, notifier, settings())
            svc.plan(TEAM)
            barrier.wait(timeout=60)
            svc.run(TEAM)
        except BaseException as exc:
            errors.append(exc)
        finally:
            st.dispose()

    threads = [threading.Thread(target=replica) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    assert dms(notifier) == Counter(users)


def test_workshop_pairs_are_introductions_and_forget_removes_them(
    store: Store, matcher: Matcher, clock: ManualClock
) -> None:
    users = community(matcher, 4)
    notifier = RecordingNotifier()
    c = build_container(settings(), matcher=matcher, notifier=notifier)
    plan = c.workshop.create(TEAM, "UFAC", members=users, group_size=2, rounds=1)
    c.workshop.send(TEAM, plan.plan_id, "de")
    with store.session() as s:
        intros = repo.introductions(s, TEAM)
    assert len(intros) == 2 and {i.source for i in intros} == {"workshop"}
    clock.advance(timedelta(days=14))
    assert len(service(store).run(TEAM).sent) == 4
    c.members.forget_confirmed(TEAM, users[0], "de")
    with store.session() as s:
        assert all(users[0] not in (i.user_a, i.user_b) for i in repo.introductions(s, TEAM))


def test_csv_is_anonymised_by_default(store: Store, matcher: Matcher, clock: ManualClock) -> None:
    community(matcher, 4)
    with store.session() as s:
        for u in ("U00", "U01", "U02", "U03"):
            repo.set_language(s, TEAM, u, "en")
    connect(store, matcher, "U00", "U01")
    connect(store, matcher, "U02", "U00")
    notifier = RecordingNotifier()
    svc = service(store, notifier)
    clock.advance(timedelta(days=14))
    svc.run(TEAM)
    first = next(m for m in notifier.sent if m.target == "U01")
    svc.answer(TEAM, "U01", buttons(first.blocks)["followup_yes"], "yes", "en")
    raw = outcomes_csv(store, TEAM, "en").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw)))
    assert rows[0][:3] == ["Pair", "Member A", "Member B"]
    assert [r[1:3] for r in rows[1:]] == [["M1", "M2"], ["M1", "M3"]]
    assert "U0" not in raw and "Person" not in raw
    assert rows[1][-4] == "1" and rows[2][-4] == "0"  # met
    named = outcomes_csv(store, TEAM, "en", names=True).decode("utf-8-sig")
    assert "U00" in named and "Person 0" in named


def test_cli_followups_dry_run_and_stats_csv(
    db_url: str, store: Store, matcher: Matcher, clock: ManualClock, tmp_path: Path
) -> None:
    # The CLI runs in its own process on the real clock: introduce the pair long ago.
    clock.set(datetime(2020, 1, 6, 9, 0, tzinfo=UTC))
    community(matcher, 4)
    connect(store, matcher, "U00", "U01")
    env = {"DATABASE_URL": db_url}
    out = run_cli(["followups", "run", "--team", TEAM, "--dry-run"], env=env)
    assert out.returncode == 0, out.stderr
    assert "U00 [met] about U01" in out.stdout and "2 follow-ups due; nothing sent" in out.stdout
    with store.session() as s:
        assert repo.followup_keys(s, TEAM) == set()
    target = tmp_path / "outcomes.csv"
    out = run_cli(["stats", "--team", TEAM, "--lang", "en", "--csv", str(target)], env=env)
    assert out.returncode == 0, out.stderr
    assert "Introductions: 1" in out.stdout and "(anonymised)" in out.stdout
    assert target.read_text(encoding="utf-8-sig").splitlines()[1].startswith("1,M1,M2,connect,")
    out = run_cli(["stats", "--team", TEAM, "--names"], env=env)
    assert out.returncode == 1 and "--names only applies" in out.stderr
