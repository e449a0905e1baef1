"""Learning from feedback, as pure numpy: a member's own clicks and a community's refit.

Two mechanisms, both bounded so that learning can reorder suggestions but never
outweigh the text they are based on:

* per member, relevance feedback on their own query (Rocchio): a candidate similar to
  partners they declined moves down, one similar to partners they connected with moves
  up. Each click's weight halves every ``half_life_days``; the weights are averaged, not
  summed, once there is more than one click's worth, so no single click dominates and
  the whole effect never exceeds ``strength``;
* per community, the weights of the scoring signals are refit from its feedback by a
  logistic regression that keeps today's weights as the prior (see ``fit_weights``).
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
# Below this many positive and negative clicks each, a refit is not attempted at all.
MIN_EACH = 10


@dataclass(frozen=True)
class Click:
    """One reaction of a member to a partner: the partner's vector, +1/-1, its age."""

    vector: NDArray[np.float32]
    sign: float
    age_days: float


@dataclass(frozen=True)
class Learning:
    """How much a member's own clicks move their ranking (0 = not at all), and whether
    the workspace's latest refit weights replace the default ones."""

    strength: float = 0.0
    half_life_days: float = 120.0
    fitted_weights: bool = False


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


# ------------------------------------------------------------------ community refit

NAMES = tuple(f.name for f in fields(Weights))


def as_row(f: Features) -> list[float]:
    return [float(getattr(f, n)) for n in NAMES]


@dataclass(frozen=True)
class Fit:
    """The outcome of one refit: weights to rank with, the data size and the change."""

    weights: Weights
    prior: Weights
    positives: int
    negatives: int
    change: float


def fit_weights(
    features: Sequence[Features],
    labels: Sequence[bool],
    prior: Weights,
    *,
    prior_strength: float = PRIOR_STRENGTH,
    min_each: int = MIN_EACH,
) -> Fit | None:
    """Refit the signal weights from positive and negative clicks, pulled towards ``prior``.

    Model: ``P(positive) = σ(b + a·score_prior(x) + δ·x)`` — the prior's score enters
    with a free coefficient ``a`` (the data decide the scale, which ranking ignores) and
    only the deviations ``δ`` are penalised by ``prior_strength/2 · |δ|²``. Solved by
    Newton's method (IRLS). The weights to rank with are ``prior + δ/a``, clipped at 0 so
    a signal never counts against a pair. ``None`` when there is too little data (fewer
    than ``min_each`` of either kind) or the data contradict the prior (``a ≤ 0``).
    """
    y = np.array(labels, dtype=np.float64)
    pos, neg = int(y.sum()), int(len(y) - y.sum())
    if pos < min_each or neg < min_each:
        return None
    x = np.array([as_row(f) for f in features], dtype=np.float64)
    w0 = np.array([getattr(prior, n) for n in NAMES], dtype=np.float64)
    design = np.column_stack([np.ones(len(y)), x @ w0, x])
    k = x.shape[1]
    penalty = np.diag([1e-6, 1e-6, *([prior_strength] * k)])
    theta = np.zeros(design.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(design @ theta)))
        grad = design.T @ (p - y) + penalty @ theta
        hess = design.T @ (design * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hess, grad)
        theta -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    a, delta = float(theta[1]), theta[2:]
    if not np.all(np.isfinite(theta)) or a <= 0:
        return None
    fitted = np.clip(w0 + delta / a, 0.0, None)
    weights = Weights(**{n: round(float(v), 4) for n, v in zip(NAMES, fitted, strict=True)})
    change = float(np.abs(fitted - w0).sum())
    return Fit(weights, prior, pos, neg, round(change, 4))
