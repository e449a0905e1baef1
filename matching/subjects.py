"""What a need is about: "Daten zu Pflegediensten im Landkreis", not just "Daten".

One entry looking for data and another offering data are only worth introducing when
the data is about the same thing: the same target group, theme, tool or a distinctive
term. A need's subject is what its own clause names; when the clause names nothing
("wir suchen Daten"), or the need was ticked rather than written, the whole entry is
the subject (a dataset is about what its description says).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from matching.taxonomy import detect_groups, detect_tools, expand_groups, need_mentions
from matching.terms import Rarity, key_terms
from matching.text import shorten
from matching.themes import detect_themes

# A clause rest that starts like this names the subject in a way worth quoting.
_ABOUT = re.compile(
    r"(?:zu|zum|zur|über|von|vom|aus|für|im|in|zu|rund um|"
    r"about|on|for|from|of|in|around|regarding)\s",
    re.IGNORECASE,
)
PHRASE_CHARS = 70


def _phrase(rest: str) -> str:
    """The subject as the entry says it; a German clause's trailing verb cut off."""
    words = rest.split()
    if any(w[:1].isupper() for w in words[1:]):
        while words and not words[-1][:1].isupper():
            words.pop()
    return shorten(" ".join(words), PHRASE_CHARS)


@dataclass(frozen=True)
class Need:
    """One thing an entry looks for (seek) or offers (offer), and what it is about."""

    kind: str  # seek | offer
    need: str
    about: frozenset[str]  # "group:…", "theme:…", "tool:…", "term:…" items
    phrase: str = ""  # the entry's own words for the subject, when they are short enough


def items(
    groups: Iterable[str], themes: Iterable[str], tools: Iterable[str], terms: Iterable[str]
) -> frozenset[str]:
    """Items of an entry or a clause as "kind:key" strings, the kinds Rarity counts."""
    return frozenset(
        [f"group:{x}" for x in groups]
        + [f"theme:{x}" for x in themes]
        + [f"tool:{x}" for x in tools]
        + [f"term:{x}" for x in terms]
    )


def _clause_items(rest: str) -> frozenset[str]:
    return items(
        expand_groups(detect_groups(rest)), detect_themes(rest), detect_tools(rest), key_terms(rest)
    )


def needs_of(
    text: str,
    looking_for: Iterable[str],
    offers: Iterable[str],
    entry_items: frozenset[str],
) -> tuple[Need, ...]:
    """The needs of an entry with their subjects, from its text and its ticked lists."""
    out: list[Need] = []
    for kind, need, rest in need_mentions(text):
        about = _clause_items(rest) if rest else frozenset()
        if about:
            phrase = _phrase(rest) if _ABOUT.match(rest) else ""
            out.append(Need(kind, need, about, phrase))
        else:
            out.append(Need(kind, need, entry_items))
    written = {(n.kind, n.need) for n in out}
    for kind, keys in (("seek", looking_for), ("offer", offers)):
        out.extend(Need(kind, k, entry_items) for k in sorted(keys) if (kind, k) not in written)
    return tuple(out)


def shared_subject(a: Need, b: Need, rarity: Rarity) -> list[str]:
    """Items both needs are about, common ones left out, rarest first."""
    shared = [x.split(":", 1) for x in a.about & b.about]
    kept = [(k, v) for k, v in shared if not rarity.common(k, v)]
    return [f"{k}:{v}" for k, v in sorted(kept, key=lambda kv: (-rarity.idf(*kv), kv))]


@dataclass(frozen=True)
class NeedMatch:
    """One side looks for what the other offers, about the same subject."""

    direction: str  # they_offer | you_offer
    need: str
    seek: Need
    offer: Need
    shared: tuple[str, ...]


def need_matches(mine: Iterable[Need], theirs: Iterable[Need], rarity: Rarity) -> list[NeedMatch]:
    """Complementary needs of two entries on a shared subject, one per need and direction."""
    mine, theirs = list(mine), list(theirs)
    out: dict[tuple[str, str], NeedMatch] = {}
    for direction, seekers, offerers in (("they_offer", mine, theirs), ("you_offer", theirs, mine)):
        for s in seekers:
            if s.kind != "seek":
                continue
            for o in offerers:
                # Anyone looking for partners is one: "bietet Partner" says nothing.
                if o.kind != "offer" or o.need != s.need or s.need == "partners":
                    continue
                shared = shared_subject(s, o, rarity)
                best = out.get((direction, s.need))
                if shared and (best is None or len(shared) > len(best.shared)):
                    out[(direction, s.need)] = NeedMatch(direction, s.need, s, o, tuple(shared))
    return list(out.values())


def has_need_match(mine: Iterable[Need], theirs: Iterable[Need], rarity: Rarity) -> bool:
    """Whether need_matches finds any: the needs feature asks only that, for every
    candidate pair with complementary needs, so it skips the naming and sorting."""
    mine, theirs = list(mine), list(theirs)
    for seekers, offerers in ((mine, theirs), (theirs, mine)):
        for s in seekers:
            if s.kind != "seek" or s.need == "partners":
                continue
            for o in offerers:
                if o.kind != "offer" or o.need != s.need:
                    continue
                for x in s.about & o.about:
                    kind, value = x.split(":", 1)
                    if not rarity.common(kind, value):
                        return True
    return False
