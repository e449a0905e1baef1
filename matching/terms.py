"""Key terms of a description, and how rare each shared item is in the community.

A reason is only worth reading when it names common ground that is specific to the
two entries: "gemeinsame Themen: Open Data, Leaflet" says more than "beide nutzen
Excel" when half the community uses Excel. Terms are words (and pairs of adjacent
words) as the texts write them; Rarity counts, per workspace, how many entries have
each group, theme, tool, term or region, so that common ones can be left out of the
reasons and weigh little in the score.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from itertools import repeat

from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_GERMAN

# An item more than this share of the pool has is no reason to talk to one another.
COMMON_SHARE = 0.25
# ... and held by at least this many entries: in a community of ten, two entries that
# share a group are not "a quarter of the community", they are the two to introduce.
COMMON_MIN = 4

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_STOP_DE = frozenset(STOPWORDS_GERMAN)
_STOP_EN = frozenset(STOPWORDS_EN)
# Nouns of phrasing rather than topic ("zur Verfügung", "zum Beispiel", "for example").
_GENERIC = frozenset(
    {
        *("verfügung", "beispiel", "rahmen", "hilfe", "ziel", "ziele", "jahr", "jahre"),
        *("jahren", "zeit", "teil", "weise", "möglichkeit", "möglichkeiten"),
        *("example", "years", "time", "part", "way", "ways"),
    }
)
_STOP = _STOP_DE | _STOP_EN | _GENERIC
_SUFFIXES = ("innen", "ungen", "ern", "en", "er", "es", "e", "n", "s")
MIN_CHARS = 4


def term_key(word: str) -> str:
    """A crude stem: "Karten" and "Karte", "Pflegedienste" and "Pflegediensten" meet."""
    w = word.lower()
    for suffix in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= MIN_CHARS:
            return w[: -len(suffix)]
    return w


def _german(words: list[str]) -> bool:
    lowered = [w.lower() for w in words]
    return sum(w in _STOP_DE for w in lowered) >= sum(w in _STOP_EN for w in lowered)


def key_terms(text: str) -> dict[str, str]:
    """Content words and adjacent pairs of them: stem key -> the text's own spelling.

    In German only capitalised words count (nouns, names, acronyms): lower-case
    words there are verbs and adjectives, which make poor topics.
    """
    found = _WORD.findall(text)
    german = _german(found)
    out: dict[str, str] = {}
    prev: tuple[str, str] | None = None
    for w in found:
        keep = len(w) >= MIN_CHARS and w.lower() not in _STOP and (not german or w[0].isupper())
        if not keep:
            prev = None
            continue
        key = term_key(w)
        out.setdefault(key, w)
        if prev is not None:
            out.setdefault(f"{prev[0]} {key}", f"{prev[1]} {w}")
        prev = (key, w)
    return out


@dataclass(frozen=True)
class Rarity:
    """How many entries of a pool have each item, per kind (groups, themes, tools, ...)."""

    size: int = 0
    counts: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    # kind -> item -> (common, idf): reasons, need subjects and the doc table's weights ask
    # for the same items thousands of times. The counts never change after construction.
    _seen: dict[str, dict[str, tuple[bool, float]]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # (kind, id of a collection) -> (that collection, its specific items); holding the
    # collection keeps its id from being reused while it is remembered.
    _ordered: dict[tuple[str, int], tuple[Collection[str], tuple[str, ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # (kind, a set of items) -> its specific items: what two entries share of a small
    # vocabulary (groups, themes, tools) is one of a few hundred sets in a community.
    _sets: dict[tuple[str, frozenset[str]], tuple[str, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def count(cls, size: int, items: Mapping[str, Iterable[Iterable[str]]]) -> Rarity:
        counts: dict[str, dict[str, int]] = {}
        for kind, per_doc in items.items():
            c = counts.setdefault(kind, {})
            for doc_items in per_doc:
                for x in set(doc_items):
                    c[x] = c.get(x, 0) + 1
        return cls(size, counts)

    def share(self, kind: str, item: str) -> float:
        if self.size == 0:
            return 0.0
        return self.counts.get(kind, {}).get(item, 0) / self.size

    def common(self, kind: str, item: str) -> bool:
        """More than a quarter of the pool (and at least COMMON_MIN entries) has it."""
        return self.facts(kind, item)[0]

    def idf(self, kind: str, item: str) -> float:
        return self.facts(kind, item)[1]

    def facts(self, kind: str, item: str) -> tuple[bool, float]:
        """Whether an item is common, and its idf; worked out once per item."""
        seen = self._seen.get(kind)
        if seen is None:
            # setdefault: threads meeting a new kind at once share one cache.
            seen = self._seen.setdefault(kind, {})
        found = seen.get(item)
        if found is None:
            n = self.counts.get(kind, {}).get(item, 0)
            idf = math.log((1 + self.size) / (1 + n)) + 1
            found = seen[item] = (self._common_count(n), idf)
        return found

    def _common_count(self, n: int) -> bool:
        return n >= COMMON_MIN and n > COMMON_SHARE * self.size

    def specific_of(self, kind: str, items: Collection[str]) -> tuple[str, ...]:
        """``specific`` of one entry's own collection (its terms dict, say), remembered per
        collection: reasons read what two entries share in it in this order instead of
        sorting by rarity for every pair."""
        key = (kind, id(items))
        hit = self._ordered.get(key)
        if hit is None or hit[0] is not items:  # the id of a collection since dropped
            # A tuple of strings, unlike a list, is untracked by the garbage collector.
            hit = self._ordered[key] = (items, tuple(self.specific(kind, items)))
        return hit[1]

    def specific_set(self, kind: str, items: AbstractSet[str]) -> tuple[str, ...]:
        """``specific`` of a set of items, remembered per set."""
        key = (kind, items if isinstance(items, frozenset) else frozenset(items))
        found = self._sets.get(key)
        if found is None:
            found = self._sets[key] = tuple(self.specific(kind, items))
        return found

    def specific(self, kind: str, items: Iterable[str]) -> list[str]:
        """``items`` without the common ones, rarest first (highest idf, then by name)."""
        if not isinstance(items, Collection):
            items = list(items)  # read twice below
        # Both the idf and commonness depend on an item's count alone: the idf falls as the
        # count grows and an item is common from some count on. So the order by (-idf, item)
        # is the order by (count, item), and the common items are its tail.
        get = self.counts.get(kind, {}).get
        by_count = sorted(zip(map(get, items, repeat(0)), items, strict=True))
        while by_count and self._common_count(by_count[-1][0]):
            by_count.pop()
        return [x for _n, x in by_count]

    def overlap(self, kind: str, a: Iterable[str], b: Iterable[str]) -> float:
        """Rarity-weighted cosine of two item sets, common items left out."""
        sa = {x for x in a if not self.common(kind, x)}
        sb = {x for x in b if not self.common(kind, x)}
        shared = sa & sb
        if not shared:
            return 0.0
        na = math.sqrt(sum(self.idf(kind, x) ** 2 for x in sa))
        nb = math.sqrt(sum(self.idf(kind, x) ** 2 for x in sb))
        return sum(self.idf(kind, x) ** 2 for x in shared) / (na * nb)
