"""The pure maths of learning from feedback: bounded, decaying, pulled to the prior."""

from __future__ import annotations

import numpy as np

from matching.feedback import (
    Click,
    Fit,
    PairMemory,
    adjustments,
    centred,
    direction,
    fit_weights,
    sign_of,
)
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


def fit(n: int) -> Fit | None:
    """Each positive compared with the next negative, as one member's candidates."""
    feats, labels = _data(n)
    pos = [f for f, y in zip(feats, labels, strict=True) if y]
    neg = [f for f, y in zip(feats, labels, strict=True) if not y]
    pairs = [(p, neg[i % len(neg)]) for i, p in enumerate(pos)]
    return fit_weights(pairs, Weights(), positives=len(pos), negatives=len(neg))


def test_little_data_leaves_the_prior() -> None:
    assert fit(12) is None


def test_fit_moves_towards_the_signal_that_separates() -> None:
    f = fit(400)
    assert f is not None
    assert f.positives == f.negatives == 200
    assert f.weights.groups > Weights().groups
    assert f.change > 0
    assert all(v >= 0 for v in vars(f.weights).values())


def test_more_data_moves_further_from_the_prior() -> None:
    small, large = fit(40), fit(800)
    assert small is not None and large is not None
    assert small.change < large.change


# ------------------------------------------------------------------ community pairs

ZERO = np.zeros(8, dtype=np.float32)


def mix(i: int, j: int, share: float = 0.8) -> np.ndarray:
    v = share * unit(i) + (1 - share) * unit(j)
    return (v / np.linalg.norm(v)).astype(np.float32)


def memory(*pairs: tuple[np.ndarray, np.ndarray, float, float]) -> PairMemory:
    m = PairMemory.build(list(pairs), ZERO, half_life_days=30)
    assert m is not None
    return m


def test_a_pair_teaches_about_similar_pairs_of_other_members() -> None:
    # Someone on topic 0 connected with someone on topic 1; a third member, like the
    # first, sees candidates like the second rise, and a candidate on topic 2 not move.
    m = memory((unit(0), unit(1), 1.0, 0.0))
    cands = np.vstack([mix(1, 3), mix(2, 3)])
    up = m.adjustments(mix(0, 4), cands, strength=0.5)
    assert up[0] > 0.1 and abs(up[1]) < 1e-6
    # The same pair declined moves them down; either side of the pair counts.
    down = memory((unit(1), unit(0), -1.0, 0.0)).adjustments(mix(0, 4), cands, strength=0.5)
    assert down[0] == -up[0] and abs(down[1]) < 1e-6


def test_pair_effect_is_bounded_and_one_pair_moves_at_most_half() -> None:
    one = memory((unit(0), unit(1), 1.0, 0.0))
    assert one.adjustments(unit(0), unit(1)[None, :], strength=0.5)[0] <= 0.25 + 1e-6
    many = memory(*[(unit(0), unit(1), 1.0, 0.0)] * 50)
    x = many.adjustments(unit(0), unit(1)[None, :], strength=0.5)[0]
    assert 0.45 < x <= 0.5


def test_pairs_decay_and_nothing_without_signed_pairs() -> None:
    fresh = memory((unit(0), unit(1), 1.0, 0.0)).adjustments(unit(0), unit(1)[None, :], 0.5)
    old = memory((unit(0), unit(1), 1.0, 300.0)).adjustments(unit(0), unit(1)[None, :], 0.5)
    assert 0 < old[0] < fresh[0] / 100
    assert PairMemory.build([(unit(0), unit(1), 0.0, 0.0)], ZERO, 30) is None


def test_centring_removes_what_every_text_shares() -> None:
    common = np.ones(8, dtype=np.float32)
    out = centred(np.vstack([common + unit(0), common + unit(1)]), common)
    assert abs(float(out[0] @ out[1])) < 1e-6
