"""The in-memory view of one workspace's entries, and the ranking over it.

Kept free of the database and of Slack so that ranking is a pure, tested
function of the documents it holds.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from matching.index import VectorIndex
from matching.lexical import Lexical
from matching.orgs import org_key
from matching.scoring import Features, Weights, sentence_alignment, set_overlap
from matching.subjects import Need, need_matches
from matching.taxonomy import expand_groups
from matching.terms import Rarity

log = logging.getLogger(__name__)

# BM25 (bm25s) has no incremental add: every change means a full rebuild, which is
# linear in the pool (about 0.2 s at 1,000 entries, 2 s at 10,000; see
# benchmarks/community_scale.py). Up to this size the rebuild happens before the next
# ranking, so results are always exact; above it, rankings use the last complete index
# while a background thread rebuilds it (see Pool._lex).
SYNC_LEXICAL_UP_TO = 2000
# The background rebuild waits this long first: the member who just described gets their
# suggestions without a rebuild competing for the GIL, and a burst of changes (an
# import, several describes) costs one rebuild, not one each.
LEXICAL_DELAY_S = 2.0


@dataclass
class Doc:
    """One entry as matching sees it."""

    entry_id: int
    user_id: str
    vector: NDArray[np.float32]
    sentences: list[str] = field(default_factory=list)
    sentence_vectors: NDArray[np.float32] = field(
        default_factory=lambda: np.zeros((0, 0), dtype=np.float32)
    )
    tokens: list[str] = field(default_factory=list)
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
        self.groups = frozenset(expand_groups(self.groups))
        self.org = org_key(self.organisation)


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
class _LexicalState:
    """A BM25 index over a snapshot of the pool, and what it needs to be read."""

    index: Lexical
    rows: list[int]
    row_of: dict[int, int]
    rarity: Rarity
    # Per entry: its non-common terms with their squared rarity, and the norm.
    term_weights: dict[int, tuple[dict[str, float], float]]

    @classmethod
    def build(cls, docs: list[Doc]) -> _LexicalState:
        rows = [d.entry_id for d in docs]
        rarity = rarity_of(docs)
        return cls(
            index=Lexical([d.tokens for d in docs]),
            rows=rows,
            row_of={eid: r for r, eid in enumerate(rows)},
            rarity=rarity,
            term_weights={d.entry_id: term_weights(d, rarity) for d in docs},
        )


def term_weights(doc: Doc, rarity: Rarity) -> tuple[dict[str, float], float]:
    w = {k: rarity.idf("term", k) ** 2 for k in doc.terms if not rarity.common("term", k)}
    return w, math.sqrt(sum(w.values()))


def _term_overlap(a: tuple[dict[str, float], float], b: tuple[dict[str, float], float]) -> float:
    (wa, na), (wb, nb) = a, b
    if not na or not nb:
        return 0.0
    small, large = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    return sum(v for k, v in small.items() if k in large) / (na * nb)


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


class Pool:
    """Entries of one workspace: a faiss index for recall, BM25 and features for ranking."""

    def __init__(
        self,
        dim: int,
        weights: Weights | None = None,
        candidates: int = 100,
        sync_lexical_up_to: int = SYNC_LEXICAL_UP_TO,
        lexical_delay_s: float = LEXICAL_DELAY_S,
    ) -> None:
        self.dim = dim
        self.weights = weights or Weights()
        self.candidates = candidates
        self.sync_lexical_up_to = sync_lexical_up_to
        self.lexical_delay_s = lexical_delay_s
        self.docs: dict[int, Doc] = {}
        self._by_user: dict[str, set[int]] = {}
        self.index = VectorIndex(dim)
        self._lexical: _LexicalState | None = None
        self._lexical_stale = True
        self._rebuilder: threading.Thread | None = None
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self.docs)

    def upsert(self, docs: Iterable[Doc]) -> None:
        docs = list(docs)
        if not docs:
            return
        with self._lock:
            for d in docs:
                old = self.docs.get(d.entry_id)
                if old is not None:
                    self._by_user.get(old.user_id, set()).discard(d.entry_id)
                self.docs[d.entry_id] = d
                self._by_user.setdefault(d.user_id, set()).add(d.entry_id)
            self.index.add([d.entry_id for d in docs], np.vstack([d.vector for d in docs]))
            self._lexical_stale = True

    def remove(self, entry_ids: Iterable[int]) -> None:
        entry_ids = list(entry_ids)
        with self._lock:
            ids = [i for i in entry_ids if i in self.docs]
            for i in ids:
                self._by_user.get(self.docs.pop(i).user_id, set()).discard(i)
            self.index.remove(ids)
            self._lexical_stale = True

    def docs_of(self, user_id: str) -> list[Doc]:
        """A member's entries, in id order."""
        with self._lock:
            return [self.docs[i] for i in sorted(self._by_user.get(user_id, ()))]

    def users(self) -> list[str]:
        with self._lock:
            return sorted(u for u, ids in self._by_user.items() if ids)

    def _lex(self) -> _LexicalState:
        """The lexical index to rank with.

        Small pools rebuild it at once. Large ones keep ranking with the last complete
        index while one background thread rebuilds it, so that a describe does not wait
        seconds for BM25: until the swap, an entry added since has no lexical score
        (faiss still finds it), an edited one is matched on its old words, and a
        removed one is skipped.
        """
        with self._lock:
            state = self._lexical
            if state is not None and not self._lexical_stale:
                return state
            if state is None or len(self.docs) <= self.sync_lexical_up_to:
                state = _LexicalState.build(list(self.docs.values()))
                self._lexical, self._lexical_stale = state, False
                return state
            if self._rebuilder is None or not self._rebuilder.is_alive():
                self._rebuilder = threading.Thread(
                    target=self._rebuild, name="civic-bm25", daemon=True
                )
                self._rebuilder.start()
            return state

    def _rebuild(self) -> None:
        time.sleep(self.lexical_delay_s)
        with self._lock:
            snapshot = list(self.docs.values())
            # Changes from here on mark it stale again and bring another rebuild.
            self._lexical_stale = False
        try:
            state = _LexicalState.build(snapshot)
        except Exception:
            log.exception("rebuilding the lexical index failed; keeping the previous one")
            with self._lock:
                self._lexical_stale = True
            return
        with self._lock:
            self._lexical = state

    def wait_lexical(self, timeout: float = 60.0) -> bool:
        """Block until no background rebuild is running (tests, benchmarks)."""
        thread = self._rebuilder
        if thread is not None:
            thread.join(timeout)
        return thread is None or not thread.is_alive()

    def rank(
        self,
        query: Doc,
        *,
        k: int,
        exclude_users: frozenset[str] = frozenset(),
        exclude_orgs: frozenset[str] = frozenset(),
        among: frozenset[str] | None = None,
        listed_only: bool = True,
    ) -> list[Match]:
        """The best ``k`` entries for ``query``, best first, excluded owners removed.

        ``exclude_orgs`` holds organisation keys (matching.orgs.org_key), not names.

        With ``among``, only those members' entries are candidates, and every
        one of them is scored exactly (a workshop needs all pairs, not a top-k).
        """
        with self._lock:
            lex = self._lex()
            lex_scores = lex.index.scores(query.tokens)
            cand: dict[int, float]
            if among is not None:
                cand = {
                    e: float(self.docs[e].vector @ query.vector)
                    for u in among
                    for e in self._by_user.get(u, ())
                }
            else:
                cand = dict(self.index.search(query.vector, k + self.candidates))
            if lex_scores.size and among is None:
                for r in np.argsort(-lex_scores)[: self.candidates]:
                    if lex_scores[r] > 0:
                        cand.setdefault(lex.rows[int(r)], -2.0)
            ids = [
                e
                for e in cand
                # A stale lexical index may still hold entries removed since.
                if e in self.docs
                and e != query.entry_id
                and self.docs[e].user_id not in exclude_users
                and self.docs[e].user_id != query.user_id
                and not (exclude_orgs and self.docs[e].org in exclude_orgs)
                and (self.docs[e].listed or not listed_only)
            ]
            if not ids:
                return []
            raw_lex = np.array(
                [lex_scores[lex.row_of[e]] if e in lex.row_of else 0.0 for e in ids],
                dtype=np.float32,
            )
            # Relative to a perfect match: the query's score against its own text.
            # Dividing by the best candidate instead would lift a trivial overlap
            # to full weight in a small community.
            own = lex.row_of.get(query.entry_id)
            ref = float(lex_scores[own]) if own is not None else 0.0
            ref = max(ref, float(raw_lex.max()) if raw_lex.size else 0.0)
            norm_lex = raw_lex / ref if ref > 0 else raw_lex
            matches: list[Match] = []
            rarity = lex.rarity
            q_terms = lex.term_weights.get(query.entry_id) or term_weights(query, rarity)
            q_groups = frozenset(x for x in query.groups if not rarity.common("group", x))
            q_tools = frozenset(x for x in query.tools if not rarity.common("tool", x))
            for e, lx in zip(ids, norm_lex, strict=True):
                d = self.docs[e]
                sem = cand[e] if cand[e] > -2.0 else float(d.vector @ query.vector)
                soft, i, j, sim = sentence_alignment(query.sentence_vectors, d.sentence_vectors)
                d_terms = lex.term_weights.get(e) or term_weights(d, rarity)
                f = Features(
                    semantic=sem,
                    sentence=soft,
                    lexical=float(lx),
                    groups=set_overlap(q_groups, d.groups),
                    themes=rarity.overlap("theme", query.themes, d.themes),
                    tools=set_overlap(q_tools, d.tools),
                    needs=1.0 if need_matches(query.needs, d.needs, rarity) else 0.0,
                    terms=_term_overlap(q_terms, d_terms),
                )
                matches.append(
                    Match(
                        query.entry_id,
                        e,
                        d.user_id,
                        f.score(self.weights),
                        f,
                        (i, j, sim),
                        doc=d,
                        rarity=rarity,
                    )
                )
            matches.sort(key=lambda m: (-m.score, m.entry_id))
            return matches[:k] if k < len(matches) else matches

    def rank_members(
        self,
        queries: list[Doc],
        *,
        k: int,
        exclude_users: frozenset[str] = frozenset(),
        exclude_orgs: frozenset[str] = frozenset(),
        among: frozenset[str] | None = None,
        listed_only: bool = True,
    ) -> list[Match]:
        """Best partner per person for a set of query entries: one Match per member, best first.

        A person's score is their best entry pair; a second matching entry adds
        a little, because two overlapping projects are a stronger reason to talk.
        """
        best: dict[str, Match] = {}
        extra: dict[str, float] = {}
        depth = k * 4 + 10
        ranked_per_query: list[list[Match]] = []
        # One lock for all queries: every query is ranked against the same pool.
        with self._lock:
            for q in queries:
                ranked_per_query.append(
                    self.rank(
                        q,
                        k=depth,
                        exclude_users=exclude_users,
                        exclude_orgs=exclude_orgs,
                        among=among,
                        listed_only=listed_only,
                    )
                )
        for per_query in ranked_per_query:
            for m in per_query:
                cur = best.get(m.user_id)
                if cur is None or m.score > cur.score:
                    if cur is not None:
                        extra[m.user_id] = extra.get(m.user_id, 0.0) + 0.05 * cur.score
                    best[m.user_id] = m
                else:
                    extra[m.user_id] = extra.get(m.user_id, 0.0) + 0.05 * m.score
        ranked = [
            replace(m, score=m.score + min(extra.get(m.user_id, 0.0), 0.1)) for m in best.values()
        ]
        ranked.sort(key=lambda m: (-m.score, m.entry_id))
        return ranked[:k]
