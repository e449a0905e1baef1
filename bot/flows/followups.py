"""Follow-ups: a while after the bot introduced two members, ask each of them how it went.

Stages per introduction and member: ``met`` ("did you get in touch?") some days after
the introduction; ``met_again`` once more after "not yet"; ``collab`` ("did something
joint come of it?") long after a "yes". Each question is sent exactly once per pair,
stage and member with the guarantee of bot.flows.delivery: a row with a unique
key is inserted (claimed) with the rendered message before it is sent, marked sent or
failed after, and a sweep finishes claims whose process died or failed for a passing
reason. Deactivated members and closed DMs fail permanently: recorded, not retried.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.flows.commands import Reply
from bot.flows.delivery import OnceSender, new_owner, workspace_active
from bot.flows.ports import Notifier
from bot.messages import t
from bot.settings import Settings
from bot.slack.blocks.followups import followup_message
from matching.explain import Reason
from profiles import repo
from profiles.db import Store
from profiles.errors import InvalidInput
from profiles.ids import parse_id

log = logging.getLogger(__name__)

# The feedback an answer stands for: it vetoes the pair or teaches matching.
ANSWER_FEEDBACK = {
    "yes": "met",
    "not_fit": "not_fit",
    "project": "collaboration",
    "data": "collaboration",
}


def starter_for(clicker: str, other: str, reasons: tuple[Reason, ...]) -> str:
    """Who writes first: the one who offers what the other seeks, else the one who clicked."""
    for r in reasons:
        if r.kind == "needs" and r.direction == "they_offer":
            return other
        if r.kind == "needs" and r.direction == "you_offer":
            return clicker
    return clicker


@dataclass(frozen=True)
class Due:
    intro_id: int
    user_id: str
    other_id: str
    stage: str
    lang: str


@dataclass
class FollowupReport:
    """What a follow-up run did (or, for a dry run, would do)."""

    team_id: str
    planned: list[Due] = field(default_factory=list)
    sent: list[tuple[str, str]] = field(default_factory=list)  # (member, stage)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # claimed by another run
    failed: list[tuple[str, str]] = field(default_factory=list)  # (member, reason)
    swept: list[str] = field(default_factory=list)
    dry_run: bool = False


class FollowupService:
    """Plans and sends one workspace's follow-ups; safe to run in several processes at once."""

    def __init__(
        self,
        store: Store,
        notifier: Notifier,
        settings: Settings,
        *,
        owner: str | None = None,
        stuck_after: timedelta = timedelta(minutes=15),
        max_attempts: int = 3,
    ) -> None:
        self.store = store
        self.notifier = notifier
        self.settings = settings
        self.owner = owner or new_owner()
        self.sender = OnceSender(
            store,
            repo.followups_to_sweep,
            repo.reclaim_followup,
            repo.finish_followup,
            self.owner,
            stuck_after,
            max_attempts,
        )

    def plan(self, team_id: str) -> list[Due]:
        """Every question due now and not yet claimed by anyone."""
        now = self.store.clock()
        first = now - timedelta(days=self.settings.followup_days)
        again = now - timedelta(days=self.settings.followup_again_days)
        later = now - timedelta(days=self.settings.followup_collab_days)
        wanted: dict[tuple[int, str, str], str] = {}  # key -> partner
        with self.store.session() as s:
            done = repo.followup_keys(s, team_id)
            for intro in repo.introductions(s, team_id, before=first):
                for u in (intro.user_a, intro.user_b):
                    wanted[(intro.id, repo.MET, u)] = intro.other(u)
            for f in repo.answered(s, team_id, [repo.MET], ["not_yet"], again):
                wanted[(f.intro_id, repo.MET_AGAIN, f.user_id)] = f.introduction.other(f.user_id)
            met = repo.answered(s, team_id, [repo.MET, repo.MET_AGAIN], ["yes"], later)
            for f in met:
                for u in (f.introduction.user_a, f.introduction.user_b):
                    wanted[(f.intro_id, repo.COLLAB, u)] = f.introduction.other(u)
            todo = {k: v for k, v in wanted.items() if k not in done}
            members = repo.members_by_user(s, team_id, [u for _i, _st, u in todo])
        out = []
        for (intro_id, stage, user), other in sorted(todo.items()):
            member = members.get(user)
            if member is None:
                continue  # forgotten since: nobody to ask
            out.append(Due(intro_id, user, other, stage, member.language or "de"))
        return out

    def run(self, team_id: str, *, dry_run: bool = False) -> FollowupReport:
        """Sweep unfinished follow-ups, then claim and send the ones due now."""
        report = FollowupReport(team_id, dry_run=dry_run)
        if not workspace_active(self.store, team_id):
            return report
        if not dry_run:
            self.sweep(team_id, report=report)
        report.planned = self.plan(team_id)
        if dry_run:
            return report
        for d in report.planned:
            days = (
                self.settings.followup_days
                if d.stage == repo.MET
                else self.settings.followup_collab_days
            )
            with self.store.session() as s:
                claim = repo.claim_followup(
                    s, team_id, d.intro_id, d.user_id, d.stage, self.owner, {}
                )
                if claim is None:
                    report.skipped.append((d.user_id, d.stage))
                    continue
                # Rendered in the claim's transaction: its id is in the buttons, and a
                # sweep after a crash sends exactly this message.
                text, blocks = followup_message(d.stage, claim.id, d.other_id, days, d.lang)
                payload: dict[str, Any] = {"text": text, "blocks": blocks}
                claim.payload = payload
                claim_id = claim.id
            if not workspace_active(
                self.store, team_id
            ):  # uninstalled during the run: stop at once
                break
            self._deliver(claim_id, d.user_id, d.stage, payload, report)
        return report

    def _deliver(
        self,
        claim_id: int,
        user_id: str,
        stage: str,
        payload: dict[str, Any],
        report: FollowupReport,
    ) -> None:
        error = self.sender.send(self.notifier, report.team_id, claim_id, user_id, payload)
        if error is not None:
            report.failed.append((user_id, error))
            return
        report.sent.append((user_id, stage))

    def sweep(self, team_id: str, *, report: FollowupReport | None = None) -> FollowupReport:
        """Finish follow-ups that failed for a passing reason or whose process died."""
        report = report or FollowupReport(team_id)
        for claim, payload in self.sender.reclaimed(team_id):
            report.swept.append(claim.user_id)
            self._deliver(claim.id, claim.user_id, claim.stage, payload, report)
        return report

    # ------------------------------------------------------------ answers

    def answer(self, team_id: str, user_id: str, value: str, answer: str, lang: str) -> Reply:
        """A member's button on their own follow-up; the first answer counts."""
        followup_id = parse_id(value)
        unknown = Reply(text=t("followup.unknown", lang))
        if followup_id is None:
            return unknown
        with self.store.session() as s:
            try:
                found = repo.answer_followup(s, team_id, user_id, followup_id, answer)
            except InvalidInput:
                return unknown
            if found is None:
                return unknown
            row, changed = found
            stored = row.answer or answer
            other = row.introduction.other(user_id)
            if changed and answer in ANSWER_FEEDBACK:
                repo.record_feedback(s, team_id, user_id, other, ANSWER_FEEDBACK[answer])
        label = t(f"followup.answer.{stored}", lang)
        if not changed:
            return Reply(text=t("followup.already", lang, answer=label), replace_original=True)
        lines = [t("followup.thanks", lang, answer=label)]
        if answer == "not_yet" and row.stage == repo.MET:
            lines.append(t("followup.later", lang))
        if answer == "not_fit":
            lines.append(t("followup.no_more", lang))
        return Reply(text=" ".join(lines), replace_original=True)


def run_all(
    service: FollowupService, team_id: str | None = None, *, dry_run: bool = False
) -> list[FollowupReport]:
    """Run ``team_id``'s follow-ups, or every workspace's."""
    with service.store.session() as s:
        teams = [team_id] if team_id else repo.team_ids(s)
    return [service.run(team, dry_run=dry_run) for team in teams]
