"""What came of introductions: rates and a weekly series for the stats, and a CSV of the
outcome per pair for reports to funders and boards (anonymised unless asked otherwise)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from bot.messages import t
from profiles import repo
from profiles.db import Store
from profiles.models import Introduction

COLLAB = ("project", "data")
WEEKS_SHOWN = 8


@dataclass(frozen=True)
class PairOutcome:
    intro_id: int
    user_a: str
    user_b: str
    source: str
    introduced: datetime
    asked: bool  # a first follow-up went out
    met_answers: dict[str, str]  # member -> latest answer to "did you get in touch?"
    collab_answers: dict[str, str]

    @property
    def met(self) -> bool:
        return "yes" in self.met_answers.values()

    @property
    def collaboration(self) -> bool:
        return any(a in COLLAB for a in self.collab_answers.values())

    @property
    def week(self) -> str:
        year, week, _ = self.introduced.isocalendar()
        return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Outcomes:
    pairs: list[PairOutcome]
    followups_sent: int
    followups_answered: int
    weekly: list[tuple[str, int, int, int]] = field(default_factory=list)

    @property
    def asked(self) -> int:
        return sum(p.asked for p in self.pairs)

    @property
    def answered_rate(self) -> float:
        return self.followups_answered / self.followups_sent if self.followups_sent else 0.0

    @property
    def met_rate(self) -> float:
        """Pairs who got in touch, of the pairs asked."""
        asked = [p for p in self.pairs if p.asked]
        return sum(p.met for p in asked) / len(asked) if asked else 0.0

    @property
    def collab_rate(self) -> float:
        """Pairs with a joint project or shared data, of the pairs who got in touch."""
        met = [p for p in self.pairs if p.met]
        return sum(p.collaboration for p in met) / len(met) if met else 0.0


def _outcome(intro: Introduction) -> PairOutcome:
    met: dict[str, str] = {}
    collab: dict[str, str] = {}
    asked = False
    # Oldest first, so a later stage's answer ("yes" after "not yet") wins.
    for f in sorted(intro.followups, key=lambda f: f.id):
        if f.stage == repo.MET and f.status == "sent":
            asked = True
        if f.answer is None:
            continue
        (collab if f.stage == repo.COLLAB else met)[f.user_id] = f.answer
    return PairOutcome(
        intro.id, intro.user_a, intro.user_b, intro.source, intro.created_at, asked, met, collab
    )


def outcomes(store: Store, team_id: str) -> Outcomes:
    with store.session() as s:
        pairs = [_outcome(i) for i in repo.introductions(s, team_id)]
        counts = repo.followup_counts(s, team_id)
    weeks: dict[str, list[int]] = {}
    for p in pairs:
        w = weeks.setdefault(p.week, [0, 0, 0])
        w[0] += 1
        w[1] += p.met
        w[2] += p.collaboration
    weekly = [(wk, v[0], v[1], v[2]) for wk, v in sorted(weeks.items())]
    return Outcomes(pairs, counts["followups_sent"], counts["followups_answered"], weekly)


def _pct(x: float) -> str:
    return f"{x * 100:.0f} %"


def render_outcomes(o: Outcomes, lang: str) -> str:
    lines = [
        t(
            "stats.outcomes",
            lang,
            introductions=len(o.pairs),
            asked=o.asked,
            answered_rate=_pct(o.answered_rate),
            met_rate=_pct(o.met_rate),
            collab_rate=_pct(o.collab_rate),
        )
    ]
    for week, n, met, collab in o.weekly[-WEEKS_SHOWN:]:
        lines.append(t("stats.weekly", lang, week=week, introductions=n, met=met, collab=collab))
    return "\n".join(lines)


def outcomes_csv(store: Store, team_id: str, lang: str, *, names: bool = False) -> bytes:
    """One row per introduced pair. Anonymised by default: members appear as M1, M2, …
    (numbered in order of appearance in this file only), never by id or name."""
    o = outcomes(store, team_id)
    with store.session() as s:
        members = repo.members_by_user(
            s, team_id, [u for p in o.pairs for u in (p.user_a, p.user_b)]
        )
    alias: dict[str, str] = {}

    def who(user: str) -> list[str]:
        if names:
            m = members.get(user)
            return [user, m.display_name if m else "", m.organisation if m else ""]
        return [alias.setdefault(user, f"M{len(alias) + 1}")]

    buf = io.StringIO()
    w = csv.writer(buf)
    header = t("stats.csv.header", lang).split(",")
    if names:
        header = t("stats.csv.header.names", lang).split(",")
    w.writerow(header)
    for n, p in enumerate(o.pairs, start=1):
        w.writerow(
            [
                n,
                *who(p.user_a),
                *who(p.user_b),
                p.source,
                p.introduced.date().isoformat(),
                int(p.asked),
                p.met_answers.get(p.user_a, ""),
                p.met_answers.get(p.user_b, ""),
                int(p.met),
                p.collab_answers.get(p.user_a, ""),
                p.collab_answers.get(p.user_b, ""),
                int(p.collaboration),
            ]
        )
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
