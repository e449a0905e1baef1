"""The pure maths of learning from feedback: bounded, decaying, pulled to the prior."""

from __future__ import annotations

import numpy as np

from matching.feedback import Click, adjustments, direction, fit_weights, sign_of
from matching.scoring import Features, Weights


def unit(i: int, dim: int = 8) -> np.ndarray:
    v = np.zeros(dim, dtype=np.float32)
    v[i] = 1.0
    return v


def test_signs_of_kinds() -> None:
    assert [sign_of(k) for k in ("connect", "met", "collaboration")] == [1.0, 1.0, 1.0]
    assert [sign_of(k) for k in ("not_relevant", "not_fit")] == [-1.0, -1.0]
    assert sign_of("known") == 0.0


def test_no_clicks_no_direction() -> None:
    assert direction([], 120) is None
    assert direction([Click(unit(0), 0.0, 0.0)], 120) is None


def test_decline_lowers_similar_and_connect_raises_similar() -> None:
    d = direction([Click(unit(0), -1.0, 0.0), Click(unit(1), 1.0, 0.0)], 120)
    assert d is not None
    cands = np.vstack([unit(0), unit(1), unit(2)])
    adj = adjustments(d, cands, 0.3)
    assert adj[0] < 0 < adj[1]
    assert adj[2] == 0.0


def test_effect_bounded_by_strength_however_many_clicks() -> None:
    many = [Click(unit(0), -1.0, 0.0) for _ in range(50)]
    d = direction(many, 120)
    assert d is not None
    assert abs(float(adjustments(d, unit(0)[None, :], 0.3)[0])) <= 0.3 + 1e-6


def test_no_single_click_dominates_among_many() -> None:
    clicks = [Click(unit(1), 1.0, 0.0) for _ in range(9)] + [Click(unit(0), -1.0, 0.0)]
    d = direction(clicks, 120)
    assert d is not None
    adj = adjustments(d, np.vstack([unit(0), unit(1)]), 0.3)
    assert abs(float(adj[0])) <= 0.3 / 10 + 1e-6
    assert float(adj[1]) > 0.25


def test_clicks_decay_with_age() -> None:
    fresh = direction([Click(unit(0), 1.0, 0.0), Click(unit(1), 1.0, 0.0)], 100)
    aged = direction([Click(unit(0), 1.0, 0.0), Click(unit(1), 1.0, 100.0)], 100)
    assert fresh is not None and aged is not None
    assert abs(float(fresh[1]) - float(fresh[0])) < 1e-6
    assert abs(float(aged[1]) / float(aged[0]) - 0.5) < 1e-6


def _data(n: int, seed: int = 0) -> tuple[list[Features], list[bool]]:
    """Positives share target groups far more often than negatives; the rest is noise."""
    rng = np.random.default_rng(seed)
    feats, labels = [], []
    for i in range(n):
        pos = i % 2 == 0
        feats.append(
            Features(
                semantic=float(rng.uniform(0.3, 0.7)),
                lexical=float(rng.uniform(0.0, 0.5)),
                groups=float(rng.random() < (0.8 if pos else 0.1)) * 0.5,
            )
        )
        labels.append(pos)
    return feats, labels


def test_little_data_leaves_the_prior() -> None:
    feats, labels = _data(12)
    assert fit_weights(feats, labels, Weights()) is None


def test_fit_moves_towards_the_signal_that_separates() -> None:
    feats, labels = _data(400)
    fit = fit_weights(feats, labels, Weights())
    assert fit is not None
    assert fit.positives == fit.negatives == 200
    assert fit.weights.groups > Weights().groups
    assert fit.change > 0
    assert all(v >= 0 for v in vars(fit.weights).values())


def test_more_data_moves_further_from_the_prior() -> None:
    small = fit_weights(*_data(40), Weights())
    large = fit_weights(*_data(800), Weights())
    assert small is not None and large is not None
    assert small.change < large.change
