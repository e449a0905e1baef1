"""The digest schedule lives in the bot's database and fires the digest job by reference."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.date import DateTrigger

from bot import scheduler as sched
from bot.flows.digest import DigestService
from matching.service import Matcher
from profiles import repo
from profiles.db import Store
from tests.support.community import TEAM, SharedRecorder, community, settings


@pytest.fixture(autouse=True)
def _services_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    # install() and start() set the process's services; put back what was there after
    # each test, or a later test's OAuth install finds this test's scheduler and store
    # (its database already dropped) and answers 500.
    for name in ("_service", "_followups", "_workspaces", "_scheduler"):
        monkeypatch.setattr(sched, name, getattr(sched, name))


def test_default_schedule_is_monday_nine_berlin_and_survives_restart(
    store: Store, matcher: Matcher
) -> None:
    community(matcher, 3)
    s1 = sched.build_scheduler(store)
    s1.start(paused=True)
    try:
        sched.schedule_all(s1, store, settings())
        job = s1.get_job(sched.job_id(TEAM))
        assert job is not None and job.func_ref == "bot.scheduler:run_team_digest"
        assert job.coalesce and job.misfire_grace_time == sched.MISFIRE_GRACE
        nxt = job.trigger.get_next_fire_time(None, datetime.now(UTC))
        local = nxt.astimezone(ZoneInfo("Europe/Berlin"))
        assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)
    finally:
        s1.shutdown(wait=False)
    # A new process (scheduler) finds the job in the database; scheduling again
    # replaces it instead of adding a second one.
    s2 = sched.build_scheduler(store)
    s2.start(paused=True)
    try:
        assert [j.id for j in s2.get_jobs()].count(sched.job_id(TEAM)) == 1
        with store.session() as s:
            ts = repo.team_settings(s, TEAM)
            ts.digest_day, ts.digest_hour, ts.digest_minute = "wed", 14, 30
            ts.timezone = "Europe/London"
        sched.schedule_team(s2, store, settings(), TEAM)
        jobs = [j for j in s2.get_jobs() if j.id == sched.job_id(TEAM)]
        assert len(jobs) == 1
        nxt = jobs[0].trigger.get_next_fire_time(None, datetime.now(UTC))
        local = nxt.astimezone(ZoneInfo("Europe/London"))
        assert (local.weekday(), local.hour, local.minute) == (2, 14, 30)
    finally:
        s2.shutdown(wait=False)


def test_two_replicas_firing_the_job_send_once(store: Store, matcher: Matcher) -> None:
    users = community(matcher, 6)
    notifier = SharedRecorder()
    sched.install(DigestService(store, matcher, notifier, settings()))
    threads = [threading.Thread(target=sched.run_team_digest, args=(TEAM,)) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert Counter(m.target for m in notifier.sent) == Counter(users)


def test_scheduler_runs_the_job_from_the_store(store: Store, matcher: Matcher) -> None:
    users = community(matcher, 4)
    notifier = SharedRecorder()
    sch = sched.start(DigestService(store, matcher, notifier, settings()))
    try:
        sch.add_job(
            "bot.scheduler:run_team_digest",
            DateTrigger(datetime.now(UTC)),
            args=[TEAM],
            id="now",
            replace_existing=True,
        )
        deadline = time.monotonic() + 60
        while len(notifier.sent) < len(users) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        sch.shutdown(wait=True)
    assert sorted(m.target for m in notifier.sent) == users
