"""An embedder wrapper that keeps vectors on disk by text, so repeated runs embed once."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from matching.embedder import Embedder, Vectors, text_hash


class CachedEmbedder:
    """Same model id and vectors as ``inner``; texts seen before are read from ``path``."""

    def __init__(self, inner: Embedder, path: Path) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.path = path
        self._cache: dict[str, np.ndarray] = {}
        if path.exists():
            self._cache = pickle.loads(path.read_bytes())
        self._dirty = 0

    def embed(self, texts: list[str]) -> Vectors:
        keys = [text_hash(t) for t in texts]
        missing = list(
            {k: t for k, t in zip(keys, texts, strict=True) if k not in self._cache}.items()
        )
        if missing:
            vecs = self.inner.embed([t for _, t in missing])
            for (k, _), v in zip(missing, vecs, strict=True):
                self._cache[k] = v
            self._dirty += len(missing)
            if self._dirty >= 256:
                self.save()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self._cache[k] for k in keys]).astype(np.float32)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps(self._cache))
        tmp.replace(self.path)
        self._dirty = 0
