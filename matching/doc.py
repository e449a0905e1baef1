"""What matching knows of one entry (Doc), and a ranked candidate for a query (Match)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from matching.orgs import org_key
from matching.scoring import Features
from matching.subjects import Need
from matching.taxonomy import expand_groups
from matching.terms import Rarity


@dataclass
class Doc:
    """One entry as matching sees it."""

    entry_id: int
    user_id: str
    vector: NDArray[np.float32]
    sentences: list[str] = field(default_factory=list)
    # float16 as stored (half the memory of a community's sentences), float32 for a query.
    sentence_vectors: NDArray[Any] = field(
        default_factory=lambda: np.zeros((0, 0), dtype=np.float32)
    )
    # The numbers (matching.lexical.TOKENS) of the text's BM25 tokens (matching.lexical.tokens).
    tokens: NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    groups: frozenset[str] = frozenset()
    themes: frozenset[str] = frozenset()
    tools: frozenset[str] = frozenset()
    looking_for: frozenset[str] = frozenset()
    offers: frozenset[str] = frozenset()
    terms: dict[str, str] = field(default_factory=dict)  # stem key -> the text's spelling
    region: str = ""
    needs: tuple[Need, ...] = ()
    organisation: str = ""
    display_name: str = ""
    title: str = ""
    kind: str = "project"
    external_id: str | None = None
    # The organisation as compared (matching.orgs.org_key), computed once per entry.
    org: str = field(init=False, default="")
    # False for an imported member who has not agreed yet: ranked only when a caller asks
    # (listed_only=False, the operator's offline tools), never suggested to members.
    listed: bool = True

    def __post_init__(self) -> None:
        # Parents count as shared: "Geflüchtete aus der Ukraine" meets "Geflüchtete".
        self.groups = _expanded(tuple(self.groups))
        self.org = org_key(self.organisation)


@lru_cache(maxsize=4096)
def _expanded(groups: tuple[str, ...]) -> frozenset[str]:
    """expand_groups as one shared frozenset per distinct list of groups (a few dozen recur:
    a set per entry was 2 MB at 10,000 entries). By the groups in their order, so that a
    doc's set is the one it made itself before, to the order its items iterate in."""
    return frozenset(expand_groups(groups))


def rarity_of(docs: list[Doc]) -> Rarity:
    """How many of ``docs`` have each group, theme, tool, term and region."""
    return Rarity.count(
        len(docs),
        {
            "group": [d.groups for d in docs],
            "theme": [d.themes for d in docs],
            "tool": [d.tools for d in docs],
            "term": [d.terms for d in docs],
            "region": [[d.region.casefold()] if d.region else [] for d in docs],
        },
    )


@dataclass(frozen=True)
class Match:
    """A candidate entry for a query entry, with everything needed to explain it.

    ``doc`` is the entry as it was ranked: readers use it rather than looking the id
    up in the pool again, where a concurrent ``forget`` may have removed it by then.
    """

    query_id: int
    entry_id: int
    user_id: str
    score: float
    features: Features
    pair: tuple[int, int, float] = (-1, -1, 0.0)
    doc: Doc = field(kw_only=True, compare=False, repr=False)
    # The pool's item counts at ranking time, so that reasons leave out common items.
    rarity: Rarity = field(default_factory=Rarity, kw_only=True, compare=False, repr=False)
