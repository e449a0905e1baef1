"""The community map's geometry (matching/projection.py): layout, clusters, loners, lines."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from matching import projection


def topics(n_per: int = 30, dim: int = 64, seed: int = 1) -> tuple[Any, list[tuple[str, ...]]]:
    """Entries around four topics, each topic with its own target group, plus noise."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(4, dim))
    vecs, groups = [], []
    for c in range(4):
        for _ in range(n_per):
            vecs.append(centres[c] + rng.normal(scale=1.2, size=dim))
            groups.append((f"g{c}",))
    return np.array(vecs, dtype=np.float32), groups


def test_layout_brings_shared_groups_together_and_is_deterministic() -> None:
    vecs, groups = topics()
    xy = projection.layout(vecs, groups)
    assert xy.shape == (120, 2) and np.abs(xy).max() == pytest.approx(1.0)
    assert projection.closeness_ratio(xy, groups) < 0.6
    # The same input gives the same picture (no mirroring, no random start).
    assert np.array_equal(xy, projection.layout(vecs.copy(), list(groups)))
    # Text vectors alone already separate these topics.
    assert projection.closeness_ratio(projection.layout(vecs), groups) < 0.8


def test_layout_of_tiny_communities() -> None:
    assert projection.layout(np.zeros((0, 8))).shape == (0, 2)
    assert np.array_equal(projection.layout(np.ones((1, 8))), np.zeros((1, 2)))
    two = projection.layout(np.eye(2, 8))
    assert two.shape == (2, 2) and np.isfinite(two).all()


def test_clusters_are_named_by_their_distinctive_tags() -> None:
    vecs, groups = topics()
    tags = [(*g, "volunteers") for g in groups]  # everybody carries "volunteers"
    xy = projection.layout(vecs, groups)
    labels = projection.kmeans(xy, 4)
    assert np.array_equal(labels, projection.kmeans(xy, 4))
    named = projection.cluster_labels(labels, tags)
    firsts = {v[0] for v in named.values() if v}
    assert firsts == {"g0", "g1", "g2", "g3"}
    assert projection.cluster_count(42) == 6 and projection.cluster_count(10_000) == 7


def test_best_partner_ignores_own_entries_and_marks_loners() -> None:
    v = np.array([[1, 0, 0], [1, 0.1, 0], [0.9, 0.2, 0], [0, 0, 1]], dtype=np.float32)
    owners = ["A", "A", "B", "C"]
    best = projection.best_partner_scores(v, owners, block=2)
    assert best[0] == pytest.approx(float(v[0] @ v[2] / np.linalg.norm(v[2])), abs=1e-5)
    assert best[3] == pytest.approx(0.0, abs=1e-6)
    assert projection.loners(best, 0.5).tolist() == [False, False, False, True]
    assert projection.best_partner_scores(v[:1], ["A"]).tolist() == [-1.0]
    # A line joins the two members' most similar entries; unknown members are skipped.
    assert projection.connection_lines(v, owners, [("A", "B"), ("A", "Z")]) == [(1, 2)]
