"""The weekly digest: plan every member's partner suggestions together, then send each once.

Exactly once, even with two bot processes or a crash mid-run:

1. Each member's digest for a period is *claimed* by inserting a row with the
   unique key (team, user, period) before anything is sent. Of two processes
   only one insert succeeds; the other skips that member.
2. The claim stores the rendered message, so whoever finishes it sends exactly
   what was planned.
3. After sending, the claim is marked sent (and the suggestions logged) in one
   transaction. A failed DM marks it failed with the reason and the run goes on.
4. A sweep retries claims that failed for a passing reason, and claims stuck in
   "claimed" for longer than ``stuck_after`` (their process died before
   sending). Takeover is a compare-and-set, so two sweepers never both send.

The one window left is a crash after Slack accepted the message and before the
claim is marked sent: the sweep then sends it again. It is as short as one
UPDATE, and Slack offers no idempotency key for chat.postMessage that would
close it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from bot.flows.delivery import OnceSender, new_owner, workspace_active
from bot.flows.ports import Blocks, DeliveryError, Notifier
from bot.settings import Settings, team_config
from bot.slack.blocks.digest import render_digest, stale_message
from bot.slack.blocks.followups import auto_pause_message
from matching.digest_plan import plan_digest
from matching.gcpause import paused_gc
from matching.orgs import org_key
from matching.service import Matcher, Suggestion
from matching.text import shorten
from profiles import repo
from profiles.db import Store

log = logging.getLogger(__name__)

NO_REPEAT = timedelta(weeks=8)
STALE_AFTER = timedelta(days=365)
MAX_NEW_ITEMS = 5
UNINSTALLED = "workspace_uninstalled"
CADENCE_DAYS = {"weekly": 7, "biweekly": 14, "monthly": 31}
# Fortnights are counted from a fixed Monday, so every process agrees on them.
_FORTNIGHT_EPOCH = date(2024, 1, 1)


def period_key(cadence: str, day: date) -> str:
    """The digest period that ``day`` (in the team's time zone) falls into for a cadence.

    A member gets at most one digest per key; the first run inside a new period
    sends it, so a monthly member gets theirs on the first digest day of the month.
    """
    if cadence == "weekly":
        year, week, _ = day.isocalendar()
        return f"w{year}-W{week:02d}"
    if cadence == "biweekly":
        monday = day - timedelta(days=day.weekday())
        index = (monday - _FORTNIGHT_EPOCH).days // 14
        start = _FORTNIGHT_EPOCH + timedelta(days=14 * index)
        return f"b{start.isoformat()}"
    if cadence == "monthly":
        return f"m{day.year}-{day.month:02d}"
    raise ValueError(f"no digest period for cadence {cadence!r}")


def _switched_recently(
    cadence: str, period: str, last: tuple[str, datetime] | None, now: datetime
) -> bool:
    """True when the member changed cadence and the last digest is too recent for the new one.

    A new cadence means a new kind of period key ("w…" to "m…"), which the unique
    key alone would treat as unsent: without this, switching from weekly to monthly
    mid-month would bring a second digest in the same week.
    """
    if last is None or last[0][:1] == period[:1]:
        return False
    return now - last[1] < timedelta(days=CADENCE_DAYS[cadence] - 1)


@dataclass
class PlannedDigest:
    user_id: str
    period: str
    lang: str
    suggestions: list[Suggestion]
    new_entries: list[tuple[str, str]]  # (title, owner's name)
    text: str = ""
    blocks: Blocks = field(default_factory=list)


@dataclass
class RunReport:
    """What a digest run did (or, for a dry run, would do)."""

    team_id: str
    periods: list[str] = field(default_factory=list)
    planned: list[PlannedDigest] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # claimed by another run
    empty: list[str] = field(default_factory=list)  # nothing new to tell
    failed: list[tuple[str, str]] = field(default_factory=list)
    swept: list[str] = field(default_factory=list)
    nudged: list[int] = field(default_factory=list)
    auto_paused: list[str] = field(default_factory=list)
    dry_run: bool = False


class DigestService:
    """Plans and sends one workspace's digests; safe to run in several processes at once."""

    def __init__(
        self,
        store: Store,
        matcher: Matcher,
        notifier: Notifier,
        settings: Settings,
        *,
        owner: str | None = None,
        stuck_after: timedelta = timedelta(minutes=15),
        max_attempts: int = 3,
        candidates: int = 10,
    ) -> None:
        self.store = store
        self.matcher = matcher
        self.notifier = notifier
        self.settings = settings
        self.owner = owner or new_owner()
        self.candidates = candidates
        self.sender = OnceSender(
            store,
            repo.claims_to_sweep,
            repo.reclaim_digest,
            repo.finish_digest,
            self.owner,
            stuck_after,
            max_attempts,
        )

    # ------------------------------------------------------------ planning

    def plan(self, team_id: str) -> list[PlannedDigest]:
        """Everyone due in this run and what they would get, chosen jointly."""
        now = self.store.clock()
        with self.store.session() as s:
            team = team_config(self.settings, repo.read_team_settings(s, team_id))
            tz = ZoneInfo(team.timezone)
            today = now.astimezone(tz).date()
            recipients = [
                (m.user_id, m.cadence, m.language, m.display_name, m.organisation)
                for m in repo.digest_recipients(s, team_id, now)
            ]
            # Members who do not read their suggestions now are not offered to others
            # as if they were active.
            away = repo.paused_users(s, team_id, now)
            periods = {u: period_key(c, today) for u, c, *_ in recipients}
            done = repo.claimed_keys(s, team_id, periods.values())
            last_sent = repo.digests_sent_since(s, team_id, now - timedelta(days=31))
            recent = repo.suggested_pairs_since(s, team_id, now - NO_REPEAT)
            exclude_same_org = team.exclude_same_org
            cap = team.max_per_member
            new_list = repo.entries_since(s, team_id, now - timedelta(days=31))
        due = [
            r
            for r in recipients
            if (r[0], periods[r[0]]) not in done
            and not _switched_recently(r[1], periods[r[0]], last_sent.get(r[0]), now)
        ]
        if not due:
            return []
        orgs = {u: org_key(org) for u, _c, _l, _n, org in recipients}
        recent_count: dict[str, int] = {}
        for pair in recent:
            for u in pair:
                recent_count[u] = recent_count.get(u, 0) + 1
        # Ask for enough candidates that recent partners, filtered out below,
        # still leave fresh ones.
        k = self.candidates + min(max(recent_count.values(), default=0), 50)
        cands = self.matcher.partner_candidates(team_id, k=k, users=[u for u, *_ in due])
        by_pair: dict[tuple[str, str], Suggestion] = {}
        edges: list[tuple[str, str, float]] = []
        for viewer, sugg in cands.items():
            for x in sugg:
                if frozenset((viewer, x.user_id)) in recent or x.user_id in away:
                    continue
                own = orgs.get(viewer)
                if exclude_same_org and own and org_key(x.organisation) == own:
                    continue
                by_pair[(viewer, x.user_id)] = x
                edges.append((viewer, x.user_id, x.score))
        chosen = plan_digest(
            edges, max_suggestions=self.settings.digest_max_suggestions, max_per_member=cap
        )
        out = []
        # The rendered blocks (tens per member) are containers the collector tracks and
        # that are kept: its full passes over them and the snapshot find no cycles.
        with paused_gc():
            for user, cadence, lang, name, _org in due:
                picks = [by_pair[(user, p)] for p, _s in chosen.picks.get(user, [])]
                since = now - timedelta(days=CADENCE_DAYS[cadence])
                # The first few only: a whole community imported last week is thousands.
                news = list(
                    islice(
                        (
                            (t, who)
                            for at, owner, t, who in new_list
                            if owner != user and at >= since
                        ),
                        MAX_NEW_ITEMS,
                    )
                )
                d = PlannedDigest(user, periods[user], lang, picks, news)
                d.text, d.blocks = render_digest(lang, name, cadence, picks, news)
                out.append(d)
        return out

    # ------------------------------------------------------------ running

    def run(self, team_id: str, *, dry_run: bool = False) -> RunReport:
        """Sweep unfinished claims, then plan, claim and send this period's digests."""
        report = RunReport(team_id, dry_run=dry_run)
        if not workspace_active(self.store, team_id):
            return report
        if not dry_run:
            self.sweep(team_id, report=report)
            self.pause_silent(team_id, report=report)
        planned = self.plan(team_id)
        report.planned = planned
        report.periods = sorted({d.period for d in planned})
        if dry_run:
            return report
        for d in planned:
            if not d.suggestions and not d.new_entries:
                report.empty.append(d.user_id)
                continue
            payload = {
                "text": d.text,
                "blocks": d.blocks,
                "partners": [[x.user_id, x.score] for x in d.suggestions],
            }
            with self.store.session() as s:
                claim = repo.claim_digest(s, team_id, d.user_id, d.period, self.owner, payload)
                claim_id = claim.id if claim is not None else None
            if claim_id is None:
                report.skipped.append(d.user_id)
                continue
            self._deliver(team_id, claim_id, d.user_id, d.period, payload, report)
        self.nudge_stale(team_id, report=report)
        return report

    def _deliver(
        self,
        team_id: str,
        claim_id: int,
        user_id: str,
        period: str,
        payload: dict[str, Any],
        report: RunReport,
    ) -> bool:
        # Asked per message: an uninstall during a run stops the rest of it at once.
        if not workspace_active(self.store, team_id):
            report.failed.append((user_id, UNINSTALLED))
            return False
        partners = [(str(u), float(sc)) for u, sc in payload.get("partners", [])]
        error = self.sender.send(
            self.notifier,
            team_id,
            claim_id,
            user_id,
            payload,
            lambda s: repo.log_suggestions(s, team_id, user_id, partners, "digest", period),
        )
        if error is not None:
            report.failed.append((user_id, error))
            return False
        report.sent.append(user_id)
        return True

    def sweep(self, team_id: str, *, report: RunReport | None = None) -> RunReport:
        """Finish digests that failed for a passing reason or whose process died."""
        report = report or RunReport(team_id)
        for claim, payload in self.sender.reclaimed(team_id):
            report.swept.append(claim.user_id)
            self._deliver(team_id, claim.id, claim.user_id, claim.period, payload, report)
        return report

    def pause_silent(self, team_id: str, *, report: RunReport | None = None) -> list[str]:
        """Pause members who ignored their last digests, and tell each of them once."""
        limit = self.settings.auto_pause_after
        if limit <= 0:
            return []
        with self.store.session() as s:
            silent = sorted(u for u, n in repo.ignored_digests(s, team_id).items() if n >= limit)
            langs = {u: m.language for u, m in repo.members_by_user(s, team_id, silent).items()}
        paused: list[str] = []
        for user in silent:
            if not workspace_active(self.store, team_id):
                break
            with self.store.session() as s:
                if not repo.auto_pause(s, team_id, user):
                    continue  # another process paused them (and tells them)
            text, blocks = auto_pause_message(limit, langs.get(user, "de"))
            try:
                self.notifier.for_team(team_id).dm(user, text, blocks)
            except DeliveryError as exc:
                log.info("auto-pause notice to %s failed: %s", user, exc.reason)
            paused.append(user)
        if report is not None:
            report.auto_paused.extend(paused)
        return paused

    def nudge_stale(self, team_id: str, *, report: RunReport | None = None) -> list[int]:
        """Ask owners of entries older than a year to refresh or archive them, once."""
        now = self.store.clock()
        with self.store.session() as s:
            stale = [
                (e.id, e.title or shorten(e.description, 80), e.member.user_id, e.member.language)
                for e in repo.stale_entries(s, team_id, now - STALE_AFTER)
            ]
        nudged: list[int] = []
        for entry_id, title, user_id, lang in stale:
            if not workspace_active(self.store, team_id):
                break
            with self.store.session() as s:
                if not repo.mark_nudged(s, entry_id):
                    continue  # another process nudged first
            text, blocks = stale_message(entry_id, title, lang)
            try:
                self.notifier.for_team(team_id).dm(user_id, text, blocks)
            except DeliveryError as exc:
                log.info("stale-entry nudge to %s failed: %s", user_id, exc.reason)
                continue
            nudged.append(entry_id)
        if report is not None:
            report.nudged.extend(nudged)
        return nudged


def describe_plan(planned: list[PlannedDigest], lang: str = "de") -> list[str]:
    """One line per member for a dry run: who would get whom."""
    out = []
    for d in planned:
        names = ", ".join(f"{x.display_name or x.user_id} ({x.score:.2f})" for x in d.suggestions)
        new = f"; {len(d.new_entries)} new" if d.new_entries else ""
        out.append(f"{d.user_id} [{d.period}]: {names or '-'}{new}")
    return out
