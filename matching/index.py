"""A faiss inner-product index over normalised vectors, keyed by entry id."""

from __future__ import annotations

import math
import threading

import faiss
import numpy as np
from numpy.typing import NDArray

from matching.embedder import Vectors, normalise

# Up to here a flat index is exact at tens of milliseconds per query (49 ms at 200k
# entries on 2 cores, benchmarks/index_search.py); beyond it the scan grows linearly and an
# inverted-file index pays off (8 ms at 200k, 10 ms at 500k).
EXACT_UP_TO = 200_000
# Cells probed per query: on clustered data 64 keep ~97 % of the exact top 10 (32: ~94 %,
# twice as fast); more cells cost time linearly.
NPROBE = 64


class VectorIndex:
    """Inner-product search (cosine on unit vectors) with add and remove.

    Exact (flat) up to ``exact_up_to`` entries, which covers any community we
    know of; IDMap2 keeps our entry ids and allows removal without a rebuild.
    Past that size the index is rebuilt once as an inverted file (IVF, about
    sqrt(n) cells, trained on the vectors it holds), approximate but scanning
    only ``nprobe`` cells per query; it is retrained when it has doubled since.
    Ranking re-scores candidates exactly, so only recall depends on this.
    """

    def __init__(self, dim: int, exact_up_to: int = EXACT_UP_TO, nprobe: int = NPROBE) -> None:
        self.dim = dim
        self.exact_up_to = exact_up_to
        self.nprobe = nprobe
        self._index: faiss.Index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self._trained_on = 0
        self._quantizer: faiss.Index | None = None
        self._lock = threading.RLock()
        # Ids held. Their vectors only once approximate (an IVF index does not give them
        # back cheaply, and a retraining needs them): the flat index holds them already,
        # and a second copy was 20 MB at 10,000 entries.
        self._ids: dict[int, None] = {}  # in insertion order, as the flat index holds them
        self._vectors: dict[int, Vectors] = {}

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def approximate(self) -> bool:
        return self._trained_on > 0

    def _maybe_rebuild(self) -> None:
        n = len(self._ids)
        if n <= self.exact_up_to or (self._trained_on and n < 2 * self._trained_on):
            return
        ids = np.fromiter(self._ids, dtype=np.int64, count=n)
        if self._trained_on:
            vecs = np.vstack([self._vectors[int(i)] for i in ids])
        else:
            vecs = np.asarray(self._index.reconstruct_batch(ids), dtype=np.float32)
            self._vectors = dict(zip(ids.tolist(), vecs, strict=True))
        cells = max(1, int(math.sqrt(n)))
        quantizer = faiss.IndexFlatIP(self.dim)
        ivf = faiss.IndexIVFFlat(quantizer, self.dim, cells, faiss.METRIC_INNER_PRODUCT)
        # Enough points per cell for k-means; more only lengthens the one-off training.
        rng = np.random.default_rng(0)
        sample = vecs[rng.choice(n, min(n, cells * 64), replace=False)]
        ivf.train(sample)
        ivf.add_with_ids(vecs, ids)
        ivf.nprobe = min(self.nprobe, cells)
        # faiss holds a raw pointer to the quantizer; keep it alive with the index.
        self._quantizer = quantizer
        self._index = ivf
        self._trained_on = n

    def __contains__(self, entry_id: int) -> bool:
        return entry_id in self._ids

    def add(self, ids: list[int], vectors: Vectors) -> None:
        """Insert or replace vectors for ``ids``."""
        if not ids:
            return
        vecs = normalise(vectors)
        if vecs.shape != (len(ids), self.dim):
            raise ValueError(f"expected {len(ids)} x {self.dim} vectors, got {vecs.shape}")
        with self._lock:
            present = [i for i in ids if i in self._ids]
            if present:
                self.remove(present)
            self._index.add_with_ids(vecs, np.asarray(ids, dtype=np.int64))
            self._ids.update(dict.fromkeys(ids))
            if self.approximate:
                for i, row in zip(ids, vecs, strict=True):
                    self._vectors[i] = row
            self._maybe_rebuild()

    def remove(self, ids: list[int]) -> None:
        with self._lock:
            known = [i for i in ids if i in self._ids]
            if not known:
                return
            self._index.remove_ids(faiss.IDSelectorBatch(np.asarray(known, dtype=np.int64)))
            for i in known:
                del self._ids[i]
                self._vectors.pop(i, None)

    def vector(self, entry_id: int) -> Vectors | None:
        with self._lock:
            if entry_id not in self._ids:
                return None
            if self.approximate:
                return self._vectors[entry_id]
            return np.asarray(self._index.reconstruct(entry_id), dtype=np.float32)

    def search(self, query: NDArray[np.float32], k: int) -> list[tuple[int, float]]:
        """The ``k`` nearest entries as ``(id, score)``, best first."""
        with self._lock:
            n = int(self._index.ntotal)
            if n == 0 or k <= 0:
                return []
            q = normalise(query)
            scores, ids = self._index.search(q, min(k, n))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]

    def search_many(self, queries: NDArray[np.float32], k: int) -> list[list[tuple[int, float]]]:
        """Batch search: one result list per query row."""
        with self._lock:
            n = int(self._index.ntotal)
            if n == 0 or k <= 0:
                return [[] for _ in range(len(queries))]
            scores, ids = self._index.search(normalise(queries), min(k, n))
        return [
            [(int(i), float(s)) for i, s in zip(id_row, sc_row, strict=True) if i != -1]
            for id_row, sc_row in zip(ids, scores, strict=True)
        ]

    def search_ids(self, queries: NDArray[np.float32], k: int) -> NDArray[np.int64]:
        """Batch search, ids only: one row of ``k`` per query, -1 where there are fewer."""
        with self._lock:
            n = int(self._index.ntotal)
            if n == 0 or k <= 0:
                return np.full((len(queries), 0), -1, dtype=np.int64)
            _scores, ids = self._index.search(normalise(queries), min(k, n))
        return np.asarray(ids, dtype=np.int64)
