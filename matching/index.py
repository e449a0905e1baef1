"""A faiss inner-product index over normalised vectors, keyed by entry id."""

from __future__ import annotations

import threading

import faiss
import numpy as np
from numpy.typing import NDArray

from matching.embedder import Vectors, normalise


class VectorIndex:
    """Exact inner-product search (cosine on unit vectors) with add and remove.

    A flat index is exact and fast enough for community sizes (tens of
    thousands of entries); IDMap2 keeps our entry ids and allows removal
    without a rebuild.
    """

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self._lock = threading.RLock()
        self._vectors: dict[int, Vectors] = {}

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def __contains__(self, entry_id: int) -> bool:
        return entry_id in self._vectors

    def add(self, ids: list[int], vectors: Vectors) -> None:
        """Insert or replace vectors for ``ids``."""
        if not ids:
            return
        vecs = normalise(vectors)
        if vecs.shape != (len(ids), self.dim):
            raise ValueError(f"expected {len(ids)} x {self.dim} vectors, got {vecs.shape}")
        with self._lock:
            present = [i for i in ids if i in self._vectors]
            if present:
                self.remove(present)
            self._index.add_with_ids(vecs, np.asarray(ids, dtype=np.int64))
            for i, row in zip(ids, vecs, strict=True):
                self._vectors[i] = row

    def remove(self, ids: list[int]) -> None:
        with self._lock:
            known = [i for i in ids if i in self._vectors]
            if not known:
                return
            self._index.remove_ids(faiss.IDSelectorBatch(np.asarray(known, dtype=np.int64)))
            for i in known:
                del self._vectors[i]

    def vector(self, entry_id: int) -> Vectors | None:
        return self._vectors.get(entry_id)

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
