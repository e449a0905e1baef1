"""Test seams that stand in for slow real components."""

from __future__ import annotations

import hashlib

import numpy as np

from matching.embedder import Vectors, normalise
from matching.lexical import tokens


class HashEmbedder:
    """A deterministic bag-of-stems embedder: fast, and texts sharing words are close.

    Used where a test checks storage or plumbing rather than language
    understanding; it also counts calls so tests can prove nothing is
    embedded twice.
    """

    model_id = "test-hash-256"
    dim = 256

    def __init__(self) -> None:
        self.calls = 0
        self.texts_embedded = 0

    def embed(self, texts: list[str]) -> Vectors:
        self.calls += 1
        self.texts_embedded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for tok in tokens(text) or ["∅"]:
                h = int.from_bytes(hashlib.blake2b(tok.encode(), digest_size=4).digest(), "big")
                out[row, h % self.dim] += 1.0 if (h >> 16) & 1 else -1.0
        return normalise(out)
