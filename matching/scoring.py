"""Pure ranking functions: features of a candidate pair and how they combine."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Weights:
    """How much each signal counts. Chosen on the dev sets as round numbers, see BENCHMARKS.md."""

    semantic: float = 1.0
    sentence: float = 0.25
    lexical: float = 0.7
    groups: float = 0.2
    themes: float = 0.1
    tools: float = 0.1
    needs: float = 0.1
    terms: float = 0.2


@dataclass(frozen=True)
class Features:
    semantic: float = 0.0
    sentence: float = 0.0
    lexical: float = 0.0
    groups: float = 0.0
    themes: float = 0.0
    tools: float = 0.0
    needs: float = 0.0
    terms: float = 0.0

    def score(self, w: Weights) -> float:
        return (
            w.semantic * self.semantic
            + w.sentence * self.sentence
            + w.lexical * self.lexical
            + w.groups * self.groups
            + w.themes * self.themes
            + w.tools * self.tools
            + w.needs * self.needs
            + w.terms * self.terms
        )


def top_k(
    query: NDArray[np.float32], vectors: NDArray[np.float32], ids: list[int], k: int
) -> list[tuple[int, float]]:
    """Brute-force inner-product ranking: the reference the faiss index is checked against."""
    if len(ids) == 0 or k <= 0:
        return []
    scores = vectors @ query.reshape(-1)
    order = np.argsort(-scores, kind="stable")[:k]
    return [(ids[i], float(scores[i])) for i in order]


def sentence_alignment(
    a: NDArray[np.float32], b: NDArray[np.float32]
) -> tuple[float, int, int, float]:
    """Soft alignment of two texts' sentence vectors.

    Returns the symmetric mean of each sentence's best match (robust to one
    long description against a short one) and the best sentence pair
    ``(i, j, similarity)`` that explains the match.
    """
    if a.size == 0 or b.size == 0:
        return 0.0, -1, -1, 0.0
    sims = a.astype(np.float32) @ b.astype(np.float32).T
    soft = 0.5 * (float(sims.max(axis=1).mean()) + float(sims.max(axis=0).mean()))
    return (soft, *_closest(sims))


def sentence_pair(a: NDArray[np.float32], b: NDArray[np.float32]) -> tuple[int, int, float]:
    """The closest sentence pair ``(i, j, similarity)`` of sentence_alignment, alone."""
    if a.size == 0 or b.size == 0:
        return -1, -1, 0.0
    sims = a.astype(np.float32, copy=False) @ b.astype(np.float32, copy=False).T
    # _closest's answer by the array's own methods: asked once per suggestion shown, where
    # numpy's module-level wrappers cost more than the tiny product itself.
    flat = int(sims.argmax())
    i, j = divmod(flat, sims.shape[1])
    return i, j, sims.item(flat)


def _closest(sims: NDArray[np.float32]) -> tuple[int, int, float]:
    i, j = divmod(int(np.argmax(sims)), sims.shape[1])
    return i, j, float(sims[i, j])


def set_overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Shared items, saturating: one shared item counts most, more add less."""
    shared = len(a & b)
    if shared == 0:
        return 0.0
    return float(1.0 - 0.5**shared)
