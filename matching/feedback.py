"""Learning from feedback, as pure numpy: a member's own clicks, the community's pairs, the refit.

Two mechanisms, both bounded so that learning can reorder suggestions but never
outweigh the text they are based on:

* per member, relevance feedback on their own query (Rocchio): a candidate similar to
  partners they declined moves down, one similar to partners they connected with moves
  up. Each click's weight halves every ``half_life_days``; the weights are averaged, not
  summed, once there is more than one click's worth, so no single click dominates and
  the whole effect never exceeds ``strength``;
* per community, every reacted pair teaches about similar pairs of other members
  (``PairMemory``): a kernel regression over the community's pairs, so that a member who
  never clicked still gains from what others found (see ``PairMemory.adjustments``);
* per community, the weights of the scoring signals are refit from its feedback by a
  pairwise logistic regression (positives above declined and above sampled unshown
  candidates) that keeps today's weights as the prior (see ``fit_weights``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from matching.scoring import Features, Weights

POSITIVE = frozenset({"connect", "met", "collaboration"})
NEGATIVE = frozenset({"not_relevant", "not_fit"})

# How strongly the refit is pulled to the prior: as many pseudo-observations per unit of
# change in a weight. With fewer than a few dozen clicks the weights barely move.
PRIOR_STRENGTH = 10.0
# Below this many positive and negative partners each, a refit is not attempted at all.
MIN_EACH = 10
# Per member who reacted, this many members they were not shown (and did not react to)
# join the declined ones as the worse side of each positive: clicks only ever judge a
# top 5, where the score has already selected on the signals (see BENCHMARKS.md).
UNSHOWN_PER_MEMBER = 20


@dataclass(frozen=True)
class Click:
    """One reaction of a member to a partner: the partner's vector, +1/-1, its age."""

    vector: NDArray[np.float32]
    sign: float
    age_days: float


# The community's pairs: as many pseudo-pairs of zero evidence as this, so that a
# candidate pair like only one reacted pair moves by at most half of ``community``.
PAIR_PRIOR = 1.0


@dataclass(frozen=True)
class Learning:
    """How much a member's own clicks move their ranking (0 = not at all), how much the
    community's reacted pairs move everyone's, and whether the workspace's latest refit
    weights replace the default ones."""

    strength: float = 0.0
    half_life_days: float = 120.0
    fitted_weights: bool = False
    community: float = 0.0


def sign_of(kind: str) -> float:
    """+1 for a positive reaction, -1 for a negative one, 0 for the rest (e.g. 'known')."""
    return 1.0 if kind in POSITIVE else -1.0 if kind in NEGATIVE else 0.0


def direction(clicks: Sequence[Click], half_life_days: float) -> NDArray[np.float32] | None:
    """The member's feedback as one vector: decayed, signed and averaged click vectors.

    Weights are divided by ``max(1, Σ decay)``: one fresh click has full weight, ten
    share it. A candidate's adjustment is then ``strength · direction @ vector``, at most
    ``strength`` in size because every click vector is unit length.
    """
    used = [c for c in clicks if c.sign != 0.0]
    if not used:
        return None
    decay = np.array([0.5 ** (max(c.age_days, 0.0) / half_life_days) for c in used])
    weights = decay / max(1.0, float(decay.sum()))
    vecs = np.vstack([c.vector for c in used]).astype(np.float32)
    signs = np.array([c.sign for c in used])
    out: NDArray[np.float32] = ((weights * signs)[:, None] * vecs).sum(axis=0).astype(np.float32)
    return out


def adjustments(
    direction_: NDArray[np.float32], vectors: NDArray[np.float32], strength: float
) -> NDArray[np.float32]:
    """Score change per candidate vector (rows), bounded by ``strength``."""
    raw = vectors.astype(np.float32) @ direction_.astype(np.float32)
    out: NDArray[np.float32] = (strength * np.clip(raw, -1.0, 1.0)).astype(np.float32)
    return out


def unit_mean(vectors: Sequence[NDArray[np.float32]]) -> NDArray[np.float32] | None:
    """The normalised mean of a partner's entry vectors (None if they have none)."""
    if not vectors:
        return None
    v = np.vstack(vectors).astype(np.float32).mean(axis=0)
    n = float(np.linalg.norm(v))
    return (v / n).astype(np.float32) if n > 0 else None


# ------------------------------------------------------------------ community pairs


def centred(vectors: NDArray[np.float32], centre: NDArray[np.float32]) -> NDArray[np.float32]:
    """Rows minus the community's mean vector, unit length: what is particular to each.

    Raw cosines of one community's texts share a large common part (same language, same
    field), so that every pair looks a little like every other one; centred, two pairs
    are alike only when their topics are.
    """
    x = np.atleast_2d(vectors).astype(np.float32) - centre.astype(np.float32)
    n = np.linalg.norm(x, axis=1, keepdims=True)
    out: NDArray[np.float32] = (x / np.where(n > 0, n, 1.0)).astype(np.float32)
    return out


@dataclass(frozen=True)
class PairMemory:
    """The community's reacted pairs: both sides' centred vectors, sign and decay.

    A candidate pair (member, candidate) is like a reacted pair (a, b) when the member is
    like a and the candidate like b, or the other way round; its kernel is the square of
    the larger product of (positive) centred cosines, times the reacted pair's decay.
    The adjustment is the kernel-weighted mean sign (Nadaraya-Watson) with ``prior``
    pseudo-pairs of sign 0: far from every reacted pair, or with few of them, it stays
    near 0, and it never exceeds ``strength`` in size.
    """

    left: NDArray[np.float32]
    right: NDArray[np.float32]
    signs: NDArray[np.float64]
    decay: NDArray[np.float64]
    centre: NDArray[np.float32]

    @classmethod
    def build(
        cls,
        pairs: Sequence[tuple[NDArray[np.float32], NDArray[np.float32], float, float]],
        centre: NDArray[np.float32],
        half_life_days: float,
    ) -> PairMemory | None:
        """From ``(vector a, vector b, sign, age in days)`` per reacted pair."""
        used = [p for p in pairs if p[2] != 0.0]
        if not used:
            return None
        return cls(
            left=centred(np.vstack([p[0] for p in used]), centre),
            right=centred(np.vstack([p[1] for p in used]), centre),
            signs=np.array([p[2] for p in used], dtype=np.float64),
            decay=np.array([0.5 ** (max(p[3], 0.0) / half_life_days) for p in used]),
            centre=centre,
        )

    def __len__(self) -> int:
        return len(self.signs)

    def adjustments(
        self,
        query: NDArray[np.float32],
        vectors: NDArray[np.float32],
        strength: float,
        prior: float = PAIR_PRIOR,
    ) -> NDArray[np.float32]:
        """Score change of each candidate (rows of ``vectors``) for the member ``query``."""
        q = centred(query, self.centre)[0]
        cands = centred(vectors, self.centre)
        to_left = np.maximum(self.left @ q, 0.0)  # (P,)
        to_right = np.maximum(self.right @ q, 0.0)
        c_left = np.maximum(cands @ self.left.T, 0.0)  # (n, P)
        c_right = np.maximum(cands @ self.right.T, 0.0)
        kernel = np.maximum(to_left * c_right, to_right * c_left).astype(np.float64) ** 2
        kernel *= self.decay
        est = (kernel @ self.signs) / (kernel.sum(axis=1) + prior)
        out: NDArray[np.float32] = (strength * est).astype(np.float32)
        return out


# ------------------------------------------------------------------ community refit

NAMES = tuple(f.name for f in fields(Weights))


def as_row(f: Features) -> list[float]:
    return [float(getattr(f, n)) for n in NAMES]


@dataclass(frozen=True)
class Fit:
    """The outcome of one refit: weights to rank with, the data size and the change.

    ``negatives`` counts the declined partners and the sampled unshown ones."""

    weights: Weights
    prior: Weights
    positives: int
    negatives: int
    change: float


def fit_weights(
    comparisons: Sequence[tuple[Features, Features]],
    prior: Weights,
    *,
    positives: int,
    negatives: int,
    prior_strength: float = PRIOR_STRENGTH,
    min_each: int = MIN_EACH,
) -> Fit | None:
    """Refit the signal weights from ``(better, worse)`` pairs of one member's candidates,
    pulled towards ``prior``.

    Ranking only compares candidates of the same member, so the model is pairwise:
    ``P(better above worse) = σ(a·Δscore_prior + δ·Δx)`` over the feature differences.
    The prior's score enters with a free coefficient ``a`` (the data decide the scale,
    which ranking ignores) and only the deviations ``δ`` are penalised by
    ``prior_strength/2 · |δ|²``. Solved by Newton's method. The weights to rank with are
    ``prior + δ/a``, clipped at 0 so a signal never counts against a pair. ``None`` when
    there is too little data (fewer than ``min_each`` positive or negative partners) or
    the data contradict the prior (``a ≤ 0``).
    """
    if positives < min_each or negatives < min_each or not comparisons:
        return None
    x = np.array([as_row(b) for b, _ in comparisons], dtype=np.float64)
    x -= np.array([as_row(w) for _, w in comparisons], dtype=np.float64)
    w0 = np.array([getattr(prior, n) for n in NAMES], dtype=np.float64)
    design = np.column_stack([x @ w0, x])
    k = x.shape[1]
    penalty = np.diag([1e-6, *([prior_strength] * k)])
    theta = np.zeros(design.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(design @ theta)))
        grad = design.T @ (p - 1.0) + penalty @ theta
        hess = design.T @ (design * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hess, grad)
        theta -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    a, delta = float(theta[0]), theta[1:]
    if not np.all(np.isfinite(theta)) or a <= 0:
        return None
    fitted = np.clip(w0 + delta / a, 0.0, None)
    weights = Weights(**{n: round(float(v), 4) for n, v in zip(NAMES, fitted, strict=True)})
    change = float(np.abs(fitted - w0).sum())
    return Fit(weights, prior, positives, negatives, round(change, 4))
