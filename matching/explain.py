"""Why two entries were matched, as structured data; bot.messages.reasons puts it into words.

Concrete common ground first, most specific first: target groups, fields of action,
distinctive terms, region, tools, needs on the same subject. Items a large share of the
community has (matching.terms.COMMON_SHARE) are left out: they are no reason to talk.
The closest sentence pair comes last, and only when the two sentences are really close,
or when nothing concrete is shared: then it is the one honest answer to "why this one?".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from matching.doc import Doc, Match
from matching.subjects import need_matches
from matching.taxonomy import get_group, group_label, tool_name
from matching.terms import Rarity, key_terms
from matching.themes import theme_label

# USE's; other models have theirs in matching.models.
MIN_SENTENCE_SIM = 0.35
# Terms shown in one reason; more would read as a word list.
MAX_TERMS = 3


@dataclass(frozen=True)
class Reason:
    """One reason for a suggestion: what the two entries share, without any wording."""

    kind: str  # groups | themes | terms | region | tools | needs | sentences
    items: tuple[str, ...] = ()
    direction: str = ""  # for needs: they_offer | you_offer
    mine: str = ""  # needs: my words for the subject; sentences: my sentence
    theirs: str = ""
    similarity: float = 0.0
    about: tuple[str, ...] = ()  # needs: the shared subject as "kind:key" items


def _most_specific(groups: frozenset[str]) -> tuple[str, ...]:
    """Drop a parent when a child is shared too ("Geflüchtete aus der Ukraine" says it all)."""
    parents = {get_group(g).parent for g in groups}
    return tuple(sorted(g for g in groups if g not in parents))


def _label_keys(groups: Iterable[str], themes: Iterable[str], tools: Iterable[str]) -> set[str]:
    """Term keys of the words in the shown group, theme and tool names: said already."""
    items = [("tool", x) for x in tools] + [("group", g) for g in groups]
    items += [("theme", x) for x in themes]
    return {k for kind, key in items for k in _item_label_keys(kind, key)}


@lru_cache(maxsize=4096)
def _item_label_keys(kind: str, key: str) -> frozenset[str]:
    # Asked for every suggestion's reasons; the answer depends on the vocabulary only.
    if kind == "tool":
        labels = [tool_name(key)]
    elif kind == "group":
        labels = [group_label(key, lang) for lang in ("de", "en")]
    else:
        labels = [theme_label(key, lang) for lang in ("de", "en")]
    return frozenset(k for label in labels for k in key_terms(label.title()))


def _shared_terms(query: Doc, other: Doc, rarity: Rarity, said: set[str]) -> list[str]:
    """The rarest terms both texts use, as the query writes them; a pair hides its words."""
    ranks = rarity.ranks_of("term", query.terms)
    shared = sorted(
        (k for k in query.terms.keys() & other.terms.keys() if k in ranks), key=ranks.__getitem__
    )
    chosen: list[str] = []
    covered: set[str] = set()
    for key in shared:
        parts = key.split(" ")
        if key in covered or any(p in said for p in parts):
            continue
        chosen.append(key)
        covered.update(parts)
        if len(chosen) == MAX_TERMS:
            break
    # A word whose phrase was chosen after it says nothing more.
    chosen = [k for k in chosen if not any(k != c and k in c.split(" ") for c in chosen)]
    return [query.terms[k] for k in chosen]


def _about(shared: Iterable[str], query: Doc, other: Doc) -> tuple[str, ...]:
    """The first few subject items; terms as the texts spell them, unless a label says them."""
    kinds: dict[str, list[str]] = {}
    for item in shared:
        kind, key = item.split(":", 1)
        kinds.setdefault(kind, []).append(key)
    said = _label_keys(kinds.get("group", ()), kinds.get("theme", ()), kinds.get("tool", ()))
    out = [f"{k}:{v}" for k in ("group", "theme", "tool") for v in kinds.get(k, ())]
    for key in kinds.get("term", ()):
        if not any(p in said for p in key.split(" ")):
            out.append(f"term:{query.terms.get(key) or other.terms.get(key) or key}")
    return tuple(out[:MAX_TERMS])


def reasons_for(
    query: Doc,
    other: Doc,
    match: Match,
    min_sentence_sim: float = MIN_SENTENCE_SIM,
    pair: tuple[int, int, float] | None = None,
) -> tuple[Reason, ...]:
    """Reasons in a fixed order: groups, themes, terms, region, tools, needs, sentences.

    ``min_sentence_sim`` is on the model's scale (matching.models.ScaleProfile); ``pair``
    is the closest sentence pair (scoring.sentence_pair) when ``match`` does not hold it."""
    rarity = match.rarity
    out: list[Reason] = []
    groups = frozenset(rarity.specific("group", query.groups & other.groups))
    if groups:
        out.append(Reason("groups", _most_specific(groups)))
    themes = rarity.specific("theme", query.themes & other.themes)
    tools = rarity.specific("tool", query.tools & other.tools)
    if themes:
        out.append(Reason("themes", tuple(themes)))
    said = _label_keys(groups, themes, tools)
    terms = _shared_terms(query, other, rarity, said)
    if terms:
        out.append(Reason("terms", tuple(terms)))
    region = query.region.casefold()
    if region and region == other.region.casefold() and not rarity.common("region", region):
        out.append(Reason("region", (query.region,)))
    if tools:
        out.append(Reason("tools", tuple(tools)))
    for m in need_matches(query.needs, other.needs, rarity):
        mine, theirs = (m.seek, m.offer) if m.direction == "they_offer" else (m.offer, m.seek)
        out.append(
            Reason(
                "needs",
                (m.need,),
                direction=m.direction,
                mine=mine.phrase,
                theirs=theirs.phrase,
                about=_about(m.shared, query, other),
            )
        )
    i, j, sim = pair if pair is not None else match.pair
    close = sim >= min_sentence_sim or not out  # every suggestion says why it was made
    if 0 <= i < len(query.sentences) and 0 <= j < len(other.sentences) and close:
        out.append(
            Reason("sentences", mine=query.sentences[i], theirs=other.sentences[j], similarity=sim)
        )
    return tuple(out)
