"""Why two entries were matched, as structured data; bot.messages.reasons puts it into words."""

from __future__ import annotations

from dataclasses import dataclass

from matching.pool import Doc, Match
from matching.taxonomy import get_group

MIN_SENTENCE_SIM = 0.35


@dataclass(frozen=True)
class Reason:
    """One reason for a suggestion: what the two entries share, without any wording."""

    kind: str  # groups | tools | needs | sentences
    items: tuple[str, ...] = ()
    direction: str = ""  # for needs: they_offer | you_offer
    mine: str = ""
    theirs: str = ""
    similarity: float = 0.0


def _most_specific(groups: frozenset[str]) -> tuple[str, ...]:
    """Drop a parent when a child is shared too ("Geflüchtete aus der Ukraine" says it all)."""
    parents = {get_group(g).parent for g in groups}
    return tuple(sorted(g for g in groups if g not in parents))


def reasons_for(query: Doc, other: Doc, match: Match) -> tuple[Reason, ...]:
    """Reasons in a fixed order: target groups, tools, needs, the closest sentence pair."""
    out: list[Reason] = []
    groups = query.groups & other.groups
    if groups:
        out.append(Reason("groups", _most_specific(groups)))
    tools = query.tools & other.tools
    if tools:
        out.append(Reason("tools", tuple(sorted(tools))))
    they_offer = query.looking_for & other.offers
    if they_offer:
        out.append(Reason("needs", tuple(sorted(they_offer)), direction="they_offer"))
    you_offer = other.looking_for & query.offers
    if you_offer:
        out.append(Reason("needs", tuple(sorted(you_offer)), direction="you_offer"))
    i, j, sim = match.pair
    if (
        0 <= i < len(query.sentences)
        and 0 <= j < len(other.sentences)
        and (sim >= MIN_SENTENCE_SIM or not out)
    ):
        out.append(
            Reason("sentences", mine=query.sentences[i], theirs=other.sentences[j], similarity=sim)
        )
    return tuple(out)
