"""Community statistics for facilitators: `/match stats` and `civic-match stats`."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.flows.outcomes import Outcomes, outcomes, render_outcomes
from bot.messages import t
from profiles import repo
from profiles.db import Store


@dataclass(frozen=True)
class Stats:
    members: int
    members_with_entries: int
    entries: int
    opted_in: int
    digests_sent: int
    digests_failed: int
    suggestions_shown: int
    members_suggested: int
    connect: int
    not_relevant: int
    outcomes: Outcomes = field(default_factory=lambda: Outcomes([], 0, 0))
    invited: int = 0

    @property
    def opted_in_share(self) -> float:
        return self.opted_in / self.members if self.members else 0.0

    @property
    def connect_rate(self) -> float:
        """Connect clicks per suggestion shown."""
        return self.connect / self.suggestions_shown if self.suggestions_shown else 0.0

    @property
    def not_relevant_rate(self) -> float:
        return self.not_relevant / self.suggestions_shown if self.suggestions_shown else 0.0

    @property
    def coverage(self) -> float:
        """Share of members who were shown at least one suggestion."""
        return min(1.0, self.members_suggested / self.members) if self.members else 0.0


def community_stats(store: Store, team_id: str) -> Stats:
    with store.session() as s:
        c = repo.community_stats(s, team_id)
    return Stats(
        members=c["members"],
        members_with_entries=c["members_with_entries"],
        entries=c["entries"],
        opted_in=c["opted_in"],
        digests_sent=c["digests_sent"],
        digests_failed=c["digests_failed"],
        suggestions_shown=c["suggestions_shown"],
        members_suggested=c["members_suggested"],
        connect=c["connect"],
        not_relevant=c["not_relevant"],
        outcomes=outcomes(store, team_id),
        invited=c["invited"],
    )


def _pct(x: float) -> str:
    return f"{x * 100:.0f} %"


def render_stats(st: Stats, lang: str) -> str:
    return _counts(st, lang) + "\n" + render_outcomes(st.outcomes, lang)


def _counts(st: Stats, lang: str) -> str:
    return t(
        "stats.report",
        lang,
        members=st.members,
        with_entries=st.members_with_entries,
        invited=st.invited,
        entries=st.entries,
        opted_in_share=_pct(st.opted_in_share),
        digests_sent=st.digests_sent,
        digests_failed=st.digests_failed,
        shown=st.suggestions_shown,
        connect_rate=_pct(st.connect_rate),
        not_relevant_rate=_pct(st.not_relevant_rate),
        coverage=_pct(st.coverage),
    )
