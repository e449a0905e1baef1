"""Weekly digests: joint planning, one digest per member and period across processes and
crashes, failures recorded, 429 storms ridden out, stale-entry nudges."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.flows.digest import DigestService, period_key
from bot.flows.ports import Blocks, DeliveryError, RecordingNotifier
from bot.slack.notifier import SlackNotifier, retrying_client
from matching.service import EntryInput, Matcher
from profiles import repo
from profiles.clock import ManualClock
from profiles.db import Store
from profiles.models import DigestClaim, Entry, SuggestionLog
from testkit.embedders import HashEmbedder
from testkit.fakeslack import FakeSlack
from tests.support.community import TEAM, SharedRecorder, community, dms, settings

MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
# Week boundaries on purpose: early Monday in UTC, and Sunday night in UTC which is
# already Monday in Berlin (the workspace's time zone decides the week).
BOUNDARIES = [
    pytest.param(datetime(2026, 11, 30, 3, 0, tzinfo=UTC), id="mon-0300utc"),
    pytest.param(datetime(2026, 11, 29, 23, 30, tzinfo=UTC), id="sun-2330utc"),
    pytest.param(MONDAY, id="mon-0800utc"),
]


def at(svc: DigestService, when: datetime) -> DigestService:
    """Move the store's (the one) clock to ``when``; the service reads the time from it."""
    clock = svc.store.clock
    assert isinstance(clock, ManualClock)
    clock.set(when)
    return svc


def test_period_keys() -> None:
    assert period_key("weekly", date(2025, 3, 3)) == "w2025-W10"
    assert period_key("weekly", date(2025, 3, 9)) == "w2025-W10"
    assert period_key("monthly", date(2025, 3, 31)) == "m2025-03"
    a, b = period_key("biweekly", date(2025, 3, 3)), period_key("biweekly", date(2025, 3, 10))
    c = period_key("biweekly", date(2025, 3, 17))
    assert len({a, b, c}) == 2 and (a == b or b == c)
    with pytest.raises(ValueError):
        period_key("paused", date(2025, 3, 3))


@pytest.mark.parametrize("start", BOUNDARIES)
def test_every_member_gets_one_digest_with_suggestions_and_buttons(
    store: Store, matcher: Matcher, start: datetime
) -> None:
    users = community(matcher)
    notifier = RecordingNotifier()
    svc = DigestService(store, matcher, notifier, settings())
    report = at(svc, start).run(TEAM)
    assert sorted(report.sent) == users
    assert report.periods == ["w2026-W49"], "the week is the one in Berlin"
    assert dms(notifier) == Counter(users)
    for m in notifier.sent:
        assert m.blocks is not None
        ids = [e["action_id"] for b in m.blocks if b["type"] == "actions" for e in b["elements"]]
        assert 1 <= ids.count("suggestion_connect") <= 3
        assert "digest_pause" in ids
    # A second run in the same week sends nothing.
    again = at(svc, start + timedelta(hours=2)).run(TEAM)
    assert again.sent == [] and dms(notifier) == Counter(users)
    with store.session() as s:
        claims = repo.digest_claims(s, TEAM)
        assert {c.status for c in claims} == {"sent"} and len(claims) == len(users)
        # Nobody is shown to more than the cap per period.
        shown = Counter(x.other_user_id for x in s.query(SuggestionLog).all())
        assert max(shown.values()) <= settings().digest_max_per_member


def test_no_repeats_within_eight_weeks_and_declined_pairs_stay_out(
    store: Store, matcher: Matcher
) -> None:
    community(matcher, 6)
    notifier = RecordingNotifier()
    svc = DigestService(store, matcher, notifier, settings())
    first = at(svc, MONDAY).plan(TEAM)
    with store.session() as s:
        repo.record_feedback(s, TEAM, "U00", first[0].suggestions[0].user_id, "not_relevant")
    at(svc, MONDAY).run(TEAM)
    seen = {(d.user_id, x.user_id) for d in at(svc, MONDAY).plan(TEAM) for x in d.suggestions}
    assert seen == set(), "everyone already has this week's digest"
    with store.session() as s:
        week1 = {frozenset((x.user_id, x.other_user_id)) for x in s.query(SuggestionLog).all()}
    assert frozenset(("U00", first[0].suggestions[0].user_id)) not in week1
    later = at(svc, MONDAY + timedelta(weeks=1)).plan(TEAM)
    for d in later:
        for x in d.suggestions:
            assert frozenset((d.user_id, x.user_id)) not in week1
    nine = at(svc, MONDAY + timedelta(weeks=9)).plan(TEAM)
    assert any(frozenset((d.user_id, x.user_id)) in week1 for d in nine for x in d.suggestions)


def test_cadence_and_opt_out(store: Store, matcher: Matcher) -> None:
    community(matcher, 6)
    with store.session() as s:
        repo.set_cadence(s, TEAM, "U01", "paused")
        repo.set_cadence(s, TEAM, "U02", "monthly")
        repo.set_cadence(s, TEAM, "U03", "biweekly")
    notifier = RecordingNotifier()
    svc = DigestService(store, matcher, notifier, settings())
    due = []
    for week in range(3):
        report = at(svc, MONDAY + timedelta(weeks=week)).run(TEAM)
        due.append({d.user_id for d in report.planned})
    assert all("U00" in d for d in due), "weekly: due every week"
    assert not any("U01" in d for d in due), "paused: never"
    assert sum("U03" in d for d in due) == 2, "biweekly: two of three weeks"
    months = {(MONDAY + timedelta(weeks=w)).month for w in range(3)}
    assert sum("U02" in d for d in due) == len(months), "monthly: once per month"
    assert dms(notifier)["U01"] == 0


def test_dry_run_sends_and_claims_nothing(store: Store, matcher: Matcher) -> None:
    community(matcher, 6)
    notifier = RecordingNotifier()
    svc = DigestService(store, matcher, notifier, settings())
    report = at(svc, MONDAY).run(TEAM, dry_run=True)
    assert len(report.planned) == 6 and report.sent == []
    assert notifier.sent == []
    with store.session() as s:
        assert repo.digest_claims(s, TEAM) == []


def test_failed_dm_is_recorded_and_the_run_goes_on(store: Store, matcher: Matcher) -> None:
    users = community(matcher, 6)
    notifier = RecordingNotifier()
    notifier.failing["U02"] = "user_disabled"
    notifier.failing["U03"] = "fatal_error"
    svc = DigestService(store, matcher, notifier, settings())
    report = at(svc, MONDAY).run(TEAM)
    assert dict(report.failed) == {"U02": "user_disabled", "U03": "fatal_error"}
    assert sorted(report.sent) == [u for u in users if u not in ("U02", "U03")]
    del notifier.failing["U03"], notifier.failing["U02"]
    # The sweep retries the passing failure, never the deactivated account.
    retry = at(svc, MONDAY + timedelta(hours=1)).run(TEAM)
    assert retry.swept == ["U03"] and retry.sent == ["U03"]
    assert dms(notifier)["U02"] == 0 and dms(notifier)["U03"] == 1
    with store.session() as s:
        status = {c.user_id: (c.status, c.error) for c in repo.digest_claims(s, TEAM)}
    assert status["U02"] == ("failed", "user_disabled")
    assert status["U03"][0] == "sent"


class Crash(BaseException):
    """The process dies (not an Exception: nothing may catch it on the way out)."""


class CrashingNotifier(RecordingNotifier):
    def __init__(self, crash_after: int) -> None:
        super().__init__()
        self.crash_after = crash_after

    def dm(self, user_id: str, text: str, blocks: Blocks | None = None) -> str:
        if len(self.sent) >= self.crash_after:
            raise Crash()
        return super().dm(user_id, text, blocks)


@pytest.mark.parametrize("start", BOUNDARIES)
def test_crash_mid_run_leaves_nobody_without_and_nobody_twice(
    store: Store, matcher: Matcher, start: datetime
) -> None:
    users = community(matcher, 8)
    first = CrashingNotifier(crash_after=3)
    with pytest.raises(Crash):
        at(DigestService(store, matcher, first, settings()), start).run(TEAM)
    assert len(first.sent) == 3
    # A restart soon after: the member whose claim was taken before the crash is
    # not yet considered stuck, everyone else is served now.
    second = RecordingNotifier()
    svc = DigestService(store, matcher, second, settings(), stuck_after=timedelta(minutes=15))
    at(svc, start + timedelta(minutes=1)).run(TEAM)
    assert len(first.sent) + len(second.sent) == len(users) - 1
    # The periodic sweep picks the stuck claim up once it is old enough.
    swept = at(svc, start + timedelta(minutes=20)).sweep(TEAM)
    assert len(swept.swept) == 1
    total = dms(first) + dms(second)
    assert total == Counter(users), "every member exactly one digest"
    with store.session() as s:
        assert {c.status for c in repo.digest_claims(s, TEAM)} == {"sent"}


def test_two_concurrent_runs_send_each_digest_once(db_url: str, store: Store) -> None:
    users = community(Matcher(store, HashEmbedder()), 12)
    notifier = SharedRecorder()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def replica() -> None:
        # Its own engine and connections, like a second process.
        st = Store.from_url(db_url, ManualClock(MONDAY))
        try:
            svc = DigestService(st, Matcher(st, HashEmbedder()), notifier, settings())
            at(svc, MONDAY).plan(TEAM)  # warm up, so both reach the claims together
            barrier.wait(timeout=60)
            at(svc, MONDAY).run(TEAM)
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


def _process_run(db_url: str, out: str, start: object) -> None:
    """Body of a separate OS process: its own interpreter, engine and matcher."""
    st = Store.from_url(db_url, ManualClock(MONDAY))

    class FileNotifier(RecordingNotifier):
        def dm(self, user_id: str, text: str, blocks: Blocks | None = None) -> str:
            with open(out, "a", encoding="utf-8") as fh:
                fh.write(user_id + "\n")
            return "1.0"

    svc = DigestService(st, Matcher(st, HashEmbedder()), FileNotifier(), settings())
    at(svc, MONDAY).plan(TEAM)
    start.wait(60)  # type: ignore[attr-defined]
    at(svc, MONDAY).run(TEAM)
    st.dispose()


def test_two_processes_send_each_digest_once(db_url: str, store: Store, tmp_path: Path) -> None:
    users = community(Matcher(store, HashEmbedder()), 12)
    out = tmp_path / "sent.txt"
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_process_run, args=(db_url, str(out), start)) for _ in range(2)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    assert Counter(out.read_text().split()) == Counter(users)


def test_new_in_the_community(store: Store, matcher: Matcher) -> None:
    community(matcher, 4)
    with store.session() as s:
        for e in s.query(Entry).all():
            e.created_at = MONDAY - timedelta(days=60)
    matcher.save_entry(
        TEAM,
        "U99",
        EntryInput(title="Datenatlas Ehrenamt", description="Ehrenamt und Daten"),
        display_name="Neu",
        organisation="VdK",
    )
    notifier = RecordingNotifier()
    svc = DigestService(store, matcher, notifier, settings())
    at(svc, MONDAY).run(TEAM)
    to_u00 = next(m for m in notifier.sent if m.target == "U00")
    assert "Datenatlas Ehrenamt" in to_u00.text
    to_new = next(m for m in notifier.sent if m.target == "U99")
    assert "Datenatlas Ehrenamt" not in to_new.text


def test_mentions_in_entries_are_escaped(store: Store, matcher: Matcher) -> None:
    community(matcher, 3)
    matcher.save_entry(
        TEAM,
        "U77",
        EntryInput(description="<!channel> Ehrenamt Beratung Daten"),
        display_name="<@U00>",
        organisation="x",
    )
    notifier = RecordingNotifier()
    at(DigestService(store, matcher, notifier, settings()), MONDAY).run(TEAM)
    for m in notifier.sent:
        assert "<!channel>" not in str(m.blocks) and "<@U00>" not in str(m.blocks)


def test_stale_entries_are_nudged_once(store: Store, matcher: Matcher) -> None:
    community(matcher, 3)
    with store.session() as s:
        e = s.query(Entry).order_by(Entry.id).first()
        assert e is not None
        e.updated_at = store.clock() - timedelta(days=400)
        stale_id, owner = e.id, e.member.user_id
    notifier = RecordingNotifier()
    svc = DigestService(store, matcher, notifier, settings())
    assert svc.nudge_stale(TEAM) == [stale_id]
    assert svc.nudge_stale(TEAM) == []
    nudge = [m for m in notifier.sent if m.blocks and "stale:" in str(m.blocks)]
    assert [m.target for m in nudge] == [owner]
    with store.session() as s:
        repo.confirm_entry_current(s, TEAM, owner, stale_id)
        entry = s.get(Entry, stale_id)
        assert entry is not None and entry.nudged_at is None


def test_digest_rides_out_a_429_storm(store: Store, matcher: Matcher) -> None:
    users = community(matcher, 5)
    with FakeSlack() as fake:
        client = retrying_client("xoxb-test", base_url=fake.base_url, max_retries=6)
        fake.fail_next("chat.postMessage", status=429, retry_after=1, times=3)
        fake.fail_next("conversations.open", status=429, retry_after=1, times=2)
        svc = DigestService(store, matcher, SlackNotifier(client), settings())
        report = at(svc, MONDAY).run(TEAM)
        assert sorted(report.sent) == users and report.failed == []
        posted = [c for c in fake.calls("chat.postMessage") if c.ok]
        assert len(posted) == len(users)
        assert len(fake.calls("chat.postMessage")) == len(users) + 3


def test_deactivated_user_on_real_client_is_recorded(store: Store, matcher: Matcher) -> None:
    users = community(matcher, 4)
    with FakeSlack() as fake:
        fake.error_for("conversations.open", {"users": "U01"}, "user_disabled")
        svc = DigestService(
            store,
            matcher,
            SlackNotifier(retrying_client("xoxb-t", base_url=fake.base_url)),
            settings(),
        )
        report = at(svc, MONDAY).run(TEAM)
    assert report.failed == [("U01", "user_disabled")]
    assert sorted(report.sent) == [u for u in users if u != "U01"]
    with store.session() as s:
        claim = s.query(DigestClaim).filter_by(user_id="U01").one()
        assert claim.status == "failed"


def test_delivery_error_type() -> None:
    err = DeliveryError("U1", "user_disabled")
    assert err.reason == "user_disabled"


@pytest.mark.parametrize("start", BOUNDARIES)
def test_switching_cadence_brings_no_second_digest_in_the_same_week(
    store: Store, matcher: Matcher, start: datetime
) -> None:
    community(matcher, 4)
    notifier = RecordingNotifier()
    svc = DigestService(store, matcher, notifier, settings())
    at(svc, start).run(TEAM)
    assert dms(notifier)["U00"] == 1
    with store.session() as s:
        repo.set_cadence(s, TEAM, "U00", "monthly")
    # A new kind of period key ("m…") is unclaimed, but a digest went out days ago.
    report = at(svc, start + timedelta(days=1)).run(TEAM)
    assert "U00" not in {d.user_id for d in report.planned}
    assert dms(notifier)["U00"] == 1
    later = at(svc, start + timedelta(weeks=5)).run(TEAM)
    assert "U00" in {d.user_id for d in later.planned}


@pytest.mark.parametrize(("tz", "week"), [("Europe/Berlin", "w2026-W49"), ("UTC", "w2026-W48")])
def test_the_week_is_the_one_in_the_digest_time_zone(
    store: Store, matcher: Matcher, tz: str, week: str
) -> None:
    community(matcher, 4)
    svc = DigestService(store, matcher, RecordingNotifier(), settings(digest_timezone=tz))
    # Sunday 23:30 UTC: still week 48 in UTC, already Monday of week 49 in Berlin.
    report = at(svc, datetime(2026, 11, 29, 23, 30, tzinfo=UTC)).run(TEAM, dry_run=True)
    assert report.periods == [week]


def test_max_per_member_setting_caps_how_often_one_member_is_shown(
    store: Store, matcher: Matcher
) -> None:
    community(matcher, 10)
    svc = DigestService(store, matcher, RecordingNotifier(), settings(digest_max_per_member=1))
    planned = at(svc, MONDAY).plan(TEAM)
    shown = Counter(x.user_id for d in planned for x in d.suggestions)
    assert shown and max(shown.values()) == 1
