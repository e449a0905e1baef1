"""Digest scheduling: APScheduler 3 with its SQLAlchemy job store in the bot's database.

One cron job per workspace (id ``digest:<team>``), one sweep job for claims
left unfinished by a crash, an hourly follow-up job
and a daily refit of each workspace's scoring weights. Jobs name their function by reference
(``bot.scheduler:run_team_digest``) so they survive restarts in the job store;
the function finds the live services through :func:`install`. Several
replicas may each run a scheduler: the unique digest claim, not the scheduler,
is what keeps a member from getting two digests.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.jobstores.base import BaseJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.flows.digest import DigestService
from bot.flows.followups import FollowupService, run_all
from bot.flows.workspaces import WorkspaceFlows
from bot.settings import Settings, TeamConfig, team_config
from profiles import repo
from profiles.db import Store

log = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"
SWEEP_JOB = "digest-sweep"
MISFIRE_GRACE = int(timedelta(hours=6).total_seconds())

PURGE_JOB = "workspace-purge"
FOLLOWUP_JOB = "followups"
REFIT_JOB = "refit-weights"

_service: DigestService | None = None
_followups: FollowupService | None = None
_workspaces: WorkspaceFlows | None = None
_scheduler: BackgroundScheduler | None = None
_service_lock = threading.Lock()


def install(
    service: DigestService,
    followups: FollowupService | None = None,
    workspaces: WorkspaceFlows | None = None,
    scheduler: BackgroundScheduler | None = None,
) -> None:
    """Make these services the ones the scheduled job functions use in this process."""
    global _service, _followups, _workspaces, _scheduler
    with _service_lock:
        _service = service
        _followups = followups
        _workspaces = workspaces or WorkspaceFlows(service.settings, service.store, service.matcher)
        _scheduler = scheduler


def purge_due() -> list[str]:
    """Job function: delete the data of workspaces whose grace period after an uninstall
    has passed, and their digest jobs."""
    with _service_lock:
        flows, scheduler = _workspaces, _scheduler
    if flows is None:
        raise RuntimeError("no workspace flows installed in this process")
    purged = flows.purge_due()
    for team in purged:
        if scheduler is not None and scheduler.get_job(job_id(team)) is not None:
            scheduler.remove_job(job_id(team))
    return purged


def team_installed(team_id: str) -> None:
    """A workspace was just installed (OAuth): give it its weekly digest job now rather
    than at the next start, if this process runs a scheduler."""
    with _service_lock:
        svc, scheduler = _service, _scheduler
    if svc is not None and scheduler is not None:
        schedule_team(scheduler, svc.store, svc.settings, team_id)


def _current() -> DigestService:
    with _service_lock:
        if _service is None:
            raise RuntimeError("no digest service installed in this process")
        return _service


def run_team_digest(team_id: str) -> None:
    """Job function (referenced by name in the job store): run one workspace's digest."""
    report = _current().run(team_id)
    log.info(
        "digest %s %s: %d sent, %d skipped, %d failed, %d swept",
        team_id,
        ",".join(report.periods),
        len(report.sent),
        len(report.skipped),
        len(report.failed),
        len(report.swept),
    )


def sweep_all() -> None:
    """Job function: finish digests whose process died, in every workspace."""
    svc = _current()
    with svc.store.session() as s:
        teams = repo.team_ids(s)
    for team in teams:
        svc.sweep(team)


def run_followups() -> None:
    """Job function: send the follow-ups due now, in every workspace (claims keep it once)."""
    with _service_lock:
        svc = _followups
    if svc is None:
        return
    for report in run_all(svc):
        if report.sent or report.failed or report.swept:
            log.info(
                "follow-ups %s: %d sent, %d failed, %d swept",
                report.team_id,
                len(report.sent),
                len(report.failed),
                len(report.swept),
            )


def refit_all() -> None:
    """Job function: refit every workspace's scoring weights from its own feedback.

    Every fit is stored (data size, change); whether ranking uses it is REFIT_WEIGHTS.
    """
    svc = _current()
    with svc.store.session() as s:
        teams = repo.team_ids(s)
    for team in teams:
        fit = svc.matcher.refit_weights(team)
        if fit is not None:
            log.info(
                "weights %s refit from %d+/%d-: change %.3f",
                team,
                fit.positives,
                fit.negatives,
                fit.change,
            )


def job_id(team_id: str) -> str:
    return f"digest:{team_id}"


class MigratedJobStore(SQLAlchemyJobStore):  # type: ignore[misc]
    """APScheduler's job store on a table that Alembic made (migration 0009), like every
    other table; APScheduler would otherwise create it at start."""

    def start(self, scheduler: BaseScheduler, alias: str) -> None:
        BaseJobStore.start(self, scheduler, alias)


def build_scheduler(store: Store) -> BackgroundScheduler:
    """A scheduler whose jobs live in the bot's own database (SQLite or PostgreSQL)."""
    return BackgroundScheduler(
        jobstores={"default": MigratedJobStore(engine=store.engine, tablename=JOB_TABLE)},
        job_defaults={
            # After downtime, one catch-up run instead of one per missed week,
            # and only if the slot is less than MISFIRE_GRACE old.
            "coalesce": True,
            "misfire_grace_time": MISFIRE_GRACE,
            "max_instances": 1,
        },
        timezone="UTC",
    )


def digest_trigger(config: TeamConfig) -> CronTrigger:
    """The weekly slot of a workspace, in its own time zone."""
    return CronTrigger(
        day_of_week=config.digest_day,
        hour=config.digest_hour,
        minute=config.digest_minute,
        timezone=config.timezone,
    )


def team_configs(store: Store, settings: Settings, team_ids: list[str]) -> dict[str, TeamConfig]:
    with store.session() as s:
        return {t: team_config(settings, repo.read_team_settings(s, t)) for t in team_ids}


def next_digest(config: TeamConfig, now: datetime) -> datetime:
    """When the schedule fires next after ``now``, in the workspace's time zone."""
    fire: datetime | None = digest_trigger(config).get_next_fire_time(None, now)
    if fire is None:  # a weekly cron always has a next time; guard for the type only
        raise RuntimeError("digest schedule has no next time")
    return fire.astimezone(ZoneInfo(config.timezone))


def schedule_team(
    scheduler: BackgroundScheduler, store: Store, settings: Settings, team_id: str
) -> None:
    """Add or replace the workspace's weekly job from its effective settings."""
    config = team_configs(store, settings, [team_id])[team_id]
    scheduler.add_job(
        "bot.scheduler:run_team_digest",
        digest_trigger(config),
        args=[team_id],
        id=job_id(team_id),
        name=f"weekly digest {team_id}",
        replace_existing=True,
    )


def schedule_all(
    scheduler: BackgroundScheduler, store: Store, settings: Settings, sweep_minutes: int = 10
) -> None:
    """One job per known workspace, plus the sweep."""
    with store.session() as s:
        teams = repo.team_ids(s)
    for team in teams:
        schedule_team(scheduler, store, settings, team)
    scheduler.add_job(
        "bot.scheduler:sweep_all",
        IntervalTrigger(minutes=sweep_minutes),
        id=SWEEP_JOB,
        name="digest sweep",
        replace_existing=True,
    )
    # Hourly is precise enough for questions due days after an introduction; the run
    # sweeps its own unfinished claims first.
    scheduler.add_job(
        "bot.scheduler:run_followups",
        IntervalTrigger(minutes=60),
        id=FOLLOWUP_JOB,
        name="follow-ups",
        replace_existing=True,
    )
    scheduler.add_job(
        "bot.scheduler:purge_due",
        IntervalTrigger(hours=1),
        id=PURGE_JOB,
        name="purge uninstalled workspaces",
        replace_existing=True,
    )
    # Daily: feedback trickles in over weeks, and a fit over all of it is cheap.
    scheduler.add_job(
        "bot.scheduler:refit_all",
        IntervalTrigger(hours=24),
        id=REFIT_JOB,
        name="refit weights",
        replace_existing=True,
    )


def start(
    service: DigestService,
    sweep_minutes: int = 10,
    followups: FollowupService | None = None,
    workspaces: WorkspaceFlows | None = None,
) -> BackgroundScheduler:
    """Install the services, schedule every workspace and start the background thread."""
    scheduler = build_scheduler(service.store)
    install(service, followups, workspaces, scheduler)
    scheduler.start(paused=True)
    schedule_all(scheduler, service.store, service.settings, sweep_minutes)
    scheduler.resume()
    return scheduler
