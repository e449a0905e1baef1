"""The in-memory view of one workspace's entries, and the ranking over it.

Kept free of the database and of Slack so that ranking is a pure, tested
function of the documents it holds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

import numpy as np
from threadpoolctl import ThreadpoolController

from matching.batch import merge_members, rank_docs, with_pairs
from matching.doc import Doc as Doc
from matching.doc import Match as Match
from matching.explain import MIN_SENTENCE_SIM
from matching.index import VectorIndex
from matching.parallel import rank_split
from matching.scoring import Weights
from matching.snapshot import Query, Snapshot

log = logging.getLogger(__name__)

# Ranking multiplies small blocks (a query's sentences with its candidates'): OpenBLAS
# spreading each over both cores made a 2,000-entry `suggest --all` twice as slow (its
# threads wait for each other, worse on a busy machine). BLAS is limited to one thread
# while ranking; the embedder sets its own count (Settings.threads) when it runs.
_BLAS = ThreadpoolController()

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


class Pool:
    """Entries of one workspace: a faiss index for recall, BM25 and features for ranking."""

    def __init__(
        self,
        dim: int,
        weights: Weights | None = None,
        candidates: int = 100,
        sync_lexical_up_to: int = SYNC_LEXICAL_UP_TO,
        lexical_delay_s: float = LEXICAL_DELAY_S,
        min_sentence_sim: float = MIN_SENTENCE_SIM,
        workers: int = 1,
    ) -> None:
        self.dim = dim
        self.weights = weights or Weights()
        self.candidates = candidates
        self.sync_lexical_up_to = sync_lexical_up_to
        self.lexical_delay_s = lexical_delay_s
        # On the scale of the model whose vectors the pool holds (matching.models).
        self.min_sentence_sim = min_sentence_sim
        # Processes for ranking a large batch (matching.parallel); 1 ranks in this one.
        self.workers = workers
        self.docs: dict[int, Doc] = {}
        self._by_user: dict[str, set[int]] = {}
        self.index = VectorIndex(dim)
        self._lexical: Snapshot | None = None
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
            if self._lexical is not None:
                self._lexical.forget([d.entry_id for d in docs])
            self._lexical_stale = True

    def remove(self, entry_ids: Iterable[int]) -> None:
        entry_ids = list(entry_ids)
        with self._lock:
            ids = [i for i in entry_ids if i in self.docs]
            for i in ids:
                self._by_user.get(self.docs.pop(i).user_id, set()).discard(i)
            self.index.remove(ids)
            if self._lexical is not None:
                self._lexical.forget(ids)
            self._lexical_stale = True

    def docs_of(self, user_id: str) -> list[Doc]:
        """A member's entries, in id order."""
        with self._lock:
            return [self.docs[i] for i in sorted(self._by_user.get(user_id, ()))]

    def users(self) -> list[str]:
        with self._lock:
            return sorted(u for u, ids in self._by_user.items() if ids)

    def _lex(self) -> Snapshot:
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
                state = Snapshot.build(list(self.docs.values()), self.dim)
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
            state = Snapshot.build(snapshot, self.dim)
        except Exception:
            log.exception("rebuilding the lexical index failed; keeping the previous one")
            with self._lock:
                self._lexical_stale = True
            return
        with self._lock:
            # Entries changed while it was built are read from the pool, not the snapshot.
            state.forget([d.entry_id for d in snapshot if self.docs.get(d.entry_id) is not d])
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
        spec = Query([query], exclude_users, exclude_orgs, among, listed_only)
        with self._lock, _BLAS.limit(limits=1, user_api="blas"):
            snap = self._lex()
            ranked = next(rank_docs(self, snap, [(query, spec)], k))
            return with_pairs(ranked.matches(snap.rarity), [query])

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

        The batch of one of rank_many, so that both rank identically; with the sentence
        pair that explains each match.
        """
        spec = Query(queries, exclude_users, exclude_orgs, among, listed_only)
        return with_pairs(self.rank_many([spec], k=k)[0], queries)

    def rank_many(
        self, queries: list[Query], *, k: int, recall: int | None = None
    ) -> list[list[Match]]:
        """rank_members for many queries at once: one faiss search, candidates in blocks.

        Without the explaining sentence pairs (with_pairs): a caller adds them for the
        matches it shows, which are fewer than it ranks. Candidates are found as for
        ``recall`` (default ``k``) results."""
        items = [(d, q) for q in queries for d in q.docs]
        # One lock for all queries: every query is ranked against the same pool.
        out = []
        with self._lock, _BLAS.limit(limits=1, user_api="blas"):
            # Each entry's list must hold k different people for the merge: k plus the
            # pool's second and further entries of a person is enough (k when everyone has
            # one entry), and 4k + 10 as before when many have several. Every ranked
            # candidate is aligned sentence by sentence, the costliest feature.
            # Which candidates are found stays as it was with 4k + 10.
            seconds = len(self.docs) - sum(1 for ids in self._by_user.values() if ids)
            reach = max(k, recall or k) * 4 + 10
            depth = min(k * 4 + 10, k + seconds)
            snap = self._lex()
            ranked = rank_split(self, snap, items, depth, reach, self.workers)
            # Merged per query as they come: only k matches per query are kept.
            for q in queries:
                per_doc = [next(ranked) for _d in q.docs]
                out.append(merge_members(per_doc, k, snap.rarity))
        return out
