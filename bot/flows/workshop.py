"""Workshop matching for facilitators: plan, preview, edit, send, export.

A plan is stored as a WorkshopPlan row between the preview and the send, so
edits (swap, lock, reshuffle) survive restarts and work from any replica.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from typing import Any

from bot.flows.ports import DeliveryError, Notifier
from bot.messages import join_list, t
from bot.messages.reasons import reason_texts
from bot.slack.blocks.kit import escape
from matching.errors import PlanningError
from matching.service import Matcher
from matching.workshop_plan import (
    Round,
    WorkshopProblem,
    plan_workshop,
    repeats,
    swap,
)
from profiles import repo
from profiles.db import Store
from profiles.errors import InvalidInput
from profiles.models import WorkshopPlan

log = logging.getLogger(__name__)

MAX_PEOPLE = 300  # blossom matching is cubic; a bigger room needs several workshops


# What a facilitator can do to two people in one round of a draft plan.
EDITS = ("swap", "lock", "unlock")


class AlreadySent(InvalidInput):
    """The plan was sent (by another click, maybe a moment ago): nothing is sent twice."""

    def __init__(self, plan_id: int) -> None:
        super().__init__(f"workshop plan {plan_id} has already been sent")


def pair_key(a: str, b: str) -> str:
    return "|".join(sorted((a, b)))


@dataclass
class PlanData:
    """A stored plan, decoded."""

    plan_id: int
    team_id: str
    facilitator: str
    channel: str
    group_size: int
    rounds: list[Round]
    locks: list[tuple[int, str, str]]
    people: list[str]
    without_entries: list[str]
    names: dict[str, str]
    orgs: dict[str, str]
    scores: dict[str, float]
    reasons: dict[str, dict[str, list[str]]]
    seed: int
    status: str
    # Imported people who have not accepted their invitation: left out, named to the
    # facilitator, never messaged.
    awaiting: list[str] = field(default_factory=list)

    @property
    def mode(self) -> str:
        return "pairs" if self.group_size == 2 else "groups"

    def name(self, user: str) -> str:
        return self.names.get(user) or user

    def problem(self) -> WorkshopProblem:
        return WorkshopProblem(
            self.people,
            {frozenset(k.split("|")): v for k, v in self.scores.items()},
            self.orgs,
        )

    def group_reasons(self, group: tuple[str, ...], lang: str, limit: int = 2) -> list[str]:
        """The reasons of the best-fitting pairs in a group, in ``lang``."""
        pairs = sorted(
            (
                (self.scores.get(pair_key(a, b), 0.0), pair_key(a, b))
                for i, a in enumerate(group)
                for b in group[i + 1 :]
            ),
            reverse=True,
        )
        out: list[str] = []
        for _s, key in pairs:
            for r in self.reasons.get(key, {}).get(lang, []):
                if r not in out:
                    out.append(r)
            if len(out) >= limit:
                break
        return out[:limit]

    def repeated(self) -> list[tuple[str, str]]:
        return [tuple(sorted(p)) for p in repeats(self.rounds)]  # type: ignore[misc]


def _decode(row: WorkshopPlan) -> PlanData:
    p: dict[str, Any] = row.plan
    return PlanData(
        plan_id=row.id,
        team_id=row.team_id,
        facilitator=row.facilitator,
        channel=row.channel,
        group_size=row.group_size,
        rounds=[[tuple(g) for g in rnd] for rnd in p.get("rounds", [])],
        locks=[(int(r), str(a), str(b)) for r, a, b in p.get("locks", [])],
        people=list(p.get("people", [])),
        without_entries=list(p.get("without_entries", [])),
        names=dict(p.get("names", {})),
        orgs=dict(p.get("orgs", {})),
        scores={k: float(v) for k, v in p.get("scores", {}).items()},
        reasons=dict(p.get("reasons", {})),
        seed=int(p.get("seed", 0)),
        status=row.status,
        awaiting=list(p.get("awaiting", [])),
    )


def _encode(d: PlanData) -> dict[str, Any]:
    return {
        "rounds": [[list(g) for g in rnd] for rnd in d.rounds],
        "locks": [list(x) for x in d.locks],
        "people": d.people,
        "without_entries": d.without_entries,
        "names": d.names,
        "orgs": d.orgs,
        "scores": d.scores,
        "reasons": d.reasons,
        "seed": d.seed,
        "awaiting": d.awaiting,
    }


@dataclass
class SendReport:
    groups: int = 0
    invites: int = 0
    failed: list[tuple[str, str]] | None = None


class WorkshopService:
    """Plans and sends workshop groups for the members of a channel or a list."""

    def __init__(self, store: Store, matcher: Matcher, notifier: Notifier) -> None:
        self.store = store
        self.matcher = matcher
        self.notifier = notifier

    # ------------------------------------------------------------ planning

    def create(
        self,
        team_id: str,
        facilitator: str,
        *,
        channel: str = "",
        members: list[str] | None = None,
        group_size: int = 2,
        rounds: int = 1,
        seed: int = 0,
    ) -> PlanData:
        """Plan a workshop for a channel's members (or a given list) and store it as a draft."""
        if members is None:
            members = self.notifier.for_team(team_id).channel_members(channel)
        members = list(dict.fromkeys(m for m in members if m))
        with self.store.session() as s:
            with_entries = set(repo.member_ids_with_entries(s, team_id))
            info = repo.members_by_user(s, team_id, members)
            names = {u: m.display_name for u, m in info.items()}
            orgs = {u: m.organisation for u, m in info.items()}
        awaiting = [m for m in members if m in info and not info[m].consenting]
        people = [m for m in members if m in with_entries and m not in awaiting]
        without = [m for m in members if m not in with_entries and m not in awaiting]
        if len(people) > MAX_PEOPLE:
            raise InvalidInput(f"at most {MAX_PEOPLE} participants per workshop")
        if len(people) < 2:
            raise PlanningError(f"too few participants with entries ({len(people)})")
        scores, reasons = self._pair_scores(team_id, people)
        data = PlanData(
            plan_id=0,
            team_id=team_id,
            facilitator=facilitator,
            channel=channel,
            group_size=group_size,
            rounds=[],
            locks=[],
            people=people,
            without_entries=without,
            names=names,
            orgs=orgs,
            scores=scores,
            reasons=reasons,
            seed=seed,
            status="draft",
            awaiting=awaiting,
        )
        data.rounds = plan_workshop(data.problem(), group_size=group_size, rounds=rounds, seed=seed)
        with self.store.session() as s:
            row = repo.save_workshop_plan(
                s,
                WorkshopPlan(
                    team_id=team_id,
                    facilitator=facilitator,
                    channel=channel,
                    mode=data.mode,
                    group_size=group_size,
                    rounds=rounds,
                    plan=_encode(data),
                    status="draft",
                ),
            )
            data.plan_id = row.id
        return data

    def _pair_scores(
        self, team_id: str, people: list[str]
    ) -> tuple[dict[str, float], dict[str, dict[str, list[str]]]]:
        """Fit and reasons for every pair of participants.

        Every pair of participants is scored exactly; pairs who declined each
        other or already know each other are left out (score 0).
        """
        scores: dict[str, float] = {}
        reasons: dict[str, dict[str, list[str]]] = {}
        ranked = self.matcher.suggest_for_members(team_id, people, k=len(people), among=people)
        for u in people:
            for x in ranked.get(u, []):
                key = pair_key(u, x.user_id)
                if x.score > scores.get(key, float("-inf")):
                    scores[key] = x.score
                    reasons[key] = {lang: reason_texts(x, lang)[:3] for lang in ("de", "en")}
        return scores, reasons

    # ------------------------------------------------------------ edits

    def load(self, team_id: str, plan_id: int) -> PlanData:
        with self.store.session() as s:
            return _decode(repo.get_workshop_plan(s, team_id, plan_id))

    def _save(self, d: PlanData) -> PlanData:
        with self.store.session() as s:
            row = repo.get_workshop_plan(s, d.team_id, d.plan_id)
            if row.status != "draft":
                raise AlreadySent(d.plan_id)
            row.plan = _encode(d)
        return d

    def swap(self, team_id: str, plan_id: int, round_index: int, a: str, b: str) -> PlanData:
        """Exchange two people's places in one round; locks on them are dropped."""
        d = self.load(team_id, plan_id)
        d.rounds = swap(d.rounds, round_index, a, b)
        d.locks = [x for x in d.locks if not (x[0] == round_index and ({a, b} & set(x[1:])))]
        return self._save(d)

    def lock(self, team_id: str, plan_id: int, round_index: int, a: str, b: str) -> PlanData:
        """Keep ``a`` and ``b`` together in a round (moving ``b`` next to ``a`` if needed)."""
        d = self.load(team_id, plan_id)
        if not 0 <= round_index < len(d.rounds):
            raise PlanningError(f"no round {round_index + 1}")
        rnd = d.rounds[round_index]
        group_a = next((g for g in rnd if a in g), None)
        if group_a is None or not any(b in g for g in rnd) or a == b:
            raise PlanningError("both people must take part in that round")
        if b not in group_a:
            partner = next(p for p in group_a if p != a)
            d.rounds = swap(d.rounds, round_index, partner, b)
        if (round_index, a, b) not in d.locks:
            d.locks.append((round_index, a, b))
        return self._save(d)

    def unlock(self, team_id: str, plan_id: int, round_index: int, a: str, b: str) -> PlanData:
        """Release a lock on ``a`` and ``b`` in a round; their places stay as they are."""
        d = self.load(team_id, plan_id)
        pair = {a, b}
        kept = [x for x in d.locks if not (x[0] == round_index and set(x[1:]) == pair)]
        if len(kept) == len(d.locks):
            raise PlanningError("those two are not locked together in that round")
        d.locks = kept
        return self._save(d)

    def reshuffle(self, team_id: str, plan_id: int) -> PlanData:
        """A different plan with the same people and settings; locked pairs stay."""
        d = self.load(team_id, plan_id)
        d.seed += 1
        d.rounds = plan_workshop(
            d.problem(),
            group_size=d.group_size,
            rounds=len(d.rounds),
            locks=d.locks,
            seed=d.seed,
        )
        return self._save(d)

    # ------------------------------------------------------------ output

    def csv_bytes(self, d: PlanData, lang: str) -> bytes:
        """The plan as CSV (UTF-8 with BOM, so spreadsheet programs get the umlauts)."""
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(t("workshop.csv.header", lang).split(","))
        for r, rnd in enumerate(d.rounds, start=1):
            for g, group in enumerate(rnd, start=1):
                why = "; ".join(d.group_reasons(group, lang))
                for u in group:
                    w.writerow(
                        [r, g, u, _cell(d.name(u)), _cell(d.orgs.get(u, "")), "", _cell(why)]
                    )
        return ("\ufeff" + buf.getvalue()).encode("utf-8")

    def send_csv(self, d: PlanData, user_id: str, lang: str) -> None:
        """The plan as CSV to ``user_id`` alone, in their DM with the bot: a draft holds
        reasons and organisations the participants have not been sent yet."""
        channel = self.notifier.for_team(d.team_id).group_dm(
            [user_id], t("workshop.csv_uploaded", lang)
        )
        self.notifier.for_team(d.team_id).upload(
            channel,
            f"workshop-{d.plan_id}.csv",
            self.csv_bytes(d, lang),
            title=f"Workshop {d.plan_id}",
        )

    def send(self, team_id: str, plan_id: int, lang: str, *, summary: bool = False) -> SendReport:
        """Group DMs with the intro for every group of every round, invitations for people
        without entries, optionally a summary in the channel. Sends a plan only once."""
        with self.store.session() as s:
            if not repo.workspace_active(s, team_id):
                raise InvalidInput("the app is no longer installed in this workspace")
            if not repo.mark_workshop_sent(s, team_id, plan_id):
                raise AlreadySent(plan_id)
        d = self.load(team_id, plan_id)
        report = SendReport(failed=[])
        assert report.failed is not None
        for r, rnd in enumerate(d.rounds, start=1):
            for group in rnd:
                text = intro_text(d, group, r, lang)
                try:
                    channel = self.notifier.for_team(team_id).group_dm(list(group), text)
                    report.groups += 1
                except DeliveryError as exc:
                    report.failed.append((exc.target, exc.reason))
                    continue
                if len(group) == 2:
                    # Pairs get the follow-ups of an introduction; larger groups do not,
                    # one question per partner would be too many.
                    with self.store.session() as s:
                        repo.record_introduction(
                            s,
                            team_id,
                            group[0],
                            group[1],
                            starter=group[0],
                            source="workshop",
                            channel=channel,
                        )
        for u in d.without_entries if d.channel else []:
            try:
                self.notifier.for_team(team_id).dm(u, t("workshop.invite", lang, channel=d.channel))
                report.invites += 1
            except DeliveryError as exc:
                report.failed.append((exc.target, exc.reason))
        if summary and d.channel:
            groups = sum(len(rnd) for rnd in d.rounds)
            try:
                self.notifier.for_team(team_id).post(
                    d.channel, t("workshop.summary", lang, groups=groups, rounds=len(d.rounds))
                )
            except DeliveryError as exc:
                report.failed.append((exc.target, exc.reason))
        return report


def _cell(text: str) -> str:
    # A leading =, +, - or @ makes spreadsheets evaluate the cell as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def intro_text(d: PlanData, group: tuple[str, ...], round_no: int, lang: str) -> str:
    people = join_list([f"<@{u}>" for u in group], lang)
    reasons = d.group_reasons(group, lang)
    why = t("workshop.intro.why", lang, reasons="; ".join(escape(r) for r in reasons))
    return t("workshop.intro", lang, round=round_no, people=people, why=why if reasons else "")
