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
from itertools import chain, islice

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


def _most_specific(groups: tuple[str, ...]) -> tuple[str, ...]:
    """Drop a parent when a child is shared too ("Geflüchtete aus der Ukraine" says it all)."""
    parents = {get_group(g).parent for g in groups}
    return tuple(sorted(g for g in groups if g not in parents))


# A community's pairs share the same few sets of groups, themes and tools over and over: one
# (immutable) reason per set serves them all, and a digest or `suggest --all` keeps tens of
# thousands fewer objects for the garbage collector to walk.
@lru_cache(maxsize=4096)
def _items_reason(kind: str, items: tuple[str, ...]) -> Reason:
    return Reason(kind, _most_specific(items) if kind == "groups" else items)


# A community shares few combinations of groups, themes and tools: asked for every pair.
@lru_cache(maxsize=4096)
def _label_keys(
    groups: tuple[str, ...], themes: tuple[str, ...], tools: tuple[str, ...]
) -> frozenset[str]:
    """Term keys of the words in the shown group, theme and tool names: said already."""
    items = [("tool", x) for x in tools] + [("group", g) for g in groups]
    items += [("theme", x) for x in themes]
    return frozenset(k for kind, key in items for k in _item_label_keys(kind, key))


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


def _spelling(key: str, query: Doc, other: Doc) -> str:
    """How a reason writes a term both texts use: the shorter of their two spellings (the
    query's when equal). German inflects by adding endings, so the shorter is the one that
    reads right after "zum Thema" or in a list ("Stadtteil", not "Stadtteilen")."""
    mine, theirs = query.terms.get(key), other.terms.get(key)
    if mine is None or theirs is None:
        return mine or theirs or key
    return theirs if len(theirs) < len(mine) else mine


def _shared_terms(query: Doc, other: Doc, rarity: Rarity, said: frozenset[str]) -> list[str]:
    """The rarest terms both texts use, as _spelling writes them; a pair hides its words."""
    # The query's specific terms, rarest first: those the other also uses are the shared
    # ones in order, read only as far as the choice needs them.
    shared = filter(other.terms.__contains__, rarity.specific_of("term", query.terms))
    head = list(islice(shared, MAX_TERMS))
    if " " not in "".join(head) and said.isdisjoint(head):
        # Distinct single words, none of them said: the choice below keeps all of them.
        return [_spelling(k, query, other) for k in head]
    chosen: list[str] = []
    covered: set[str] = set()
    for key in chain(head, shared):
        if key in covered:
            continue
        # Only a pair of words has a space; a single word is its own only part.
        if " " in key:
            parts = key.split(" ")
            if said and not said.isdisjoint(parts):
                continue
            covered.update(parts)
        else:
            if key in said:
                continue
            covered.add(key)
        chosen.append(key)
        if len(chosen) == MAX_TERMS:
            break
    # A word whose phrase was chosen after it says nothing more. Only a phrase has parts
    # other than itself, and a phrase is never a part: so these are the words to drop.
    if len(chosen) > 1:
        inner = {p for c in chosen if " " in c for p in c.split(" ")}
        if inner:
            chosen = [k for k in chosen if k not in inner]
    return [_spelling(k, query, other) for k in chosen]


def _about(shared: Iterable[str], query: Doc, other: Doc) -> tuple[str, ...]:
    """The first few subject items; terms as the texts spell them, unless a label says them."""
    kinds: dict[str, list[str]] = {}
    for item in shared:
        kind, key = item.split(":", 1)
        kinds.setdefault(kind, []).append(key)
    said = _label_keys(*(tuple(kinds.get(k, ())) for k in ("group", "theme", "tool")))
    out = [f"{k}:{v}" for k in ("group", "theme", "tool") for v in kinds.get(k, ())]
    for key in kinds.get("term", ()):
        if not any(p in said for p in key.split(" ")):
            out.append(f"term:{_spelling(key, query, other)}")
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
    # Most pairs share no group, theme or tool: the empty cases skip Rarity altogether.
    both = query.groups & other.groups
    groups = rarity.specific_set("group", both) if both else ()
    if groups:
        out.append(_items_reason("groups", groups))
    both = query.themes & other.themes
    themes = rarity.specific_set("theme", both) if both else ()
    both = query.tools & other.tools
    tools = rarity.specific_set("tool", both) if both else ()
    if themes:
        out.append(_items_reason("themes", themes))
    said = _label_keys(groups, themes, tools) if groups or themes or tools else frozenset()
    terms = _shared_terms(query, other, rarity, said)
    if terms:
        out.append(Reason("terms", tuple(terms)))
    if query.region and other.region:
        region = query.region.casefold()
        if region == other.region.casefold() and not rarity.common("region", region):
            out.append(Reason("region", (query.region,)))
    if tools:
        out.append(_items_reason("tools", tools))
    # A need match takes a need on each side.
    matches = need_matches(query.needs, other.needs, rarity) if query.needs and other.needs else []
    for m in matches:
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
